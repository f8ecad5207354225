"""Cutting reports into citable passages: each report's own numbering, clean text, nothing lost."""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest

from qa.chunk import DROP_RULES, chunk_report
from qa.corpus.catalogue import read_source
from qa.chunk.token_count import count_tokens

ILACS = "ofsted-ilacs-2024"
PAPER_2014 = "occ-inspection-outcome-2014"
PRESS = "press-ofsted-good-2024"
CABINET = "occ-cabinet-unannounced-inspection-2011"
SCRUTINY = "occ-scrutiny-action-plan-2015"

ROWS = ["1.1", "1.2", "2.1", "2.2", "3.1", "4.1", "4.2", "5.1", "6.1", "6.2"]
EXPECTED_LABELS = {
    ILACS: [f"s{i}" for i in range(1, 9)] + [str(i) for i in range(1, 58)],
    PAPER_2014: [f"s{i}" for i in range(1, 8)],
    PRESS: [f"s{i}" for i in range(1, 15)],
    CABINET: ["s1"] + [str(i) for i in range(1, 22)] + ["s2"],
    SCRUTINY: ["s1", "1", "2", "3", "4"] + [f"s{i}" for i in range(2, 11)] + ROWS,
}


def labels(chunked, doc_id):
    return [p.label for p in chunked[doc_id].passages]


@pytest.mark.parametrize("doc_id", list(EXPECTED_LABELS))
def test_each_report_is_cut_at_its_own_numbering_in_order(chunked, doc_id):
    assert labels(chunked, doc_id) == EXPECTED_LABELS[doc_id]
    assert [p.position for p in chunked[doc_id].passages] == list(range(len(EXPECTED_LABELS[doc_id])))


def test_ilacs_paragraph_33_is_clean_and_under_its_judgement_heading(passages):
    p = passages["ofsted-ilacs-2024#33"]
    assert p.text == (
        "PAs start direct work with care leavers around their 18th birthdays. However, this is too late "
        "and weakens the effectiveness of transition planning. Leaders recognise this and are currently "
        "reviewing their policy."
    )
    assert p.section == "The experiences and progress of care leavers: good"
    assert (p.doc_id, p.source) == (ILACS, "000_85197bd0036cba22.txt")


def test_ilacs_sections_follow_the_four_judgement_headings(passages):
    assert passages["ofsted-ilacs-2024#18"].section.startswith("The experiences and progress of children who need help")
    assert passages["ofsted-ilacs-2024#19"].section == "The experiences and progress of children in care: good"
    assert passages["ofsted-ilacs-2024#43"].section.startswith("The impact of leaders on social work practice")
    assert passages["ofsted-ilacs-2024#57"].section.startswith("The impact of leaders")


def test_ilacs_paragraph_broken_by_a_page_break_is_joined_back(passages):
    text = passages["ofsted-ilacs-2024#4"].text
    assert "These include very practical support to parents with additional learning needs." in text
    assert "\n" not in text


def test_ilacs_judgement_table_is_one_passage_with_every_grade(passages):
    table = passages["ofsted-ilacs-2024#s2"].text.split("\n")
    assert table == [
        "Judgement: Grade",
        "The impact of leaders on social work practice with children and families: Good",
        "The experiences and progress of children who need help and protection: Good",
        "The experiences and progress of children in care: Good",
        "The experiences and progress of care leavers: Good",
        "Overall effectiveness: Good",
    ]


def test_ilacs_summary_and_improvement_points(passages):
    assert passages["ofsted-ilacs-2024#s3"].text.startswith("The experiences and progress of children and young people")
    assert passages["ofsted-ilacs-2024#s4"].text.startswith("The senior leadership team has experienced")
    points = [passages[f"ofsted-ilacs-2024#s{i}"] for i in range(5, 9)]
    assert {p.section for p in points} == {"What needs to improve?"}
    assert points[3].text == "• The quality of direct work with disabled children who are in care."


def test_ilacs_publisher_boilerplate_is_not_indexed(chunked):
    c = chunked[ILACS]
    assert not any("Piccadilly Gate" in p.text or "Open Government Licence" in p.text for p in c.passages)
    assert [d.rule for d in c.dropped] == ["publisher boilerplate"]
    assert c.dropped[-1].text.endswith("© Crown copyright 2024")


