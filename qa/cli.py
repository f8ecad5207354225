"""The `reportqa` command line: one subcommand per stage of the pipeline.

What it does: parses arguments, calls the core (`qa.corpus`, `qa.chunk`, ...), and prints either
readable text for a terminal or JSON for scripts. Errors the user can fix (a bad catalogue, an
unknown report id) are printed as one clear line on stderr with exit status 2, never a traceback.

What it does not do: any parsing, ranking or answering of its own.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from pathlib import Path

from .corpus import CatalogueError, Report, load_catalogue


class UserError(Exception):
    """A problem the user can fix; printed without a traceback."""


def _style(text: str, code: str, stream=sys.stdout) -> str:
    return f"\033[{code}m{text}\033[0m" if stream.isatty() else text


def _width() -> int:
    return max(40, min(100, shutil.get_terminal_size((100, 24)).columns))


def _reports(args) -> list[Report]:
    reports = load_catalogue(args.corpus)
    if getattr(args, "doc_id", None):
        chosen = [r for r in reports if r.id == args.doc_id]
        if not chosen:
            known = ", ".join(r.id for r in reports)
            raise UserError(f"no report with id {args.doc_id!r}; the corpus has: {known}")
        return chosen
    return reports


def format_passage(label: str, text: str, width: int) -> str:
    """A paragraph as a terminal shows it: its number in a gutter, text wrapped beside it."""
    gutter = 7
    out: list[str] = []
    for k, line in enumerate(text.split("\n")):
        hang = "  " if line.startswith(("• ", "(")) else ""
        first = f"{label:>{gutter - 2}}  " if k == 0 else " " * gutter
        out.extend(
            textwrap.wrap(line, width, initial_indent=first, subsequent_indent=" " * gutter + hang)
            or [first.rstrip()]
        )
    return "\n".join(out)


def cmd_chunks(args) -> int:
    from .chunk import chunk_report

    reports = _reports(args)
    chunked = [chunk_report(r, args.corpus) for r in reports]
    if args.json:
        json.dump([p.to_dict() for c in chunked for p in c.passages], sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    width = _width()
    for c in chunked:
        r = c.report
        print(_style(r.title, "1"))
        print(f"{r.short_title} · {r.publisher} · {r.kind} · {r.date} · id {r.id}")
        print(f"About: {r.about}")
        print(f"{len(c.passages)} passages, {sum(p.tokens for p in c.passages)} tokens")
        section = None
        for p in c.passages:
            if p.section != section:
                section = p.section
                if section:
                    print()
                    print(_style(section, "1;4"))
            print()
            print(format_passage(p.label, p.text, width))
        print()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportqa",
        description="Answers questions about long public reports, citing the paragraph of each statement.",
    )
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: ./corpus or $REPORTQA_CORPUS)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("chunks", help="list the passages the reports are cut into")
    p.add_argument("doc_id", nargs="?", help="one report id (default: all reports)")
    p.add_argument("--json", action="store_true", help="print a JSON list of passage objects")
    p.set_defaults(func=cmd_chunks)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UserError, CatalogueError) as exc:
        print(f"reportqa: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `reportqa chunks | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
