"""Build the search index and publish it, incrementally: adding a report costs about that report.

What it does: chunks the reports that are new or changed since the published build, embeds their
passages (with context) and sentences, and takes everything of the unchanged reports from the
published build without recomputing or even parsing it: their passages as raw lines of
passages.json (one passage a line), their unit and sentence vectors (mapped and copied), their
BM25 tokens (`qa.index.bm25.write`). It then builds FAISS (or grows the published HNSW graph by the
new units only) and the BM25 matrix over the whole, writes everything into a fresh build folder
with a manifest (model, corpus and pipeline hashes, counts, each report's passage rows, versions)
and publishes it atomically (`qa.index.folders`). A report whose text shrank sharply is refused before
anything is written. Any published build that cannot be read as this format, or that was made by
other code, settings or model, is not reused: everything is then built from the reports.

What it does not do: load an index for questions (`qa.index.load_index`), rank or answer.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from qa.chunk import Passage, chunk_report
from qa.chunk.sentences import split_sentences
from qa.corpus.catalogue import (
    Report,
    corpus_hash,
    default_corpus_dir,
    load_catalogue,
    report_digest,
)
from qa.index.bm25 import write as bm25_index
from qa.index.encoder.encode import encode
from qa.index.encoder.model import (
    ENCODERS,
    MODEL_NAME,
    MODEL_PACKAGE,
    build_encoder,
    model_hash,
    query_encoder,
    resolve_device,
)
from qa.index.encoder.onnx_export import ensure_onnx
from qa.index.folders import CURRENT, new_build, publish
from qa.index.format import (
    FILES,
    FORMAT_VERSION,
    BuildSettings,
    IndexProblem,
    ShrunkReport,
    default_index_dir,
    pipeline_hash,
)
from qa.index.roles import (
    ROLES,
    default_model,
    recurring_in,
    recurring_threshold,
    roles_of,
    sentence_key,
    structure,
)
from qa.index.shrink import shrunk
from qa.index.store import make_passage
from qa.index.units import bm25_text, embedding_units
from qa.index.vectors import (
    HNSW_EF_CONSTRUCTION,
    HNSW_M,
    INDEX_TYPES,
    ef_search,
    faiss_description,
    faiss_index,
    resolve_index_type,
)

# ----------------------------------------------------------------------------- the published build


def passages_json(reports: list[Report], lines: list[bytes]) -> bytes:
    """passages.json: {"reports": [...], "passages": [...]}, each passage on a line of its own, so
    a later build copies an unchanged report's lines without parsing them (JSON escapes every
    newline inside a string, so a line is always one passage)."""
    head = '{"reports": ' + json.dumps([asdict(r) for r in reports], ensure_ascii=False) + ', "passages": [\n'
    return head.encode() + b",\n".join(lines) + b"\n]}\n"


def passage_line(p: Passage) -> bytes:
    return json.dumps(vars(p), ensure_ascii=False).encode()  # as asdict gives, without its deep copy


def _passage_lines(data: bytes, count: int) -> list[bytes]:
    lines = data.split(b"\n")
    if len(lines) != count + 3 or lines[-2:] != [b"]}", b""] or not lines[0].endswith(b'"passages": ['):
        raise ValueError("passages.json is not one passage a line")
    body = lines[1:-2]
    return [line[:-1] for line in body[:-1]] + body[-1:]


def _passage(line: bytes) -> Passage:
    return make_passage(json.loads(line))  # as the loaded index makes its passages


@dataclass
class Previous:
    """The published build, read only as far as a new build reuses it: arrays mapped, passages as
    raw lines, the FAISS index read only when its graph is to be grown."""

    path: Path
    manifest: dict
    lines: list[bytes]
    unit_passage: np.ndarray
    unit_vectors: np.ndarray
    sentence_vectors: np.ndarray
    sentence_spans: np.ndarray
    sentence_keys: np.ndarray
    sentence_lexical: np.ndarray
    tokens: bm25_index.Tokens | None  # None when the tokenizer changed since

    def rows(self, doc_id: str) -> tuple[int, int]:
        lo, hi = self.manifest["report_rows"].get(doc_id, (0, 0))
        return int(lo), int(hi)

    def passages(self, doc_id: str) -> list[Passage]:
        return [_passage(line) for line in self.lines[slice(*self.rows(doc_id))]]

    def faiss(self):
        import faiss

        return faiss.read_index(str(self.path / "units.faiss"))


def previous_build(index_dir: Path) -> Previous | None:
    """The build in use, if it is of this format and whole (stale or not); else None."""
    try:
        path = (index_dir / CURRENT).resolve(strict=True)
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT_VERSION or set(manifest["files"]) != set(FILES) - {"manifest.json"}:
            return None
        if any((path / name).stat().st_size != size for name, size in manifest["files"].items()):
            return None
        previous = Previous(
            path, manifest, _passage_lines((path / "passages.json").read_bytes(), manifest["passages"]),
            np.load(path / "units.npy"), np.load(path / "unit_vectors.npy", mmap_mode="r"),
            np.load(path / "sentences.npy", mmap_mode="r"), np.load(path / "sentence_spans.npy"),
            np.load(path / "sentence_keys.npy"), np.load(path / "sentence_lexical.npy"),
            bm25_index.read_tokens(path) if manifest.get("lexical_sha256") == bm25_index.lexical_hash() else None,
        )
        consistent = (
            len(previous.unit_passage) == len(previous.unit_vectors) == manifest["units"]
            and len(previous.sentence_vectors) == len(previous.sentence_spans) == len(previous.sentence_keys)
            == len(previous.sentence_lexical)
            == manifest["sentences"]
            and (previous.tokens is None or len(previous.tokens.offsets) == manifest["passages"] + 1)
        )
        return previous if consistent else None
    except Exception:  # a damaged or unreadable build is simply not reused, whatever the library raises
        return None


def _reusable(previous: Previous | None, settings: BuildSettings, encoder: str) -> Previous | None:
    """The published build, if its vectors can be reused: same model, encoder, code and settings
    (the index type aside: FAISS is rebuilt, or grown, each time)."""
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


def _refuse_shrunk(previous: Previous, chunked: dict[str, list[Passage]], reports: dict[str, Report]) -> None:
    """Raise ShrunkReport naming every changed report that lost most of its text (see qa.index.shrink)."""
    problems = []
    for doc_id, passages in chunked.items():
        old = previous.passages(doc_id)
        why = shrunk(old, passages) if old else None
        if why:
            problems.append(f"{doc_id} ({reports[doc_id].file}): {why}")
    if problems:
        raise ShrunkReport(
            "refusing to index report(s) that lost most of their text since the last build, which stays in use: "
            + "; ".join(problems) + ". If that is intended, run `reportqa index --allow-shrink`"
        )


# ----------------------------------------------------------------------------- one report's share


@dataclass
class _Part:
    """One report's share of the index: its passages (as JSON lines), unit and sentence vectors and
    BM25 token ids (passage rows local to the report)."""

    lines: list[bytes]
    unit_rows: np.ndarray  # local passage row of each unit
    unit_vectors: np.ndarray
    spans: np.ndarray  # (local passage row, start, end) of each sentence
    sentence_vectors: np.ndarray
    keys: np.ndarray  # (recurrence key, structure code) of each sentence (qa.index.roles)
    lexical: np.ndarray  # each sentence's words' share of each role's score (qa.index.roles.Lexicon)
    passages: list[Passage] | None = None  # parsed, where the report was chunked now
    token_ids: np.ndarray | None = None  # None: to be tokenized
    token_counts: np.ndarray | None = None


def _part_from(previous: Previous, lo: int, hi: int) -> _Part:
    """Passage rows [lo, hi) of the previous build, with their vectors and tokens (rows made local)."""
    u0, u1 = np.searchsorted(previous.unit_passage, [lo, hi])
    s0, s1 = np.searchsorted(previous.sentence_spans[:, 0], [lo, hi])
    spans = previous.sentence_spans[s0:s1].astype(np.int64)
    spans[:, 0] -= lo
    part = _Part(
        lines=previous.lines[lo:hi],
        unit_rows=previous.unit_passage[u0:u1].astype(np.int64) - lo,
        unit_vectors=previous.unit_vectors[u0:u1],
        spans=spans,
        sentence_vectors=previous.sentence_vectors[s0:s1],
        keys=previous.sentence_keys[s0:s1],
        lexical=previous.sentence_lexical[s0:s1],
    )
    if previous.tokens is not None:
        part.token_ids, part.token_counts = previous.tokens.rows(lo, hi)
    return part


def _new_parts(reports: list[Report], passages: dict[str, list[Passage]], all_reports: dict[str, Report],
               settings: BuildSettings, progress: bool | None, encoder: str, device: str) -> list[_Part]:
    """Embed the given reports' passages, in one batch of units and one of sentences (a sentence
    that occurs more than once, as Ofsted's stock phrases do across reports, is embedded once)."""
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
            lines=[passage_line(p) for p in ps],
            unit_rows=np.array([row for row, _ in us], dtype=np.int64),
            unit_vectors=unit_vectors[u : u + len(us)],
            spans=np.array(ss, dtype=np.int64).reshape(-1, 3),
            sentence_vectors=sentence_vectors[v : v + len(ss)],
            keys=sentence_keys(ps, ss, all_reports),
            lexical=default_model().lexicon.scores([ps[row].text[a:b] for row, a, b in ss]),
            passages=ps,
        ))
        u, v = u + len(us), v + len(ss)
    return parts


