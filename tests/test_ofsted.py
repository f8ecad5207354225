"""Ofsted PDFs cut into passages: furniture gone, paragraphs whole and in their sections.

Runs on the committed fixtures (ILACS 2024, short 2025, the 2026 framework, SIF 2017) and the
default corpus's Oxfordshire 2014 (SIF) and 2018 (ILACS short) PDFs; where `../shared/ilacs` is
beside the checkout, the furniture check also runs over every PDF there.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from qa.chunk import chunk_report, chunk_text
from qa.corpus.extract import UnreadableReport, pdf_text
from qa.corpus.catalogue import Report, load_catalogue

from pdfs import BLACKPOOL_2026, DORSET_2025, MANCHESTER_2017, OXFORDSHIRE_2024

CORPUS = Path(__file__).parent.parent / "corpus"
SHARED = Path(__file__).parent.parent.parent / "shared" / "ilacs" / "pdf"
PDFS = {
    "oxfordshire-2024": OXFORDSHIRE_2024,
    "dorset-2025": DORSET_2025,
    "blackpool-2026": BLACKPOOL_2026,
    "manchester-2017": MANCHESTER_2017,
    "oxfordshire-2014": CORPUS / "oxfordshire-sif-2014.pdf",
    "oxfordshire-2018": CORPUS / "oxfordshire-ilacs-2018.pdf",
}
REPORT = Report(id="r", title="t", short_title="t", publisher="Ofsted", kind="inspection report", date="2024",
                about="", authority="x", file="r.pdf")
# What page furniture looks like; none of it may be inside a passage.
FURNITURE = [
    re.compile(r"Inspection of [\w ,&’']+ local authority children’s services\s*\d", re.I),  # running header + page no.
    re.compile(r"\b\d{1,2} (to|and) \d{1,2} \w+ 20\d\d \d{1,2}\b"),  # "17 to 21 March 2025 3"
    re.compile(r"©\s*Crown copyright"),
    re.compile(r"Piccadilly Gate|Store Street|M1 2WD|enquiries@ofsted\.gov\.uk|Textphone"),
    re.compile(r"Open Government Licence"),
]


def chunks(name: str):
    return chunk_text(REPORT, pdf_text(PDFS[name]))


def by_label(name: str) -> dict:
    return {p.label: p for p in chunks(name).passages}


def test_ilacs_2024_pdf_is_cut_as_the_hand_cleaned_seed_is():
    c = chunks("oxfordshire-2024")
    labels = [p.label for p in c.passages]
    assert labels == [f"s{i}" for i in range(1, 9)] + [str(i) for i in range(1, 58)]
    p = by_label("oxfordshire-2024")
    assert p["s1"].kind == "facts" and p["s1"].text.startswith("Inspection dates: 12 to 23 February 2024")
    seed = {q.label: q for q in chunk_report(next(r for r in load_catalogue(CORPUS) if r.id == "ofsted-ilacs-2024"), CORPUS).passages}
    assert p["s2"].kind == seed["s2"].kind == "judgement table"
    assert p["s2"].text == seed["s2"].text  # the same rows as the hand-cleaned text gives
    assert [p[f"s{i}"].kind for i in (3, 4)] == ["summary", "summary"]
    assert [p[f"s{i}"].kind for i in range(5, 9)] == ["improvement point"] * 4
    assert p["s8"].text == "• The quality of direct work with disabled children who are in care."
    assert p["33"].section == "The experiences and progress of care leavers: good"
    assert p["33"].text.startswith("PAs start direct work with care leavers around their 18th birthdays.")


def test_a_paragraph_broken_by_a_page_break_is_joined_without_the_running_header():
    p = by_label("oxfordshire-2024")["4"]
    assert "These include very practical support to parents with additional learning needs." in p.text
    assert "Inspection of Oxfordshire" not in p.text and "February 2024 3" not in p.text


def test_hyphens_pdfium_marks_at_line_breaks_stay_hyphens():
    assert "child-in-need or child protection plan" in by_label("oxfordshire-2024")["5"].text


@pytest.mark.parametrize("name, count", [
    ("oxfordshire-2024", 57), ("dorset-2025", 59), ("blackpool-2026", None), ("manchester-2017", None),
    ("oxfordshire-2014", 131), ("oxfordshire-2018", 34),
])
def test_numbered_paragraphs_run_in_sequence_with_no_gap(name, count):
    numbers = [int(p.label) for p in chunks(name).passages if p.label.isdigit()]
    assert numbers == list(range(1, len(numbers) + 1))
    assert count is None or len(numbers) == count
    assert len(numbers) >= 30


def test_every_numbered_paragraph_has_its_section():
    for name in PDFS:
        assert all(p.section for p in chunks(name).passages if p.label.isdigit()), name


def test_the_2026_framework_table_has_four_judgements_and_no_overall_effectiveness():
    table = next(p for p in chunks("blackpool-2026").passages if p.kind == "judgement table")
    rows = table.text.split("\n")[1:]
    assert len(rows) == 4 and not any(r.startswith("Overall") for r in rows)


def test_paragraph_numbers_printed_without_a_space_are_read():
    text = by_label("blackpool-2026")["10"].text
    assert text.startswith("Child in need plans are generally well developed")


def test_sif_judgements_are_one_table_and_the_contents_page_is_dropped():
    c = chunks("oxfordshire-2014")
    table = next(p for p in c.passages if p.kind == "judgement table")
    assert "2.1 Adoption performance: Good" in table.text.split("\n")
    assert any(d.rule == "contents" for d in c.dropped)
    assert not any("Summary of key findings 3" in p.text for p in c.passages)


def test_footnotes_are_passages_of_their_own_and_their_markers_are_dropped():
    c = chunks("blackpool-2026")
    note = next(p for p in c.passages if p.kind == "footnote")
    assert note.label == "fn1" and note.text.startswith("The areas for improvement have been cross-referenced")
    assert any(d.rule == "footnote marker" for d in c.dropped)


def test_a_bullet_ending_without_a_full_stop_does_not_swallow_the_next_heading():
    p = chunks("dorset-2025")
    points = [x for x in p.passages if x.kind == "improvement point"]
    assert all("The experiences and progress" not in x.text for x in points)
    assert {x.section for x in p.passages if x.label.isdigit()} >= {"The experiences and progress of care leavers: good"}


@pytest.mark.parametrize("name", list(PDFS))
def test_no_page_furniture_inside_any_passage(name):
    for p in chunks(name).passages:
        for pattern in FURNITURE:
            assert not pattern.search(p.text), (name, p.label, pattern.pattern)


@pytest.mark.parametrize("name", list(PDFS))
def test_every_word_of_the_pdf_is_in_a_passage_a_heading_or_a_listed_drop(name):
    text = pdf_text(PDFS[name])
    c = chunk_text(REPORT, text)
    words = lambda s: Counter(re.findall(r"[A-Za-z]{3,}", s))  # noqa: E731
    kept = sum((words(p.text) for p in c.passages), Counter()) + sum((words(h.text) for h in c.headings), Counter())
    dropped = sum((words(d.text) for d in c.dropped), Counter())
    missing = words(text) - kept - dropped
    assert not missing, (name, list(missing.items())[:10])
    assert set(Counter(d.rule for d in c.dropped)) <= {
        "running header", "running footer", "page number", "footnote marker", "contents", "publisher boilerplate"}


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/ilacs is not beside this checkout")
def test_no_furniture_in_any_passage_of_the_shared_collection():
    read = 0
    for path in sorted(SHARED.glob("*.pdf")):
        try:
            text = pdf_text(path)
        except UnreadableReport:
            continue
        read += 1
        for p in chunk_text(REPORT, text).passages:
            assert not any(f.search(p.text) for f in FURNITURE), (path.name, p.label)
    assert read >= 90


def test_closing_boilerplate_is_dropped_wherever_a_pdf_binds_two_reports_together():
    """Hull 2015 binds the council's inspection and its LSCB review, each with Ofsted's closing page."""
    from qa.chunk.furniture import strip_furniture

    closing = ("The Office for Standards in Education, Children’s Services and Skills (Ofsted)\nregulates and inspects.\n"
               "If you would like a copy of this document in a different format, please telephone.\n"
               "Piccadilly Gate\nStore Street\n© Crown copyright 2015")
    text = "\f".join(["1. First report text.", closing, "1. Second report text.", closing]) + "\n"
    furniture = strip_furniture(text)
    kept = [ln.text for page in furniture.pages for ln in page]
    assert kept == ["1. First report text.", "1. Second report text."]
    assert [d.rule for d in furniture.dropped] == ["publisher boilerplate", "publisher boilerplate"]


# --- judgement headings however they wrap ---------------------------------------------------------

IMPROVE_LIST = re.compile(r"^what needs to improve", re.I)
# Any judgement of any framework, as its heading names it (ILACS, the 2026 four, SIF, 2013's grades).
JUDGEMENT_WORDS = re.compile(
    r"experiences?\b.{0,20}\bof\b|impact of leaders|overall effectiveness|graded judge?ment|adoption"
    r"|leadership,? management|children who need help|children looked after|care leavers"
    r"|safeguarding children board|\b[A-Z]?SCB\b|\bgrade \d|outcomes for looked after", re.I)


def _improvement_rows(passages):
    """What a report asks to improve, as the answer stage reads it: its improvement points and
    anything else filed under its improvement list."""
    return [p for p in passages if p.kind == "improvement point"
            or (IMPROVE_LIST.match(p.section) and p.kind not in ("judgement table", "facts"))]


def _shared_reports():
    from qa.corpus.facts import read_facts

    for path in sorted(SHARED.glob("*.pdf")):
        try:
            text = pdf_text(path)
        except UnreadableReport:
            continue
        yield path, read_facts(text), chunk_text(REPORT, text)


def test_a_judgement_heading_wrapped_across_a_page_break_after_an_open_list_item_is_a_heading():
    text = ("Inspection of Anyshire local authority children’s services\n"
            "Inspection dates: 11 to 22 May 2026\n"
            "Children in Anyshire are well served. Leaders know their services well.\n"
            "What needs to improve?\n"
            "◼ The response to children who present as homeless. (Outcome 3, national framework)\n"
            "◼ The quality of pathway plans for care leavers.\n"
            "(Outcome 4, national framework)\n"
            "The experiences and progress of children who need help and\f"
            "protection: good\n"
            "1. Children and families have access to a wide range of timely early help.\n"
            "2. Family help assessments are holistic, child centred and well written.\n")
    c = chunk_text(REPORT, text)
    numbered = [p for p in c.passages if p.label.isdigit()]
    assert [p.section for p in numbered] == ["The experiences and progress of children who need help and protection: good"] * 2
    assert [p.text for p in _improvement_rows(c.passages)] == [
        "• The response to children who present as homeless. (Outcome 3, national framework)",
        "• The quality of pathway plans for care leavers. (Outcome 4, national framework)"]


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/ilacs is not beside this checkout")
def test_every_numbered_paragraph_of_the_shared_collection_sits_under_a_judgement_or_framework_heading():
    misfiled, reports = [], 0
    for path, facts, c in _shared_reports():
        if facts.framework is None:
            continue
        reports += 1
        title = c.headings[0].text if c.headings else ""
        for p in c.passages:
            if not (p.label.isdigit() and p.kind == "paragraph"):
                continue
            wrong = (IMPROVE_LIST.match(p.section) or not p.section or p.section == title
                     or (facts.framework.startswith("ILACS") and not JUDGEMENT_WORDS.search(p.section)))
            if wrong:
                misfiled.append((path.name, facts.authority, p.label, p.section[:60]))
    assert reports >= 90
    assert not misfiled, (len(misfiled), misfiled[:5])


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/ilacs is not beside this checkout")
def test_what_liverpool_2026_was_asked_to_improve_is_exactly_its_list():
    """Liverpool 2026 wraps its first judgement heading after a list item that ends in "(Outcome 4,
    national framework)" on a line of its own: the report is found by its facts, not its file name."""
    c = next(c for _, facts, c in _shared_reports()
             if facts.authority == "Liverpool" and (facts.inspection_end or "").startswith("2026"))
    assert [p.text for p in _improvement_rows(c.passages)] == [
        "• The response to children who present as homeless and to those living in private fostering "
        "arrangements. (Outcome 3, national framework)",
        "• The consistent oversight and use of performance management tools that support decision-making for "
        "children in care. (Outcome 4, national framework)",
        "• The quality of pathway plans for care leavers. (Outcome 4, national framework)",
        "• The response to care leavers who are not in employment, education and training. (Outcome 4, "
        "national framework)",
    ]
    first = next(p for p in c.passages if p.label == "1")
    assert first.section == "The experiences and progress of children who need help and protection: good"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/ilacs is not beside this checkout")
