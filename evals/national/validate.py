"""Validate the national gold set against the national corpus, without building an index.

Usage (from the repository root, after building the corpus as evals/national/README.md says):

    HF_HUB_OFFLINE=1 PYTHONPATH=$PWD python evals/national/validate.py [--corpus /tmp/national-corpus]

Loads evals/national/questions.jsonl and dev.jsonl with qa.evals.gold.load_questions, cuts every report
of the corpus into passages exactly as `reportqa chunks` does (qa.corpus.catalogue.load_catalogue +
qa.chunk.chunk_report), runs qa.evals.gold.resolve_gold on each file and prints every problem, the
counts per type per split, and the councils the gold passages come from. Exits 1 on any problem.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from qa.chunk import chunk_report
from qa.corpus.catalogue import load_catalogue
from qa.evals.gold import TYPES, load_questions, resolve_gold

SPLITS = (("test", HERE / "questions.jsonl"), ("dev", HERE / "dev.jsonl"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=os.environ.get("REPORTQA_CORPUS", "/tmp/national-corpus"))
    args = ap.parse_args()

    reports = load_catalogue(args.corpus)
    passages = [p for r in reports for p in chunk_report(r, args.corpus).passages]
    authority = {r.id: r.authority for r in reports}
    print(f"corpus {args.corpus}: {len(reports)} reports, {len(passages)} passages")

    problems = 0
    counts: dict[str, Counter] = {}
    councils: dict[str, set[str]] = {}
    questions_by_split = {}
    for split, path in SPLITS:
        questions = load_questions(path)
        questions_by_split[split] = questions
        gold = resolve_gold(questions, passages)
        for line in gold.problems:
            print(f"PROBLEM {split}: {line}")
        problems += len(gold.problems)
        counts[split] = Counter(q.type for q in questions)
        councils[split] = {_council(authority[pid.split("#")[0]]) for ids in gold.ids.values() for pid in ids}
        print(f"{split}: {len(questions)} questions, {len(gold.problems)} problems")

    test_q = {q.question for q in questions_by_split["test"]}
    overlap = [q.id for q in questions_by_split["dev"] if q.question in test_q]
    if overlap:
        print(f"PROBLEM: dev questions also in the test set: {overlap}")
        problems += len(overlap)

    used = [t for t in TYPES if any(counts[s][t] for s in counts)]
    print()
    print(f"{'type':<18}{'test':>6}{'dev':>6}{'all':>6}")
    for t in used:
        print(f"{t:<18}{counts['test'][t]:>6}{counts['dev'][t]:>6}{counts['test'][t] + counts['dev'][t]:>6}")
    print(f"{'total':<18}{sum(counts['test'].values()):>6}{sum(counts['dev'].values()):>6}"
          f"{sum(counts['test'].values()) + sum(counts['dev'].values()):>6}")
    every = councils["test"] | councils["dev"]
    print()
    print(f"councils with gold passages: {len(every)} (test {len(councils['test'])}, dev {len(councils['dev'])},"
          f" dev only {len(councils['dev'] - councils['test'])}, in both {len(councils['dev'] & councils['test'])})")
    print(", ".join(sorted(every)))
    print()
    print(f"{problems} problems")
    return 1 if problems else 0


def _council(name: str) -> str:
    """One name a council: the catalogue writes Oxfordshire both as 'Oxfordshire' and 'Oxfordshire County Council'."""
    return name.removesuffix(" County Council").removesuffix(" Council").strip()


if __name__ == "__main__":
    sys.exit(main())
