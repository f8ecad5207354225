"""Measure ingest over a whole collection of reports (the public archive): passages, furniture, time.

What it does: for a corpus folder (e.g. one made by `reportqa --corpus /tmp/arch add
ofsted-ilacs-scrape-tool/export_data/inspection_reports --no-index`), chunks every report and
prints one Markdown table: reports, passages in all and per report (min / median / max),
numbered paragraphs per inspection report (min / median), sentences, how many passages still hold
a line of page furniture (goal 0), the time to chunk everything, and the embedding rate measured
on a sample of the corpus's own texts with the embedding time of the whole corpus projected from
it (units and distinct sentences apart, with the build encoder `reportqa index` would use), and
the rest of a build (BM25, FAISS as `auto` chooses it, writing) measured at full size. With
`--build` it also builds the whole index and times it, then times adding one more report.

    python evals/archive.py /tmp/arch --sample 2000
    python evals/archive.py /tmp/arch --build --add path/to/one-more.pdf

What it does not do: judge grades (evals/ingest_check.py compares the facts with the archive's CSV).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import statistics
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Page furniture as it reads in a passage; the same patterns as tests/test_ofsted.py.
FURNITURE = [
    re.compile(r"Inspection of [\w ,&’']+ local authority children’s services\s*\d", re.I),
    re.compile(r"\b\d{1,2} (to|and) \d{1,2} \w+ 20\d\d \d{1,2}\b"),
    re.compile(r"©\s*Crown copyright"),
    re.compile(r"Piccadilly Gate|Store Street|M1 2WD|enquiries@ofsted\.gov\.uk|Textphone"),
    re.compile(r"Open Government Licence"),
]


def chunk_all(corpus: Path):
    from qa.chunk import chunk_report
    from qa.corpus.catalogue import load_catalogue

    reports = load_catalogue(corpus)
    started = time.perf_counter()
    chunked = [chunk_report(r, corpus) for r in reports]
    return reports, chunked, time.perf_counter() - started


def embedding_rate(texts: list[str], encoder: str) -> tuple[float, np.ndarray]:
    """Texts per second of the build encoder on these texts (the model loads outside the timing)."""
    from qa.index.encoder.encode import encode

    encode(texts[:8], progress=False, encoder=encoder)
    started = time.perf_counter()
    vectors = encode(texts, progress=False, encoder=encoder)
    return len(texts) / (time.perf_counter() - started), vectors


def rest_of_build(chunked, by_id, units: int, sample_vectors: np.ndarray):
    """BM25 over every passage (tokenizing them, which a full build does, and the score matrix from
    the token ids, which every build does), FAISS as `auto` chooses it at this many units (the
    sample's vectors repeated with a little noise stand in for the real ones), and writing the
    vectors: seconds each."""
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench import synthetic

    from qa.index.bm25 import write as bm25_index
    from qa.index.units import bm25_text
    from qa.index.vectors import faiss_index

    passages = [p for c in chunked for p in c.passages]
    started = time.perf_counter()
    vocabulary = bm25_index.Vocabulary()
    ids, counts = vocabulary.encode([bm25_text(p, by_id[p.doc_id]) for p in passages])
    tokenize = time.perf_counter() - started
    started = time.perf_counter()
    ids, vocab = bm25_index.compact(ids, vocabulary.tokens)
    bm25_index.bm25(ids, counts, vocab)
    matrix = time.perf_counter() - started
    vectors = synthetic(sample_vectors, units)
    started = time.perf_counter()
    index = faiss_index(vectors, "auto")
    faiss_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        np.save(Path(tmp) / "units.npy", vectors)
        np.save(Path(tmp) / "sentences.npy", np.zeros((len(passages) * 3, 384), dtype=np.float32))
        write = time.perf_counter() - started
    return (tokenize, matrix), faiss_seconds, write, index, vectors


def add_cost(chunked, rate_units: float, rate_sentences: float, bm25: float, write: float, index, vectors) -> list[tuple[str, str]]:
    """What adding one report to this whole collection costs: embedding a median report at the
    measured rates, the BM25 matrix made again from the stored token ids (only the new report is
    tokenized), the HNSW graph grown by the report's units (or exact FAISS rebuilt), writing all
    vectors."""
    import faiss

    from qa.index.vectors import faiss_index
    from qa.chunk.sentences import split_sentences

    median = sorted(chunked, key=lambda c: len(c.passages))[len(chunked) // 2]
    n_units = len(median.passages)
    n_sentences = sum(len(split_sentences(p.text)) for p in median.passages)
    embed = n_units / rate_units + n_sentences / rate_sentences
    started = time.perf_counter()
    if isinstance(index, faiss.IndexHNSW):
        index.add(vectors[:n_units])
        how = "HNSW graph grown"
    else:
        faiss_index(vectors, "flat")
        how = "exact FAISS rebuilt"
    grow = time.perf_counter() - started
    return [
        ("add one report: embed a median report", f"{embed:.1f} s ({n_units} units, {n_sentences} sentences)"),
        (f"add one report: BM25 matrix from stored tokens / {how} / write vectors", f"{bm25:.1f} / {grow:.1f} / {write:.1f} s"),
        ("add one report: projected total", f"{embed + bm25 + grow + write:.0f} s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--sample", type=int, default=2000, help="sentences embedded to measure the rate (a quarter as many units)")
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="as `reportqa index --device`")
    parser.add_argument("--build", action="store_true", help="also build the whole index and time it")
    parser.add_argument("--add", type=Path, help="with --build: one more report to add and time")
    args = parser.parse_args()

    from qa.index.encoder.model import build_encoder
    from qa.index.format import BuildSettings
    from qa.index.units import embedding_units
    from qa.chunk.sentences import split_sentences

    reports, chunked, chunk_seconds = chunk_all(args.corpus)
    by_id = {r.id: r for r in reports}
    counts = [len(c.passages) for c in chunked]
    numbered = [sum(p.label.isdigit() for p in c.passages) for c in chunked if c.report.kind == "inspection report"]
    passages = [p for c in chunked for p in c.passages]
    furniture = [p.id for p in passages if any(f.search(p.text) for f in FURNITURE)]
    units = [t for _, t in embedding_units(passages, by_id, BuildSettings())]
    sentences = sorted({p.text[s.start:s.end] for p in passages for s in split_sentences(p.text)})  # embedded once each
    n_sentences = sum(len(split_sentences(p.text)) for p in passages)
    encoder = build_encoder(args.device)
    rng = np.random.default_rng(0)
    unit_sample = [units[i] for i in rng.choice(len(units), min(len(units), args.sample // 4), replace=False)]
    sentence_sample = [sentences[i] for i in rng.choice(len(sentences), min(len(sentences), args.sample), replace=False)]
    load = os.getloadavg()[0]
    rate_units, vu = embedding_rate(unit_sample, encoder)
    rate_sentences, vs = embedding_rate(sentence_sample, encoder)
    embed_seconds = len(units) / rate_units + len(sentences) / rate_sentences
    (tokenize, matrix), faiss_seconds, write, index, vectors = rest_of_build(chunked, by_id, len(units), np.concatenate([vu, vs]))
    rows = [
        ("reports", f"{len(reports)}"),
        ("passages", f"{len(passages)}"),
        ("passages per report (min / median / max)", f"{min(counts)} / {statistics.median(counts):.0f} / {max(counts)}"),
        ("numbered paragraphs per inspection report (min / median)", f"{min(numbered)} / {statistics.median(numbered):.0f}"),
        ("embedding units + sentences (distinct)", f"{len(units):,} + {n_sentences:,} ({len(sentences):,})"),
        ("passages holding page furniture", f"{len(furniture)}" + (f" ({', '.join(furniture[:5])})" if furniture else "")),
        ("chunk every report (PDF text cached)", f"{chunk_seconds:.1f} s"),
        (f"embedding rate, {encoder} (load average {load:.1f})",
         f"units {rate_units:.0f}/s (sample of {len(unit_sample)}), sentences {rate_sentences:.0f}/s (sample of {len(sentence_sample)})"),
        ("projected embedding of the whole corpus", f"{embed_seconds / 60:.1f} min"),
        (f"BM25 tokens + matrix / FAISS ({type(index).__name__}, {len(units):,} units) / writing vectors",
         f"{tokenize:.1f} + {matrix:.1f} / {faiss_seconds:.1f} / {write:.1f} s"),
        ("projected whole build (chunk + embed + the rest)",
         f"{(chunk_seconds + embed_seconds + tokenize + matrix + faiss_seconds + write) / 60:.1f} min"),
    ]
    rows.extend(add_cost(chunked, rate_units, rate_sentences, matrix, write, index, vectors))
    if args.build:
        from qa.index.build import build_index

        index_dir = args.corpus.parent / (args.corpus.name + "-index")
        started = time.perf_counter()
        build_index(args.corpus, index_dir, progress=True, device=args.device)
        rows.append(("build the whole index", f"{(time.perf_counter() - started) / 60:.1f} min"))
        if args.add:
            from qa.corpus.add import add_paths

            started = time.perf_counter()
            add_paths([args.add], args.corpus)
            build_index(args.corpus, index_dir, progress=False)
            rows.append(("add one report to it (reportqa add)", f"{time.perf_counter() - started:.1f} s"))
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
