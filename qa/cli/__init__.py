"""The `reportqa` command line: one module per command, each a thin layer over the core.

What it does: builds the parser from the command modules (`chunks`, `index`, `add`/`remove`,
`judgements`, `search`, `ask`, `eval`) and from commands other packages register under the
`reportqa.commands` entry point (the web tier's `serve`), runs the chosen one, and prints errors
the user can fix (a bad catalogue, an unknown report id, a malformed base URL, a stale index) as
one clear line on stderr with exit status 2, never a traceback. Text for a terminal goes through
`qa.cli.terminal` (document text shown harmlessly); `--json` prints the output contract
(`qa.output.contract`), the same fields as the JSON API.

What it does not do: any parsing, ranking or answering of its own, or import the web tier.
"""

from __future__ import annotations

import argparse
import gc
import sys
from importlib.metadata import entry_points
from pathlib import Path

from qa.cli import add, ask, chunks, eval, index, judgements, search
from qa.cli.common import UserError
from qa.cli.terminal import safe
from qa.corpus.catalogue import CatalogueError
from qa.evals.gold import QuestionFileError
from qa.index.format import IndexProblem
from qa.retrieve.retriever import QueryError

COMMANDS = (chunks, index, add, judgements, search, ask)  # then the plugins' (serve), then eval
PLUGINS = "reportqa.commands"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportqa",
        description="Answers questions about long public reports, citing the paragraph of each statement.",
    )
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: ./corpus or $REPORTQA_CORPUS)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    corpus_option = argparse.ArgumentParser(add_help=False)
    corpus_option.add_argument("--corpus", type=Path, default=argparse.SUPPRESS, help="corpus folder")
    registers = [c.register for c in COMMANDS] + [ep.load() for ep in entry_points(group=PLUGINS)] + [eval.register]
    for register in registers:
        register(sub, [corpus_option])
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
        # The command is done and the process ends: the collector's passes at exit over the
        # objects still alive (the index's passages: 0.35 s at the whole archive) find nothing.
        gc.freeze()
        return code
    except (UserError, CatalogueError, IndexProblem, QueryError, QuestionFileError) as exc:
        print(f"reportqa: error: {safe(str(exc))}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `reportqa chunks | head`
        return 0