def sentence_keys(passages: list[Passage], spans: list[tuple[int, int, int]], reports: dict[str, Report]) -> np.ndarray:
    """(recurrence key, structure code) of each sentence of one report's passages (qa.index.roles)."""
    out = []
    for row, a, b in spans:
        p = passages[row]
        text = p.text[a:b]
        out.append((sentence_key(text), structure(text, p.kind, reports[p.doc_id].kind == "council paper", p.section)))
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def _tokenize(parts: list[_Part], reports: dict[str, Report], vocabulary: bm25_index.Vocabulary) -> None:
    """BM25 token ids for every part that has none yet, in one call to the tokenizer."""
    todo = [part for part in parts if part.token_ids is None]
    for part in todo:
        if part.passages is None:
            part.passages = [_passage(line) for line in part.lines]  # kept, but the tokenizer changed
    ids, counts = vocabulary.encode([bm25_text(p, reports[p.doc_id]) for part in todo for p in part.passages])
    offsets = np.concatenate([[0], np.cumsum(counts)])
    n = 0
    for part in todo:
        k = len(part.passages)
        part.token_ids, part.token_counts = ids[offsets[n] : offsets[n + k]], counts[n : n + k]
        n += k


# ----------------------------------------------------------------------------- FAISS


def _grown(previous: Previous | None, unit_vectors: np.ndarray, index_type: str):
    """The published HNSW graph with only the new vectors added, when the new build's vectors
    extend the published ones (reports added at the end, nothing before them changed): building a
    graph over every vector again takes minutes at the whole archive, adding one report's seconds."""
    import faiss

    if previous is None or resolve_index_type(index_type, len(unit_vectors)) != "hnsw":
        return None
    n = len(previous.unit_vectors)
    if previous.manifest.get("index_type") != "hnsw" or n > len(unit_vectors):
        return None
    if not np.array_equal(np.asarray(previous.unit_vectors), unit_vectors[:n]):
        return None
    old = previous.faiss()
    if not isinstance(old, faiss.IndexHNSWFlat) or old.ntotal != n or old.d != unit_vectors.shape[1]:
        return None
    if int(old.hnsw.efConstruction) != HNSW_EF_CONSTRUCTION or old.hnsw.nb_neighbors(0) != 2 * HNSW_M:
        return None
    if len(unit_vectors) > n:
        old.add(unit_vectors[n:])
    old.hnsw.efSearch = ef_search(old.ntotal)
    return old


