"""Which encoder for questions and for passages: quality on the gold set and speed, side by side.

Run: .venv/bin/python evals/encoders.py [--questions evals/questions.jsonl] [--pairs torch/torch,...]

For each pair (encoder of passages and sentences at build time / encoder of questions) it builds the
gold corpus's index (the five seeds, `qa.evals.harness.gold_corpus`) with that build encoder, answers
every gold question with the product configuration (hybrid + context + glossary) and prints one
Markdown table: recall@5, MRR@10, fact coverage, faithfulness violations, abstention accuracy and
the differences from torch/torch; then the speed of each encoder on this corpus's own texts: one
question (p50 over repeated single encodes), passage units and sentences per second. It also
prints the cosine of each ONNX encoder's question vectors to torch's.

What it does not do: choose (the defaults in `qa.index.encoder` were set from its output) or assert.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYS = ("recall@5", "mrr@10", "recall@10", "fact coverage", "faithfulness violations", "abstention accuracy")


def quality(pairs: list[tuple[str, ...]], questions: Path) -> list[dict]:
    from qa import embed
    from qa.evals.harness import CONFIGS, gold_corpus, run_eval
    from qa.index.format import BuildSettings
    from qa.index.build import build_index
    from qa.index.load import load_index

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        corpus = gold_corpus(Path(tmp) / "corpus")
        for build, query, *cut in pairs:
            settings = BuildSettings(sentence_tokens=int(cut[0]) if cut else 0)
            index_dir = Path(tmp) / f"index-{build}-{settings.sentence_tokens}"
            if not (index_dir / "current").exists():
                started = time.perf_counter()
                build_index(corpus, index_dir, settings, progress=False, encoder=build)
                print(f"built with {build} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            os.environ[embed.ENV_QUERY_ENCODER] = query
            embed.clear_query_cache()
            result = run_eval(questions, load_index(index_dir, corpus, check_stale=False), configs=(CONFIGS[-1],))
            overall = result["configs"][CONFIGS[-1].name]["overall"]
            rows.append({"build": build, "query": query, "sentences cut at": settings.sentence_tokens or "-"}
                        | {k: overall[k] for k in KEYS})
            print(f"{build}/{query}: " + ", ".join(f"{k} {overall[k]:.3f}" for k in KEYS), file=sys.stderr)
    os.environ.pop(embed.ENV_QUERY_ENCODER, None)
    return rows


def speed(encoders: list[str], repeat: int) -> list[dict]:
    from qa import embed
    from qa.chunk import chunk_report
    from qa.corpus.catalogue import default_corpus_dir, load_catalogue
    from qa.evals.gold import load_questions
    from qa.index.format import BuildSettings
    from qa.index.units import embedding_units
    from qa.chunk.sentences import split_sentences

    reports = load_catalogue(default_corpus_dir())
    passages = [p for r in reports for p in chunk_report(r, default_corpus_dir()).passages]
    units = [t for _, t in embedding_units(passages, {r.id: r for r in reports}, BuildSettings())]
    sentences = [s.text for p in passages for s in split_sentences(p.text)]
    questions = [q.question for q in load_questions(ROOT / "evals" / "questions.jsonl")][:20]
    reference = embed.encode(questions, encoder="torch", progress=False)
    rows = []
    for name in encoders:
        one = (lambda t: embed.encode([t], encoder="torch", progress=False)) if name == "torch" else embed.onnx_encoder(name, embed.QUERY_THREADS).encode
        if name != "torch":
            one = (lambda f: lambda t: f([t]))(one)
        one(questions[0])
        times = []
        for _ in range(repeat):
            for q in questions:
                started = time.perf_counter()
                one(q)
                times.append(time.perf_counter() - started)
        vectors = np.stack([one(q)[0] for q in questions])
        cosine = (vectors * reference).sum(1)
        rates = {}
        for label, texts in (("units/s", units), ("sentences/s", sentences)):
            embed.encode(texts[:32], encoder=name, progress=False)
            started = time.perf_counter()
            embed.encode(texts, encoder=name, progress=False)
            rates[label] = len(texts) / (time.perf_counter() - started)
        rows.append({"encoder": name, "question p50 ms": statistics.median(times) * 1000,
                     "cosine to torch (mean/min)": f"{cosine.mean():.4f} / {cosine.min():.4f}"} | rates)
        print(rows[-1], file=sys.stderr)
    print(f"({len(units)} units of mean {np.mean(embed.token_lengths(units)):.0f} word pieces, {len(sentences)} sentences "
          f"of mean {np.mean(embed.token_lengths(sentences)):.0f}; load average {os.getloadavg()[0]:.2f})")
    return rows


def table(rows: list[dict]) -> str:
    keys = list(rows[0])
    out = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for r in rows:
        out.append("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in r.values()) + " |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=Path, default=ROOT / "evals" / "questions.jsonl")
    parser.add_argument("--pairs", default="torch/torch,onnx-fp32/onnx-fp32,onnx-fp32/onnx-int8,onnx-int8/onnx-fp32,"
                                           "onnx-int8/onnx-int8,onnx-int8/onnx-int8/32",
                        help="build/query[/sentence word pieces] encoder pairs")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-quality", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    pairs = [tuple(p.split("/")) for p in args.pairs.split(",")]
    if not args.skip_quality:
        rows = quality(pairs, args.questions)
        base = next((r for r in rows if (r["build"], r["query"], r["sentences cut at"]) == ("torch", "torch", "-")), None)
        if base:
            for r in rows:
                r["Δ recall@5"] = r["recall@5"] - base["recall@5"]
                r["Δ MRR@10"] = r["mrr@10"] - base["mrr@10"]
        print(table(rows))
    if not args.skip_speed:
        print(table(speed(["torch", "onnx-fp32", "onnx-int8"], args.repeat)))


if __name__ == "__main__":
    main()
