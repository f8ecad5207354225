"""Each kind of question is composed by its own mechanism, tested on reports it was not tuned on:
the councils gold set's reports (Leeds 2015, 2018, 2025; Manchester 2017; Dorset 2025; Blackpool 2026)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.evals.gold import faithfulness_violations, load_questions, marked_sentences

COUNCILS = Path(__file__).resolve().parent.parent / "evals" / "councils"


@pytest.fixture(scope="module")
def answerer(councils_gold_index):
    from qa.answer import Answerer
    from qa.retrieve.retriever import Retriever

    return Answerer(Retriever(councils_gold_index))


def cited(answer) -> list:
    """The citations in the order the answer's points use them."""
    by_n = {c.n: c for c in answer.citations}
    return [by_n[n] for _, n in marked_sentences(answer.answer)]


def group_leads(answer) -> list[str]:
    return [line for line in answer.answer.split("\n") if " — " in line and not re.search(r"\[\d+\]", line)]


def test_a_summary_of_a_named_report_is_its_own_summary_judgements_and_improvement_points(answerer):
    a = answerer.answer("Summarise Blackpool's 2026 inspection")
    assert a.intent == "summary" and not a.abstained and faithfulness_violations(a) == []
    assert {c.hit.report.id for c in a.citations} == {"blackpool-ilacs-2026"}
    kinds = {c.hit.passage.kind for c in a.citations}
    assert {"summary", "judgement table", "improvement point"} <= kinds
    assert re.search(r"\[\d+\]$", a.answer.split("\n")[0]), "the answer opens with a cited sentence"
    assert "Judgement: Grade" not in a.answer  # the table's header is not a judgement


def test_change_over_time_is_one_group_per_year_oldest_first_with_each_inspections_judgement(answerer):
    a = answerer.answer("How has help and protection in Leeds changed since 2015?")
    assert a.intent == "change" and faithfulness_violations(a) == []
    years = [int(lead[:4]) for lead in group_leads(a) if lead[:4].isdigit()]
    assert years == sorted(years) and len(set(years)) == len(years) and {2015, 2018, 2025} <= set(years)
    assert {c.hit.report.authority for c in a.citations} == {"Leeds"}
    by_n = {c.n: c for c in a.citations}
    assert re.search(r"\[\d+\]$", a.answer.split("\n")[0])  # first, where the newest inspection left it, cited
    for group in a.answer.split("\n\n"):  # each year opens with its judgement of help and protection
        if not re.match(r"\d{4} — ", group):
            continue  # the direct reply and the introduction
        first = group.split("\n")[1]
        n = int(re.search(r"\[(\d+)\]$", first).group(1))
        assert by_n[n].hit.passage.kind == "judgement table", first
        assert re.match(r"- (\d\. )?(The experiences and progress of )?children who need help and protection: \w+", first, re.I), first


def test_change_over_time_without_a_judgement_on_its_topic_shows_the_overall_one(answerer):
    a = answerer.answer("Has Leeds got better at finding foster carers since 2018?")
    assert a.intent == "change"
    overall = [line for line in a.answer.split("\n") if line.startswith("- Overall effectiveness:")]
    assert len(overall) == 2  # 2018 and 2025, each cited to its judgement table


def test_a_definition_starts_from_the_glossary_then_quotes_the_reports_using_the_term(answerer):
    from qa.retrieve.glossary import load_glossary

    lado = next(t for t in load_glossary() if "LADO" in t.acronyms)
    a = answerer.answer("What is a LADO?")
    assert a.intent == "definition" and faithfulness_violations(a) == []
    first = a.answer.split("\n")[0]
    assert lado.definition in first and not re.search(r"\[\d+\]", first)  # the glossary is not a report: no marker
    for point, _ in marked_sentences(a.answer):
        assert "LADO" in point or "designated officer" in point.lower()


def test_a_yes_no_question_puts_the_most_recent_evidence_first(answerer):
    a = answerer.answer("Are there enough foster carers in Leeds?")
    assert a.intent == "yesno" and not a.abstained and faithfulness_violations(a) == []
    dates = [c.hit.report.date for c in cited(a)]
    assert dates[0] == max(dates)
    groups = list(dict.fromkeys(dates[1:]))  # the reports after the direct answer, in the order shown
    assert groups == sorted(groups, reverse=True)


def test_a_decline_is_not_a_dead_end_it_lists_the_nearest_passages(answerer):
    a = answerer.answer("What did inspectors say about bin collections and recycling?")
    assert a.abstained and a.citations == []
    assert a.passages and "nearest passages" in a.answer


