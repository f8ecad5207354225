"""The Qdrant schema and query builder: one for Qdrant's engine in process and a server.

What it does: names the collection's vectors, graph settings and payload indexes (`SCHEMA`), the
points' ids (uuid5 of a passage id; a report's own point; the collection's statistics point), a
stem's sparse index (32 bits of its blake2b: no vocabulary to keep in step across machines), a
passage's BM25 sparse vector (bm25s's Lucene term-frequency part; the engine multiplies in IDF),
a passage's payload, a filter as engine-neutral conditions and a question as one engine-neutral
hybrid request (prefetches within the filter, fused). `qa.index.stores.backends` spells these in
each library's types; `qa.index.stores.qdrant` is the store over them.

What it does not do: talk to an engine.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from dataclasses import fields, replace

import numpy as np

from qa.chunk import Passage
from qa.corpus.catalogue import Report
from qa.corpus.places import council_key
from qa.index.stores.api import HybridQuery, StoreFilter
from qa.index.vectors import HNSW_EF_CONSTRUCTION, HNSW_M

K1, B = 1.5, 0.75  # bm25s's defaults, which `reportqa index` builds with
NAMESPACE = uuid.UUID("5b3c0e7e-4f0c-4c1e-9a57-2f1c8e0d6a11")
META_ID = str(uuid.uuid5(NAMESPACE, "meta:collection"))
BATCH = 256

SCHEMA = {
    "dense": ("units", "sentences"),  # multivectors, dot product (unit vectors), MaxSim
    # the units' graph as the local FAISS HNSW's (M 32, efConstruction 64); sentences get none (m 0):
    # they are kept for the answer stage and the optional sentence ranking, which scans the
    # candidates the filter allows, and a graph over 4 times as many vectors would cost 4 times the build
    "hnsw": {"units": (HNSW_M, HNSW_EF_CONSTRUCTION), "sentences": (0, HNSW_EF_CONSTRUCTION)},
    "sparse": "bm25",  # IDF modifier
    "indexes": {"type": "keyword", "report": "keyword", "council": "keyword", "kind": "keyword", "year": "integer"},
}
_PASSAGE_FIELDS = tuple(f.name for f in fields(Passage))


def point_id(passage_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, passage_id))


def report_point_id(doc_id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "report:" + doc_id))


def term_id(stem: str) -> int:
    return int.from_bytes(hashlib.blake2b(stem.encode(), digest_size=4).digest(), "little")


def sparse_terms(weights: dict[str, float]) -> tuple[list[int], list[float]]:
    """Stems and weights as a sparse vector (indices ascending; colliding stems summed)."""
    merged: dict[int, float] = {}
    for stem, w in weights.items():
        i = term_id(stem)
        merged[i] = merged.get(i, 0.0) + float(w)
    order = sorted(merged)
    return order, [merged[i] for i in order]


def document_sparse(terms: list[str], avgdl: float) -> tuple[list[int], list[float]]:
    """A passage's stems as BM25 term-frequency parts (the engine multiplies in IDF)."""
    counts = Counter(terms)
    norm = K1 * (1 - B + B * len(terms) / max(avgdl, 1e-9))
    return sparse_terms({t: tf / (tf + norm) for t, tf in counts.items()})


def filter_conditions(f: StoreFilter) -> list[tuple]:
    """The filter as conditions all of which must hold: ("any", key, values) or ("range", key, gte, lte)."""
    conditions: list[tuple] = []
    if f.reports:
        conditions.append(("any", "report", list(dict.fromkeys(f.reports))))
    if f.kinds:
        conditions.append(("any", "kind", list(dict.fromkeys(f.kinds))))
    if f.councils:
        conditions.append(("any", "council", list(dict.fromkeys(f.councils))))
    if f.year_from is not None or f.year_to is not None:
        conditions.append(("range", "year", f.year_from, f.year_to))
    return conditions


def hybrid_request(q: HybridQuery) -> dict:
    """The one query a question makes: prefetches (dense units, dense sentences, sparse BM25), each
    within the filter, fused; or a single ranking when only one is asked for."""
    conditions = filter_conditions(q.filter)
    prefetch: list[dict] = []
    weights: list[float] = []
    if q.dense is not None:
        vector = [np.asarray(q.dense, dtype=np.float32).ravel().tolist()]
        params = {"hnsw_ef": q.hnsw_ef, "exact": q.exact}
        prefetch.append({"using": "units", "dense": vector, "limit": q.depth, "params": params})
        weights.append(2 * q.dense_weight)
        if q.sentences:
            prefetch.append({"using": "sentences", "dense": vector, "limit": q.depth, "params": params})
            weights.append(2 * q.dense_weight)
    if q.terms:
        indices, values = sparse_terms(q.terms)
        prefetch.append({"using": "bm25", "sparse": (indices, values), "limit": q.depth})
        weights.append(2 * (1 - q.dense_weight))
    if len(prefetch) == 1:
        return {"single": prefetch[0], "filter": conditions, "limit": q.limit}
    fusion = ("rrf", q.rrf_k, weights) if q.fusion == "rrf" else ("dbsf",)
    return {"prefetch": prefetch, "fusion": fusion, "filter": conditions, "limit": q.limit}


def passage_payload(p: Passage, report: Report) -> dict:
    row = {name: getattr(p, name) for name in _PASSAGE_FIELDS}
    row["spans"] = [list(s) for s in p.spans]
    return {"type": "passage", "report": report.id, "council": council_key(report.authority), "kind": report.kind,
            "year": sorted(report.years), "passage": row}  # every year a question may name it by (Report.years)




def ranking_requests(q: HybridQuery) -> list[tuple[str, dict]]:
    """The two rankings a question makes for score fusion outside the engine (`fuse_scores`): dense
    units and sparse BM25, each within the filter and read `depth` deep, with their own scores."""
    single = hybrid_request(replace(q, terms={}, sentences=False, limit=q.depth)) if q.dense is not None else None
    sparse = hybrid_request(replace(q, dense=None, limit=q.depth)) if q.terms else None
    return [(name, r) for name, r in (("dense", single), ("bm25", sparse)) if r is not None]


def fuse_scores(rankings: dict[str, list[tuple[str, float, dict]]], dense_weight: float, limit: int) -> list[tuple[str, float, dict]]:
    """The local store's fusion (`qa.retrieve.retriever`, fusion "score"): each ranking's scores
    divided by its best, weighted (dense `dense_weight`, BM25 the rest) and summed; best first,
    ties by passage id. Input and output: (point id, score, payload)."""
    fused: dict[str, float] = {}
    payloads: dict[str, dict] = {}
    for name, found in rankings.items():
        if not found:
            continue
        top = max(score for _, score, _ in found) or 1.0
        weight = dense_weight if name == "dense" else 1 - dense_weight
        for pid, score, payload in found:
            fused[pid] = fused.get(pid, 0.0) + weight * max(score, 0.0) / top
            payloads[pid] = payload
    best = sorted(fused, key=lambda pid: (-fused[pid], payloads[pid]["passage"]["id"]))[:limit]
    return [(pid, fused[pid], payloads[pid]) for pid in best]
