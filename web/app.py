"""The web layer: a Flask app that translates HTTP into calls on the `qa` core.

What it does: serves the chat page, the report pages (each passage anchored `#p<label>` and shown
with its name for a reader, "37" or "improvement point 3", the cited sentences highlighted when
opened from a citation), the favicon (also at `/favicon.ico`) and the JSON API (`web.api`). The index
and model are shared read-only by all request threads; a newly published index is picked up
without a restart (`web.live`). Every API error is JSON `{"error": ...}` with its status (a 405
with its `Allow` header, a 429 with `Retry-After`); pages get a plain error page; no traceback
ever reaches a user. Every response carries the security headers of `web.security`.

What it does not do: retrieve, answer or parse anything itself; serve production traffic on its
own (`reportqa serve` runs it under gunicorn, configured in `web.server`).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import Flask, abort, g, jsonify, render_template, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from qa.chunk.labels import passage_label
from qa.index.load import Index, ensure_index
from qa.retrieve.glossary import load_glossary
from qa.retrieve.retriever import QueryError
from web.api import register_api
from web.judgements import register_judgements
from web.limits import rate_limiter
from web.live import Live, Snapshot
from web.models import MAX_BODY, BadRequest
from web.security import add_security_headers

log = logging.getLogger("reportqa.web")
HERE = Path(__file__).resolve().parent
_PRINTED_NUMBER = re.compile(r"\d+(?:\.\d+)*")  # a paragraph or action number the report prints: 37, 2.1


def create_app(index: Index | None = None, *, index_dir=None, corpus_dir=None, reload: bool | None = None,
               rate_limit: str | None = None, rate_storage: str = "memory://", watch_now: bool = True) -> Flask:
    """The app; loads (and if needed builds) the index once unless one is given.

    reload: follow the index's `current` link and serve each newly published build (default: on
    when the app loads the index itself); watch_now: start following it in this process now (a
    server that forks workers starts it in each worker instead: `web.server`). rate_limit: per-client limit on /api/ask and /api/search
    such as "30/minute" (default: none), counted in `rate_storage` (web.limits).
    """
    app = Flask(__name__, template_folder=str(HERE / "templates"), static_folder=str(HERE / "static"))
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.json.ensure_ascii = False
    loaded_here = index is None
    index = index or ensure_index(index_dir, corpus_dir, build_missing=True)
    watch = index.path.parent / "current" if (loaded_here if reload is None else reload) else None
    live = Live(Snapshot.of(index), watch=watch, corpus_dir=corpus_dir)
    if watch_now:
        live.start_watching()

    def is_api() -> bool:
        return request.path.startswith(("/api/", "/healthz"))

    def snap() -> Snapshot:
        return g.get("snap") or live.snapshot

    @app.before_request
    def take_snapshot():
        g.snap = live.snapshot  # one snapshot for the whole request, even if a reload lands meanwhile

    app.after_request(add_security_headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        message = {
            404: "not found",
            405: f"method {request.method} is not allowed here",
            413: f"request body too large (at most {MAX_BODY // 1024} KB)",
            429: f"too many requests: at most {exc.description} per client; retry later",
        }.get(exc.code, exc.description or exc.name)
        if isinstance(exc.description, str) and exc.code == 404 and exc.description.startswith("no "):
            message = exc.description
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]  # Allow on a 405
        if is_api():
            return jsonify(error=message), exc.code, headers
        page = render_template("error.html", code=exc.code, message=message, reports=snap().reports)
        return page, exc.code, headers

    @app.errorhandler(BadRequest)
    @app.errorhandler(QueryError)
    def bad_request(exc: Exception):
        return jsonify(error=str(exc)), 400

    @app.errorhandler(Exception)
    def internal_error(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        if is_api():
            return jsonify(error="internal error: the request could not be completed"), 500
        return render_template("error.html", code=500, message="Something went wrong.", reports=snap().reports), 500

    # ------------------------------------------------------------------ pages

    @app.get("/")
    def chat():
        reports = g.snap.reports
        intro = g.snap.welcome
        return render_template("chat.html", reports=reports, lead=intro.lead, examples=intro.examples,
                               councils=intro.councils, kinds=sorted({r.kind for r in reports}),
                               years=sorted({r.year for r in reports}))

    @app.get("/reports")
    def report_list():
        return render_template("reports.html", reports=g.snap.reports, counts=g.snap.counts)

    @app.get("/reports/<doc_id>")
    def report_page(doc_id: str):
        index = g.snap.index
        report = index.reports.get(doc_id)
        if report is None:
            abort(404, description=f"no report with id {doc_id!r}")
        marks = _parse_marks(request.args.get("mark", ""))
        labels = g.snap.labels
        rows = []
        for p in index.passages_of(doc_id):
            spans = marks.get(p.label, [])
            name = labels.get(p.id) or passage_label(p)
            number = p.label if _PRINTED_NUMBER.fullmatch(p.label) else None  # as the report prints it
            rows.append({"p": p, "html": _marked(p.text, spans), "cited": p.label in marks, "name": name,
                         "number": number})
        return render_template("report.html", report=report, rows=rows, cited=next(iter(marks), None))

    @app.get("/favicon.ico")
    def favicon():
        """The icon where browsers and crawlers look for it without a <link> (an SVG, as the pages link)."""
        return app.send_static_file("favicon.svg")

    @app.get("/glossary")
    def glossary_page():
        return render_template("glossary.html", terms=sorted(load_glossary(), key=lambda t: t.term.lower()))

    register_api(app, limit=rate_limiter(app, rate_limit, rate_storage))
    register_judgements(app, lambda: snap().index)
    app.extensions["reportqa"] = {"index": index, "answerer": live.snapshot.answerer, "live": live}
    return app


def _parse_marks(value: str) -> dict[str, list[tuple[int, int]]]:
    """'41:0-68,69-140' -> {'41': [(0, 68), (69, 140)]}; anything malformed is ignored."""
    label, _, rest = (value or "")[:2000].partition(":")
    if not re.fullmatch(r"[\w.\-]{1,20}", label):
        return {}
    spans = []
    for part in rest.split(",")[:50]:  # each span checked on its own: no backtracking across them
        m = re.fullmatch(r"([0-9]{1,6})-([0-9]{1,6})", part)
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
