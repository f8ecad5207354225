"""The search index: what is embedded and indexed, its FAISS types, and loading a published build.

What it does: decides the texts of an index (every passage with its context: report, year,
section; passages longer than the model's window as overlapping sentence windows; every sentence
on its own for the answer stage; the BM25 text of a passage), makes FAISS indexes (exact, HNSW,
IVF), and loads the published build (FAISS vectors, BM25 index, passage store, manifest),
checking the manifest and the files and telling a stale, missing or damaged index apart, each
with its fix. `build_index` (in `qa.build`) writes a build into a fresh folder and publishes it by
atomically swapping the `current` link, so a crash never leaves a half-written index in use.

What it does not do: rank or fuse results (that is `qa.retrieve`), or answer questions.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from .builds import CURRENT
from .chunk import Passage
from .corpus import REPO_ROOT, Report, corpus_hash, default_corpus_dir
from .sentences import split_sentences
from .stored import StoredPassages, field_of, read_store

FORMAT_VERSION = 3  # 2: unit vectors stored for reuse, per-report digests; 3: one passage a line, BM25 tokens stored, report rows
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
FILES = ("manifest.json", "passages.json", "units.faiss", "units.npy", "unit_vectors.npy", "sentences.npy", "sentence_spans.npy",
         "tokens.npy", "token_offsets.npy")


class IndexProblem(Exception):
    """The index cannot be used as it is; the message names the fix."""


class IndexMissing(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class IndexStale(IndexProblem):
    pass


class EncoderMissing(IndexMissing):
    """The ONNX query encoder is not cached here and torch is not installed to make it."""


class ShrunkReport(IndexProblem):
    """A changed report lost most of its text; the message names it and the override."""


@dataclass(frozen=True)
class BuildSettings:
    index_type: str = "auto"  # flat (exact), hnsw or ivf (approximate), or auto: flat up to HNSW_THRESHOLD units
    context: bool = True  # embed each passage with its report, year and section heading
    window_tokens: int = 200  # word pieces of passage text per window for passages over the limit
    sentence_tokens: int = 0  # sentences embedded cut at this many word pieces (0: the model's window)


@dataclass
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

    def __post_init__(self) -> None:
        self.by_id = {pid: i for i, pid in enumerate(field_of(self.passages, "id"))}

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


def pipeline_hash() -> str:
    """sha256 of the code that decides what is indexed (chunking, sentences, embedding units):
    when it changes, an index built by older code is stale even if the corpus is not."""
    import hashlib

    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    names = ("sentences.py", "index.py", "build.py", "bm25_index.py", "corpus.py", "embed.py")
    files = sorted((here / "chunk").glob("*.py")) + [here / n for n in names]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def default_index_dir() -> Path:
    return Path(os.environ.get("REPORTQA_INDEX", REPO_ROOT / "index"))


def context_prefix(report: Report, section: str) -> str:
    return f"{report.short_title} ({report.year}). {section}." if section else f"{report.short_title} ({report.year})."


def bm25_text(passage: Passage, report: Report) -> str:
    return f"{report.short_title}. {passage.section}.\n{passage.text}"


def embedding_units(passages: list[Passage], reports: dict[str, Report], settings: BuildSettings) -> list[tuple[int, str]]:
    """(passage row, text to embed): the whole passage, or overlapping windows of its sentences.
    Lengths are counted in two batches (whole texts, then the long passages' sentences), not text
    by text."""
    from .embed import max_tokens, token_lengths

    limit = max_tokens()
    prefixes = [context_prefix(reports[p.doc_id], p.section) + " " if settings.context else "" for p in passages]
    whole = token_lengths([prefix + p.text for prefix, p in zip(prefixes, passages)])
    long = {row: [s.text for s in split_sentences(passages[row].text)] for row, n in enumerate(whole) if n > limit}
    counted = iter(token_lengths([text for row, sentences in long.items() for text in (prefixes[row], *sentences)]))
    units: list[tuple[int, str]] = []
    for row, p in enumerate(passages):
        prefix = prefixes[row]
        if row not in long:
            units.append((row, prefix + p.text))
            continue
        sentences = long[row]
        budget = min(settings.window_tokens, limit - next(counted) - 2)
        lengths = [next(counted) - 2 for _ in sentences]
        start = 0
        while start < len(sentences):
            end, used = start, 0
            while end < len(sentences) and (end == start or used + lengths[end] <= budget):
                used += lengths[end]
                end += 1
            units.append((row, prefix + " ".join(sentences[start:end])))
            if end >= len(sentences):
                break
            start = max(start + 1, end - 1)  # one sentence of overlap between windows
    return units


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


def build_index(*args, **kwargs) -> Path:
    """Build the index and publish it; returns the build folder (see `qa.build.build_index`)."""
    from .build import build_index as build

    return build(*args, **kwargs)


def load_index(
    index_dir: Path | str | None = None,
    corpus_dir: Path | str | None = None,
    *,
    check_stale: bool = True,
) -> Index:
    """Load the published index; raise IndexMissing, IndexCorrupt or IndexStale with the fix."""
    import faiss

    from .bm25file import load_bm25

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
        bm25 = load_bm25(path / "bm25")  # bm25s's files, read without importing bm25s (and scipy)
    except IndexProblem:
        raise
    except Exception as exc:  # any unreadable artefact is a damaged index, whatever the library raises
        raise IndexCorrupt(f"the index in {path} cannot be read ({type(exc).__name__}: {exc}): {fix}") from None
    consistent = (
        len(passages) == manifest["passages"]
        and vectors.ntotal == len(unit_passage) == len(unit_vectors) == manifest["units"]
        and len(sentence_vectors) == len(sentence_spans) == manifest["sentences"]
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
    return Index(path, manifest, reports, passages, vectors, unit_passage, unit_vectors, sentence_vectors, sentence_spans, bm25)


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
