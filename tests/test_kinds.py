"""Each kind of question is composed by its own mechanism, tested on reports it was not tuned on:
the councils gold set's reports (Leeds 2015, 2018, 2025; Manchester 2017; Dorset 2025; Blackpool 2026)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.evaluate import faithfulness_violations, load_questions, marked_sentences

COUNCILS = Path(__file__).resolve().parent.parent / "evals" / "councils"


@pytest.fixture(scope="module")
def answerer(councils_gold_index):
    from qa.answer import Answerer
    from qa.retrieve import Retriever

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
    assert years == sorted(years) and len(set(years)) == len(years) and {2015, 2025} <= set(years)
    assert {c.hit.report.authority for c in a.citations} == {"Leeds"}
    overall = [line for line in a.answer.split("\n") if line.startswith("- Overall effectiveness:")]
    assert len(overall) >= 2  # the ILACS years each show their overall judgement, cited to the table


def test_a_definition_starts_from_the_glossary_then_quotes_the_reports_using_the_term(answerer):
    from qa.glossary import load_glossary

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
    from test_answer import POINT_KINDS, _is_whole_sentence

    for name in ("questions.jsonl", "dev.jsonl"):
        for q in load_questions(COUNCILS / name):
            answer = answerer.answer(q.question, history=q.history)
            assert faithfulness_violations(answer) == [], q.id
            by_n = {c.n: c for c in answer.citations}
            for point, n in marked_sentences(answer.answer):
                if by_n[n].hit.passage.kind not in POINT_KINDS:
                    assert _is_whole_sentence(point), (q.id, point)
