"""Build, store and load the search index: FAISS vectors, a BM25 index and the passage store.

What it does: chunks the corpus, embeds every passage with its context (report, year, section;
passages longer than the model's window as overlapping sentence windows), embeds every sentence
on its own for the answer stage, builds a BM25 index (bm25s, English stemming and stopwords), and
writes them with a manifest (model and its hash, dimension, corpus hash, counts, library
versions, build time). A build is written into a fresh folder and published by atomically
swapping the `current` link, so a crash never leaves a half-written index in use. Loading checks
the manifest and the files, and tells a stale, missing or damaged index apart, each with its fix.

What it does not do: rank or fuse results (that is `qa.retrieve`), or answer questions.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path

import numpy as np

from .builds import CURRENT, new_build, publish
from .chunk import Passage, chunk_report
from .embed import MODEL_PACKAGE
from .corpus import REPO_ROOT, Report, corpus_hash, default_corpus_dir, load_catalogue, report_digest
from .sentences import split_sentences
from .stored import StoredPassages, field_of, read_store

FORMAT_VERSION = 2  # 2: unit vectors stored for reuse, per-report digests
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
FILES = ("manifest.json", "passages.json", "units.faiss", "units.npy", "unit_vectors.npy", "sentences.npy", "sentence_spans.npy")


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
    files = sorted((here / "chunk").glob("*.py")) + [here / n for n in ("sentences.py", "index.py", "corpus.py", "embed.py")]
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
    """(passage row, text to embed): the whole passage, or overlapping windows of its sentences."""
    from .embed import max_tokens, token_length

    limit = max_tokens()
    units: list[tuple[int, str]] = []
    for row, p in enumerate(passages):
        prefix = context_prefix(reports[p.doc_id], p.section) + " " if settings.context else ""
        if token_length(prefix + p.text) <= limit:
            units.append((row, prefix + p.text))
            continue
        budget = min(settings.window_tokens, limit - token_length(prefix) - 2)
        sentences = [s.text for s in split_sentences(p.text)]
        lengths = [token_length(s) - 2 for s in sentences]
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


def _grown(published: "Index | None", unit_vectors: np.ndarray, index_type: str):
    """The published HNSW graph with only the new vectors added, when the new build's vectors
    extend the published ones (reports added at the end, nothing before them changed): building a
    graph over every vector again takes minutes at the whole archive, adding one report's seconds."""
    import faiss

    if published is None or resolve_index_type(index_type, len(unit_vectors)) != "hnsw":
        return None
    old = published.faiss
    n = old.ntotal
    if not isinstance(old, faiss.IndexHNSWFlat) or n > len(unit_vectors) or old.d != unit_vectors.shape[1]:
        return None
    if int(old.hnsw.efConstruction) != HNSW_EF_CONSTRUCTION or old.hnsw.nb_neighbors(0) != 2 * HNSW_M:
        return None
    if not np.array_equal(np.asarray(published.unit_vectors), unit_vectors[:n]):
        return None
    if len(unit_vectors) > n:
        old.add(unit_vectors[n:])
    old.hnsw.efSearch = ef_search(old.ntotal)
    return old


def faiss_description(index) -> dict:
    """What the manifest records of a FAISS index: its type and search parameters."""
    import faiss

    if isinstance(index, faiss.IndexHNSW):
        return {"type": "hnsw", "M": HNSW_M, "efConstruction": int(index.hnsw.efConstruction), "efSearch": int(index.hnsw.efSearch)}
    if isinstance(index, faiss.IndexIVF):
        return {"type": "ivf", "nlist": int(index.nlist), "nprobe": int(index.nprobe)}
    return {"type": "flat"}


def _bm25(texts: list[str]):
    import bm25s

    from .lexical import tokenize

    tokens = tokenize(texts)
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    return retriever


def _versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in ("faiss-cpu", "bm25s", "sentence-transformers", "torch", "onnxruntime", "tokenizers", "tiktoken", "numpy", MODEL_PACKAGE):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


@dataclass
class _Part:
    """One report's share of the index: its passages, their unit and sentence vectors (rows local)."""

    passages: list[Passage]
    unit_rows: np.ndarray  # local passage row of each unit
    unit_vectors: np.ndarray
    spans: np.ndarray  # (local passage row, start, end) of each sentence
    sentence_vectors: np.ndarray


def _published(index_dir: Path) -> Index | None:
    """The build in use, if one loads (stale or not)."""
    try:
        return load_index(index_dir, check_stale=False)
    except IndexProblem:
        return None


