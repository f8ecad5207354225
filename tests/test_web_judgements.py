"""The judgements page and API: every inspection's grades, each linked to the judgement table it
comes from, filtered by council and years, sortable by any column (collection: Oxfordshire's three
inspections, Dorset 2025 and Blackpool 2026)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

OXFORDSHIRE = ["oxfordshire-sif-2014", "oxfordshire-ilacs-2018", "ofsted-ilacs-2024"]
ALL = OXFORDSHIRE + ["dorset-ilacs-2025", "blackpool-ilacs-2026"]


@pytest.fixture(scope="module")
def councils_app(councils_index):
    from web.app import create_app

    return create_app(councils_index)


@pytest.fixture()
def api(councils_app):
    client = councils_app.test_client()

    def get(query: str = "", status: int = 200):
        r = client.get("/api/judgements" + query)
        assert r.status_code == status and r.is_json, (query, r.status_code, r.get_data(as_text=True)[:300])
        return r.get_json()

    return get


@pytest.fixture()
def pages(councils_app):
    return councils_app.test_client()


def ids(rows) -> list[str]:
    return [r["doc_id"] for r in rows]


class Table(HTMLParser):
    """The judgements table of a page: its headings, and per row its council and cells' links and classes."""

    def __init__(self, html: str):
        super().__init__()
        self.headings, self.rows, self.scripts, self.handlers = [], [], [], []
        self._in, self._cell, self._script = None, None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.handlers += [name for name in a if name.startswith("on")]
        if tag == "script":
            self._script = {"src": a.get("src"), "body": ""}
            self.scripts.append(self._script)
        elif tag == "th" and a.get("scope") == "col":
            self.headings.append({"aria-sort": a.get("aria-sort"), "button": False, "text": ""})
            self._in = "heading"
        elif tag == "button" and self._in == "heading":
            self.headings[-1]["button"] = True
        elif tag == "tr" and "data-doc" in a:
            self.rows.append({"doc": a["data-doc"], "council": "", "cells": []})
        elif tag == "th" and a.get("scope") == "row":
            self._in = "council"
        elif tag == "td" and self.rows:
            self._cell = {"class": a.get("class", ""), "key": a.get("data-key"), "href": None, "text": ""}
            self.rows[-1]["cells"].append(self._cell)
        elif tag == "a" and self._cell is not None:
            self._cell["href"] = a["href"]

    def handle_endtag(self, tag):
        if tag in ("th", "td"):
            self._in, self._cell = None, None
        if tag == "script":
            self._script = None

    def handle_data(self, data):
        if self._script is not None:
            self._script["body"] += data
        elif self._in == "heading":
            self.headings[-1]["text"] += data.strip()
        elif self._in == "council":
            self.rows[-1]["council"] += data.strip()
        elif self._cell is not None:
            self._cell["text"] += data.strip()


# ------------------------------------------------------------------ the API


def test_the_api_gives_one_row_per_inspection_oldest_first(api):
    rows = api()
    assert ids(rows) == ALL
    assert [r["year"] for r in rows] == [2014, 2018, 2024, 2025, 2026]
    first = rows[0]
    assert {"doc_id", "authority", "council", "file", "published", "inspection_start", "inspection_end", "framework",
            "lead_inspector", "judgements", "passage_id", "year", "report_url"} <= set(first)


def test_dorset_2025_was_outstanding_and_its_grade_cites_the_judgement_table(api, pages, councils_index):
    (dorset,) = api("?authority=Dorset")
    assert dorset["doc_id"] == "dorset-ilacs-2025" and dorset["council"] == "Dorset"
    assert dorset["framework"] == "ILACS short" and dorset["lead_inspector"] == "Sarah Canto"
    assert (dorset["inspection_start"], dorset["inspection_end"]) == ("2025-03-17", "2025-03-21")
    grades = {g["key"]: g["grade"] for g in dorset["judgements"]}
    assert grades["overall_effectiveness"] == "outstanding" and grades["care_leavers"] == "good"

    r = pages.get("/api/passages/" + quote(dorset["passage_id"], safe=""))
    assert r.status_code == 200
    passage = r.get_json()
    assert passage["id"] == dorset["passage_id"] and passage["doc_id"] == "dorset-ilacs-2025"
    # /api/passages gives the report's kind under "kind"; the passage's own kind is the index's
    assert councils_index.passages[councils_index.by_id[dorset["passage_id"]]].kind == "judgement table"
    assert "Overall effectiveness: Outstanding" in passage["text"]
    assert dorset["report_url"] == passage["url"] == f"/reports/dorset-ilacs-2025#p{passage['label']}"


def test_each_grade_opens_the_report_with_its_line_of_the_judgement_table_marked(api, pages):
    (dorset,) = api("?authority=Dorset")
    overall = next(g for g in dorset["judgements"] if g["key"] == "overall_effectiveness")
    assert overall["url"].startswith("/reports/dorset-ilacs-2025?mark=") and overall["url"].endswith("#ps2")
    page = pages.get(overall["url"].split("#")[0]).get_data(as_text=True)
    assert "<mark>Overall effectiveness: Outstanding</mark>" in page


