"""`reportqa eval`: retrieval and answers scored on gold questions, configurations side by side."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from qa.cli.common import (
    UserError,
    add_index_option,
    add_store_option,
    loaded_index,
    opened_store,
)
from qa.evals.harness import format_side_by_side, gold_index, run_eval, write_outputs


def register(sub, parents) -> None:
    p = sub.add_parser("eval", parents=parents, help="score retrieval and answers on gold questions, configurations side by side")
    p.add_argument("--questions", type=Path, default=Path("evals/questions.jsonl"),
                   help="question file in the gold format (default evals/questions.jsonl)")
    p.add_argument("--json", action="store_true", help="print all figures as JSON")
    p.add_argument("--out", type=Path, default=None, help="write results.md, results.png and results.json here")
    add_index_option(p)
    add_store_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    questions = args.questions
    if not questions.is_file():
        raise UserError(f"no question file at {questions}")
    scratch = tempfile.TemporaryDirectory()
    # by default, score on the reports the gold set was written over (the corpus.txt beside the question file)
    index = gold_index(scratch.name, args.corpus, questions) if args.index is None else loaded_index(args)
    try:
        store = opened_store(args, index)  # None: the local files only
        try:
            result = run_eval(questions, index, progress=lambda m: print(f"reportqa: {m}", file=sys.stderr), store=store)
        finally:
            if store is not None:
                store.close()
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if args.json:
        json.dump(result, sys.stdout, indent=2, default=lambda v: None)  # figures only: no document text
        print()
    else:
        print(format_side_by_side(result))
    if args.out:
        for path in write_outputs(result, args.out):
            print(f"wrote {path}", file=sys.stderr)
    return 0
