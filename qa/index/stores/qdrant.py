"""The Qdrant store: one schema and one query builder for Qdrant's engine in process and a server.

What it does: holds a report's passages as points, one per passage (id: uuid5 of the passage id):
- `units`: the passage's embedding units as a multivector compared by MaxSim, so a passage scores
  by its best unit (a whole passage or a window of a long one), as the local FAISS search ranks it;
- `sentences`: its sentence vectors, likewise (its best sentence);
- `bm25`: a sparse vector of the product's own stems (`qa.index.lexical.tokens`), each valued by
  BM25's term-frequency part tf / (tf + k1 (1 - b + b dl / avgdl)) (bm25s's Lucene variant, k1
  1.5, b 0.75), the engine adding IDF (the IDF modifier: ln(1 + (N - df + 0.5) / (df + 0.5)),
  bm25s's own), so a query of the question's stems scores a passage as the local BM25 does;
  a stem's index is 32 bits of its blake2b (no vocabulary to keep in step across machines);
- payload: the passage itself, and its report, council (`council_key`), report kind and year,
  each with a payload index, so a filter is applied inside the engine during the search.
A report has a point of its own without vectors (its record and digest), and the collection one
for its statistics (average BM25 length).

A question is one query: prefetch dense (and sentences) and sparse, each within the filter,
fused in the engine (distribution-based score fusion, or weighted reciprocal rank fusion); a
weighted score fusion of dense and sparse alone, which the engine cannot weight, is two ranking
queries fused here (`fuse_scores`), as the local search fuses them.
`qa.index.stores.schema` (`SCHEMA`, `filter_conditions`, `hybrid_request`) is the one schema and
query builder; the two backends (`qa.index.stores.backends`) only spell them in their library's
types: `EdgeBackend` (`qdrant-edge-py`, a shard folder per build under PATH, published by an
atomic `current` link as the local index is) and `ClientBackend` (`qdrant-client`: a server or
cluster by URL, or its local mode, a collection per build published by swapping an alias).
`QdrantStore` is the `Store` over either.

What it does not do: decide what is indexed or embed (`qa.index.build`), or turn a question into a
query (`qa.retrieve`).
"""

from __future__ import annotations

import numpy as np

from qa.chunk import Passage
from qa.corpus.catalogue import Report
from qa.index.store import make_passage
from qa.index.stores.api import (
    HybridQuery,
    ReportRecord,
    StoreError,
    StoreHit,
    StoreSpec,
)
from qa.index.stores.backends import ClientBackend, EdgeBackend
from qa.index.stores.schema import (  # noqa: F401  (the schema and query builder, re-exported)
    META_ID,
    SCHEMA,
    document_sparse,
    filter_conditions,
    fuse_scores,
    hybrid_request,
    passage_payload,
    point_id,
    ranking_requests,
    report_point_id,
)


