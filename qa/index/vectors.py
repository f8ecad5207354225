"""The FAISS index of a build's embedding units: exact, HNSW or IVF, and its search parameters.

What it does: picks the index type (`auto`: exact up to `HNSW_THRESHOLD` units, HNSW above),
makes the FAISS index of unit vectors (inner product = cosine), sizes HNSW's candidate list to the
collection (`ef_search`) and describes an index for the manifest.

What it does not do: decide what is embedded (`qa.index.units`) or search with filters
(`qa.index.load.Index.search_units`).
"""

from __future__ import annotations

import numpy as np

INDEX_TYPES = ("auto", "flat", "hnsw", "ivf")


# `auto` picks exact search up to this many embedding units and HNSW above it. Measured on 2 busy
# cores (evals/bench.py): exact search of the top 10 takes 1.3 ms at 10k units, 15 ms at 100k and
# 141 ms at 1M; HNSW 0.2 ms at 100k and 3 to 5 ms at 1M, with recall@10 >= 0.95 against exact
# when efSearch grows with the index (ef_search below). At 20k exact search costs about 3 ms.
HNSW_THRESHOLD = 20_000


HNSW_M = 32


HNSW_EF_CONSTRUCTION = 64


HNSW_EF_SEARCH = 128  # at 10k units and below; more above (ef_search)


FILTER_EXACT_SHARE = 0.2  # Index.search_units: filters allowing at most this share of units are searched exactly


def resolve_index_type(index_type: str, units: int) -> str:
    if index_type not in INDEX_TYPES:
        raise ValueError(f"unknown index type {index_type!r}: choose one of {', '.join(INDEX_TYPES)}")
    if index_type == "auto":
        return "hnsw" if units > HNSW_THRESHOLD else "flat"
    return index_type


def ef_search(units: int) -> int:
    """HNSW's candidate list for an index of this many units: recall@10 against exact search falls
    as the graph grows at a fixed efSearch (on the benchmark's vectors, 0.958 at 10k with 128, 0.66
    at 1M), so it grows with the size: 128 at 10k, about 530 at 100k, 2,200 at 1M (recall 0.96)."""
    return int(min(4096, max(HNSW_EF_SEARCH, HNSW_EF_SEARCH * (units / 10_000) ** 0.62)))


def faiss_index(vectors: np.ndarray, index_type: str):
    """A FAISS index of unit vectors (inner product = cosine): exact, HNSW or IVF."""
    import faiss

    dim = vectors.shape[1]
    index_type = resolve_index_type(index_type, len(vectors))
    if index_type == "flat":
        index = faiss.IndexFlatIP(dim)
    elif index_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = ef_search(len(vectors))
    else:
        nlist = max(1, min(int(np.sqrt(len(vectors))), len(vectors) // 39 or 1))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(vectors)
        index.nprobe = max(1, nlist // 4)
    index.add(vectors)
    return index


def faiss_description(index) -> dict:
    """What the manifest records of a FAISS index: its type and search parameters."""
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        return {"type": "hnsw", "M": HNSW_M, "efConstruction": int(index.hnsw.efConstruction), "efSearch": int(index.hnsw.efSearch)}
    if isinstance(index, faiss.IndexIVF):
        return {"type": "ivf", "nlist": int(index.nlist), "nprobe": int(index.nprobe)}
    return {"type": "flat"}