def test_a_judgement_a_framework_does_not_make_is_absent_not_invented(api):
    (blackpool,) = api("?authority=Blackpool")
    assert "overall_effectiveness" not in {g["key"] for g in blackpool["judgements"]}
    assert {g["key"] for g in blackpool["judgements"]} == {"impact_of_leaders", "help_and_protection",
                                                             "children_in_care", "care_leavers"}


@pytest.mark.parametrize("authority, expected, council", [
    ("Dorset", ["dorset-ilacs-2025"], "Dorset"),
    ("Oxfordshire", OXFORDSHIRE, "Oxfordshire"),
    ("Oxfordshire County Council", OXFORDSHIRE, "Oxfordshire"),  # however the council is written
    ("oxfordshire", OXFORDSHIRE, "Oxfordshire"),
])
def test_the_authority_filter_takes_a_council_however_written(api, authority, expected, council):
    rows = api("?authority=" + quote(authority))
    assert ids(rows) == expected
    assert {r["council"] for r in rows} == {council}  # the council's usual name, however the catalogue writes it


def test_several_councils_can_be_asked_for_at_once(api):
    assert ids(api("?authority=Blackpool&authority=Dorset")) == ["dorset-ilacs-2025", "blackpool-ilacs-2026"]


def test_an_unknown_council_matches_no_inspection(api):
    assert api("?authority=Leeds") == []


@pytest.mark.parametrize("query, expected", [
    ("?year_from=2025", ["dorset-ilacs-2025", "blackpool-ilacs-2026"]),
    ("?year_to=2018", ["oxfordshire-sif-2014", "oxfordshire-ilacs-2018"]),
    ("?year_from=2024&year_to=2024", ["ofsted-ilacs-2024"]),
    ("?authority=Oxfordshire&year_from=2015", ["oxfordshire-ilacs-2018", "ofsted-ilacs-2024"]),
    ("?year_from=2030", []),
    ("?year_from=2026&year_to=2018", []),  # a range that runs backwards holds no year
])
def test_year_filters_take_the_inspection_year(api, query, expected):
    assert ids(api(query)) == expected


@pytest.mark.parametrize("query, parameter", [
    ("?year_from=soon", "year_from"),
    ("?year_to=24", "year_to"),
    ("?year_from=20245", "year_from"),
    ("?year_to=2024.0", "year_to"),
])
def test_a_bad_year_is_400_json_naming_the_parameter(api, query, parameter):
    data = api(query, status=400)
    assert parameter in data["error"]


def test_the_openapi_document_describes_the_judgements_api(pages):
    spec = pages.get("/api/openapi.json").get_json()
    route = spec["paths"]["/api/judgements"]["get"]
    assert {p["name"] for p in route["parameters"]} == {"authority", "year_from", "year_to"}
    assert {"200", "400"} <= set(route["responses"])


def test_the_api_answers_json_errors_for_wrong_methods(pages):
    r = pages.post("/api/judgements")
    assert r.status_code == 405 and r.is_json


# ------------------------------------------------------------------ the page


def test_the_page_lists_every_inspection_with_its_council_and_facts(pages):
    r = pages.get("/judgements")
    assert r.status_code == 200
    table = Table(r.get_data(as_text=True))
    assert [row["doc"] for row in table.rows] == ALL
    assert [row["council"] for row in table.rows] == ["Oxfordshire"] * 3 + ["Dorset", "Blackpool"]
    headings = [h["text"] for h in table.headings]
    assert headings[:4] == ["Council", "Framework", "Inspected", "Lead inspector"] and headings[-1] == "Report"
    assert headings[4:9] == ["Overall effectiveness", "Leaders", "Help and protection", "Children in care", "Care leavers"]
    assert {"Adoption", "LSCB"} <= set(headings)  # the 2014 SIF's other judgements are shown too
    html = r.get_data(as_text=True)
    assert "17–21 Mar 2025" in html and "Sarah Canto" in html and "ILACS short" in html


def test_every_grade_on_the_page_links_to_its_judgement_table_passage(pages, api):
    rows = {r["doc_id"]: r for r in api()}
    table = Table(pages.get("/judgements").get_data(as_text=True))
    for row in table.rows:
        data = rows[row["doc"]]
        label = data["passage_id"].split("#")[1]
        grades = {g["key"]: g for g in data["judgements"]}
        linked = [c for c in row["cells"] if c["key"] and c["href"]]
        assert {c["key"] for c in linked} == set(grades), row["doc"]
        for cell in linked:
            assert cell["href"] == grades[cell["key"]]["url"]
            assert cell["href"].startswith(f"/reports/{row['doc']}") and cell["href"].endswith(f"#p{label}")
            assert cell["text"].lower() == grades[cell["key"]]["grade"]
            assert f"grade-{grades[cell['key']]['grade'].replace(' ', '-')}" in cell["class"].split()
        assert row["cells"][-1]["href"] == f"/reports/{row['doc']}"  # the report itself