class QdrantStore:
    """The `Store` over either backend. `rebuild` writes a full build into a new shard or collection
    and publishes it when done (readers see the old one until then)."""

    def __init__(self, spec: StoreSpec, backend=None, handle=None) -> None:
        self.spec = spec
        if backend is None:
            try:
                backend = EdgeBackend(spec.where) if spec.kind == "qdrant-edge" else ClientBackend(spec.where, spec.collection)
            except ImportError as exc:
                raise StoreError(f"the {spec.kind} store needs the qdrant extra: pip install 'reportqa[qdrant]' ({exc})") from None
        self.backend = backend
        self.handle = backend.open_current() if handle is None else handle
        self._avgdl: float | None = None

    @property
    def exists(self) -> bool:
        return self.handle is not None

    def _need(self):
        if self.handle is None:
            from qa.index.format import IndexMissing

            raise IndexMissing(f"the store {self.spec} holds no build yet: run `reportqa index --store {self.spec}`")
        return self.handle

    # statistics -------------------------------------------------------------------------
    @property
    def avgdl(self) -> float:
        if self._avgdl is None:
            found = self.backend.retrieve(self._need(), [META_ID])
            self._avgdl = float(found[0][1].get("avgdl", 1.0)) if found else 1.0
        return self._avgdl

    def set_stats(self, avgdl: float, dimension: int) -> None:
        self._avgdl = float(avgdl)
        self.backend.upsert(self._need(), [(META_ID, {}, {"type": "meta", "avgdl": float(avgdl), "dimension": dimension})])

    # writing ----------------------------------------------------------------------------
    def upsert_report(self, report: Report, digest: str, passages: list[Passage], units: list[np.ndarray],
                      sentences: list[np.ndarray], terms: list[list[str]]) -> None:
        handle = self._need()
        self.backend.delete(handle, [("value", "report", report.id)])  # passages gone from a changed report go too
        avgdl = self.avgdl
        points = []
        for p, u, s, t in zip(passages, units, sentences, terms, strict=True):
            vectors: dict = {"units": np.asarray(u, dtype=np.float32).tolist()}
            if len(s):
                vectors["sentences"] = np.asarray(s, dtype=np.float32).tolist()
            if t:
                vectors["bm25"] = document_sparse(t, avgdl)
            points.append((point_id(p.id), vectors, passage_payload(p, report)))
        points.append((report_point_id(report.id), {}, {"type": "report", "report": report.id, "digest": digest,
                                                         "record": report.to_dict()}))
        self.backend.upsert(handle, points)

    def delete_report(self, doc_id: str) -> None:
        self.backend.delete(self._need(), [("value", "report", doc_id)])

    # reading ----------------------------------------------------------------------------
    def search(self, query: HybridQuery) -> list[StoreHit]:
        if query.dense is None and not query.terms:
            return []
        if query.fusion == "score" and query.dense is not None and query.terms and not query.sentences:
            handle = self._need()
            found = fuse_scores({name: self.backend.query(handle, request) for name, request in ranking_requests(query)},
                                query.dense_weight, query.limit)
        else:
            found = self.backend.query(self._need(), hybrid_request(query))
        return [StoreHit(make_passage(payload["passage"]), score) for _, score, payload in found]

    def get_passages(self, ids: list[str]) -> list[Passage | None]:
        found = {pid: payload for pid, payload in self.backend.retrieve(self._need(), [point_id(i) for i in ids])}
        return [make_passage(found[point_id(i)]["passage"]) if point_id(i) in found else None for i in ids]

    def reports(self) -> dict[str, ReportRecord]:
        out = {}
        for _, payload in self.backend.scroll(self._need(), [("value", "type", "report")]):
            out[payload["report"]] = ReportRecord(Report.from_dict(payload["record"]), payload["digest"])
        return out

    def count(self) -> int:
        return self.backend.count(self._need(), [("value", "type", "passage")])

    def close(self) -> None:
        if self.handle is not None:
            self.backend.close(self.handle)
        elif isinstance(self.backend, ClientBackend):
            self.backend.client.close()

    # a full build -----------------------------------------------------------------------
    def rebuild(self, dimension: int) -> "QdrantStore":
        """A store over a new, empty shard or collection: fill it, then `publish_rebuild` (or `discard_rebuild`)."""
        return QdrantStore(self.spec, self.backend, self.backend.create(dimension))

    def publish_rebuild(self, new: "QdrantStore") -> None:
        self.backend.publish(new.handle)
        if self.handle is not None and self.handle != new.handle:
            try:
                self.backend.release(self.handle)
            except Exception:
                pass
        self.handle, self._avgdl = new.handle, new._avgdl

    def discard_rebuild(self, new: "QdrantStore") -> None:
        self.backend.discard(new.handle)


def open_store(spec: StoreSpec) -> QdrantStore:
    if spec.local:
        raise StoreError("the local store is the index folder itself (qa.index.load)")
    return QdrantStore(spec)
