"""`reportqa chunks [ID] [--json]`: the passages each report is cut into, as a terminal shows them."""

from __future__ import annotations

from qa.chunk import chunk_report
from qa.cli.common import chosen_reports, print_json
from qa.cli.terminal import format_passage, say, style, width


def register(sub, parents) -> None:
    p = sub.add_parser("chunks", parents=parents, help="list the passages the reports are cut into")
    p.add_argument("doc_id", nargs="?", help="one report id (default: all reports)")
    p.add_argument("--json", action="store_true", help="print a JSON list of passage objects")
    p.set_defaults(func=run)


def run(args) -> int:
    chunked = [chunk_report(r, args.corpus) for r in chosen_reports(args)]
    if args.json:
        print_json([p.to_dict() for c in chunked for p in c.passages])
        return 0
    columns = width()
    for c in chunked:
        r = c.report
        print(style(r.title, "1"))
        say(f"{r.short_title} · {r.publisher} · {r.kind} · {r.date} · id {r.id}")
        say(f"About: {r.about}")
        print(f"{len(c.passages)} passages, {sum(p.tokens for p in c.passages)} tokens")
        section = None
        for p in c.passages:
            if p.section != section:
                section = p.section
                if section:
                    print()
                    print(style(section, "1;4"))
            print()
            print(format_passage(p.label, p.text, columns))
        print()
    return 0