def test_every_improvement_list_of_the_shared_collection_holds_only_its_items():
    """A page number printed under the running header ("Inspection of ... / 3 to 14 March 2025 / 2")
    once hid the heading "What needs to improve?" after it, and a footnote marker on a line of its
    own became a passage of the list. Under that heading now stand only its items, in every report."""
    wrong, lists = [], 0
    for path, facts, c in _shared_reports():
        listed = [p for p in c.passages if IMPROVE_LIST.match(p.section)]
        points = [p for p in c.passages if p.kind == "improvement point"]
        lists += bool(listed)
        if any(p.kind != "improvement point" for p in listed) or len(points) != len(listed):
            wrong.append((path.name, facts.authority, [(p.kind, p.text[:30]) for p in listed if p.kind != "improvement point"]))
    assert lists >= 80 and not wrong, wrong[:5]


def test_a_footnote_pdfium_joins_to_a_hyphenated_word_stays_a_footnote():
    """PDFium marks a hyphen at a line break with U+FFFE and drops the break; where a footnote
    follows (the word goes on on the next page), the break is put back, so the footnote is found."""
    from qa.corpus.extract import _normalise

    page = "managers provide robust oversight at all decision\ufffe1 The areas for improvement have been set out.\r\n"
    assert _normalise(page) == "managers provide robust oversight at all decision-\n1 The areas for improvement have been set out."
    assert _normalise("a child\ufffein-need plan") == "a child-in-need plan"  # a compound stays one word


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/ilacs is not beside this checkout")
def test_rotherhams_footnote_on_its_improvement_list_is_a_footnote_not_text_of_a_paragraph():
    c = next(c for _, facts, c in _shared_reports()
             if facts.authority.startswith("Rotherham") and (facts.inspection_end or "").startswith("2025"))
    notes = [p for p in c.passages if p.kind == "footnote"]
    assert any("cross-referenced" in p.text for p in notes)
    assert not any("cross-referenced" in p.text for p in c.passages if p.kind != "footnote")
