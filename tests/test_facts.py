"""Report facts (qa.corpus.facts): what `read_facts` reads from each kind of Ofsted report.

Every expected value below was checked by hand in the PDF's text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from qa.corpus.extract import UnreadableReport, pdf_created, pdf_text
from qa.corpus.facts import Judgement, ReportFacts, inspection_dates, parse_dates, read_facts

from pdfs import BLACKPOOL_2026, DORSET_2025, HTML_AS_PDF, MANCHESTER_2017, OXFORDSHIRE_2024

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "ilacs" / "pdf"

OI = "outstanding"
GOOD = "good"
RI = "requires improvement"
LEADERS = "The impact of leaders on social work practice with children and families"
HELP = "The experiences and progress of children who need help and protection"
IN_CARE = "The experiences and progress of children in care"
LEAVERS = "The experiences and progress of care leavers"


def _pdf(shared_name: str, *corpus_names: str) -> Path:
    """A default-corpus PDF (under either name it has had), or the same file in shared/ilacs."""
    for path in (*(ROOT / "corpus" / name for name in corpus_names), SHARED / shared_name):
        if path.exists():
            return path
    pytest.skip(f"neither corpus/{corpus_names[0]} nor {SHARED / shared_name} is here")


@lru_cache(maxsize=None)
def facts(path: Path) -> ReportFacts:
    return read_facts(pdf_text(path))


def grades(report: ReportFacts) -> list[tuple[str, str]]:
    return [(j.key, j.grade) for j in report.judgements]


# --- ILACS, standard and short --------------------------------------------------------------------


def test_oxfordshire_2024_standard_inspection():
    report = facts(OXFORDSHIRE_2024)
    assert report == ReportFacts(
        authority="Oxfordshire",
        framework="ILACS standard",  # two weeks on site: 12 to 23 February
        inspection_start="2024-02-12",
        inspection_end="2024-02-23",
        published=None,  # an ILACS report does not print its publication date
        lead_inspector="Nicki Shaw",
        judgements=(
            Judgement(LEADERS, "impact_of_leaders", GOOD),
            Judgement(HELP, "help_and_protection", GOOD),
            Judgement(IN_CARE, "children_in_care", GOOD),
            Judgement(LEAVERS, "care_leavers", GOOD),
            Judgement("Overall effectiveness", "overall_effectiveness", GOOD),
        ),
    )


def test_dorset_2025_short_inspection():
    report = facts(DORSET_2025)
    assert (report.authority, report.framework) == ("Dorset", "ILACS short")  # one week: 17 to 21 March
    assert (report.inspection_start, report.inspection_end) == ("2025-03-17", "2025-03-21")
    assert report.lead_inspector == "Sarah Canto"
    assert grades(report) == [
        ("impact_of_leaders", OI), ("help_and_protection", OI), ("children_in_care", OI),
        ("care_leavers", GOOD), ("overall_effectiveness", OI),
    ]


def test_blackpool_2026_after_the_reform_has_four_judgements_and_no_overall_effectiveness():
    report = facts(BLACKPOOL_2026)
    assert (report.authority, report.framework, report.lead_inspector) == (
        "Blackpool", "ILACS standard", "Margaret Burke")
    assert (report.inspection_start, report.inspection_end) == ("2026-06-08", "2026-06-19")
    assert grades(report) == [
        ("impact_of_leaders", OI), ("help_and_protection", GOOD), ("children_in_care", OI),
        ("care_leavers", OI),
    ]
    assert report.grade("overall_effectiveness") is None


def test_oxfordshire_2018_short_inspection_judged_children_in_care_and_care_leavers_together():
    report = facts(_pdf("50004449.pdf", "oxfordshire-ilacs-2018.pdf", "ofsted-oxfordshire-2018.pdf"))
    assert (report.authority, report.framework, report.lead_inspector) == (
        "Oxfordshire", "ILACS short", "Donna Marriott")  # printed "Donna Marriott HMI"
    assert (report.inspection_start, report.inspection_end) == ("2018-04-16", "2018-04-20")
    assert report.judgements[2] == Judgement(
        "The experiences and progress of children in care and care leavers", "children_in_care", GOOD)
    assert grades(report) == [
        ("impact_of_leaders", GOOD), ("help_and_protection", RI),  # "Requires improvement to be good"
        ("children_in_care", GOOD), ("overall_effectiveness", GOOD),
    ]
    assert report.grade("care_leavers") is None  # no separate judgement before 2023


# --- the single inspection framework (SIF) ---------------------------------------------------------


def test_oxfordshire_2014_sif_with_the_lscb_review():
    report = facts(_pdf("2762428.pdf", "oxfordshire-sif-2014.pdf", "ofsted-oxfordshire-2014.pdf"))
    assert (report.authority, report.framework) == ("Oxfordshire", "SIF")  # "Oxfordshire County Council"
    assert (report.inspection_start, report.inspection_end) == ("2014-04-29", "2014-05-21")
    assert report.published == "2014-06-30"  # "Report published: 30 June 2014"
    assert report.lead_inspector == "Emmy Tomsett"  # in "The inspection team", as "Emmy Tomsett HMI"
    assert report.judgements == (
        Judgement("The overall judgement", "overall_effectiveness", GOOD),  # "The overall judgement is good."
        Judgement("Children who need help and protection", "help_and_protection", GOOD),
        Judgement("Children looked after and achieving permanence", "children_in_care", GOOD),
        Judgement("Adoption performance", "adoption", GOOD),
        Judgement("Experiences and progress of care leavers", "care_leavers", GOOD),
        Judgement("Leadership, management and governance", "impact_of_leaders", GOOD),
        Judgement("The effectiveness of the Local Safeguarding Children Board (LSCB)", "lscb", GOOD),
    )


def test_manchester_2017_sif_reinspection_has_no_lscb_judgement():
    report = facts(MANCHESTER_2017)
    assert (report.authority, report.framework) == ("Manchester", "SIF")  # "Manchester City Council"
    assert (report.inspection_start, report.inspection_end) == ("2017-10-09", "2017-11-02")
    assert (report.published, report.lead_inspector) == ("2017-12-21", "Brenda McLaughlin")
    assert report.judgements[0] == Judgement("Children’s services in Manchester", "overall_effectiveness", RI)
    assert grades(report) == [
        ("overall_effectiveness", RI), ("help_and_protection", RI), ("children_in_care", RI),
        ("adoption", GOOD), ("care_leavers", RI), ("impact_of_leaders", GOOD),
    ]


# --- bad input and text that is not a report ------------------------------------------------------


def test_an_html_page_saved_as_pdf_is_refused_before_any_facts_are_read():
    with pytest.raises(UnreadableReport, match="HTML"):
        pdf_text(HTML_AS_PDF)


def test_text_that_is_not_a_report_gives_no_facts_rather_than_guesses():
    assert read_facts("Minutes of the meeting\nThe weather was good\n") == ReportFacts(
        None, None, None, None, None, None, ())


# --- the pieces, on text as PDFium prints it -------------------------------------------------------


@pytest.mark.parametrize("printed, ranges", [
    ("12 to 23 February 2024", [("2024-02-12", "2024-02-23")]),
    ("30 September to 4 October 2019", [("2019-09-30", "2019-10-04")]),
    ("29 April 2014 – 21 May 2014", [("2014-04-29", "2014-05-21")]),
    ("18 Feb 2014 – 12 March 2014", [("2014-02-18", "2014-03-12")]),
    ("12/09/2016 to 06/10/2016", [("2016-09-12", "2016-10-06")]),
    ("5 to 9 December 2022 and 14 to 15 February 2023",  # a paused inspection, across a year's end
     [("2022-12-05", "2022-12-09"), ("2023-02-14", "2023-02-15")]),
])
def test_inspection_dates_as_printed(printed, ranges):
    assert parse_dates(printed) == ranges


def test_a_table_wrapped_over_lines_with_grades_on_their_own_lines():
    text = (
        "Inspection of Anyshire local\nauthority children’s services\n"
        "Inspection dates: 5 to 9 December 2022 and 14 to 15 February 2023\n"
        "Lead inspectors: Ann Lee, His Majesty’s Inspector, and Bo Ray,\nHis Majesty’s Inspector\n"
        "Judgement Grade\nThe impact of leaders on social work practice with\nchildren and families.\n"
        "Requires improvement\nto be good\nOverall effectiveness Inadequate\n"
        "Children in Anyshire are good at football.\n"
    )
    report = read_facts(text)
    assert report.authority == "Anyshire"
    assert report.framework == "ILACS short"  # 5 + 2 weekdays on site: at most 7 is a short inspection
    assert (report.inspection_start, report.inspection_end) == ("2022-12-05", "2023-02-15")
    assert report.lead_inspector == "Ann Lee and Bo Ray"
    assert grades(report) == [("impact_of_leaders", RI), ("overall_effectiveness", "inadequate")]


# --- publication dates: printed, else the PDF's creation date ---------------------------------------


def test_the_publication_date_comes_from_the_document_where_printed_else_from_the_pdf_metadata():
    dorset = read_facts(pdf_text(DORSET_2025), pdf_created(DORSET_2025.read_bytes()))
    assert (dorset.published, dorset.published_source) == ("2025-05-07", "pdf metadata")  # published 9 May 2025
    assert (facts(DORSET_2025).published, facts(DORSET_2025).published_source) == (None, None)  # no metadata given
    manchester = read_facts(pdf_text(MANCHESTER_2017), pdf_created(MANCHESTER_2017.read_bytes()))
    assert (manchester.published, manchester.published_source) == ("2017-12-21", "document")  # printed, it wins


def test_a_pdf_creation_date_is_read_from_the_metadata_and_bad_input_gives_none():
    assert pdf_created(OXFORDSHIRE_2024.read_bytes()) == "2024-04-08"  # published 9 April 2024
    assert pdf_created(HTML_AS_PDF.read_bytes()) is None


def test_an_inspection_in_two_parts_ends_on_its_last_day_on_site():
    """Devon 2025 prints "Inspection dates: 30 September to 11 October 2024 and 13 to 16 January 2025"
    ("inspectors returned from 13 January until 16 January 2025"): the inspection ends on 16 January,
    whatever a reference that read only the first part says. Found by its facts, not its file name."""
    if not SHARED.is_dir():
        pytest.skip("../shared/ilacs is not beside this checkout")
    texts = (pdf_text(p) for p in sorted(SHARED.glob("*.pdf")) if b"%PDF" in p.read_bytes()[:1024])
    devon = next(t for t in texts if read_facts(t).authority == "Devon" and "January 2025" in t[:400])
    assert inspection_dates(devon) == [("2024-09-30", "2024-10-11"), ("2025-01-13", "2025-01-16")]
    report = read_facts(devon)
    assert (report.inspection_start, report.inspection_end, report.framework) == (
        "2024-09-30", "2025-01-16", "ILACS standard")
