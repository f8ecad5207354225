"""The index a running server answers from, with what is made from it once.

What it does: holds one `Snapshot` (index, retriever, answerer, the catalogue and the request
models made for it); each request takes the snapshot once and uses it from start to end.

What it does not do: build or load indexes (that is `qa.index`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from qa.answer import Answerer
from qa.index import Index
from qa.retrieve import Retriever

from .models import models


@dataclass(frozen=True)
class Snapshot:
    index: Index
    retriever: Retriever
    answerer: Answerer
    reports: list = field(default_factory=list)  # newest first
    counts: dict = field(default_factory=dict)  # passages per report id
    loaded_at: str = ""

    @classmethod
    def of(cls, index: Index) -> "Snapshot":
        retriever = Retriever(index)
        reports = sorted(index.reports.values(), key=lambda r: r.date, reverse=True)
        counts = {r.id: 0 for r in reports}
        for p in index.passages:
            counts[p.doc_id] = counts.get(p.doc_id, 0) + 1
        return cls(index, retriever, Answerer(retriever), reports, counts, time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    @property
    def build(self) -> str:
        return self.index.path.name

    @property
    def ask_model(self):
        return models(tuple(sorted(self.index.reports)))[0]

    @property
    def search_model(self):
        return models(tuple(sorted(self.index.reports)))[1]
