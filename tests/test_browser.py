"""End to end in a real browser (Debian's headless Chromium driven by Playwright), as a user works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(app):
    """The app as `reportqa serve` serves it, on a free loopback port."""
    from web.serve import Server

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: bash test.sh installs it"
    with Server(app, "127.0.0.1", 0) as srv:
        yield f"http://127.0.0.1:{srv.port}"


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def ask(page, question: str):
    count = page.locator(".turn").count()
    page.fill("#question", question)
    page.keyboard.press("Enter")
    turn = page.locator(".turn").nth(count)
    expect(turn.locator(".answer, .error")).to_be_visible()
    return turn


def test_ask_see_cited_answer_open_source_and_open_in_report(page, server):
    page.goto(server + "/")
    expect(page.locator(".example")).to_have_count(4)
    turn = ask(page, "What did inspectors say about care leavers?")
    answer = turn.locator(".answer")
    expect(answer.locator("h4", has_text="Concerns")).to_be_visible()
    expect(answer.locator(".cite").first).to_be_visible()
    too_late = answer.locator("li", has_text="too late").locator(".cite").first
    too_late.click()
    panel = page.locator("#source")
    expect(panel).to_be_visible()
    expect(page.locator("#source-title")).to_have_text("Ofsted ILACS 2024, para 33")
    expect(panel.locator("mark").first).to_contain_text("PAs start direct work with care leavers")
    expect(panel).to_contain_text("The experiences and progress of care leavers: good")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(too_late).to_be_focused()

    too_late.click()
    page.locator("#source .open-report").click()
    page.wait_for_url("**/reports/ofsted-ilacs-2024?mark=33:*#p33")
    cited = page.locator("#p33")
    expect(cited).to_have_class("passage cited target")
    expect(cited.locator("mark").first).to_have_text("PAs start direct work with care leavers around their 18th birthdays.")
    expect(cited).to_be_in_viewport()
    expect(page.locator(".passage.cited")).to_have_count(1)


def test_a_follow_up_uses_the_conversation(page, server):
    page.goto(server + "/")
    page.locator(".example", has_text="care leavers").click()
    expect(page.locator(".turn .answer")).to_have_count(1)
    turn = ask(page, "And when do their PAs start?")
    expect(turn.locator(".understood")).to_have_text("Understood as: When do care leavers' PAs start?")
    expect(turn.locator(".answer")).to_contain_text("18th birthdays")
    expect(turn.locator(".answer")).to_contain_text("too late")


def test_a_question_the_reports_do_not_cover_is_declined(page, server):
    page.goto(server + "/")
    turn = ask(page, "What rating did Ofsted give Buckinghamshire?")
    expect(turn.locator(".answer.abstained")).to_contain_text("no report about Buckinghamshire")
    expect(turn.locator(".cite")).to_have_count(0)


def test_filters_limit_the_answer_to_one_report(page, server):
    page.goto(server + "/")
    page.locator(".filters summary").click()
    page.select_option("#f-doc", "occ-scrutiny-action-plan-2015")
    turn = ask(page, "What happened about foster carers?")
    leads = turn.locator(".answer h3.lead")
    expect(leads).to_have_count(1)
    expect(leads.first).to_contain_text("Scrutiny action plan 2015")


def test_copy_answer_with_sources(browser, server):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server + "/")
    turn = ask(page, "Do young people who have left care pay council tax?")
    turn.locator(".copy").click()
    expect(turn.locator(".copy")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Care leavers in Oxfordshire are exempt from council tax. [1]" in copied
    assert "Sources:\n[1] Ofsted ILACS 2024, para 41 — inspection report, 2024" in copied
    assert "/reports/ofsted-ilacs-2024?mark=41:" in copied
    context.close()


def test_usable_at_phone_width(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(server + "/")
    turn = ask(page, "Do young people who have left care pay council tax?")
    turn.locator(".cite").first.click()
    expect(page.locator("#source")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.goto(server + "/reports/ofsted-ilacs-2024#p41")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    context.close()


def _answer_citing(report_url: str) -> dict:
    text = "Care leavers are exempt from council tax."
    citation = {"n": 1, "id": "ofsted-ilacs-2024#41", "doc_id": "ofsted-ilacs-2024", "title": "Inspection",
                "short_title": "Ofsted ILACS 2024", "date": "2024-03-20", "kind": "inspection report", "label": "41",
                "section": "", "citation": "Ofsted ILACS 2024, para 41", "text": text, "url": "/reports/ofsted-ilacs-2024#p41",
                "quote": text, "quote_spans": [[0, len(text)]], "report_url": report_url}
    return {"question": "q", "standalone_query": "q", "answer": "Lead\n- " + text + " [1]", "abstained": False,
            "reason": "", "citations": [citation], "passages": []}


@pytest.mark.parametrize("report_url, href", [
    ("javascript:alert(document.domain)", None), (" JavaScript:alert(1)", None), ("data:text/html,<b>x</b>", None),
    ("//evil.example/r", None), ("/\\evil.example/r", None), ("vbscript:msgbox(1)", None),
    ("/reports/ofsted-ilacs-2024?mark=41:0-5#p41", "/reports/ofsted-ilacs-2024?mark=41:0-5#p41"),
    ("https://example.org/r#p1", "https://example.org/r#p1"),
])
def test_only_http_and_same_origin_report_urls_become_links(page, server, report_url, href):
    page.route("**/api/ask", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(_answer_citing(report_url))))
    page.goto(server + "/")
    turn = ask(page, "Do young people who have left care pay council tax?")
    turn.locator(".cite").first.click()
    expect(page.locator("#source")).to_be_visible()
    links = page.locator("#source .open-report")
    if href is None:
        expect(links).to_have_count(0)
    else:
        expect(links).to_have_attribute("href", href)


def test_the_content_security_policy_blocks_nothing_the_app_needs(page, server):
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(server + "/")
    turn = ask(page, "What did inspectors say about care leavers?")
    turn.locator(".cite").first.click()
    page.locator("#source .open-report").click()
    page.wait_for_url("**/reports/ofsted-ilacs-2024?mark=*")
    expect(page.locator(".passage.cited")).to_have_count(1)
    assert refused == []