def _refuse_shrunk(published: Index, chunked: dict[str, list[Passage]], reports: dict[str, Report]) -> None:
    """Raise ShrunkReport naming every changed report that lost most of its text (see qa.shrink)."""
    from .shrink import shrunk

    problems = []
    for doc_id, passages in chunked.items():
        old = published.passages_of(doc_id)
        why = shrunk(old, passages) if old else None
        if why:
            problems.append(f"{doc_id} ({reports[doc_id].file}): {why}")
    if problems:
        raise ShrunkReport(
            "refusing to index report(s) that lost most of their text since the last build, which stays in use: "
            + "; ".join(problems) + ". If that is intended, run `reportqa index --allow-shrink`"
        )


def _reusable(previous: Index | None, settings: BuildSettings, encoder: str) -> Index | None:
    """The published build, if its vectors can be reused: same format, model, encoder, code and
    settings (the index type aside: FAISS is rebuilt over the whole each time)."""
    from .embed import model_hash

    if previous is None:
        return None
    m = previous.manifest
    same = (
        m.get("pipeline_sha256") == pipeline_hash()
        and m.get("model_sha256") == model_hash()
        and m.get("encoder") == encoder
        and {**m.get("settings", {}), "index_type": None} == {**asdict(settings), "index_type": None}
        and isinstance(m.get("report_sha256"), dict)
    )
    return previous if same else None


def _part_from(previous: Index, lo: int, hi: int) -> _Part:
    """Passage rows [lo, hi) of the previous build, with their vectors (rows made local)."""
    u0, u1 = np.searchsorted(previous.unit_passage, [lo, hi])
    s0, s1 = np.searchsorted(previous.sentence_spans[:, 0], [lo, hi])
    spans = previous.sentence_spans[s0:s1].astype(np.int64)
    spans[:, 0] -= lo
    return _Part(
        passages=previous.passages[lo:hi],
        unit_rows=previous.unit_passage[u0:u1].astype(np.int64) - lo,
        unit_vectors=previous.unit_vectors[u0:u1],
        spans=spans,
        sentence_vectors=previous.sentence_vectors[s0:s1],
    )


