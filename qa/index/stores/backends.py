"""The two Qdrant backends: the one schema and query (`qa.index.stores.schema`) in each library's types.

What it does: `EdgeBackend` runs Qdrant's engine in this process (`qdrant-edge-py`): a shard
folder per full build under PATH/build-*/shard, published by the atomic `current` link as the
local index is (`qa.index.folders`); a shard is one process's at a time (its WAL is locked).
`ClientBackend` talks to a server or cluster by URL through `qdrant-client` (or the client's local
mode, ':memory:' or a folder, for tests): a collection per full build, published by swapping the
alias the store is named by. Both create the schema, upsert and delete points, run the hybrid
request, retrieve, scroll and count.

What it does not do: decide what a point holds or how a question is asked (`schema`).
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from qa.index.folders import CURRENT, new_build, publish
from qa.index.stores.api import StoreError
from qa.index.stores.schema import BATCH, SCHEMA


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

    def _behind_alias(self) -> str | None:
        """The collection the alias names now, or None."""
        aliases = {a.alias_name: a.collection_name for a in self.client.get_aliases().aliases}
        return aliases.get(self.alias)

    def open_current(self):
        """The alias itself, when it names a collection: searches go through it, so a rebuild
        published by another process (an alias swap) is what the next search reads."""
        return self.alias if self._behind_alias() is not None else None

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
        old = self._behind_alias()
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