def test_every_point_of_every_answer_to_the_councils_questions_is_a_whole_sentence(answerer):
    from test_answer import badly_shaped_points

    for name in ("questions.jsonl", "dev.jsonl"):
        for q in load_questions(COUNCILS / name):
            answer = answerer.answer(q.question, history=q.history)
            assert faithfulness_violations(answer) == [], q.id
            assert badly_shaped_points(answer) == [], q.id


def test_what_a_report_asks_to_improve_is_its_own_list_in_its_order(answerer, councils_gold_index):
    a = answerer.answer("What did Ofsted ask Leeds to improve in 2018?")
    assert a.intent == "improvements" and faithfulness_violations(a) == []
    points = [p for p in councils_gold_index.passages if p.doc_id == "leeds-ilacs-2018" and p.kind == "improvement point"]
    assert len(points) >= 3
    assert [c.hit.passage.id for c in cited(a)] == [p.id for p in points]  # all of them, as the report orders them
    assert a.answer.startswith("What Leeds ILACS 2018 asks to improve")


def test_a_report_without_improvement_points_lists_the_paragraphs_under_its_recommendations(answerer):
    a = answerer.answer("What does Manchester need to improve?")
    assert a.intent == "improvements" and faithfulness_violations(a) == []
    sections = {c.hit.passage.section for c in a.citations}
    assert sections == {"Recommendations"} and len(a.citations) >= 5
    assert {c.hit.report.id for c in a.citations} == {"manchester-sif-2017"}


@pytest.mark.parametrize("question", ["Has Leeds improved since 2018?", "How has practice improved in Dorset?"])
def test_questions_about_improvement_over_time_are_not_lists_of_what_to_improve(answerer, question):
    assert answerer.answer(question).intent != "improvements"


def test_a_who_question_is_answered_by_the_line_that_names_the_person(answerer):
    a = answerer.answer("Who led the inspection of Blackpool in 2026?")
    first = a.answer.split("\n")[0]
    assert first.startswith("Lead inspector: ") and re.search(r"\[1\]$", first)  # a labelled field is a point
    assert first.count("[1]") == 1  # not the inspection dates row run in beside it
    assert a.citations[0].hit.report.id == "blackpool-ilacs-2026"


def test_a_lead_in_and_the_fragments_it_introduces_are_one_point(councils_gold_index):
    from qa.answer.select import is_point, point_spans

    index = councils_gold_index
    row = index.by_id["leeds-sif-2015#175"]  # 'For example, there has been:' then lower-case fragments
    passage = index.passages[row]
    merged = [(sids, s, e) for sids, s, e in point_spans(index, row) if len(sids) > 1]
    assert len(merged) == 1
    sids, s, e = merged[0]
    text = passage.text[s:e]
    assert text.split("\n")[0].endswith(":") and text.count("\n•") == len(sids) - 1 and is_point(text, passage)
    # a lead-in whose items are whole sentences leaves them points of their own
    for row in range(len(index.passages)):
        for sids, s, e in point_spans(index, row):
            items = index.passages[row].text[s:e].split("\n")[1:]
            assert not any(is_point(item, index.passages[row]) for item in items)


def test_change_over_time_naming_no_topic_shows_each_inspections_standing_from_its_summary(answerer):
    a = answerer.answer("Has Leeds recovered or gone backwards since 2015?")
    assert a.intent == "change" and faithfulness_violations(a) == []
    assert len(group_leads(a)) >= 3  # 2015, 2018, 2025
    kinds = {c.hit.passage.kind for c in a.citations}
    assert kinds <= {"judgement table", "summary", "paragraph"}, kinds
    for c in a.citations:  # the judgement, the verdict and the summary: no finding picked on the words 'gone' or 'backwards'
        assert c.hit.passage.kind != "paragraph" or "summary" in c.hit.passage.section.lower(), c.hit.passage.section


def test_change_over_time_naming_no_topic_says_first_where_the_newest_inspection_left_it(answerer):
    a = answerer.answer("Has Leeds recovered or gone backwards since 2015?")
    first = a.answer.split("\n")[0]
    assert re.search(r"\[\d+\]$", first) and not first.startswith("Evidence from"), first
    newest = max((c.hit.report for c in a.citations), key=lambda r: r.date)
    assert cited(a)[0].hit.report.id == newest.id  # the newest inspection's own words answer it
    assert "Evidence from" in a.answer  # then each year's evidence, oldest first


def test_a_change_answers_years_share_its_points_two_inspections_saying_more_of_each_than_six():
    from qa.answer.kinds import per_year
    from qa.answer.model import AnswerSettings

    settings = AnswerSettings(change_per_year=2, change_points=10)
    assert [per_year(n, settings) for n in (1, 2, 3, 5, 6)] == [10, 5, 3, 2, 2]
    assert per_year(0, settings) == 10  # a change answer with no inspection in scope (papers, press)
