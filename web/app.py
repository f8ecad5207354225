"""The web layer: a Flask app that translates HTTP into calls on the `qa` core.

What it does: serves the chat page, the report pages (each passage anchored `#p<label>`, the
cited sentences highlighted when opened from a citation) and a JSON API (`/api/ask`,
`/api/search`, `/api/passages/<id>`, `/api/reports`, `/healthz`, `/api/openapi.json`). The index
and model are loaded once and shared read-only by all request threads. Every API error is JSON
`{"error": ...}` with its status (a 405 with its `Allow` header); pages get a plain error page; no
traceback ever reaches a user. Every response carries the security headers of `web.security`.

What it does not do: retrieve, answer or parse anything itself; serve production traffic on its
own (`reportqa serve` runs it under waitress).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import Flask, abort, jsonify, render_template, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from qa.answer import Answerer
from qa.glossary import load_glossary
from qa.index import Index, ensure_index
from qa.retrieve import QueryError, Retriever, citation_name, passage_url

from .security import add_security_headers

MAX_BODY = 64 * 1024
MAX_QUESTION = 1000
MAX_HISTORY = 20
EXAMPLES = (
    "What did inspectors say about care leavers?",
    "Did the 2014 action plan on foster carers get done?",
    "Do young people who have left care pay council tax?",
    "How has the quality of assessments changed since 2010?",
)
log = logging.getLogger("reportqa.web")
HERE = Path(__file__).resolve().parent


class BadRequest(Exception):
    """A request the API refuses; the message is shown to the caller."""


def create_app(index: Index | None = None, *, index_dir=None, corpus_dir=None) -> Flask:
    """The app; loads (and if needed builds) the index once unless one is given."""
    app = Flask(__name__, template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.json.ensure_ascii = False
    index = index or ensure_index(index_dir, corpus_dir, build_missing=True)
    retriever = Retriever(index)
    answerer = Answerer(retriever)
    reports = sorted(index.reports.values(), key=lambda r: r.date, reverse=True)
    counts = {r.id: sum(1 for p in index.passages if p.doc_id == r.id) for r in reports}

    def is_api() -> bool:
        return request.path.startswith(("/api/", "/healthz"))

    app.after_request(add_security_headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        message = {
            404: "not found",
            405: f"method {request.method} is not allowed here",
            413: f"request body too large (at most {MAX_BODY // 1024} KB)",
        }.get(exc.code, exc.description or exc.name)
        if isinstance(exc.description, str) and exc.code == 404 and exc.description.startswith("no "):
            message = exc.description
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]  # Allow on a 405
        if is_api():
            return jsonify(error=message), exc.code, headers
        return render_template("error.html", code=exc.code, message=message, reports=reports), exc.code, headers

    @app.errorhandler(BadRequest)
    @app.errorhandler(QueryError)
    def bad_request(exc: Exception):
        return jsonify(error=str(exc)), 400

    @app.errorhandler(Exception)
    def internal_error(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if is_api():
            return jsonify(error="internal error: the request could not be completed"), 500
        return render_template("error.html", code=500, message="Something went wrong.", reports=reports), 500

    # ------------------------------------------------------------------ pages

    @app.get("/")
    def chat():
        return render_template("chat.html", reports=reports, examples=EXAMPLES,
                               kinds=sorted({r.kind for r in reports}),
                               years=sorted({r.year for r in reports}))

    @app.get("/reports")
    def report_list():
        return render_template("reports.html", reports=reports, counts=counts)

    @app.get("/reports/<doc_id>")
    def report_page(doc_id: str):
        report = index.reports.get(doc_id)
        if report is None:
            abort(404, description=f"no report with id {doc_id!r}")
        marks = _parse_marks(request.args.get("mark", ""))
        rows = []
        for p in index.passages:
            if p.doc_id != doc_id:
                continue
            spans = marks.get(p.label, [])
            rows.append({"p": p, "html": _marked(p.text, spans), "cited": p.label in marks})
        return render_template("report.html", report=report, rows=rows, cited=next(iter(marks), None))

    @app.get("/glossary")
    def glossary_page():
        return render_template("glossary.html", terms=sorted(load_glossary(), key=lambda t: t.term.lower()))

    # ------------------------------------------------------------------ API

    @app.get("/healthz")
    def healthz():
        m = index.manifest
        return jsonify(status="ok", index_loaded=True, passages=len(index.passages), reports=len(index.reports),
                       model=m["model"], built_at=m["built_at"], index=str(index.path.name))

    @app.get("/api/reports")
    def api_reports():
        return jsonify(reports=[r.to_dict() | {"passages": counts[r.id], "url": f"/reports/{r.id}"} for r in reports])

    @app.get("/api/passages/<path:passage_id>")
    def api_passage(passage_id: str):
        row = index.by_id.get(passage_id)
        if row is None:
            abort(404, description=f"no passage with id {passage_id!r}")
        p = index.passages[row]
        r = index.reports[p.doc_id]
        return jsonify(p.to_dict() | {"title": r.title, "short_title": r.short_title, "date": r.date, "kind": r.kind,
                                      "citation": citation_name(r, p), "url": passage_url(p)})

    @app.get("/api/search")
    def api_search():
        query = request.args.get("q", "")
        if not query.strip():
            raise BadRequest("the query parameter q is required")
        if len(query) > MAX_QUESTION:
            raise BadRequest(f"the query is too long (at most {MAX_QUESTION} characters)")
        try:
            k = int(request.args.get("k", 10))
        except ValueError:
            raise BadRequest("k must be a whole number from 1 to 100") from None
        filters = {"doc": request.args.getlist("doc"), "kind": request.args.getlist("kind"),
                   "year_from": request.args.get("year_from"), "year_to": request.args.get("year_to")}
        hits = retriever.search(query, k=k, filters=filters)
        return jsonify(query=query, results=[h.to_dict() for h in hits])

    @app.post("/api/ask")
    def api_ask():
        if not request.is_json:
            raise BadRequest("send a JSON body such as {\"question\": \"...\"} with Content-Type: application/json")
        try:
            body = request.get_json(silent=True)
        except RecursionError:
            raise BadRequest("the JSON body is nested too deeply") from None
        if not isinstance(body, dict):
            raise BadRequest("the body must be a JSON object such as {\"question\": \"...\"}")
        question = body.get("question")
        if not isinstance(question, str) or not question.strip():
            raise BadRequest("'question' must be a non-empty string")
        if len(question) > MAX_QUESTION:
            raise BadRequest(f"the question is too long (at most {MAX_QUESTION} characters)")
        history = body.get("history", [])
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            raise BadRequest("'history' must be a list of earlier questions (strings)")
        if len(history) > MAX_HISTORY or any(len(h) > MAX_QUESTION for h in history):
            raise BadRequest(f"'history' holds at most {MAX_HISTORY} questions of {MAX_QUESTION} characters")
        unknown = set(body) - {"question", "history", "filters"}
        if unknown:
            raise BadRequest(f"unknown field(s): {', '.join(sorted(unknown))}")
        answer = answerer.answer(question, history=history, filters=body.get("filters"))
        data = answer.to_dict()
        for citation, c in zip(data["citations"], answer.citations):
            spans = _quote_spans(c.hit.passage.text, c.quote)
            citation["quote_spans"] = [list(span) for span in spans]
            citation["report_url"] = report_link(c.hit.passage, spans)
        return jsonify(data)

    @app.get("/api/openapi.json")
    def openapi():
        return jsonify(_openapi())

    def report_link(passage, spans: list[tuple[int, int]]) -> str:
        """The passage inside its report, its quoted sentences marked."""
        mark = ",".join(f"{s}-{e}" for s, e in spans)
        return f"/reports/{passage.doc_id}?mark={passage.label}:{mark}#p{passage.label}"

    app.extensions["reportqa"] = {"index": index, "answerer": answerer}
    return app


def _quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Where each quoted sentence stands in the passage text (quotes are verbatim sentences)."""
    from qa.sentences import quoted, split_sentences

    spans = []
    wanted = set()
    for s in split_sentences(quote):
        wanted.add(" ".join(s.text.split()))
    for s in split_sentences(text):
        shown = quoted(s.text)
        if " ".join(shown.split()) in wanted or " ".join(s.text.split()) in wanted:
            spans.append((s.end - len(shown), s.end))
    if not spans:  # a judgement-table row is a line, not a sentence
        at = text.find(quote)
        if at >= 0:
            spans.append((at, at + len(quote)))
    return spans


