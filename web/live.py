"""The index a running server answers from, replaced without a restart when a new one is published.

What it does: holds one `Snapshot` (index, retriever, answerer, the catalogue, each passage's name
for a reader and the request models made for it) and hands it to each request, which uses that
one snapshot from start to end.
A watcher thread in each serving process reads the target of the `current` link twice a second
(one readlink); when a rebuild has re-pointed it, the watcher loads the new build and then
replaces the reference in one assignment, whether or not requests come meanwhile (a request made
2 s after a publish is answered from the new build in every worker). Requests never wait for a
load and never see half of one; a build that cannot be loaded (deleted meanwhile, damaged, stale
for this code) is logged and the old one kept, until the link changes again. `stop_watching` ends
the thread.

What it does not do: build indexes (`reportqa index` does, publishing by an atomic link swap), or
free the old snapshot while a request still uses it (it is garbage once the last one finishes).
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from qa.answer import Answerer
from qa.chunk.labels import report_labels
from qa.index.load import Index, load_index
from qa.output.welcome import Welcome, welcome
from qa.retrieve.retriever import Retriever
from web.models import models

log = logging.getLogger("reportqa.web")


_stores: dict = {}


def store():
    """The Qdrant store this process searches ($REPORTQA_STORE, which `serve --store` sets for its
    workers), opened once per process and shared by every snapshot; None for the local files.
    The server only reads it: `reportqa index`, `add` and `remove` write it."""
    from qa.index.stores.api import parse_store

    spec = parse_store(None)
    if spec.local:
        return None
    if spec not in _stores:
        from qa.index.stores.qdrant import QdrantStore

        _stores[spec] = QdrantStore(spec)
    return _stores[spec]


@dataclass(frozen=True)
class Snapshot:
    index: Index
    retriever: Retriever
    answerer: Answerer
    reports: list = field(default_factory=list)  # newest first
    counts: dict = field(default_factory=dict)  # passages per report id
    loaded_at: str = ""
    labels: dict = field(default_factory=dict)  # passage id -> its name for a reader ("improvement point 3")

    @classmethod
    def of(cls, index: Index) -> "Snapshot":
        retriever = Retriever(index, store=store())
        reports = sorted(index.reports.values(), key=lambda r: r.date, reverse=True)
        counts = {r.id: 0 for r in reports}
        for p in index.passages:
            counts[p.doc_id] = counts.get(p.doc_id, 0) + 1
        return cls(index, retriever, Answerer(retriever), reports, counts, time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                   report_labels(index.passages))

    @cached_property
    def welcome(self) -> Welcome:
        """The chat page's lead, example questions and council menu, made from this collection."""
        return welcome(self.reports)

    @property
    def build(self) -> str:
        return self.index.path.name

    @property
    def ask_model(self):
        return models(tuple(sorted(self.index.reports)))[0]

    @property
    def search_model(self):
        return models(tuple(sorted(self.index.reports)))[1]


class Live:
    """The snapshot in service; `watch` names the `current` link to follow (None: never reload)."""

    def __init__(self, snapshot: Snapshot, watch: Path | None = None, corpus_dir=None, interval: float = 0.5):
        self._snapshot = snapshot
        self.watch = watch
        self.corpus_dir = corpus_dir
        self.interval = interval
        self._target = snapshot.build  # the build last loaded or last found unusable
        self._watcher: threading.Thread | None = None
        self._loading = False  # a build is being loaded now
        self._stop = threading.Event()

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def start_watching(self) -> None:
        """Follow the `current` link from now on, in a thread of this process (a forked worker
        starts its own: threads do not survive a fork); nothing when there is nothing to watch."""
        if self.watch is None or (self._watcher is not None and self._watcher.is_alive()):
            return
        self._watcher = threading.Thread(target=self._watch, name="reportqa-watch", daemon=True)
        self._watcher.start()

    def stop_watching(self) -> None:
        """End the watcher thread (it ends within one interval)."""
        self._stop.set()

    def reopen_store(self) -> None:
        """In a worker just forked: a Qdrant store opened before the fork is not this process's to
        use (its connections, or its shard, would be shared with the other workers): open this
        process's own, in a fresh snapshot of the same index. Nothing to do for the local files."""
        if self._snapshot.retriever.store is None:
            return
        _stores.clear()
        self._snapshot = Snapshot.of(self._snapshot.index)

    def _watch(self) -> None:
        while not self._stop.is_set():
            target = self._published()
            if target and target != self._target:
                self._loading = True
                try:
                    self._load()
                finally:
                    self._target, self._loading = target, False
            self._stop.wait(self.interval)

    def _published(self) -> str | None:
        try:
            return os.path.basename(os.readlink(self.watch))
        except OSError:
            return None

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            index = load_index(self.watch.parent, self.corpus_dir)
            snapshot = Snapshot.of(index)
        except Exception as exc:  # any failure keeps the index in service
            log.warning("a new index was published but cannot be loaded; still serving %s: %s",
                        self._snapshot.build, exc)
            return
        old, self._snapshot = self._snapshot.build, snapshot  # one reference swap: requests see old or new
        # A worker's first snapshot was frozen out of the collector before the fork (web.server):
        # let the collector see it again, so that once its last request ends its cycles are freed.
        gc.unfreeze()
        log.info("now serving index %s (was %s; loaded in %.2f s)", snapshot.build, old, time.perf_counter() - started)

    def wait(self, timeout: float | None = None) -> None:
        """Wait until the published build has been loaded (or found unusable), for tests and scripts."""
        deadline = time.monotonic() + (30 if timeout is None else timeout)
        while time.monotonic() < deadline and (self._loading or self._published() != self._target):
            time.sleep(0.05)
