"""The judgements page and API: every inspection's grades in one sortable table, each cited.

What it does: `register_judgements(app, current_index)` adds
- `GET /api/judgements?authority=&year_from=&year_to=`: a JSON list, one row per inspection report
  with judgements (oldest first), in the output contract's form (`qa.output.contract.JudgementRowOut`):
  `council` (the council's usual name), `report_url` (the report page at its judgement table, `/reports/<id>#p<label>`)
  and, on each judgement, `url` (the same passage with that grade's line marked);
- `GET /judgements`: the same rows as an HTML table, one column per judgement, each grade linking
  to its line in the report's judgement table; filtered by a GET form (works without JavaScript),
  sorted by any column with `static/judgements.js`;
- `councils` (the held councils' names) to every template, for the chat page's council filter.

Parameters: `authority` (a council, however written: "Dorset", "Oxfordshire County Council";
repeatable), `year_from`, `year_to` (four-digit years of the inspection's last day on site).
A malformed year is 400 `{"error": ...}` naming the parameter (validated by the same pydantic
model, `web.models.JudgementsQuery`, that `/api/openapi.json` describes it with). A year range that
runs backwards, or a council the collection holds no report about, matches no inspection: `[]`,
and the page says which councils are held.

What it does not do: read grades (`qa.corpus.facts`, `qa.retrieve.judgements`) or retrieve anything.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, render_template, request
from werkzeug.datastructures import MultiDict

from qa.corpus.places import find_authority, held_councils, same_council
from qa.output.contract import dump, judgement_row_out
from qa.retrieve.judgements import judgement_rows
from web.models import BadRequest, JudgementsQuery, query_values, validate

# Columns always offered first, in this order, when any row has them; other keys follow as found.
MAIN_KEYS = ("overall_effectiveness", "impact_of_leaders", "help_and_protection", "children_in_care", "care_leavers")
KEY_LABELS = {
    "overall_effectiveness": "Overall effectiveness",
    "impact_of_leaders": "Leaders",
    "help_and_protection": "Help and protection",
    "children_in_care": "Children in care",
    "care_leavers": "Care leavers",
    "adoption": "Adoption",
    "lscb": "LSCB",
    "capacity_to_improve": "Capacity to improve",
    "lac_outcomes": "Looked-after children's outcomes",
    "quality_of_provision": "Quality of provision",
}
# Sort rank of a grade: best first when ascending; a missing grade sorts last.
GRADE_RANK = {"outstanding": 1, "good": 2, "adequate": 3, "requires improvement": 3, "inadequate": 4,
              "not judged": 5}
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def register_judgements(app, current_index) -> None:
    """Add the judgements page and API (and the held councils for templates) to the app;
    `current_index()` is the index serving this request (it changes when a rebuild is published)."""
    bp = Blueprint("judgements", __name__)

    def held_names(index) -> list[str]:
        return sorted(a.display for a in held_councils(index.reports.values()))

    @app.context_processor
    def _councils():
        return {"councils": held_names(current_index())}

    def rows_for(index, args) -> list[dict]:
        """The rows a request asks for, as dicts (BadRequest naming a malformed parameter)."""
        params = validate(JudgementsQuery, query_values(JudgementsQuery, args), query=True)
        rows = judgement_rows(index, year_from=params.year_from, year_to=params.year_to)
        if params.authority:
            rows = [r for r in rows if any(same_council(r.authority, name) for name in params.authority)]
        return dump([judgement_row_out(index, r) for r in rows])

    @bp.get("/api/judgements")
    def api_judgements():
        return jsonify(rows_for(current_index(), request.args))

    @bp.get("/judgements")
    def judgements_page():
        index = current_index()
        years = sorted({r.year for r in judgement_rows(index)})
        authority = find_authority(request.args.get("authority", ""))
        chosen = {"authority": authority.display if authority else "", "year_from": request.args.get("year_from", ""),
                  "year_to": request.args.get("year_to", "")}
        error, status, rows = None, 200, []
        try:
            filled = MultiDict([(k, v) for k, v in request.args.items(multi=True) if v.strip()])  # unfilled fields
            rows = [_page_row(index, data) for data in rows_for(index, filled)]
        except BadRequest as exc:  # a malformed year: said beside the form
            error, status = str(exc), 400
        unheld = [a for a in request.args.getlist("authority") if a.strip()
                  and not any(same_council(r.authority, a) for r in index.reports.values())]
        if unheld and not error:
            error = (f"The collection holds no report about {', '.join(unheld)}; "
                     f"it holds reports about {', '.join(held_names(index))}.")
        found = [k for r in rows for k in r["grades"]]
        keys = [k for k in MAIN_KEYS if k in found] + [k for k in dict.fromkeys(found) if k not in MAIN_KEYS]
        return render_template("judgements.html", rows=rows, keys=keys, labels=KEY_LABELS, years=years,
                               chosen=chosen, error=error), status

    app.register_blueprint(bp)


def _page_row(index, data: dict) -> dict:
    """An API row with what the page shows besides: grades by key, dates as a person writes them."""
    grades: dict[str, dict] = {}
    for grade in data["judgements"]:
        grades.setdefault(grade["key"], grade | {"rank": GRADE_RANK.get(grade["grade"], 6)})
    return data | {
        "grades": grades,
        "dates": _dates(data["inspection_start"], data["inspection_end"]) or str(data["year"]),
        "sort_date": data["inspection_end"] or data["inspection_start"] or str(data["year"]),
        "short_title": index.reports[data["doc_id"]].short_title,
    }


def _dates(start: str, end: str) -> str:
    """'2024-02-12', '2024-02-23' -> '12–23 Feb 2024' (and across months or years as needed)."""
    try:
        a = date.fromisoformat(start) if start else None
        b = date.fromisoformat(end) if end else None
    except ValueError:
        return " to ".join(x for x in (start, end) if x)
    if a is None or b is None:
        d = a or b
        return f"{d.day} {_MONTHS[d.month - 1]} {d.year}" if d else ""
    if a == b:
        return f"{b.day} {_MONTHS[b.month - 1]} {b.year}"
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{b.day} {_MONTHS[b.month - 1]} {b.year}"
    if a.year == b.year:
        return f"{a.day} {_MONTHS[a.month - 1]} – {b.day} {_MONTHS[b.month - 1]} {b.year}"
    return f"{a.day} {_MONTHS[a.month - 1]} {a.year} – {b.day} {_MONTHS[b.month - 1]} {b.year}"
