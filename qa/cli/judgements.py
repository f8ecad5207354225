"""`reportqa judgements`: every inspection's grades, each cited to its report's judgement table."""

from __future__ import annotations

from qa.cli.common import add_index_option, loaded_index, print_json
from qa.cli.terminal import say, style
from qa.retrieve.judgements import judgement_rows


def register(sub, parents) -> None:
    p = sub.add_parser("judgements", parents=parents, help="every report's judgements and grades, each cited")
    p.add_argument("--authority", help="only this council")
    p.add_argument("--year-from", type=int, metavar="YEAR", help="only inspections from this year on")
    p.add_argument("--year-to", type=int, metavar="YEAR", help="only inspections up to this year")
    p.add_argument("--json", action="store_true", help="print JSON rows")
    add_index_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    # the answer stage and the output contract (pydantic) are imported when this command runs, so
    # that every other command starts without them
    from qa.output.contract import dump, judgement_row_out

    index = loaded_index(args)
    rows = judgement_rows(index, args.authority, args.year_from, args.year_to)
    if args.json:
        print_json(dump([judgement_row_out(index, r) for r in rows]))
        return 0
    if not rows:
        print("No report with judgements matches.")
    for r in rows:
        dates = f"{r.inspection_start} to {r.inspection_end}" if r.inspection_start else str(r.year)
        print(style(f"{r.authority} · {r.framework or 'inspection'} · {dates}", "1") + f"  ({r.doc_id})")
        for g in r.judgements:
            say(f"   {g.grade:<22} {g.name}")
        if r.passage_id:
            say(f"   cited: {r.passage_id}")
    return 0
