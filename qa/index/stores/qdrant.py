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
fused in the engine (weighted reciprocal rank fusion, or distribution-based score fusion).
`SCHEMA`, `filter_conditions` and `hybrid_request` are the one schema and query builder; the
two backends only spell them in their library's types: `EdgeBackend` (`qdrant-edge-py`, a shard
folder per build under PATH, published by an atomic `current` link as the local index is) and
`ClientBackend` (`qdrant-client`: a server or cluster by URL, or its local mode, a collection per
build published by swapping an alias).

What it does not do: decide what is indexed or embed (`qa.index.build`), or turn a question into a
query (`qa.retrieve`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from collections import Counter
from dataclasses import fields
from pathlib import Path

import numpy as np

from qa.chunk import Passage
from qa.corpus.catalogue import Report
from qa.corpus.places import council_key
from qa.index.folders import CURRENT, new_build, publish
from qa.index.store import make_passage
from qa.index.vectors import HNSW_EF_CONSTRUCTION, HNSW_M
from qa.index.stores.api import HybridQuery, ReportRecord, StoreError, StoreFilter, StoreHit, StoreSpec

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
            "year": report.year, "passage": row}


# ----------------------------------------------------------------------------- the two backends


class EdgeBackend:
    """Qdrant's engine in this process: a shard folder per full build under PATH/build-*/shard,
    the one in use named by PATH/current (switched atomically, older builds then removed)."""

    def __init__(self, path: str) -> None:
        import qdrant_edge

        self.q = qdrant_edge
        self.root = Path(path)

    # handles are open EdgeShards
    def open_current(self):
        link = self.root / CURRENT
        if not link.exists():
            return None
        try:
            return self.q.EdgeShard.load(str(link.resolve() / "shard"))
        except Exception as exc:  # the engine says only "WouldBlock" when another process has it open
            raise StoreError(f"the Qdrant shard in {self.root} cannot be opened ({exc}); an in-process shard serves "
                             "one process at a time: stop the other (e.g. `reportqa serve`), or use a Qdrant "
                             "server (--store qdrant:URL) for several") from None

    def create(self, dimension: int):
        q = self.q
        build = new_build(self.root)
        def dense(name: str):
            m, ef = SCHEMA["hnsw"][name]
            return q.EdgeVectorParams(size=dimension, distance=q.Distance.Dot,
                                      multivector_config=q.MultiVectorConfig(q.MultiVectorComparator.MaxSim),
                                      hnsw_config=q.HnswIndexConfig(m=m, ef_construct=ef, full_scan_threshold=10_000))
        config = q.EdgeConfig(vectors={name: dense(name) for name in SCHEMA["dense"]},
                              sparse_vectors={SCHEMA["sparse"]: q.EdgeSparseVectorParams(modifier=q.Modifier.Idf)})
        shard = q.EdgeShard.create(str(build / "shard"), config)
        kinds = {"keyword": q.PayloadSchemaType.Keyword, "integer": q.PayloadSchemaType.Integer}
        for name, kind in SCHEMA["indexes"].items():
            shard.update(q.UpdateOperation.create_field_index(name, kinds[kind]))
        self._building = build
        return shard

    def publish(self, shard) -> None:
        shard.optimize()
        shard.flush()
        build = self._building
        (build / "manifest.json").write_text(json.dumps({"store": "qdrant-edge", "published": time.time()}))
        publish(self.root, build)

    def discard(self, shard) -> None:
        shard.close()
        shutil.rmtree(self._building, ignore_errors=True)

    def _filter(self, conditions: list[tuple]):
        q = self.q
        if not conditions:
            return None
        must = []
        for c in conditions:
            if c[0] == "any":
                must.append(q.FieldCondition(c[1], match=q.MatchAny(c[2])))
            elif c[0] == "value":
                must.append(q.FieldCondition(c[1], match=q.MatchValue(c[2])))
            else:
                must.append(q.FieldCondition(c[1], range=q.RangeFloat(gte=c[2], lte=c[3])))
        return q.Filter(must=must)

    def _vector(self, v):
        if isinstance(v, tuple):
            return self.q.SparseVector(list(v[0]), list(v[1]))
        return v

    def upsert(self, shard, points: list[tuple]) -> None:
        q = self.q
        for start in range(0, len(points), BATCH):
            batch = [q.Point(pid, {k: self._vector(v) for k, v in vectors.items()}, payload)
                     for pid, vectors, payload in points[start:start + BATCH]]
            shard.update(q.UpdateOperation.upsert_points(batch))

    def delete(self, shard, conditions: list[tuple]) -> None:
        shard.update(self.q.UpdateOperation.delete_points_by_filter(self._filter(conditions)))

    def query(self, shard, request: dict) -> list[tuple[str, float, dict]]:
        q = self.q
        flt = self._filter(request["filter"])

        def nearest(stage: dict):
            return q.Query.Nearest(self._vector(stage.get("sparse") or stage["dense"]), using=stage["using"])

        def params(stage: dict):
            p = stage.get("params")
            return q.SearchParams(hnsw_ef=p["hnsw_ef"], exact=p["exact"]) if p else None

        if "single" in request:
            req = q.QueryRequest(limit=request["limit"], query=nearest(request["single"]), filter=flt,
                                 with_payload=["passage"], params=params(request["single"]))
        else:
            kind = request["fusion"]
            fusion = q.Fusion.Rrf(k=kind[1], weights=kind[2]) if kind[0] == "rrf" else q.Fusion.Dbsf()
            req = q.QueryRequest(limit=request["limit"], query=fusion, filter=flt, with_payload=["passage"],
                                 prefetches=[q.Prefetch(limit=s["limit"], query=nearest(s), filter=flt, params=params(s))
                                             for s in request["prefetch"]])
        return [(str(p.id), float(p.score), p.payload or {}) for p in shard.query(req)]

    def retrieve(self, shard, ids: list[str]) -> list[tuple[str, dict]]:
        return [(str(r.id), r.payload or {}) for r in shard.retrieve(ids, True, False)]

    def scroll(self, shard, conditions: list[tuple]) -> list[tuple[str, dict]]:
        q = self.q
        out, offset = [], None
        while True:
            records, offset = shard.scroll(q.ScrollRequest(offset=offset, limit=1000, filter=self._filter(conditions),
                                                           with_payload=True, with_vector=False))
            out += [(str(r.id), r.payload or {}) for r in records]
            if offset is None:
                return out

    def count(self, shard, conditions: list[tuple]) -> int:
        return int(shard.count(self.q.CountRequest(filter=self._filter(conditions), exact=True)))

    def close(self, shard) -> None:
        shard.flush()
        shard.close()

    release = close  # a shard replaced by a rebuild