def _versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for name in ("faiss-cpu", "bm25s", "sentence-transformers", "torch", "onnxruntime", "tokenizers", "tiktoken", "numpy", MODEL_PACKAGE):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# ----------------------------------------------------------------------------- the build


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

    Incremental: the passages, vectors and BM25 tokens of every report whose file and catalogue
    entry are unchanged since the published build are reused; only new or changed reports are
    chunked, embedded and tokenized. FAISS and the BM25 matrix are made over the whole (an HNSW
    graph is grown when reports were only added at the end), which takes seconds.

    Passages and sentences are embedded by `encoder` (default: torch on a CUDA GPU when `device`
    is auto or cuda and one is present, else the int8 ONNX encoder); the ONNX query encoder is
    exported here too, where torch is installed, so answering questions later needs no torch."""
    import faiss

    if settings.index_type not in INDEX_TYPES:
        raise ValueError(f"unknown index type {settings.index_type!r}: choose one of {', '.join(INDEX_TYPES)}")
    device = resolve_device(device)
    encoder = encoder or build_encoder(device)
    if encoder not in ENCODERS:
        raise ValueError(f"unknown encoder {encoder!r}: choose one of {', '.join(ENCODERS)}")
    corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
    index_dir = Path(index_dir) if index_dir else default_index_dir()
    started = time.time()
    catalogue = load_catalogue(corpus_dir)
    reports = {r.id: r for r in catalogue}
    digests = {r.id: report_digest(r, corpus_dir) for r in catalogue}
    hash_before = corpus_hash(corpus_dir, digests=digests)
    published = previous_build(index_dir)
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
    parts = [_part_from(previous, *previous.rows(r.id)) if r.id in kept else made[r.id] for r in catalogue]

    lines = [line for part in parts for line in part.lines]
    if not lines:
        raise IndexProblem(f"the corpus at {corpus_dir} has no passages to index")
    sizes = [len(part.lines) for part in parts]
    offsets = np.cumsum([0] + sizes[:-1])
    unit_rows = np.concatenate([part.unit_rows + off for part, off in zip(parts, offsets)]).astype(np.int32)
    unit_vectors = np.concatenate([part.unit_vectors for part in parts if len(part.unit_vectors)], dtype=np.float32)
    spans = np.concatenate([part.spans + np.array([off, 0, 0]) for part, off in zip(parts, offsets)]).astype(np.int32)
    sentence_vectors = np.concatenate([part.sentence_vectors for part in parts if len(part.sentence_vectors)], dtype=np.float32)
    keys = np.concatenate([part.keys for part in parts]).astype(np.int64).reshape(-1, 2)
    # Recurrence is the collection's: counted again over every report each build (a cheap count of keys).
    report_of = np.repeat(np.arange(len(parts)), [len(part.keys) for part in parts])
    lexical = np.concatenate([part.lexical for part in parts]).astype(np.float32).reshape(-1, len(ROLES))
    roles = roles_of(sentence_vectors, spans[:, 0], keys[:, 1], recurring_in(keys[:, 0], report_of, len(parts)), lexical)
    vocabulary = bm25_index.Vocabulary(previous.tokens.vocab if previous is not None and previous.tokens is not None else None)
    _tokenize(parts, reports, vocabulary)
    token_ids, vocab = bm25_index.compact(np.concatenate([part.token_ids for part in parts]), vocabulary.tokens)
    token_counts = np.concatenate([part.token_counts for part in parts])
    bm25 = bm25_index.bm25(token_ids, token_counts, vocab)

    build = new_build(index_dir)
    try:
        vector_index = _grown(previous, unit_vectors, settings.index_type)
        if vector_index is not None:
            log(f"reportqa: HNSW graph of {len(previous.unit_vectors)} units kept, {len(unit_vectors) - len(previous.unit_vectors)} added")
        else:
            vector_index = faiss_index(unit_vectors, settings.index_type)
        faiss.write_index(vector_index, str(build / "units.faiss"))
        np.save(build / "units.npy", unit_rows)
        np.save(build / "unit_vectors.npy", unit_vectors)
        np.save(build / "sentences.npy", sentence_vectors)
        np.save(build / "sentence_spans.npy", spans.reshape(-1, 3))
        np.save(build / "sentence_keys.npy", keys)
        np.save(build / "sentence_lexical.npy", lexical)
        np.save(build / "sentence_roles.npy", roles)
        bm25_index.write(build, bm25, token_ids, token_counts)
        (build / "passages.json").write_bytes(passages_json(catalogue, lines))
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
            "report_rows": {r.id: [int(off), int(off) + size] for r, off, size in zip(catalogue, offsets, sizes)},
            "pipeline_sha256": pipeline_hash(),
            "lexical_sha256": bm25_index.lexical_hash(),
            "corpus_dir": str(corpus_dir.resolve()),
            "reports": len(catalogue),
            "passages": len(lines),
            "units": len(unit_rows),
            "sentences": len(spans),
            "recurring_threshold": recurring_threshold(len(parts)),
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