def test_council_paper_lists_stay_with_their_lead_in(passages):
    strengths = passages["occ-inspection-outcome-2014#s5"].text.split("\n")
    assert strengths[0].startswith("The full report is attached but in summary inspectors said")
    assert len(strengths) == 12 and all(line.startswith("• ") for line in strengths[1:])
    categories = passages["occ-inspection-outcome-2014#s4"].text
    assert "judged as Good in all six categories.\nThese include:\n• Children who need help and protection" in categories
    assert passages["occ-inspection-outcome-2014#s2"].section == "Purpose"


def test_news_article_debris_is_gone_and_the_caption_kept_once(chunked):
    c = chunked[PRESS]
    text = "\n".join(p.text for p in c.passages)
    for debris in ("Hide Ad", "Shots!", "Freeview"):
        assert debris not in text
    assert text.count("have been rated 'good' by Ofsted") == 1
    assert Counter(d.rule for d in c.dropped) == {"advert": 8, "video promotion": 3, "repeated line": 2}
    improve = c.passages[-2].text.split("\n")
    assert improve[0] == "Areas where the service needs to improve include"
    assert len(improve) == 5 and improve[4].startswith("• The timeliness of actions")


def test_pdf_paragraphs_are_reassembled_with_their_bullets(passages):
    p6 = passages["occ-cabinet-unannounced-inspection-2011#6"].text
    assert p6 == (
        "In reaching the assessment of children’s services, Ofsted takes account of:\n"
        "• All inspected and regulated services for children and young people,\n"
        "• arrangements for making sure children are safe and stay safe and\n"
        "• performance against national measures."
    )
    p1 = passages["occ-cabinet-unannounced-inspection-2011#1"]
    assert p1.text.startswith("The council was subject to its annual Ofsted unannounced inspection of its contact, referral")
    assert "\n" not in p1.text and p1.section == "Introduction"
    p16 = passages["occ-cabinet-unannounced-inspection-2011#16"].text.split("\n")
    assert p16[1:] == ["Be healthy", "Stay Safe", "Enjoy and Achieve", "Make a positive contribution", "Achieve Economic Wellbeing"]


def test_pdf_lettered_items_are_reattached_in_order(passages):
    lines = passages["occ-cabinet-unannounced-inspection-2011#11"].text.split("\n")
    assert lines[0] == "The service met the requirements of statutory guidance in the following areas:"
    lettered = [line[:3] for line in lines if re.match(r"\([a-g]\)", line)]
    assert lettered == ["(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)"]
    assert lines[1] == "(a) Appropriate, agreed multi-agency thresholds are effectively implemented by key partner agencies."
    assert any(line.startswith("(e) Workforce capacity is sufficient to address demand") for line in lines)


def test_pdf_lists_filled_after_the_next_number_stay_with_their_paragraph(passages):
    p12 = passages["occ-cabinet-unannounced-inspection-2011#12"].text.split("\n")
    assert p12[0].startswith("Inspectors identified five areas for further development")
    assert [line[:2] for line in p12[1:]] == ["• "] * 5
    p14 = passages["occ-cabinet-unannounced-inspection-2011#14"].text.split("\n")
    assert p14[0] == "Key strengths:" and len(p14) == 6
    assert passages["occ-cabinet-unannounced-inspection-2011#15"].text.startswith("Areas for development:")
    assert passages["occ-cabinet-unannounced-inspection-2011#21"].section == "RECOMMENDATION"


def test_action_plan_rows_read_naturally_and_are_joined_across_page_markers(passages):
    row = passages["occ-scrutiny-action-plan-2015#2.2"]
    assert row.section == "Experiences and progress of children looked after and achieving permanence"
    assert row.text.startswith(
        "Action 2.2 - Ensure Life story work is carried out with all looked after children for whom the plan is "
        "a permanent alternative family, and not just those moving towards adoption. (3)\nActions:\n"
        "• Corporate agreements as to what constitutes 'Life Story Work' and the role of the Later Life Letter"
    )
    assert row.text.endswith("Progress:\nAll actions completed.\nAll outcomes on track to be achieved by end of 2015.")
    advocacy = passages["occ-scrutiny-action-plan-2015#1.2"].text
    assert "• Safer recruitment and support to advocates is supported effectively by the advocacy service." in advocacy
    assert passages["occ-scrutiny-action-plan-2015#5.1"].section == "Experience and Progress of care leavers"
    assert passages["occ-scrutiny-action-plan-2015#6.2"].text.count("Outcome:") == 1


