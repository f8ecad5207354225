"""Loading a published build for questions: the `Index` record and its lookups.

What it does: loads the published build (FAISS vectors, BM25 index, passage store, manifest),
checking the manifest and the files and telling a stale, missing or damaged index apart, each
with its fix; `ensure_index` rebuilds first when the corpus changed. The `Index` answers the
lookups a question needs in time bounded by what it reads: a report's passages, its judgement
table, a passage's sentences and each one's role (decided at build, `qa.index.roles`), and the nearest embedding units (exactly over a filtered subset).

What it does not do: write builds (`qa.index.build`), rank or fuse results (`qa.retrieve`), or
answer questions.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from qa.chunk import Passage
from qa.corpus.catalogue import Report, corpus_hash, default_corpus_dir
from qa.index.bm25.read import load_bm25
from qa.index.build import build_index
from qa.index.folders import CURRENT
from qa.index.format import (
    FORMAT_VERSION,
    IndexCorrupt,
    IndexMissing,
    IndexProblem,
    IndexStale,
    default_index_dir,
    pipeline_hash,
)
from qa.index.roles import ROLES
from qa.index.store import StoredPassages, field_of, read_store
from qa.index.vectors import FILTER_EXACT_SHARE


@dataclass(eq=False)  # one loaded index is itself: hashable by identity (caches of what is derived from it)
class Index:
    path: Path
    manifest: dict
    reports: dict[str, Report]
    passages: list[Passage]
    faiss: object
    unit_passage: np.ndarray  # passage row of each FAISS vector
    unit_vectors: np.ndarray  # the FAISS vectors themselves, for reuse by an incremental build
    sentence_vectors: np.ndarray  # one unit vector per sentence
    sentence_spans: np.ndarray  # (passage row, start, end) of each sentence in its passage text
    bm25: object
    by_id: dict[str, int] = field(default_factory=dict)
    sentence_roles: np.ndarray | None = None  # index into qa.index.roles.ROLES of each sentence, decided at build

    def __post_init__(self) -> None:
        self.by_id = {pid: i for i, pid in enumerate(field_of(self.passages, "id"))}
        if self.sentence_roles is None:
            raise IndexCorrupt(f"the index in {self.path} holds no sentence roles: run `reportqa index` to rebuild it")

    def role_of(self, sentence: int) -> str:
        """The role the build gave a sentence (a row of sentence_vectors): strength, concern,
        improvement, finding, procedure, boilerplate or label (qa.index.roles)."""
        return ROLES[int(self.sentence_roles[sentence])]

    @cached_property
    def report_rows(self) -> dict[str, tuple[int, int]]:
        """doc_id -> (first, end) passage rows: a report's passages are contiguous, in catalogue order."""
        rows: dict[str, tuple[int, int]] = {}
        for i, doc_id in enumerate(field_of(self.passages, "doc_id")):
            rows[doc_id] = (rows.get(doc_id, (i, i))[0], i + 1)
        return rows

    def passages_of(self, doc_id: str) -> list[Passage]:
        return self.passages[slice(*self.report_rows.get(doc_id, (0, 0)))]

    @cached_property
    def judgement_tables(self) -> dict[str, str]:
        """doc_id -> id of the report's judgement table passage."""
        tables: dict[str, str] = {}
        for kind, doc_id, pid in zip(*(field_of(self.passages, f) for f in ("kind", "doc_id", "id"))):
            if kind == "judgement table":
                tables.setdefault(doc_id, pid)
        return tables

    def search_units(self, query_vector: np.ndarray, depth: int, units: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The `depth` embedding units nearest the query (scores, unit ids; best first), among
        `units` only when given. An approximate index searched with a selective filter finds few of
        the allowed units (HNSW at 1% of 100k units: recall@10 0.42), so a filter that allows at
        most FILTER_EXACT_SHARE of the units is searched exactly over just those units; a wider
        one searches the graph with its candidate list widened in proportion."""
        import faiss

        query = np.ascontiguousarray(query_vector, dtype=np.float32).reshape(1, -1)
        total = self.faiss.ntotal
        if units is None:
            scores, ids = self.faiss.search(query, min(depth, total))
            return scores[0], ids[0]
        units = np.asarray(units, dtype=np.int64)
        depth = min(depth, len(units))
        if depth == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        approximate = isinstance(self.faiss, (faiss.IndexHNSW, faiss.IndexIVF))
        if approximate and len(units) <= FILTER_EXACT_SHARE * total:
            ordered = np.sort(units)
            sims = np.asarray(self.unit_vectors[ordered]) @ query[0]
            top = np.argpartition(-sims, depth - 1)[:depth] if depth < len(sims) else np.arange(len(sims))
            top = top[np.lexsort((ordered[top], -sims[top]))]  # best first, ties by unit id
            return sims[top].astype(np.float32), ordered[top]
        selector = faiss.IDSelectorBatch(units)
        if isinstance(self.faiss, faiss.IndexHNSW):
            ef = max(int(self.faiss.hnsw.efSearch), int(depth * total / len(units)))
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=min(ef, 4096))
        else:
            params = faiss.SearchParameters(sel=selector)
        scores, ids = self.faiss.search(query, depth, params=params)
        return scores[0], ids[0]

    @cached_property
    def sentence_offsets(self) -> np.ndarray:
        """Passage row r's sentences are sentence_offsets[r]:sentence_offsets[r + 1] (the spans are
        in passage order): found once, so that a question looks up its passages' sentences in O(1)."""
        return np.searchsorted(np.ascontiguousarray(self.sentence_spans[:, 0]), np.arange(len(self.passages) + 1))

    def sentences_of(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices into sentence_vectors/sentence_spans of one passage's sentences, in order."""
        lo, hi = int(self.sentence_offsets[row]), int(self.sentence_offsets[row + 1])
        return np.arange(lo, hi), self.sentence_spans[lo:hi]

    def sentence_ids(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The sentences of the given passage rows (indices into sentence_vectors), and each one's row."""
        rows = np.asarray(rows, dtype=np.int64)
        lo, hi = self.sentence_offsets[rows], self.sentence_offsets[rows + 1]
        counts = hi - lo
        ids = np.repeat(lo - np.cumsum(counts) + counts, counts) + np.arange(int(counts.sum()))
        return ids, np.repeat(rows, counts)


def load_index(
    index_dir: Path | str | None = None,
    corpus_dir: Path | str | None = None,
    *,
    check_stale: bool = True,
) -> Index:
    """Load the published index; raise IndexMissing, IndexCorrupt or IndexStale with the fix."""
    import faiss


    index_dir = Path(index_dir) if index_dir else default_index_dir()
    link = index_dir / CURRENT
    fix = "run `reportqa index` to rebuild it"
    if link.is_symlink() and not link.exists():
        raise IndexCorrupt(f"the index link {link} points at a build that is gone: {fix}")
    if not link.exists():
        raise IndexMissing(f"no index has been built in {index_dir}: run `reportqa index` to build it")
    path = link.resolve()
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise IndexCorrupt(f"the index manifest in {path} is not an object: {fix}")
        if manifest.get("format") != FORMAT_VERSION:
            raise IndexCorrupt(f"the index in {path} has format {manifest.get('format')!r}, not {FORMAT_VERSION}: {fix}")
        for name, size in manifest["files"].items():
            if (path / name).stat().st_size != size:
                raise IndexCorrupt(f"the index file {path / name} is damaged (size changed): {fix}")
        store = read_store(path / "passages.json")
        reports = {r["id"]: Report.from_dict(r) for r in store["reports"]}
        passages = StoredPassages(store["passages"])  # each made a Passage when first read
        vectors = faiss.read_index(str(path / "units.faiss"))
        unit_passage = np.load(path / "units.npy")
        unit_vectors = np.load(path / "unit_vectors.npy", mmap_mode="r")
        # mapped, not read: a command answering one question touches only what it uses, and every
        # process serving the same build shares the pages (0.7 s and 290 MB at the whole archive)
        sentence_vectors = np.load(path / "sentences.npy", mmap_mode="r")
        sentence_spans = np.load(path / "sentence_spans.npy")
        sentence_roles = np.load(path / "sentence_roles.npy")
        bm25 = load_bm25(path / "bm25")  # bm25s's files, read without importing bm25s (and scipy)
    except IndexProblem:
        raise
    except Exception as exc:  # any unreadable artefact is a damaged index, whatever the library raises
        raise IndexCorrupt(f"the index in {path} cannot be read ({type(exc).__name__}: {exc}): {fix}") from None
    consistent = (
        len(passages) == manifest["passages"]
        and vectors.ntotal == len(unit_passage) == len(unit_vectors) == manifest["units"]
        and len(sentence_vectors) == len(sentence_spans) == len(sentence_roles) == manifest["sentences"]
        and int(sentence_roles.max(initial=0)) < len(ROLES)
        and vectors.d == manifest["dimension"]
    )
    if not consistent:
        raise IndexCorrupt(f"the index in {path} is inconsistent with its manifest: {fix}")
    if check_stale:
        if manifest.get("pipeline_sha256") != pipeline_hash():
            raise IndexStale(
                f"the indexing code changed since the index was built on {manifest['built_at']}: "
                "run `reportqa index` to rebuild it"
            )
        corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
        if corpus_hash(corpus_dir, list(reports.values())) != manifest["corpus_sha256"]:
            raise IndexStale(
                f"the corpus in {corpus_dir} changed since the index was built on {manifest['built_at']}: "
                "run `reportqa index` to rebuild it"
            )
    return Index(path, manifest, reports, passages, vectors, unit_passage, unit_vectors, sentence_vectors, sentence_spans, bm25,
                 sentence_roles=sentence_roles)


def ensure_index(
    index_dir: Path | str | None = None,
    corpus_dir: Path | str | None = None,
    *,
    build_missing: bool = False,
    log=lambda message: print(message, file=sys.stderr),
) -> Index:
    """Load the index, rebuilding it first (and saying so) when the corpus changed since the build."""
    try:
        return load_index(index_dir, corpus_dir)
    except IndexStale as exc:
        log(f"reportqa: {str(exc).split(': run')[0]}; rebuilding the index ...")
    except IndexMissing:
        if not build_missing:
            raise
        log("reportqa: no index yet; building it ...")
    build_index(corpus_dir, index_dir)
    return load_index(index_dir, corpus_dir)

