"""Measure ingest over a whole collection of reports (the public archive): passages, furniture, time.

What it does: for a corpus folder (e.g. one made by `reportqa --corpus /tmp/arch add
ofsted-ilacs-scrape-tool/export_data/inspection_reports --no-index`), chunks every report and
prints one Markdown table: reports, passages in all and per report (min / median / max),
numbered paragraphs per inspection report (min / median), sentences, how many passages still hold
a line of page furniture (goal 0), the time to chunk everything, and the embedding rate measured
on a sample of the corpus's own texts with the embedding time of the whole corpus projected from
it. With `--build` it also builds the whole index and times it, then times adding one more report.

    python evals/archive.py /tmp/arch --sample 2000
    python evals/archive.py /tmp/arch --build --add path/to/one-more.pdf

What it does not do: judge grades (evals/ingest_check.py compares the facts with the archive's CSV).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from pathlib import Path

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
    from qa.corpus import load_catalogue

    reports = load_catalogue(corpus)
    started = time.perf_counter()
    chunked = [chunk_report(r, corpus) for r in reports]
    return reports, chunked, time.perf_counter() - started


def embedding_rate(texts: list[str]) -> float:
    from qa.embed import encode

    encode(texts[:8], progress=False)  # the model loads outside the timing
    started = time.perf_counter()
    encode(texts, progress=False)
    return len(texts) / (time.perf_counter() - started)


def add_cost(chunked, by_id, units: list[str], sentences: list[str], rate: float) -> list[tuple[str, str]]:
    """What adding one report to this whole collection costs, part by part, each part measured at
    full size: embedding a median report (at the measured rate), rebuilding BM25 over every passage,
    rebuilding the exact FAISS index over every unit vector and writing all vectors (random unit
    vectors stand in for the real ones: these costs do not depend on the values)."""
    import tempfile

    import numpy as np

    from qa.index import _bm25, _faiss_index, bm25_text
    from qa.sentences import split_sentences

    median = sorted(chunked, key=lambda c: len(c.passages))[len(chunked) // 2]
    texts = len(median.passages) + sum(len(split_sentences(p.text)) for p in median.passages)
    passages = [p for c in chunked for p in c.passages]
    started = time.perf_counter()
    _bm25([bm25_text(p, by_id[p.doc_id]) for p in passages])
    bm25 = time.perf_counter() - started
    vectors = np.random.default_rng(0).standard_normal((len(units), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    started = time.perf_counter()
    _faiss_index(vectors, "flat")
    faiss = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        np.save(Path(tmp) / "units.npy", vectors)
        np.save(Path(tmp) / "sentences.npy", np.zeros((len(sentences), 384), dtype=np.float32))
        write = time.perf_counter() - started
    embed = texts / rate
    return [
        ("add one report: embed a median report", f"{embed:.1f} s ({texts} texts)"),
        ("add one report: rebuild BM25 / FAISS / write vectors, whole collection", f"{bm25:.1f} / {faiss:.1f} / {write:.1f} s"),
        ("add one report: projected total", f"{embed + bm25 + faiss + write:.0f} s"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--sample", type=int, default=2000, help="texts embedded to measure the rate")
    parser.add_argument("--build", action="store_true", help="also build the whole index and time it")
    parser.add_argument("--add", type=Path, help="with --build: one more report to add and time")
    args = parser.parse_args()

    from qa.index import BuildSettings, embedding_units
    from qa.sentences import split_sentences

    reports, chunked, chunk_seconds = chunk_all(args.corpus)
    by_id = {r.id: r for r in reports}
    counts = [len(c.passages) for c in chunked]
    numbered = [sum(p.label.isdigit() for p in c.passages) for c in chunked if c.report.kind == "inspection report"]
    passages = [p for c in chunked for p in c.passages]
    furniture = [p.id for p in passages if any(f.search(p.text) for f in FURNITURE)]
    units = [t for _, t in embedding_units(passages, by_id, BuildSettings())]
    sentences = [p.text[s.start:s.end] for p in passages for s in split_sentences(p.text)]
    sample = (units + sentences)[:: max(1, (len(units) + len(sentences)) // args.sample)][: args.sample]
    rate = embedding_rate(sample)
    rows = [
        ("reports", f"{len(reports)}"),
        ("passages", f"{len(passages)}"),
        ("passages per report (min / median / max)", f"{min(counts)} / {statistics.median(counts):.0f} / {max(counts)}"),
        ("numbered paragraphs per inspection report (min / median)", f"{min(numbered)} / {statistics.median(numbered):.0f}"),
        ("embedding units + sentences", f"{len(units)} + {len(sentences)}"),
        ("passages holding page furniture", f"{len(furniture)}" + (f" ({', '.join(furniture[:5])})" if furniture else "")),
        ("chunk every report (PDF text cached)", f"{chunk_seconds:.1f} s"),
        ("embedding rate on this machine", f"{rate:.0f} texts/s (sample of {len(sample)})"),
        ("projected embedding of the whole corpus", f"{(len(units) + len(sentences)) / rate / 60:.0f} min"),
    ]
    rows.extend(add_cost(chunked, by_id, units, sentences, rate))
    if args.build:
        from qa.index import build_index

        index_dir = args.corpus.parent / (args.corpus.name + "-index")
        started = time.perf_counter()
        build_index(args.corpus, index_dir, progress=True)
        rows.append(("build the whole index", f"{(time.perf_counter() - started) / 60:.1f} min"))
        if args.add:
            from qa.add import add_paths

            started = time.perf_counter()
            add_paths([args.add], args.corpus)
            build_index(args.corpus, index_dir, progress=False)
            rows.append(("add one report to it (reportqa add)", f"{time.perf_counter() - started:.1f} s"))
    print("| measure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
