"""The JSON API: `/api/ask`, `/api/search`, `/api/passages/<id>`, `/api/reports`, `/healthz`.

What it does: validates each request against its endpoint's model (`web.models`), calls the core
with the validated values, and answers in the output contract (`qa.output.contract`: the same JSON as
`reportqa ... --json`): every passage named as a reader names it (`display_label`, and in
`citation`: "para 37", "improvement point 3"), every citation with the spans of its quoted
sentences and a link that opens its report with them marked. `/api/ask` and `/api/search` can be rate-limited per client (`web.limits`).

What it does not do: retrieve or answer itself (that is `qa`), or describe itself (that is
`web.openapi`, from the same models).
"""

from __future__ import annotations

import os

from flask import Flask, abort, g, jsonify, request

from qa.answer import Answer, standalone_query
from qa.output.contract import PassageOut, answer_out, dump, passage_out, search_out
from web.models import BadRequest, parse_json_body, query_values, validate
from web.openapi import openapi


def register_api(app: Flask, limit=lambda view: view) -> None:
    """Add the API routes to `app`; `limit` wraps the views that cost real work (ask, search)."""

    @app.get("/healthz")
    def healthz():
        snap = g.snap
        m = snap.index.manifest
        return jsonify(status="ok", index_loaded=True, passages=len(snap.index.passages), reports=len(snap.index.reports),
                       model=m["model"], built_at=m["built_at"], index=snap.build, loaded_at=snap.loaded_at,
                       worker=os.getpid())

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
        return jsonify(PassageOut(**passage_out(p, r, g.snap.labels)).model_dump(mode="json"))

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
        return jsonify(dump(search_out(params.q, hits, snap.labels)))

    @app.post("/api/ask")
    @limit
    def api_ask():
        snap = g.snap
        if not request.is_json:
            raise BadRequest("send a JSON body such as {\"question\": \"...\"} with Content-Type: application/json")
        body = validate(snap.ask_model, parse_json_body(request.get_data()))
        f = body.filters
        if _backwards(f.year_from, f.year_to):
            return jsonify(dump(answer_out(_empty_range(body.question, body.history, f.year_from, f.year_to), {})))
        filters = {"doc": f.doc, "kind": f.kind, "year_from": f.year_from, "year_to": f.year_to, "authority": f.authority}
        answer = snap.answerer.answer(body.question, history=body.history, filters=filters)
        return jsonify(dump(answer_out(answer, snap.labels)))

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
