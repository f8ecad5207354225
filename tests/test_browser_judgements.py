"""The judgements page in a real browser: sorting by a column heading, by mouse and by keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from test_browser import browser, page, server  # noqa: F401  (the browser harness's fixtures)


@pytest.fixture(scope="module")
def app(councils_index):
    """The harness's server, over the collection with three councils."""
    from web.app import create_app

    return create_app(councils_index)


def councils(page) -> list[str]:
    return page.locator("#judgements tbody th[scope=row]").all_inner_texts()


def test_clicking_a_heading_sorts_the_table_and_clicking_again_reverses_it(page, server):  # noqa: F811
    page.goto(server + "/judgements")
    assert councils(page) == ["Oxfordshire", "Oxfordshire", "Oxfordshire", "Dorset", "Blackpool"]  # oldest first
    council = page.locator("#judgements thead th", has_text="Council")
    council.get_by_role("button").click()
    expect(council).to_have_attribute("aria-sort", "ascending")
    assert councils(page) == ["Blackpool", "Dorset", "Oxfordshire", "Oxfordshire", "Oxfordshire"]
    expect(page.locator("#judgements thead th[aria-sort]")).to_have_count(1)

    council.get_by_role("button").click()
    expect(council).to_have_attribute("aria-sort", "descending")
    assert councils(page)[-2:] == ["Dorset", "Blackpool"] and councils(page)[0] == "Oxfordshire"

    overall = page.locator("#judgements thead th", has_text="Overall effectiveness")
    overall.get_by_role("button").focus()
    page.keyboard.press("Enter")  # headings are buttons: the keyboard sorts too
    expect(overall).to_have_attribute("aria-sort", "ascending")
    expect(page.locator("#judgements thead th[aria-sort]")).to_have_count(1)
    assert councils(page)[0] == "Dorset"  # outstanding first
    assert councils(page)[-1] == "Blackpool"  # no overall effectiveness judgement: last either way
    page.keyboard.press("Enter")
    expect(overall).to_have_attribute("aria-sort", "descending")
    assert councils(page)[-2:] == ["Dorset", "Blackpool"]


def test_a_grade_opens_its_line_of_the_judgement_table_in_the_report(page, server):  # noqa: F811
    page.goto(server + "/judgements?authority=Dorset")
    expect(page.locator("#judgements tbody tr")).to_have_count(1)
    page.locator("td[data-key=overall_effectiveness] a").click()
    page.wait_for_url("**/reports/dorset-ilacs-2025?mark=*#ps2")
    expect(page.locator("#ps2 mark")).to_have_text("Overall effectiveness: Outstanding")
    expect(page.locator("#ps2")).to_be_in_viewport()
