"""The JSON API: `/api/ask`, `/api/search`, `/api/passages/<id>`, `/api/reports`, `/healthz`.

What it does: validates each request against its endpoint's model (`web.models`), calls the core
with the validated values, and shapes the answer as JSON: every passage named as a reader names it
(`display_label`, and in `citation`: "para 37", "improvement point 3"), every citation with the
spans of its quoted sentences (from the core, not re-split here) and a link that opens its report
with them marked. `/api/ask` and `/api/search` can be rate-limited per client (`web.limits`).

What it does not do: retrieve or answer itself (that is `qa`), or describe itself (that is
`web.openapi`, from the same models).
"""

from __future__ import annotations

from flask import Flask, abort, g, jsonify, request

from qa.answer import Answer, standalone_query
from qa.labels import passage_label
from qa.retrieve import citation_name, passage_url

from .models import BadRequest, parse_json_body, query_values, validate
from .openapi import openapi


def register_api(app: Flask, limit=lambda view: view) -> None:
    """Add the API routes to `app`; `limit` wraps the views that cost real work (ask, search)."""

    @app.get("/healthz")
    def healthz():
        snap = g.snap
        m = snap.index.manifest
        return jsonify(status="ok", index_loaded=True, passages=len(snap.index.passages), reports=len(snap.index.reports),
                       model=m["model"], built_at=m["built_at"], index=snap.build, loaded_at=snap.loaded_at)

    @app.get("/api/reports")
    def api_reports():
        snap = g.snap
        return jsonify(reports=[r.to_dict() | {"passages": snap.counts[r.id], "url": f"/reports/{r.id}"}
                                for r in snap.reports])

    @app.get("/api/passages/<path:passage_id>")
    def api_passage(passage_id: str):
        index = g.snap.index
        row = index.by_id.get(passage_id)
        if row is None:
            abort(404, description=f"no passage with id {passage_id!r}")
        p = index.passages[row]
        r = index.reports[p.doc_id]
        return jsonify(named(p.to_dict() | {"passage_kind": p.kind, "title": r.title, "short_title": r.short_title,
                                            "date": r.date, "kind": r.kind, "url": passage_url(p)}, p, r, g.snap.labels))

    @app.get("/api/search")
    @limit
    def api_search():
        snap = g.snap
        params = validate(snap.search_model, query_values(snap.search_model, request.args), query=True)
        filters = {"doc": params.doc, "kind": params.kind, "year_from": params.year_from, "year_to": params.year_to,
                   "authority": params.authority}
        if _backwards(params.year_from, params.year_to):
            return jsonify(query=params.q, results=[])
        hits = snap.retriever.search(params.q, k=params.k, filters=filters)
        return jsonify(query=params.q, results=[h.to_dict(snap.labels.get(h.passage.id)) for h in hits])

    @app.post("/api/ask")
    @limit
    def api_ask():
        snap = g.snap
        if not request.is_json:
            raise BadRequest("send a JSON body such as {\"question\": \"...\"} with Content-Type: application/json")
        body = validate(snap.ask_model, parse_json_body(request.get_data()))
        f = body.filters
        if _backwards(f.year_from, f.year_to):
            return jsonify(_empty_range(body.question, body.history, f.year_from, f.year_to).to_dict())
        filters = {"doc": f.doc, "kind": f.kind, "year_from": f.year_from, "year_to": f.year_to, "authority": f.authority}
        answer = snap.answerer.answer(body.question, history=body.history, filters=filters)
        data = answer.to_dict()
        for citation, c in zip(data["citations"], answer.citations):
            spans = [(int(s), int(e)) for s, e in citation.pop("spans", [])]  # the quoted sentences, from the core
            citation["quote_spans"] = [list(span) for span in spans]
            citation["report_url"] = report_link(c.hit.passage, spans)
            named(citation, c.hit.passage, c.hit.report, snap.labels)
        for item, hit in zip(data["passages"], answer.passages):
            named(item, hit.passage, hit.report, snap.labels)
        return jsonify(data)

    @app.get("/api/openapi.json")
    def api_openapi():
        return jsonify(openapi(g.snap.ask_model, g.snap.search_model))


def _backwards(year_from: int | None, year_to: int | None) -> bool:
    """A range such as 2020 to 2014 holds no year: it matches no report (JSON Schema cannot say
    "year_from <= year_to", so this is an empty result, not a refusal)."""
    return year_from is not None and year_to is not None and year_from > year_to


def _empty_range(question: str, history: list[str], year_from: int, year_to: int) -> Answer:
    question = " ".join(question.split())
    history = tuple(" ".join(h.split()) for h in history if h.strip())
    reason = f"No report falls in the chosen years: year_from {year_from} is after year_to {year_to}."
    return Answer(question, standalone_query(question, history), reason, True, [], [], reason)


def report_link(passage, spans: list[tuple[int, int]]) -> str:
    """The passage inside its report, its quoted sentences marked."""
    if not spans:
        return passage_url(passage)
    mark = ",".join(f"{s}-{e}" for s, e in spans)
    return f"/reports/{passage.doc_id}?mark={passage.label}:{mark}#p{passage.label}"


def named(data: dict, passage, report, labels: dict[str, str]) -> dict:
    """`data` (a passage's JSON) with the passage's name for a reader: `display_label` ("para 37",
    "improvement point 3": the ordinal from its report's passages) and the `citation` made with it."""
    label = labels.get(passage.id) or passage_label(passage)
    data["display_label"] = label
    data["citation"] = citation_name(report, passage, label)
    return data
