"""The web app through Flask's test client: every route, every error as JSON, no tracebacks."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest


def test_healthz_reports_the_loaded_index(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    data = r.get_json()
    assert data["status"] == "ok" and data["index_loaded"] is True
    assert data["passages"] == 133 and data["model"] == "sentence-transformers/all-MiniLM-L6-v2"


def test_api_ask_answers_with_citations_that_open_in_the_report(client):
    r = client.post("/api/ask", json={"question": "Do young people who have left care pay council tax?"})
    assert r.status_code == 200
    data = r.get_json()
    assert data["abstained"] is False
    c = data["citations"][0]
    assert c["id"] == "ofsted-ilacs-2024#41" and c["quote"] == "Care leavers in Oxfordshire are exempt from council tax."
    s, e = c["quote_spans"][0]
    assert c["text"][s:e] == c["quote"]
    assert c["report_url"] == f"/reports/ofsted-ilacs-2024?mark=41:{s}-{e}#p41"
    page = client.get(c["report_url"].split("#")[0]).get_data(as_text=True)
    assert '<mark>Care leavers in Oxfordshire are exempt from council tax.</mark>' in page


def test_api_ask_uses_history_and_filters(client):
    r = client.post("/api/ask", json={"question": "And when do their PAs start?",
                                      "history": ["What did inspectors say about care leavers?"],
                                      "filters": {"doc": "ofsted-ilacs-2024"}})
    data = r.get_json()
    assert data["standalone_query"] == "When do care leavers' PAs start?"
    assert {c["doc_id"] for c in data["citations"]} == {"ofsted-ilacs-2024"}
    assert "too late" in data["answer"]


def test_api_ask_abstains_for_another_council(client):
    data = client.post("/api/ask", json={"question": "What rating did Ofsted give Buckinghamshire?"}).get_json()
    assert data["abstained"] is True and data["citations"] == []


@pytest.mark.parametrize("body, message", [
    ({}, "'question' must be a non-empty string"),
    ({"question": "   "}, "'question' must be a non-empty string"),
    ({"question": 42}, "'question' must be a non-empty string"),
    ({"question": "x" * 1001}, "too long"),
    ({"question": "care leavers", "history": "not a list"}, "'history' must be a list"),
    ({"question": "care leavers", "history": ["q"] * 21}, "at most 20"),
    ({"question": "care leavers", "filters": {"doc": "bucks"}}, "no report with id 'bucks'"),
    ({"question": "care leavers", "filters": {"kind": "blog"}}, "unknown kind"),
    ({"question": "care leavers", "filters": {"year_from": "soon"}}, "year_from"),
    ({"question": "care leavers", "filters": "all"}, "filters must be an object"),
    ({"question": "care leavers", "extra": 1}, "unknown field"),
    ([1, 2], "must be a JSON object"),
])
def test_api_ask_rejects_bad_input_with_400_and_a_reason(client, body, message):
    r = client.post("/api/ask", json=body)
    assert r.status_code == 400 and r.is_json
    assert message in r.get_json()["error"]


def test_api_ask_needs_a_json_body(client):
    r = client.post("/api/ask", data="question=care", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 400 and "JSON body" in r.get_json()["error"]
    r = client.post("/api/ask", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.is_json


def test_an_oversized_body_is_413_json(client):
    # over the 256 KB limit (raised from 64 KB: the largest valid body, every character escaped, is ~250 KB)
    r = client.post("/api/ask", data='{"question": "' + "x" * 300000 + '"}', content_type="application/json")
    assert r.status_code == 413 and "too large" in r.get_json()["error"]


def test_wrong_methods_are_405_json(client):
    for method, path in (("get", "/api/ask"), ("delete", "/api/ask"), ("post", "/api/search"), ("put", "/healthz")):
        r = getattr(client, method)(path)
        assert r.status_code == 405 and r.is_json and "not allowed" in r.get_json()["error"]


def test_api_search_ranks_and_filters(client):
    data = client.get("/api/search?q=" + quote("Do young people who have left care pay council tax?") + "&k=3").get_json()
    assert data["results"][0]["id"] == "ofsted-ilacs-2024#41" and len(data["results"]) == 3
    data = client.get("/api/search?q=foster+carers&doc=occ-scrutiny-action-plan-2015&k=5").get_json()
    assert {r["doc_id"] for r in data["results"]} == {"occ-scrutiny-action-plan-2015"}
    data = client.get("/api/search?q=inspection&kind=news+article").get_json()
    assert {r["kind"] for r in data["results"]} == {"news article"}


@pytest.mark.parametrize("query, message", [
    ("", "q is required"), ("?q=care&k=lots", "k must be"), ("?q=care&k=0", "k must be"),
    ("?q=care&doc=nope", "no report with id 'nope'"), ("?q=care&year_to=never", "year_to"),
])
def test_api_search_rejects_bad_parameters(client, query, message):
    r = client.get("/api/search" + query)
    assert r.status_code == 400 and message in r.get_json()["error"]


def test_api_passages_by_id_and_unknown_ids_are_404(client):
    r = client.get("/api/passages/" + quote("ofsted-ilacs-2024#33", safe=""))
    assert r.status_code == 200
    data = r.get_json()
    assert data["text"].startswith("PAs start direct work") and data["citation"] == "Oxfordshire: Ofsted ILACS 2024, para 33"
    for bad in ("nope", quote("ofsted-ilacs-2024#999", safe=""), "..%2F..%2Fetc%2Fpasswd", "../../etc/passwd"):
        r = client.get("/api/passages/" + bad)
        assert r.status_code == 404 and r.is_json, bad


def test_api_reports_lists_the_catalogue(client):
    reports = client.get("/api/reports").get_json()["reports"]
    assert len(reports) == 5
    first = reports[0]
    assert {"id", "title", "publisher", "kind", "date", "year", "passages", "url"} <= set(first)
    assert sum(r["passages"] for r in reports) == 133


def test_openapi_describes_every_route(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {"/api/ask", "/api/search", "/api/passages/{id}", "/api/reports", "/healthz",
                                  "/api/openapi.json", "/api/judgements"}
    assert spec["paths"]["/api/ask"]["post"]["requestBody"]["content"]["application/json"]["schema"]["required"] == ["question"]


def test_unknown_api_paths_and_path_tricks_are_404_json(client):
    for path in ("/api/nothing", "/api/../../etc/passwd", "/static/../app.py", "/static/%2e%2e/app.py"):
        r = client.get(path)
        assert r.status_code == 404, path
    assert client.get("/api/nothing").is_json


def test_chat_page_works_offline_and_offers_examples_and_filters(client):
    html = client.get("/").get_data(as_text=True)
    assert "What did inspectors say about care leavers in Oxfordshire?" in html  # examples from the collection
    assert "Ask about Ofsted&#39;s inspections of Oxfordshire&#39;s children&#39;s services" in html
    assert 'id="f-doc"' in html and 'id="f-kind"' in html and 'id="f-from"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "no CDN or remote assets"
    assert client.get("/static/chat.js").status_code == 200
    assert client.get("/static/app.css").status_code == 200


def test_report_pages_anchor_every_passage(client):
    html = client.get("/reports/occ-scrutiny-action-plan-2015").get_data(as_text=True)
    for label in ("1", "4", "1.1", "2.1", "6.2", "s1"):
        assert f'id="p{label}"' in html
    assert "Experiences and progress of children looked after and achieving permanence" in html
    listing = client.get("/reports").get_data(as_text=True)
    assert listing.count('href="/reports/') == 5


def test_report_page_escapes_text_and_ignores_malformed_marks(client):
    html = client.get("/reports/ofsted-ilacs-2024?mark=<script>").get_data(as_text=True)
    assert "<script>" not in html.split("<body>")[1].replace('<script src="/static/report.js"></script>', "")
    assert client.get("/reports/ofsted-ilacs-2024?mark=41:9999-99999").status_code == 200


def test_an_unknown_report_page_is_404(client):
    r = client.get("/reports/buckinghamshire-2023")
    assert r.status_code == 404 and "no report with id" in r.get_data(as_text=True)


def test_an_internal_failure_is_a_json_500_without_a_traceback(app, monkeypatch):
    answerer = app.extensions["reportqa"]["answerer"]

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(answerer, "answer", broken)
    r = app.test_client().post("/api/ask", json={"question": "care leavers"})
    assert r.status_code == 500 and r.get_json() == {"error": "internal error: the request could not be completed"}
    assert "Traceback" not in r.get_data(as_text=True)


def test_the_glossary_page_lists_terms(client):
    html = client.get("/glossary").get_data(as_text=True)
    assert "personal adviser" in html and "PA" in html


def test_a_crafted_mark_parameter_is_answered_at_once(client):
    import time

    started = time.perf_counter()
    r = client.get("/reports/ofsted-ilacs-2024?mark=41:1-" + "1234567-" * 40 + "1x")
    assert r.status_code == 200 and time.perf_counter() - started < 5


@pytest.mark.parametrize("body, message", [
    ({"question": "\ud800 care leavers"}, "not valid"),
    ({"question": "care leavers", "filters": {"year_from": 1e400}}, "year_from"),
    ({"question": "care leavers", "filters": {"year_from": 2014.7}}, "year_from"),
    ({"question": "care leavers", "filters": {"year_to": True}}, "year_to"),
    ({"question": "care leavers", "filters": 0}, "filters must be an object"),
])
def test_odd_json_values_are_400_not_500(client, body, message):
    import json as _json

    r = client.post("/api/ask", data=_json.dumps(body), content_type="application/json")
    assert r.status_code == 400 and message in r.get_json()["error"]


def test_deeply_nested_json_is_400(client):
    r = client.post("/api/ask", data='{"question": "care", "filters": ' + "[" * 5000 + "]" * 5000 + "}",
                    content_type="application/json")
    assert r.status_code == 400 and r.is_json


def test_healthz_with_a_trailing_slash_is_a_json_404(client):
    r = client.get("/healthz/")
    assert r.status_code == 404 and r.is_json


SECURITY_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


@pytest.mark.parametrize("method, path", [
    ("get", "/"), ("get", "/reports/ofsted-ilacs-2024"), ("get", "/static/chat.js"), ("get", "/api/reports"),
    ("get", "/api/search"), ("get", "/api/nothing"), ("get", "/reports/nope"), ("post", "/api/search"), ("post", "/"),
])
def test_every_response_carries_the_security_headers(client, method, path):
    r = getattr(client, method)(path)
    for name, value in SECURITY_HEADERS.items():
        assert r.headers.get(name) == value, (path, name)
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "default-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_the_pages_have_no_inline_script_or_style_so_the_policy_can_forbid_them(client):
    for path in ("/", "/reports", "/reports/ofsted-ilacs-2024?mark=41:0-10", "/glossary", "/nope"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html), path


@pytest.mark.parametrize("method, path, allowed", [
    ("get", "/api/ask", {"POST", "OPTIONS"}), ("delete", "/api/ask", {"POST", "OPTIONS"}),
    ("post", "/api/search", {"GET", "HEAD", "OPTIONS"}), ("put", "/healthz", {"GET", "HEAD", "OPTIONS"}),
    ("patch", "/api/passages/ofsted-ilacs-2024%2341", {"GET", "HEAD", "OPTIONS"}), ("post", "/", {"GET", "HEAD", "OPTIONS"}),
])
def test_a_405_names_the_allowed_methods(client, method, path, allowed):
    r = getattr(client, method)(path)
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["Allow"].split(",")} == allowed


@pytest.mark.parametrize("data, message", [
    ('{"question": "care leavers", "history": ["fine", "\\ud800"]}', "'history' item 2 contains characters that are not valid"),
    ('{"question": "\\udfff care leavers"}', "the question contains characters that are not valid"),
    ('{"question": "care", ', "not valid JSON: Expecting property name enclosed in double quotes (line 1, column 22)"),
    ('{"question": "care", "history": [' + "1" * 5000 + "]}", "a number with too many digits"),
    ("[1, 2]", "must be a JSON object"),
    ('"care leavers"', "must be a JSON object"),
    ("   ", "the body is empty"),
    ('{"question": "care leavers", "filters": null}', "filters must be an object"),
    ('{"question": null}', "'question' must be a non-empty string"),
    ('{"question": "care leavers", "history": ["' + "x" * 1001 + '"]}', "'history' item 1 is too long"),
    ('{"question": "care leavers", "filters": {"doc": ["ofsted-ilacs-2024", 7]}}', "filter 'doc' must be a report id"),
    ('{"question": "care leavers", "filters": {"doc_ids": ["ofsted-ilacs-2024"]}}', "unknown filter(s): doc_ids"),
    ('{"question": "care leavers", "filters": {"year_to": "2014"}}', "filter 'year_to' must be a year such as 2014, not '2014'"),
])
def test_each_bad_body_gets_its_own_reason(client, data, message):
    r = client.post("/api/ask", data=data.encode("utf-8"), content_type="application/json")
    assert r.status_code == 400 and message in r.get_json()["error"], r.get_json()


def test_a_body_that_is_not_utf8_is_named_as_such(client):
    r = client.post("/api/ask", data=b'{"question": "caf\xe9"}', content_type="application/json")
    assert r.status_code == 400 and "not UTF-8" in r.get_json()["error"]


@pytest.mark.parametrize("k", ["+5", "\uff15", "5.0", "-1", "101", " 5", "0x5", "1e1"])
def test_k_must_be_plain_ascii_digits_from_1_to_100(client, k):
    r = client.get("/api/search?q=care&k=" + quote(k))
    assert r.status_code == 400 and r.get_json()["error"].startswith("k must be a whole number from 1 to 100")


@pytest.mark.parametrize("query, message", [
    ("?q=", "q is required"), ("?q=%20%20%09", "q must hold more than white space"),
    ("?q=care&year_from=%EF%BC%92%EF%BC%90%EF%BC%91%EF%BC%94", "year_from must be a year"),
    ("?q=care&kind=blog", "unknown kind 'blog'"), ("?q=" + "x" * 1001, "the query is too long"),
])
def test_api_search_gives_precise_reasons(client, query, message):
    r = client.get("/api/search" + query)
    assert r.status_code == 400 and message in r.get_json()["error"]


def test_what_the_description_allows_the_api_accepts(client):
    """Requests the OpenAPI description calls valid, which the old validators refused."""
    ok = [
        {"question": "care leavers", "filters": {"year_from": 2020, "year_to": 2014}},  # an empty range: no report
        {"question": "care leavers", "filters": {"year_from": 2014.0, "doc": None, "kind": []}},
        {"question": "care leavers", "history": ["", "   "], "filters": {"kind": ["council paper", "news article"]}},
    ]
    for body in ok:
        r = client.post("/api/ask", json=body)
        assert r.status_code == 200, (body, r.get_json())
    data = client.post("/api/ask", json=ok[0]).get_json()
    assert data["abstained"] is True and data["citations"] == [] and "year_from 2020 is after year_to 2014" in data["answer"]
    r = client.get("/api/search?q=care&year_from=2020&year_to=2014")
    assert r.status_code == 200 and r.get_json()["results"] == []
    r = client.get("/api/search?q=care&doc=ofsted-ilacs-2024&doc=occ-inspection-outcome-2014&kind=council+paper")
    assert r.status_code == 200 and {h["doc_id"] for h in r.get_json()["results"]} == {"occ-inspection-outcome-2014"}


def test_the_description_comes_from_the_models_that_validate(client):
    spec = client.get("/api/openapi.json").get_json()
    ask = spec["paths"]["/api/ask"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert ask["additionalProperties"] is False and ask["properties"]["question"]["maxLength"] == 1000
    assert "pattern" in ask["properties"]["question"]  # not all white space
    filters = spec["components"]["schemas"]["Filters"]
    assert filters["additionalProperties"] is False
    ids = {r["id"] for r in client.get("/api/reports").get_json()["reports"]}
    assert set(filters["properties"]["doc"]["anyOf"][0]["enum"]) == ids
    params = {p["name"]: p for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert params["q"]["required"] and params["q"]["schema"]["minLength"] == 1
    assert params["k"]["schema"]["minimum"] == 1 and params["k"]["schema"]["maximum"] == 100
    assert params["doc"]["schema"]["items"]["enum"] and params["doc"]["explode"] is True
    assert "Allow" in spec["paths"]["/api/ask"]["post"]["responses"]["405"]["headers"]


# ------------------------------------------------------------------ what a reader sees (issue 10)

INTERNAL = re.compile(r"\b(s\d+|fn\d+)\b|passage s|Passage s")  # the parser's labels, never shown to a reader


@pytest.mark.parametrize("passage_id, name", [
    ("ofsted-ilacs-2024#33", "para 33"),
    ("ofsted-ilacs-2024#s2", "judgement table"),
    ("ofsted-ilacs-2024#s7", "improvement point 3"),  # the third of the report's four improvement points
    ("occ-scrutiny-action-plan-2015#2.1", "action 2.1"),
    ("press-ofsted-good-2024#s3", "paragraph 3"),  # an article numbers no paragraph: counted
    ("ofsted-ilacs-2024#s3", "unnumbered paragraph 2"),  # before para 1 of a report that numbers its paragraphs
])
def test_a_passage_is_named_as_a_reader_names_it(client, index, passage_id, name):
    data = client.get("/api/passages/" + quote(passage_id, safe="")).get_json()
    report = index.reports[data["doc_id"]]
    assert data["display_label"] == name
    assert data["citation"] == f"Oxfordshire: {report.short_title}, {name}"  # the council first: no title names it
    assert data["label"] == passage_id.split("#")[1]  # the anchor keeps the parser's label


def test_the_improvement_points_are_counted_in_their_report(index):
    points = [p.label for p in index.passages_of("ofsted-ilacs-2024") if p.kind == "improvement point"]
    assert points == ["s5", "s6", "s7", "s8"]  # so s7 above is the third


def _named_everywhere(items: list[dict]) -> None:
    for item in items:
        assert item["display_label"] and not INTERNAL.search(item["display_label"]), item["id"]
        assert item["citation"] == f"Oxfordshire: {item['short_title']}, {item['display_label']}", item["id"]


@pytest.mark.parametrize("question", [
    "What needs to improve?", "What did inspectors say about care leavers?", "What is the weather forecast on Mars?",
])
def test_answers_name_every_citation_and_passage_as_a_reader_does(client, question):
    data = client.post("/api/ask", json={"question": question}).get_json()
    _named_everywhere(data["citations"])
    _named_everywhere(data["passages"])
    assert not INTERNAL.search(data["answer"])


def test_searches_name_every_result_as_a_reader_does(client):
    data = client.get("/api/search?q=" + quote("what needs to improve") + "&k=20").get_json()
    _named_everywhere(data["results"])
    assert any(r["display_label"].startswith("improvement point ") for r in data["results"])


def test_the_report_reader_shows_readers_names_never_internal_labels(client):
    html = client.get("/reports/ofsted-ilacs-2024").get_data(as_text=True)
    shown = re.findall(r'<a class="label[^"]*"[^>]*>([^<]*)</a>', html)
    named = re.findall(r'aria-label="([^"]*)"', html) + re.findall(r'title="([^"]*)"', html)
    assert shown and not [s for s in shown + named if INTERNAL.search(s)]
    assert re.search(r'<section id="ps7"[^>]*aria-label="Improvement point 3"', html)
    assert re.search(r'<a class="label name" href="#ps7"[^>]*>improvement point 3</a>', html)
    assert re.search(r'<a class="label" href="#p37" aria-label="para 37"[^>]*>37</a>', html)  # the printed number
    assert re.search(r'<a class="label name" href="#ps2"[^>]*>judgement table</a>', html)
    plan = client.get("/reports/occ-scrutiny-action-plan-2015").get_data(as_text=True)
    assert re.search(r'<a class="label" href="#p2.1" aria-label="action 2.1"[^>]*>2.1</a>', plan)


# ------------------------------------------------------------------ quoted sentences: the core's spans

def test_quote_spans_are_the_spans_the_core_gives_passed_through(app, index, monkeypatch):
    """The web layer does not split sentences: whatever spans a citation carries are what it marks."""
    from qa.retrieve.retriever import Hit

    passage = index.passages[index.by_id["ofsted-ilacs-2024#41"]]
    hit = Hit(passage, index.reports[passage.doc_id], 1.0, 1, 1)
    spans = [[3, 9], [20, 31]]  # not sentences at all: nothing may re-split or "correct" them

    from qa.answer.model import Answer, Citation

    core = Answer("q", "q", "A [1]", False, [Citation(1, hit, "whatever the core quoted", tuple(map(tuple, spans)))], [hit])

    monkeypatch.setattr(app.extensions["reportqa"]["answerer"], "answer", lambda *a, **k: core)
    data = app.test_client().post("/api/ask", json={"question": "anything"}).get_json()
    c = data["citations"][0]
    assert c["quote_spans"] == spans and "spans" not in c
    assert c["report_url"] == "/reports/ofsted-ilacs-2024?mark=41:3-9,20-31#p41"
    assert c["display_label"] == "para 41" and c["citation"] == "Oxfordshire: Ofsted ILACS 2024, para 41"


def test_quote_spans_of_real_answers_mark_exactly_the_quoted_sentences(client):
    for question in ("What did inspectors say about care leavers?", "What needs to improve?"):
        data = client.post("/api/ask", json={"question": question}).get_json()
        assert data["citations"], question
        for c in data["citations"]:
            spans = c["quote_spans"]
            assert spans, (question, c["id"])
            assert all(0 <= s < e <= len(c["text"]) for s, e in spans)
            assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:])), "in order, not overlapping"
            marked = [" ".join(c["text"][s:e].split()) for s, e in spans]
            quoted = " ".join(c["quote"].split())
            assert all(m and m in quoted for m in marked), (c["id"], marked, quoted)
            mark = ",".join(f"{s}-{e}" for s, e in spans)
            assert c["report_url"] == f"/reports/{c['doc_id']}?mark={c['label']}:{mark}#p{c['label']}"
            page = client.get(c["report_url"].split("#")[0]).get_data(as_text=True)
            assert page.count("<mark>") == len(spans)


# ------------------------------------------------------------------ a decline is no dead end

def test_a_decline_carries_the_nearest_passages_as_links_into_the_report_reader(client):
    data = client.post("/api/ask", json={"question": "What is the weather forecast on Mars?"}).get_json()
    assert data["abstained"] is True and data["citations"] == []
    nearest = data["passages"][:3]
    assert len(nearest) == 3
    for p in nearest:
        assert p["url"] == f"/reports/{p['doc_id']}#p{p['label']}"
        page = client.get(p["url"].split("#")[0])
        assert page.status_code == 200 and f'id="p{p["label"]}"' in page.get_data(as_text=True)


# ------------------------------------------------------------------ favicon

def test_the_favicon_is_served_and_every_page_links_it(client):
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).lstrip().startswith("<svg")
    legacy = client.get("/favicon.ico")  # where browsers and crawlers look without a <link>
    assert legacy.status_code == 200 and legacy.mimetype == "image/svg+xml" and legacy.get_data() == icon.get_data()
    for key, value in SECURITY_HEADERS.items():
        assert legacy.headers[key] == value
    for path in ("/", "/reports", "/reports/ofsted-ilacs-2024", "/judgements", "/glossary", "/reports/nope"):
        html = client.get(path).get_data(as_text=True)
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html, path


def test_the_description_names_the_readers_label_of_every_passage(client):
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    for name in ("HitOut", "CitationOut", "PassageOut"):
        assert "display_label" in schemas[name]["required"], name
    passage = client.get("/api/openapi.json").get_json()["paths"]["/api/passages/{id}"]["get"]
    assert passage["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PassageOut"}


def test_the_cli_json_and_the_api_give_the_same_answer_in_the_same_fields(client, index_dir, seed_corpus):
    """One output contract: `reportqa ask --json` and POST /api/ask cannot differ."""
    import json
    import subprocess
    import sys

    question = "Do young people who have left care pay council tax?"
    cli = subprocess.run([sys.executable, "-m", "qa.cli", "--corpus", str(seed_corpus), "ask", question, "--json",
                          "--index", str(index_dir)], capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    from_cli = json.loads(cli.stdout)
    from_api = client.post("/api/ask", json={"question": question}).get_json()
    assert from_cli == from_api and from_api["citations"]
    assert {"quote_spans", "report_url", "display_label", "citation", "authority"} <= set(from_api["citations"][0])
