"""`reportqa chunks [ID] [--json]`: the passages each report is cut into, and each sentence's role,
as a terminal shows them.

Each sentence's role (strength, concern, improvement, finding, procedure, boilerplate, label) is
the one the published index stored at build (`qa.index.roles`), where the index holds the passage
as it is cut now; else it is decided here as a build would (the sentences are embedded, which takes
seconds a report).
"""

from __future__ import annotations

from qa.chunk import Passage, chunk_report
from qa.cli.common import add_index_option, chosen_reports, print_json
from qa.cli.terminal import format_passage, say, style, width
from qa.index.format import IndexProblem
from qa.index.load import load_index
from qa.index.roles import decide_passages


def register(sub, parents) -> None:
    p = sub.add_parser("chunks", parents=parents, help="list the passages the reports are cut into, and each sentence's role")
    p.add_argument("doc_id", nargs="?", help="one report id (default: all reports)")
    p.add_argument("--json", action="store_true",
                   help='print a JSON list of passage objects, each with its sentences: [{"start", "end", "role"}]')
    add_index_option(p)
    p.set_defaults(func=run)


def sentence_roles(passages: list[Passage], reports, args) -> list[list[tuple[int, int, str]]]:
    """Each passage's (start, end, role) sentences: stored by the index where it holds the passage
    with this very text, else decided now."""
    stored: dict[int, list[tuple[int, int, str]]] = {}
    try:
        index = load_index(args.index, args.corpus, check_stale=False)
    except IndexProblem:
        index = None
    if index is not None:
        for k, p in enumerate(passages):
            row = index.by_id.get(p.id)
            if row is not None and index.passages[row].text == p.text:
                ids, spans = index.sentences_of(row)
                stored[k] = [(int(a), int(b), index.role_of(int(i))) for i, (_, a, b) in zip(ids, spans)]
    missing = [k for k in range(len(passages)) if k not in stored]
    if missing:
        papers = {r.id: r.kind == "council paper" for r in reports}
        for k, decided in zip(missing, decide_passages([passages[k] for k in missing], papers)):
            stored[k] = decided
    return [stored[k] for k in range(len(passages))]


def run(args) -> int:
    reports = chosen_reports(args)
    chunked = [chunk_report(r, args.corpus) for r in reports]
    passages = [p for c in chunked for p in c.passages]
    roles = iter(sentence_roles(passages, reports, args))
    if args.json:
        print_json([p.to_dict() | {"sentences": [{"start": a, "end": b, "role": role} for a, b, role in next(roles)]}
                    for p in passages])
        return 0
    columns = width()
    for c in chunked:
        r = c.report
        print(style(r.title, "1"))
        say(f"{r.short_title} · {r.publisher} · {r.kind} · {r.date} · id {r.id}")
        say(f"About: {r.about}")
        print(f"{len(c.passages)} passages, {sum(p.tokens for p in c.passages)} tokens; each sentence's role after it in [ ]")
        section = None
        for p in c.passages:
            if p.section != section:
                section = p.section
                if section:
                    print()
                    print(style(section, "1;4"))
            print()
            print(format_passage(p.label, p.text, columns, next(roles)))
        print()
    return 0