def _parse_marks(value: str) -> dict[str, list[tuple[int, int]]]:
    """'41:0-68,69-140' -> {'41': [(0, 68), (69, 140)]}; anything malformed is ignored."""
    label, _, rest = (value or "")[:2000].partition(":")
    if not re.fullmatch(r"[\w.\-]{1,20}", label):
        return {}
    spans = []
    for part in rest.split(",")[:50]:  # each span checked on its own: no backtracking across them
        m = re.fullmatch(r"(\d{1,6})-(\d{1,6})", part)
        if m and int(m.group(1)) < int(m.group(2)):
            spans.append((int(m.group(1)), int(m.group(2))))
    return {label: spans}


def _marked(text: str, spans: list[tuple[int, int]]) -> Markup:
    """The passage text, escaped, with the given spans in <mark>."""
    out, pos = [], 0
    for s, e in sorted(spans):
        s, e = max(s, pos), min(e, len(text))
        if s >= e:
            continue
        out.append(escape(text[pos:s]))
        out.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        pos = e
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def _openapi() -> dict:
    hit = {"type": "object", "properties": {k: {"type": "string"} for k in (
        "id", "doc_id", "label", "section", "title", "short_title", "date", "kind", "citation", "text", "url")}
        | {"score": {"type": "number"}, "dense_rank": {"type": ["integer", "null"]},
           "bm25_rank": {"type": ["integer", "null"]}}}
    error = {"description": "error", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}}}}
    json_body = lambda schema: {"content": {"application/json": {"schema": schema}}}  # noqa: E731
    citation = {"type": "object", "properties": {"n": {"type": "integer"}, "quote": {"type": "string"},
                                                 "report_url": {"type": "string"}} | hit["properties"]}
    return {
        "openapi": "3.1.0",
        "info": {"title": "reportqa", "version": "0.1.0",
                 "description": "Answers questions about public reports, citing the paragraph of every statement."},
        "paths": {
            "/api/ask": {"post": {
                "summary": "Answer a question from the reports, with citations",
                "requestBody": {"required": True, **json_body({
                    "type": "object", "required": ["question"], "additionalProperties": False,
                    "properties": {
                        "question": {"type": "string", "minLength": 1, "maxLength": MAX_QUESTION},
                        "history": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_HISTORY},
                        "filters": {"type": "object", "properties": {
                            "doc": {"type": ["string", "array"]}, "kind": {"type": ["string", "array"]},
                            "year_from": {"type": "integer"}, "year_to": {"type": "integer"}}}}})},
                "responses": {"200": {"description": "the answer", **json_body({"type": "object", "properties": {
                    "question": {"type": "string"}, "standalone_query": {"type": "string"},
                    "answer": {"type": "string"}, "abstained": {"type": "boolean"}, "reason": {"type": "string"},
                    "citations": {"type": "array", "items": citation},
                    "passages": {"type": "array", "items": hit}}})},
                    "400": error, "413": error, "405": error}}},
            "/api/search": {"get": {
                "summary": "Rank passages for a query",
                "parameters": [
                    {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "k", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                    {"name": "doc", "in": "query", "schema": {"type": "string"}},
                    {"name": "kind", "in": "query", "schema": {"type": "string"}},
                    {"name": "year_from", "in": "query", "schema": {"type": "integer"}},
                    {"name": "year_to", "in": "query", "schema": {"type": "integer"}}],
                "responses": {"200": {"description": "ranked passages", **json_body({"type": "object", "properties": {
                    "query": {"type": "string"}, "results": {"type": "array", "items": hit}}})}, "400": error}}},
            "/api/passages/{id}": {"get": {
                "summary": "One passage by id (e.g. ofsted-ilacs-2024%2341)",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the passage", **json_body(hit)}, "404": error}}},
            "/api/reports": {"get": {"summary": "The reports of the corpus with their metadata",
                                     "responses": {"200": {"description": "reports"}}}},
            "/healthz": {"get": {"summary": "Whether the index is loaded, its size and model",
                                 "responses": {"200": {"description": "status"}}}},
            "/api/openapi.json": {"get": {"summary": "This description",
                                          "responses": {"200": {"description": "OpenAPI document"}}}},
        },
    }
