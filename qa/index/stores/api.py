"""The store interface: what a search store keeps and answers, whatever engine holds it.

What it does: names the stores (`StoreSpec`, parsed from `--store` or $REPORTQA_STORE:
`local` (the default), `qdrant-edge:PATH`, `qdrant:URL`, with `#collection` to name the
collection), the engine-neutral records a search passes (`StoreFilter`: reports, kinds, a year
range, councils by `council_key`; `HybridQuery`: the question's dense vector and its BM25 terms
with weights; `StoreHit`: a passage and its fused score) and the `Store` protocol: upsert a
report's passages (unit vectors, sentence vectors, BM25 terms), delete a report, hybrid search
with the filter applied inside the engine, get passages by id, the reports held with their digests.

What it does not do: talk to an engine (`qa.index.stores.qdrant`), decide what is indexed
(`qa.index.build`), or rank for a question (`qa.retrieve`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from qa.chunk import Passage
from qa.corpus.catalogue import Report

STORE_ENV = "REPORTQA_STORE"
KINDS = ("local", "qdrant-edge", "qdrant")
DEFAULT_COLLECTION = "reportqa"


class StoreError(ValueError):
    """A --store value that cannot be used; the message says how to write it."""


@dataclass(frozen=True)
class StoreSpec:
    kind: str = "local"  # local, qdrant-edge or qdrant
    where: str = ""  # qdrant-edge: a folder; qdrant: a URL (or ":memory:" / a folder: qdrant-client's local mode)
    collection: str = DEFAULT_COLLECTION

    @property
    def local(self) -> bool:
        return self.kind == "local"

    def __str__(self) -> str:
        if self.local:
            return "local"
        tail = "" if self.collection == DEFAULT_COLLECTION else f"#{self.collection}"
        return f"{self.kind}:{self.where}{tail}"


def parse_store(text: str | None) -> StoreSpec:
    """`--store` (or $REPORTQA_STORE when not given): local, qdrant-edge:PATH or qdrant:URL, each
    Qdrant form optionally ending in #COLLECTION (default 'reportqa')."""
    text = (os.environ.get(STORE_ENV, "") if text is None else text).strip()
    if text in ("", "local"):
        return StoreSpec()
    kind, sep, rest = text.partition(":")
    if not sep or kind not in KINDS[1:] or not rest:
        raise StoreError(f"unknown store {text!r}: write local, qdrant-edge:PATH or qdrant:URL (e.g. qdrant:http://localhost:6333)")
    where, _, collection = rest.partition("#")
    collection = collection or DEFAULT_COLLECTION
    if not all(c.isalnum() or c in "-_" for c in collection):
        raise StoreError(f"collection name {collection!r}: letters, digits, '-' and '_' only")
    return StoreSpec(kind, where, collection)


@dataclass(frozen=True)
class StoreFilter:
    """What a search may return; every field empty: anything. Councils are `council_key`s."""

    reports: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    councils: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self == StoreFilter()


@dataclass(frozen=True)
class HybridQuery:
    """One question to the store: either or both rankings, fused in the engine."""

    dense: np.ndarray | None  # the question's unit vector (None: BM25 only)
    terms: dict[str, float] = field(default_factory=dict)  # stemmed word -> weight (repeats counted); {}: dense only
    filter: StoreFilter = StoreFilter()
    limit: int = 10
    depth: int = 100  # how deep each ranking is read before fusion
    # score (the local store's fusion: each ranking read with its scores, fused outside the engine),
    # dbsf (distribution-based score fusion in the engine: unweighted) or rrf (weighted reciprocal rank)
    fusion: str = "dbsf"
    rrf_k: int = 60
    dense_weight: float = 0.5
    sentences: bool = False  # also rank passages by their best sentence
    hnsw_ef: int | None = None  # the dense graph's candidate list (None: the engine's default)
    exact: bool = False  # dense ranking by a full scan (for measuring the graph's recall)


@dataclass(frozen=True)
class StoreHit:
    passage: Passage
    score: float


@dataclass
class ReportRecord:
    """What the store holds of one report besides its passages."""

    report: Report
    digest: str


class Store(Protocol):
    spec: StoreSpec

    def upsert_report(self, report: Report, digest: str, passages: list[Passage], units: list[np.ndarray],
                      sentences: list[np.ndarray], terms: list[list[str]]) -> None:
        """Replace everything held of a report with these passages: each one's unit vectors (one
        row per embedding unit), sentence vectors and BM25 terms (the product's stems, in order)."""

    def delete_report(self, doc_id: str) -> None: ...

    def search(self, query: HybridQuery) -> list[StoreHit]: ...

    def get_passages(self, ids: list[str]) -> list[Passage | None]: ...

    def reports(self) -> dict[str, ReportRecord]: ...

    def count(self) -> int:
        """Passages held."""

    def close(self) -> None: ...