def test_no_markup_or_debris_in_any_passage(passages):
    for p in passages.values():
        for bad in ("<", ">", "**", "&nbsp;", "\t", "Hide Ad", "PSC7", "--", "](", "# "):
            assert bad not in p.text, (p.id, bad)
        assert p.text == p.text.strip() and "  " not in p.text and "\n\n" not in p.text


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z0-9]+", text)


def _strip_markup(raw: str) -> str:
    """The test's own markup stripping, independent of the parser's."""
    raw = re.sub(r"<((?:https?|mailto):[^>\s]+)>", r"\1", raw)
    raw = re.sub(r"\[([^\]]+)\]\([^)\s]+\)", r"\1", raw)
    return html.unescape(re.sub(r"<[^>]*>", "", raw))


ROW_WORDS = Counter(["Action", "Actions", "Outcome", "Progress"])  # what a row passage says of its columns


@pytest.mark.parametrize("doc_id", list(EXPECTED_LABELS))
def test_every_word_of_the_source_lands_in_exactly_one_passage_in_order(reports, chunked, doc_id):
    source = read_source(reports[doc_id])
    c = chunked[doc_id]
    owner = [None] * len(source)
    pieces = [(f"passage {p.label}", s, e) for p in c.passages for s, e in p.spans]
    pieces += [("heading", h.start, h.end) for h in c.headings]
    pieces += [(f"dropped: {d.rule}", d.start, d.end) for d in c.dropped]
    for name, s, e in pieces:
        for i in range(s, e):
            assert owner[i] is None, f"{doc_id}: character {i} is in both {owner[i]} and {name}"
            owner[i] = name
    lost = [i for i, ch in enumerate(source) if not ch.isspace() and owner[i] is None]
    assert not lost, f"{doc_id}: text in no passage: {source[lost[0]:lost[0] + 60]!r}"
    assert all(d.rule in DROP_RULES for d in c.dropped)

    for p in c.passages:
        from_source = Counter(_words(_strip_markup(" ".join(source[s:e] for s, e in p.spans))))
        in_text = Counter(_words(p.text))
        if p.label[0].isdigit() and not p.text.startswith("Action "):
            from_source -= Counter(_words(p.label))  # the number is the label, not the text
        if p.text.startswith("Action "):
            in_text -= ROW_WORDS
        assert in_text == from_source, (p.id, in_text - from_source, from_source - in_text)
    starts = [p.start for p in c.passages]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_only_the_listed_debris_is_dropped(chunked):
    rules = {doc_id: Counter(d.rule for d in c.dropped) for doc_id, c in chunked.items()}
    assert rules[PAPER_2014] == {} and rules[CABINET] == {}
    assert rules[SCRUTINY] == {"table header": 6, "table rule": 5, "page marker": 4}


def test_ids_are_unique_and_stable_across_rebuilds(reports, chunked):
    ids = [p.id for c in chunked.values() for p in c.passages]
    assert len(ids) == len(set(ids))
    again = [p for r in reports.values() for p in chunk_report(r).passages]
    assert [p.to_dict() for p in again] == [p.to_dict() for c in chunked.values() for p in c.passages]
    assert all(p.id == f"{p.doc_id}#{p.label}" for p in again)


def test_token_counts_are_cl100k_and_long_paragraphs_stay_whole(passages):
    for p in passages.values():
        assert p.tokens == count_tokens(p.text) > 0
    longest = max(passages.values(), key=lambda p: p.tokens)
    assert longest.id == "occ-cabinet-unannounced-inspection-2011#17" and longest.tokens > 256
    assert longest.text.count("\n• ") >= 9


def test_spans_point_at_the_passage_in_the_source(reports, passages):
    p = passages["ofsted-ilacs-2024#41"]
    source = read_source(reports[ILACS])
    assert source[p.start:p.end].startswith("41. Most care leavers live in accommodation")
    assert source[p.start:p.end].endswith("Care leavers in Oxfordshire are exempt from council tax.")


def test_a_byte_order_mark_is_not_text(reports, tmp_path):
    import shutil
    from pathlib import Path

    from qa.corpus.catalogue import load_catalogue

    corpus = tmp_path / "corpus"
    shutil.copytree(Path(__file__).resolve().parent.parent / "corpus", corpus)
    path = corpus / reports[ILACS].file
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    report = next(r for r in load_catalogue(corpus) if r.id == ILACS)
    chunked = chunk_report(report, corpus)
    assert [p.label for p in chunked.passages] == EXPECTED_LABELS[ILACS]
    assert not any("\ufeff" in p.text for p in chunked.passages)
