"""A large index made from a small one, in memory and without the model: for measuring how the cost
of a question grows with the collection.

    big = synthetic_index(load_index(...), passages=100_000)   # the seeds repeated to 100k passages
    Answerer(Retriever(big)).answer("...")

What it does: repeats the source index's reports as many times as it takes, each copy a report of
its own about a council of its own ("Oxfordshire 3": a copy is no council a question can name, so
a council's history stays the size of the source's), with the same passages under new ids, its
unit and sentence vectors moved by a little noise (cosine about 0.93 to the original) so copies
do not tie, a BM25 index over every copy's text (bm25s, as `reportqa index` builds it, from the
source's tokens repeated) and an HNSW graph over the units (as `reportqa index` chooses above
20,000 units). The first copy keeps the source's ids and councils, so questions about them mean
what they meant.

What it does not do: embed anything, write anything to disk, or make an index `load_index` would
accept (it has no corpus); it is for evals/bench.py and the scale test, not for answering users.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np


def noisy(base: np.ndarray, copies: int, seed: int = 0, noise: float = 0.02) -> np.ndarray:
    """`copies` copies of the unit vectors `base`, the first exact, the others each moved by
    Gaussian noise and normalised again; made in chunks (a 100k-passage index has ~400k sentences)."""
    base = np.asarray(base, dtype=np.float32)
    rng = np.random.default_rng(seed)
    out = np.empty((len(base) * copies, base.shape[1]), dtype=np.float32)
    out[: len(base)] = base
    per_chunk = max(1, 200_000 // max(1, len(base)))
    for start in range(1, copies, per_chunk):
        stop = min(copies, start + per_chunk)
        chunk = np.tile(base, (stop - start, 1))
        chunk += rng.normal(0, noise, chunk.shape).astype(np.float32)
        chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
        out[start * len(base): stop * len(base)] = chunk
    return out


def synthetic_index(source, passages: int, *, seed: int = 0, index_type: str = "hnsw"):
    """An `Index` of at least `passages` passages: the source's reports repeated (see the module)."""
    import bm25s

    from qa.index.load import Index
    from qa.index.units import bm25_text
    from qa.index.vectors import faiss_index
    from qa.index.lexical import tokenize

    copies = max(1, math.ceil(passages / len(source.passages)))
    reports, rows = {}, []
    for c in range(copies):
        for report in source.reports.values():
            if c == 0:
                reports[report.id] = report
                continue
            reports[f"{report.id}-x{c}"] = replace(report, id=f"{report.id}-x{c}", authority=f"{report.authority} {c}",
                                                    file=f"x{c}/{report.file}")
    for c in range(copies):
        for p in source.passages:
            doc_id = p.doc_id if c == 0 else f"{p.doc_id}-x{c}"
            rows.append(p if c == 0 else replace(p, id=f"{doc_id}#{p.label}", doc_id=doc_id))
    n = len(source.passages)
    unit_passage = np.concatenate([np.asarray(source.unit_passage, dtype=np.int64) + c * n for c in range(copies)])
    unit_vectors = noisy(source.unit_vectors, copies, seed)
    spans = np.concatenate([np.asarray(source.sentence_spans, dtype=np.int64) + np.array([c * n, 0, 0]) for c in range(copies)])
    sentence_vectors = noisy(source.sentence_vectors, copies, seed + 1)
    tokens = tokenize([bm25_text(p, source.reports[p.doc_id]) for p in source.passages])
    bm25 = bm25s.BM25()
    bm25.index(tokens * copies, show_progress=False)
    vectors = faiss_index(unit_vectors, index_type)
    manifest = dict(source.manifest) | {
        "reports": len(reports), "passages": len(rows), "units": len(unit_passage), "sentences": len(spans),
        "index_type": index_type, "synthetic": f"{copies} copies of {source.path}",
    }
    return Index(source.path, manifest, reports, rows, vectors, unit_passage.astype(np.int32), unit_vectors,
                 sentence_vectors, spans.astype(np.int32), bm25,
                 sentence_roles=np.tile(np.asarray(source.sentence_roles), copies))