def test_grades_are_styled_one_class_per_grade(pages):
    table = Table(pages.get("/judgements").get_data(as_text=True))
    dorset = next(row for row in table.rows if row["doc"] == "dorset-ilacs-2025")
    overall = next(c for c in dorset["cells"] if c["key"] == "overall_effectiveness")
    assert "grade-outstanding" in overall["class"].split()
    blackpool = next(row for row in table.rows if row["doc"] == "blackpool-ilacs-2026")
    missing = next(c for c in blackpool["cells"] if c["key"] == "overall_effectiveness")
    assert missing["href"] is None and "grade-none" in missing["class"].split()
    css = pages.get("/static/app.css").get_data(as_text=True)
    for grade in ("outstanding", "good", "requires-improvement", "inadequate"):
        assert f".grade-{grade}" in css


def test_the_page_filters_with_a_get_form_that_works_without_javascript(pages):
    html = pages.get("/judgements?authority=Oxfordshire&year_from=2018&year_to=").get_data(as_text=True)
    assert [row["doc"] for row in Table(html).rows] == ["oxfordshire-ilacs-2018", "ofsted-ilacs-2024"]
    form = re.search(r'<form class="judgement-filters[^"]*" method="get" action="/judgements">(.*?)</form>', html, re.S)
    assert form, "a GET form"
    fields = form.group(1)
    councils = re.search(r'<select name="authority"[^>]*>(.*?)</select>', fields, re.S).group(1)
    assert re.findall(r"<option(?: selected)?>([^<]+)</option>", councils) == ["Blackpool", "Dorset", "Oxfordshire"]
    assert "<option selected>Oxfordshire</option>" in councils  # the choice is kept
    years_from = re.search(r'<select name="year_from"[^>]*>(.*?)</select>', fields, re.S).group(1)
    assert "<option selected>2018</option>" in years_from
    assert re.findall(r"<option(?: selected)?>(\d{4})</option>", years_from) == ["2014", "2018", "2024", "2025", "2026"]
    assert 'name="year_to"' in fields and '<button type="submit">' in fields


def test_the_page_says_what_is_wrong_with_a_bad_filter(pages):
    r = pages.get("/judgements?year_from=soon")
    assert r.status_code == 400
    html = r.get_data(as_text=True)
    assert 'role="alert"' in html and "year_from must be a year" in html and 'method="get"' in html
    r = pages.get("/judgements?authority=Leeds")
    assert r.status_code == 200 and "it holds reports about Blackpool, Dorset, Oxfordshire" in r.get_data(as_text=True)
    r = pages.get("/judgements?year_from=2030")
    assert r.status_code == 200 and "No inspection reports with judgements match" in r.get_data(as_text=True)


def test_headings_are_sort_buttons_with_a_script_and_no_inline_script(pages):
    html = pages.get("/judgements").get_data(as_text=True)
    table = Table(html)
    assert table.headings and all(h["button"] for h in table.headings)
    assert [h["aria-sort"] for h in table.headings].count("ascending") == 1  # oldest first, as served
    assert [s["src"] for s in table.scripts] == ["/static/judgements.js"]
    assert all(s["body"].strip() == "" for s in table.scripts), "no inline script"
    assert table.handlers == [], "no inline event handlers"
    assert not re.search(r'(src|href)="(https?:)?//', html), "no CDN or remote assets"
    script = pages.get("/static/judgements.js")
    assert script.status_code == 200 and "aria-sort" in script.get_data(as_text=True)


def test_every_page_links_to_the_judgements_page(pages):
    for path in ("/", "/reports", "/glossary", "/judgements"):
        assert '<a href="/judgements"' in pages.get(path).get_data(as_text=True), path
    assert 'href="/judgements" aria-current="page"' in pages.get("/judgements").get_data(as_text=True)


def test_the_chat_page_offers_a_council_filter_when_it_holds_several_councils(pages, client):
    html = pages.get("/").get_data(as_text=True)
    select = re.search(r'<select id="f-authority" name="authority">(.*?)</select>', html, re.S)
    assert select and re.findall(r"<option>([^<]+)</option>", select.group(1)) == ["Blackpool", "Dorset", "Oxfordshire"]
    assert 'authority: "f-authority"' in pages.get("/static/chat.js").get_data(as_text=True)  # sent as filters.authority
    assert 'id="f-authority"' not in client.get("/").get_data(as_text=True)  # one council: nothing to choose


def test_a_one_council_collection_lists_only_that_council(client):
    data = client.get("/api/judgements").get_json()
    assert "ofsted-ilacs-2024" in ids(data) and {r["council"] for r in data} == {"Oxfordshire"}
    html = client.get("/judgements").get_data(as_text=True)
    assert [row["council"] for row in Table(html).rows] == ["Oxfordshire"] * len(data)


def test_the_pages_unfilled_form_fields_mean_no_filter(pages):
    r = pages.get("/judgements?authority=&year_from=&year_to=")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and all(f"/reports/{doc}" in html for doc in ALL)


@pytest.mark.parametrize("query, reason", [
    ("?authority=%20", "authority must name a council (1 to 100 characters, not blank)"),
    ("?authority=" + "x" * 101, "authority must name a council"),
])
def test_a_malformed_council_is_400_naming_the_parameter(api, query, reason):
    assert reason in api(query, status=400)["error"]
