"""Calibrate the answer stage's abstention threshold on the dev questions.

Run: .venv/bin/python evals/calibrate.py [evals/dev.jsonl]

For every dev question it prints the best sentence score the answer stage sees, marking answerable
and unanswerable questions, then the threshold that best separates them (ties broken towards
answering: a false abstention hides evidence a user needed). The chosen value is written into
`AnswerSettings.min_relevance` by hand, with these figures in the commit message.
"""

from __future__ import annotations

import tempfile

import sys

from qa.answer import AnswerSettings, Answerer
from qa.evals.gold import load_questions
from qa.evals.harness import gold_index
from qa.retrieve.retriever import Retriever


MARGIN = 0.1


def main(path: str) -> None:
    scratch = tempfile.TemporaryDirectory()  # the five seeds the question files were written over
    answerer = Answerer(Retriever(gold_index(scratch.name)), AnswerSettings(min_relevance=-1.0))
    rows = []
    for q in load_questions(path):
        a = answerer.answer(q.question, history=q.history)
        score = answerer.last_best_score if not a.abstained else None
        rows.append((q, score, a.abstained))
        shown = "ruled out" if score is None else f"{score:.3f}"
        print(f"{'answerable  ' if q.answerable else 'UNANSWERABLE'} {shown:>9}  {q.id} {q.question}")
    answerable = [s for q, s, _ in rows if s is not None and q.answerable]
    unanswerable = [s for q, s, _ in rows if s is not None and not q.answerable]
    low, high = min(answerable), max(unanswerable, default=None)
    print(f"\nlowest answerable score {low:.3f}; highest unanswerable that reached scoring: "
          + (f"{high:.3f}" if high is not None else "none") + f"; ruled out by rules: "
          f"{sum(1 for _, s, _ in rows if s is None)}")
    if high is not None and high < low:
        print(f"separable: recommended threshold {(low + high) / 2:.3f} (midway)")
    else:
        print(f"not separable by score here: recommended threshold {low - MARGIN:.3f} "
              f"(lowest answerable less a margin of {MARGIN} for unseen phrasings; rules do the rest)")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "evals/dev.jsonl")