def _new_parts(reports: list[Report], passages: dict[str, list[Passage]], all_reports: dict[str, Report],
               settings: BuildSettings, progress: bool | None, encoder: str, device: str) -> list[_Part]:
    """Embed the given reports' passages, in one batch of units and one of sentences (a sentence
    that occurs more than once, as Ofsted's stock phrases do across reports, is embedded once)."""
    from .embed import encode

    chunked = [passages[r.id] for r in reports]
    units = [embedding_units(ps, all_reports, settings) for ps in chunked]
    spans = [[(row, s.start, s.end) for row, p in enumerate(ps) for s in split_sentences(p.text)] for ps in chunked]

    def vectors(texts: list[str], label: str, max_length: int | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        distinct, where = np.unique(np.array(texts, dtype=object), return_inverse=True)
        return encode(list(distinct), progress=progress, encoder=encoder, device=device, label=label,
                      max_length=max_length)[where.reshape(-1)]

    unit_vectors = vectors([t for us in units for _, t in us], "passages")
    sentence_vectors = vectors([ps[row].text[a:b] for ps, ss in zip(chunked, spans) for row, a, b in ss], "sentences",
                               settings.sentence_tokens or None)
    parts, u, v = [], 0, 0
    for ps, us, ss in zip(chunked, units, spans):
        parts.append(_Part(
            passages=ps,
            unit_rows=np.array([row for row, _ in us], dtype=np.int64),
            unit_vectors=unit_vectors[u : u + len(us)],
            spans=np.array(ss, dtype=np.int64).reshape(-1, 3),
            sentence_vectors=sentence_vectors[v : v + len(ss)],
        ))
        u, v = u + len(us), v + len(ss)
    return parts


def build_index(
    corpus_dir: Path | str | None = None,
    index_dir: Path | str | None = None,
    settings: BuildSettings = BuildSettings(),
    *,
    progress: bool | None = None,
    incremental: bool = True,
    allow_shrink: bool = False,
    device: str = "auto",
    encoder: str | None = None,
    log=lambda message: None,
) -> Path:
    """Build the index and publish it as `index_dir/current`; returns the build folder.

    Incremental: the passages and vectors of every report whose file and catalogue entry are
    unchanged since the published build are reused; only new or changed reports are chunked and
    embedded. FAISS and BM25 are rebuilt over the whole, which takes seconds.

    Passages and sentences are embedded by `encoder` (default: torch on a CUDA GPU when `device`
    is auto or cuda and one is present, else the int8 ONNX encoder); the ONNX query encoder is
    exported here too, where torch is installed, so answering questions later needs no torch."""
    import faiss

    from .embed import ENCODERS, MODEL_NAME, build_encoder, ensure_onnx, model_hash, query_encoder, resolve_device

    if settings.index_type not in INDEX_TYPES:
        raise ValueError(f"unknown index type {settings.index_type!r}: choose one of {', '.join(INDEX_TYPES)}")
    device = resolve_device(device)
    encoder = encoder or build_encoder(device)
    if encoder not in ENCODERS:
        raise ValueError(f"unknown encoder {encoder!r}: choose one of {', '.join(ENCODERS)}")
    corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
    index_dir = Path(index_dir) if index_dir else default_index_dir()
    started = time.time()
    hash_before = corpus_hash(corpus_dir)
    catalogue = load_catalogue(corpus_dir)
    reports = {r.id: r for r in catalogue}
    digests = {r.id: report_digest(r, corpus_dir) for r in catalogue}
    published = _published(index_dir)
    previous = _reusable(published, settings, encoder) if incremental else None
    kept = {d for d, sha in digests.items() if previous and previous.manifest["report_sha256"].get(d) == sha}
    fresh = [r for r in catalogue if r.id not in kept]
    log(f"reportqa: {len(kept)} report(s) unchanged, {len(fresh)} to chunk and embed")
    chunked = {r.id: chunk_report(r, corpus_dir).passages for r in fresh}
    if published is not None and not allow_shrink:
        _refuse_shrunk(published, chunked, reports)
    for name in {encoder, query_encoder()} - {"torch"}:
        ensure_onnx(name, log=log)
    made = dict(zip((r.id for r in fresh), _new_parts(fresh, chunked, reports, settings, progress, encoder, device)))
    parts = [_part_from(previous, *previous.report_rows.get(r.id, (0, 0))) if r.id in kept else made[r.id]
             for r in catalogue]

    passages = [p for part in parts for p in part.passages]
    if not passages:
        raise IndexProblem(f"the corpus at {corpus_dir} has no passages to index")
    offsets = np.cumsum([0] + [len(part.passages) for part in parts[:-1]])
    unit_rows = np.concatenate([part.unit_rows + off for part, off in zip(parts, offsets)]).astype(np.int32)
    unit_vectors = np.concatenate([part.unit_vectors for part in parts if len(part.unit_vectors)], dtype=np.float32)
    spans = np.concatenate([part.spans + np.array([off, 0, 0]) for part, off in zip(parts, offsets)]).astype(np.int32)
    sentence_vectors = np.concatenate([part.sentence_vectors for part in parts if len(part.sentence_vectors)], dtype=np.float32)
    bm25 = _bm25([bm25_text(p, reports[p.doc_id]) for p in passages])

    build = new_build(index_dir)
    try:
        kept_units = published.faiss.ntotal if published is not None else 0
        vector_index = _grown(published, unit_vectors, settings.index_type)
        if vector_index is not None:
            log(f"reportqa: HNSW graph of {kept_units} units kept, {len(unit_vectors) - kept_units} added")
        else:
            vector_index = faiss_index(unit_vectors, settings.index_type)
        faiss.write_index(vector_index, str(build / "units.faiss"))
        np.save(build / "units.npy", unit_rows)
        np.save(build / "unit_vectors.npy", unit_vectors)
        np.save(build / "sentences.npy", sentence_vectors)
        np.save(build / "sentence_spans.npy", spans.reshape(-1, 3))
        bm25.save(str(build / "bm25"), show_progress=False)
        store = {
            "reports": [asdict(r) for r in catalogue],
            "passages": [vars(p) for p in passages],  # as asdict gives, without its deep copy (3.5 s at 56k passages)
        }
        (build / "passages.json").write_text(json.dumps(store, ensure_ascii=False), encoding="utf-8")
        if corpus_hash(corpus_dir) != hash_before:
            raise IndexProblem("the corpus changed while the index was being built: run `reportqa index` again")
        manifest = {
            "format": FORMAT_VERSION,
            "model": MODEL_NAME,
            "model_package": MODEL_PACKAGE,
            "model_sha256": model_hash(),
            "dimension": int(unit_vectors.shape[1]),
            "corpus_sha256": hash_before,
            "report_sha256": digests,
            "pipeline_sha256": pipeline_hash(),
            "corpus_dir": str(corpus_dir.resolve()),
            "reports": len(catalogue),
            "passages": len(passages),
            "units": len(unit_rows),
            "sentences": len(spans),
            "embedded_reports": len(fresh),
            "settings": asdict(settings),
            "index_type": faiss_description(vector_index)["type"],
            "faiss": faiss_description(vector_index),
            "encoder": encoder,
            "query_encoder": query_encoder(),
            "device": device,
            "versions": _versions(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": round(time.time() - started, 2),
            "files": {name: (build / name).stat().st_size for name in FILES if name != "manifest.json"},
        }
        (build / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        publish(index_dir, build)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return build


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
