"""End to end in a real browser (Debian's headless Chromium driven by Playwright), as a user works."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(app):
    """The app on a free loopback port."""
    from web.server import ThreadedServer

    assert Path(CHROMIUM).exists(), "Debian's chromium is needed: bash test.sh installs it"
    with ThreadedServer(app) as srv:
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
    expect(page.locator(".example")).to_have_count(4)  # made from the seed collection: one council, papers, an article
    turn = ask(page, "What did inspectors say about care leavers?")
    answer = turn.locator(".answer")
    expect(answer.locator("h4", has_text="Concerns")).to_be_visible()
    expect(answer.locator(".cite").first).to_be_visible()
    too_late = answer.locator("li", has_text="too late").locator(".cite").first
    too_late.click()
    panel = page.locator("#source")
    expect(panel).to_be_visible()
    expect(page.locator("#source-title")).to_have_text("Oxfordshire: Ofsted ILACS 2024, para 33")
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
    expect(turn.locator(".understood")).to_have_text("Understood as: When do care leavers' PAs start in Oxfordshire?")
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
    sources = turn.locator(".sources .source-link")
    expect(sources.first).to_be_visible()
    assert all(s.startswith("Oxfordshire: Scrutiny action plan 2015, action ") for s in sources.all_inner_texts())
    expect(turn.locator(".answer h3.lead", has_not_text="Scrutiny action plan 2015")).to_have_count(0)


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
    assert "Sources:\n[1] Oxfordshire: Ofsted ILACS 2024, para 41 — inspection report, 2024" in copied
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


# ------------------------------------------------------------------ the conversation survives "Open in report"

def quiet(page) -> list[str]:
    """Collects what a user would call noise: console errors, script errors, failed or refused requests."""
    noise: list[str] = []
    page.on("console", lambda m: noise.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: noise.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: noise.append(f"failed: {r.url} {r.failure}")
            if r.failure != "net::ERR_ABORTED" else None)  # aborted: left behind by a navigation, not a failure
    page.on("response", lambda r: noise.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return noise


def source_field(page, name: str) -> str:
    return page.evaluate("(name) => [...document.querySelectorAll('#source dt')]"
                         ".find((dt) => dt.textContent === name).nextElementSibling.textContent", name)


def test_back_from_the_report_finds_the_conversation_and_a_follow_up_still_uses_it(page, server):
    noise = quiet(page)
    page.goto(server + "/")
    turn = ask(page, "What did inspectors say about care leavers?")
    before = page.locator(".turn").all_inner_texts()
    turn.locator("li", has_text="too late").locator(".cite").first.click()
    expect(page.locator("#source-title")).to_have_text("Oxfordshire: Ofsted ILACS 2024, para 33")
    assert source_field(page, "Passage") == "para 33"
    page.locator("#source .open-report").click()
    page.wait_for_url("**/reports/ofsted-ilacs-2024?mark=33:*#p33")

    page.go_back()
    page.wait_for_url(server + "/")
    expect(page.locator(".turn")).to_have_count(1)
    assert page.locator(".turn").all_inner_texts() == before  # questions, answers and citations as they were
    expect(page.locator("#empty")).to_be_hidden()
    expect(page.locator("#source")).to_be_visible()  # the source that was open, still open
    expect(page.locator("#source-title")).to_have_text("Oxfordshire: Ofsted ILACS 2024, para 33")
    expect(page.locator("#source mark").first).to_contain_text("PAs start direct work with care leavers")

    follow = ask(page, "And when do their PAs start?")
    expect(follow.locator(".understood")).to_have_text("Understood as: When do care leavers' PAs start?")
    expect(follow.locator(".answer")).to_contain_text("18th birthdays")
    page.keyboard.press("Escape")
    expect(page.locator("#source")).to_be_hidden()
    expect(page.locator(".turn")).to_have_count(2)
    assert noise == []


def scrolled(page, near: int, timeout: float = 5.0) -> float:
    """window.scrollY once it is near a value, or when the timeout runs out (wait_for_function would eval,
    which the Content-Security-Policy refuses)."""
    import time

    end = time.monotonic() + timeout
    while True:
        y = page.evaluate("window.scrollY")
        if abs(y - near) <= 2 or time.monotonic() > end:
            return y
        page.wait_for_timeout(100)


def settled(page) -> None:
    last = None
    for _ in range(50):
        y = page.evaluate("window.scrollY")
        if y == last:
            return
        last = y
        page.wait_for_timeout(200)


def test_a_reload_keeps_the_conversation_where_it_was_scrolled_and_new_conversation_forgets_it(page, server):
    page.set_viewport_size({"width": 1280, "height": 600})
    page.goto(server + "/")
    ask(page, "What did inspectors say about care leavers?")
    ask(page, "Did the 2014 action plan on foster carers get done?")
    page.locator(".filters summary").click()
    page.select_option("#f-doc", "ofsted-ilacs-2024")
    settled(page)  # the smooth scroll to the new answer is over
    page.evaluate("window.scrollTo(0, 500)")
    assert page.evaluate("window.scrollY") == 500  # the page is long enough to scroll
    texts = page.locator(".turn").all_inner_texts()
    page.reload()
    expect(page.locator(".turn")).to_have_count(2)
    assert page.locator(".turn").all_inner_texts() == texts
    assert abs(scrolled(page, 500) - 500) <= 2
    expect(page.locator("#f-doc")).to_have_value("ofsted-ilacs-2024")  # the filters too
    expect(page.locator("#source")).to_be_hidden()

    page.locator("#new-chat").click()
    expect(page.locator(".turn")).to_have_count(0)
    page.reload()
    expect(page.locator("#empty")).to_be_visible()
    expect(page.locator(".turn")).to_have_count(0)


def test_open_in_report_in_a_new_tab_leaves_the_chat_untouched(page, server):
    page.goto(server + "/")
    turn = ask(page, "Do young people who have left care pay council tax?")
    turn.locator(".cite").first.click()
    link = page.locator("#source .open-report")
    with page.context.expect_page() as opened:
        link.click(button="middle")
    report = opened.value
    report.wait_for_load_state()
    assert "/reports/ofsted-ilacs-2024?mark=41:" in report.url and report.url.endswith("#p41")
    expect(report.locator("#p41.cited mark")).to_have_text("Care leavers in Oxfordshire are exempt from council tax.")
    assert page.url == server + "/"  # the chat stays as it was
    expect(page.locator(".turn")).to_have_count(1)
    expect(page.locator("#source")).to_be_visible()
    report.close()


# ------------------------------------------------------------------ a decline is no dead end

def test_a_decline_links_to_the_nearest_passages_in_the_reader(page, server):
    noise = quiet(page)
    page.goto(server + "/")
    turn = ask(page, "What is the weather forecast on Mars?")
    answer = turn.locator(".answer.abstained")
    expect(answer.locator(".nearest-title")).to_have_text("Nearest passages in the collection:")
    links = answer.get_by_role("list", name="Nearest passages in the collection:").get_by_role("link")
    expect(links).to_have_count(3)
    names = links.all_inner_texts()
    assert all(re.fullmatch(r".+, (para|paragraph|unnumbered paragraph|action|summary|improvement point|judgement table|"
                            r"report facts|point|footnote|table)( [\d.]+)?", n) for n in names), names
    assert not [n for n in names if re.search(r"\b(s\d+|fn\d+)\b|passage", n)]
    href = links.first.get_attribute("href")
    links.first.click()
    page.wait_for_url("**" + href)
    target = page.locator(".passage.target")
    expect(target).to_have_count(1)
    assert target.get_attribute("id") == href.split("#")[1]
    expect(target).to_be_in_viewport()
    page.go_back()
    expect(page.locator(".turn .answer.abstained .nearest a")).to_have_count(3)  # still there on Back
    assert noise == []


def _declined(passages: list[dict]) -> dict:
    return {"question": "q", "standalone_query": "q", "answer": "The reports in this collection do not cover this.",
            "abstained": True, "reason": "", "citations": [], "passages": passages}


def test_a_decline_shows_three_nearest_passages_by_their_readers_names_and_as_text_only(page, server):
    passage = {"id": "ofsted-ilacs-2024#s7", "doc_id": "ofsted-ilacs-2024", "label": "s7", "section": "What needs to improve?",
               "title": "Inspection", "short_title": "Ofsted ILACS 2024", "date": "2024-03-20", "kind": "inspection report",
               "display_label": "improvement point 3", "citation": "Ofsted ILACS 2024, improvement point 3",
               "text": "<b>The work</b> " + "with corporate leaders " * 20, "url": "/reports/ofsted-ilacs-2024#ps7"}
    crafted = passage | {"citation": "<img src=x onerror=alert(1)>", "url": "javascript:alert(1)"}
    body = _declined([passage, crafted, passage, passage])
    page.route("**/api/ask", lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(body)))
    page.goto(server + "/")
    turn = ask(page, "anything")
    items = turn.locator(".nearest li")
    expect(items).to_have_count(3)  # the top three
    first = items.first.get_by_role("link")
    expect(first).to_have_text("Ofsted ILACS 2024, improvement point 3")
    expect(first).to_have_attribute("href", "/reports/ofsted-ilacs-2024#ps7")
    expect(items.first.locator(".snippet")).to_contain_text("<b>The work</b> with corporate leaders")
    assert items.first.locator(".snippet").inner_text().endswith("…")  # a long passage is cut at a word
    expect(items.nth(1).get_by_role("link")).to_have_count(0)  # not a link: the URL is not http(s) or same-origin
    expect(items.nth(1)).to_contain_text("<img src=x onerror=alert(1)>")  # shown as text, never as HTML
    expect(turn.locator("img")).to_have_count(0)


def test_a_decline_with_no_passage_near_offers_the_reports(page, server):
    page.route("**/api/ask", lambda route: route.fulfill(status=200, content_type="application/json",
                                                         body=json.dumps(_declined([]))))
    page.goto(server + "/")
    turn = ask(page, "anything")
    expect(turn.locator(".nearest").get_by_role("link")).to_have_attribute("href", "/reports")


# ------------------------------------------------------------------ quiet pages and a favicon

def test_every_page_is_quiet_and_has_an_icon_that_loads(page, server):
    noise = quiet(page)
    for path in ("/", "/reports", "/reports/ofsted-ilacs-2024#ps7", "/judgements", "/glossary"):
        page.goto(server + path)
        icon = page.evaluate("""async () => {
            const href = document.querySelector('link[rel=icon]').href;
            const img = new Image();
            img.src = href;
            await img.decode();
            const legacy = await fetch('/favicon.ico');
            return {href, width: img.naturalWidth, legacy: legacy.status, type: legacy.headers.get('content-type')};
        }""")
        assert icon["href"] == server + "/static/favicon.svg" and icon["width"] > 0, path
        assert icon["legacy"] == 200 and icon["type"].startswith("image/svg+xml"), path
        if path.startswith("/reports/"):
            expect(page.locator("#ps7 .label")).to_have_text("improvement point 3")
    assert noise == []


def test_an_answer_is_shown_as_said_then_grouped_by_report(page, server):
    """The direct answer and any introduction are said as they are, cited; each report's group has its
    lead as a heading, its sub-headings, and its points as a list."""
    body = _answer_citing("/reports/ofsted-ilacs-2024?mark=41:0-41#p41") | {"answer": "\n".join([
        "Evidence from 2 reports, 2011 to 2024, oldest first:", "",
        "Care leavers are exempt from council tax. [1]", "",
        "Oxfordshire County Council: Ofsted ILACS 2024 — inspection report, 2024", "Strengths:",
        "- Care leavers are exempt from council tax. [1]", "Concerns:", "- Care leavers are exempt from council tax. [1]"])}
    page.route("**/api/ask", lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(body)))
    page.goto(server + "/")
    answer = ask(page, "anything").locator(".answer")
    expect(answer.locator("p", has_text="Evidence from 2 reports")).to_have_count(1)
    expect(answer.locator("p", has_text="exempt from council tax").locator(".cite")).to_have_count(1)
    expect(answer.locator("h3.lead")).to_have_text(["Oxfordshire County Council: Ofsted ILACS 2024 — inspection report, 2024"])
    expect(answer.locator("h4:not(.sources-title)")).to_have_text(["Strengths", "Concerns"])
    expect(answer.locator("li .cite")).to_have_count(2)


def test_copied_answers_drop_the_control_characters_a_document_may_hold(browser, server, client):
    """Pasted into a terminal, copied text cannot clear, recolour or retitle it."""
    body = client.post("/api/ask", json={"question": "Do young people who have left care pay council tax?"}).get_json()
    hostile = "\x1b[2J\x1b[31m\x07\x08\x1b]0;pwned\x07\u009b"
    body["answer"] = body["answer"].replace("exempt", "exempt" + hostile)
    body["citations"][0]["quote"] += hostile
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.route("**/api/ask", lambda route: route.fulfill(status=200, content_type="application/json", body=json.dumps(body)))
    page.goto(server + "/")
    turn = ask(page, "anything")
    turn.locator(".copy").click()
    expect(turn.locator(".copy")).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "exempt[2J[31m]0;pwned from council tax" in copied  # the visible characters stay, the controls go
    assert not any(c in copied for c in "\x1b\x07\x08\u009b")
    context.close()
