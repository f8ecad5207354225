"""Retrieval recall by configuration: BM25 only, dense only, hybrid, and the choices behind hybrid.

Run: .venv/bin/python evals/retrieval.py [QUESTIONS.jsonl ...]   (default: evals/dev.jsonl)

Builds the index as `reportqa index` does (and, for comparison, one without passage context in a
temporary folder), then prints recall@1/3/5/10 and MRR@10 over the answerable questions for each
configuration. Follow-up questions are searched as their standalone form is not available here:
they are left out. The figures guide choices (fusion, context, glossary); they are not tests.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from qa.evals.gold import load_questions, mean, ranking_metrics, resolve_gold
from qa.evals.harness import gold_index
from qa.index.format import BuildSettings
from qa.index.build import build_index
from qa.index.load import load_index
from qa.retrieve.retriever import Retriever, SearchSettings

CONFIGS = {
    "bm25 only": SearchSettings(mode="bm25"),
    "bm25 only, no glossary": SearchSettings(mode="bm25", glossary=False),
    "dense only": SearchSettings(mode="dense"),
    "dense + sentence vectors": SearchSettings(mode="dense", sentences=True),
    "hybrid rrf k=60": SearchSettings(fusion="rrf"),
    "hybrid rrf k=60, glossary 0.5": SearchSettings(fusion="rrf", expansion_weight=0.5),
    "hybrid score, no glossary": SearchSettings(glossary=False),
    "hybrid score w=0.6": SearchSettings(dense_weight=0.6),
    "hybrid score + sentence vectors": SearchSettings(sentences=True),
    "hybrid (default)": SearchSettings(),
}


def evaluate(index, settings: SearchSettings, questions, gold) -> dict[str, float]:
    retriever = Retriever(index, settings)
    rows = []
    for q in questions:
        ranked = [h.passage.id for h in retriever.search(q.question, k=10)]
        rows.append(ranking_metrics(ranked, gold.ids[q.id]))
    return mean(rows)


def main(paths: list[str]) -> None:
    scratch = tempfile.TemporaryDirectory()
    index = gold_index(scratch.name)  # the five seeds the question files were written over
    questions = [q for p in paths for q in load_questions(p) if q.answerable and not q.history]
    gold = resolve_gold(questions, index.passages)
    if gold.problems:
        sys.exit("question file problems:\n" + "\n".join(gold.problems))
    with tempfile.TemporaryDirectory() as tmp:
        build_index(index.manifest["corpus_dir"], Path(tmp), BuildSettings(context=False), progress=False)
        plain = load_index(Path(tmp), index.manifest["corpus_dir"])
        rows = {name: evaluate(index, s, questions, gold) for name, s in CONFIGS.items()}
        rows["hybrid (default), no context"] = evaluate(plain, SearchSettings(), questions, gold)
        rows["dense only, no context"] = evaluate(plain, SearchSettings(mode="dense"), questions, gold)
    print(f"{len(questions)} answerable questions from {', '.join(paths)}\n")
    cols = ["recall@1", "recall@3", "recall@5", "recall@10", "mrr@10"]
    print(f"{'configuration':34}" + "".join(f"{c:>11}" for c in cols))
    for name, m in rows.items():
        print(f"{name:34}" + "".join(f"{m[c]:>11.3f}" for c in cols))


if __name__ == "__main__":
    main(sys.argv[1:] or ["evals/dev.jsonl"])