class ClientBackend:
    """A Qdrant server or cluster through qdrant-client (or the client's local mode, ':memory:' or a
    folder, for tests): a collection per full build, the alias `collection` naming the one in use."""

    def __init__(self, where: str, alias: str, client=None) -> None:
        from qdrant_client import QdrantClient, models

        self.m = models
        self.alias = alias
        self.remote = where.startswith(("http://", "https://"))
        if client is not None:
            self.client = client
        elif where.startswith(("http://", "https://")):
            self.client = QdrantClient(url=where, timeout=60)
        else:
            self.client = QdrantClient(location=where) if where == ":memory:" else QdrantClient(path=where)

    def open_current(self):
        aliases = {a.alias_name: a.collection_name for a in self.client.get_aliases().aliases}
        return aliases.get(self.alias)

    def create(self, dimension: int):
        m = self.m
        name = f"{self.alias}-{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns() % 10**6}"
        def dense(n: str):
            hnsw_m, ef = SCHEMA["hnsw"][n]
            return m.VectorParams(size=dimension, distance=m.Distance.DOT,
                                  multivector_config=m.MultiVectorConfig(comparator=m.MultiVectorComparator.MAX_SIM),
                                  hnsw_config=m.HnswConfigDiff(m=hnsw_m, ef_construct=ef))
        self.client.create_collection(
            name, vectors_config={n: dense(n) for n in SCHEMA["dense"]},
            sparse_vectors_config={SCHEMA["sparse"]: m.SparseVectorParams(modifier=m.Modifier.IDF)})
        kinds = {"keyword": m.PayloadSchemaType.KEYWORD, "integer": m.PayloadSchemaType.INTEGER}
        if self.remote:  # the client's local mode has no payload indexes (it filters by scanning)
            for field_name, kind in SCHEMA["indexes"].items():
                self.client.create_payload_index(name, field_name, kinds[kind], wait=True)
        return name

    def publish(self, name: str) -> None:
        m = self.m
        old = self.open_current()
        ops = [m.CreateAliasOperation(create_alias=m.CreateAlias(collection_name=name, alias_name=self.alias))]
        if old is not None:
            ops.insert(0, m.DeleteAliasOperation(delete_alias=m.DeleteAlias(alias_name=self.alias)))
        self.client.update_collection_aliases(change_aliases_operations=ops)  # one atomic swap
        if old is not None and old != name:
            self.client.delete_collection(old)

    def discard(self, name: str) -> None:
        self.client.delete_collection(name)

    def _filter(self, conditions: list[tuple]):
        m = self.m
        if not conditions:
            return None
        must = []
        for c in conditions:
            if c[0] == "any":
                must.append(m.FieldCondition(key=c[1], match=m.MatchAny(any=c[2])))
            elif c[0] == "value":
                must.append(m.FieldCondition(key=c[1], match=m.MatchValue(value=c[2])))
            else:
                must.append(m.FieldCondition(key=c[1], range=m.Range(gte=c[2], lte=c[3])))
        return m.Filter(must=must)

    def _vector(self, v):
        if isinstance(v, tuple):
            return self.m.SparseVector(indices=list(v[0]), values=list(v[1]))
        return v

    def upsert(self, name: str, points: list[tuple]) -> None:
        m = self.m
        for start in range(0, len(points), BATCH):
            batch = [m.PointStruct(id=pid, vector={k: self._vector(v) for k, v in vectors.items()}, payload=payload)
                     for pid, vectors, payload in points[start:start + BATCH]]
            self.client.upsert(name, batch, wait=True)

    def delete(self, name: str, conditions: list[tuple]) -> None:
        self.client.delete(name, points_selector=self.m.FilterSelector(filter=self._filter(conditions)), wait=True)

    def query(self, name: str, request: dict) -> list[tuple[str, float, dict]]:
        m = self.m
        flt = self._filter(request["filter"])

        def vector(stage: dict):
            return self._vector(stage.get("sparse") or stage["dense"])

        def params(stage: dict):
            p = stage.get("params")
            return m.SearchParams(hnsw_ef=p["hnsw_ef"], exact=p["exact"]) if p else None

        if "single" in request:
            s = request["single"]
            res = self.client.query_points(name, query=vector(s), using=s["using"], query_filter=flt,
                                           limit=request["limit"], with_payload=["passage"], search_params=params(s))
        else:
            kind = request["fusion"]
            fusion = (m.RrfQuery(rrf=m.Rrf(k=kind[1], weights=kind[2])) if kind[0] == "rrf"
                      else m.FusionQuery(fusion=m.Fusion.DBSF))
            res = self.client.query_points(
                name, prefetch=[m.Prefetch(query=vector(s), using=s["using"], limit=s["limit"], filter=flt,
                                           params=params(s))
                                for s in request["prefetch"]],
                query=fusion, query_filter=flt, limit=request["limit"], with_payload=["passage"])
        return [(str(p.id), float(p.score), p.payload or {}) for p in res.points]

    def retrieve(self, name: str, ids: list[str]) -> list[tuple[str, dict]]:
        return [(str(r.id), r.payload or {}) for r in self.client.retrieve(name, ids, with_payload=True)]

    def scroll(self, name: str, conditions: list[tuple]) -> list[tuple[str, dict]]:
        out, offset = [], None
        while True:
            records, offset = self.client.scroll(name, scroll_filter=self._filter(conditions), limit=1000, offset=offset,
                                                 with_payload=True, with_vectors=False)
            out += [(str(r.id), r.payload or {}) for r in records]
            if offset is None:
                return out

    def count(self, name: str, conditions: list[tuple]) -> int:
        return int(self.client.count(name, count_filter=self._filter(conditions), exact=True).count)

    def release(self, name) -> None:
        pass  # a collection replaced by a rebuild is deleted by `publish`

    def close(self, name) -> None:
        self.client.close()


# ----------------------------------------------------------------------------- the store


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
        found = self.backend.query(self._need(), hybrid_request(query))
        return [StoreHit(make_passage(payload["passage"]), score) for _, score, payload in found]

    def get_passages(self, ids: list[str]) -> list[Passage | None]:
        found = {pid: payload for pid, payload in self.backend.retrieve(self._need(), [point_id(i) for i in ids])}
        return [make_passage(found[point_id(i)]["passage"]) if point_id(i) in found else None for i in ids]

    def reports(self) -> dict[str, ReportRecord]:
        out = {}
        for _, payload in self.backend.scroll(self._need(), [("value", "type", "report")]):
            record = dict(payload["record"])
            record.pop("year", None)
            record["judgements"] = tuple((j["name"], j["grade"]) for j in record.get("judgements", ()))
            out[payload["report"]] = ReportRecord(Report(**record), payload["digest"])
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
