"""Many councils: a named council scopes the answer, one not held is declined, grades come from
the judgements table with every row cited. Runs on the default corpus plus Dorset 2025 and
Blackpool 2026 added as a user adds them (`councils_answerer` in conftest.py)."""

from __future__ import annotations

import re


def cited_docs(answer) -> set[str]:
    return {c.hit.passage.doc_id for c in answer.citations}


def assert_quotes_are_verbatim(answer):
    from qa.evals.gold import faithfulness_violations

    assert faithfulness_violations(answer) == []


def test_a_question_naming_a_held_council_is_answered_from_its_reports_only(councils_answerer):
    a = councils_answerer.answer("What did Ofsted say about care leavers in Dorset?")
    assert not a.abstained
    assert cited_docs(a) == {"dorset-ilacs-2025"}
    leads = [line for line in a.answer.split("\n") if " — " in line and not re.search(r"\[\d+\]", line)]
    assert leads[0].startswith("Dorset ILACS 2025")
    assert_quotes_are_verbatim(a)


def test_a_council_with_no_report_is_declined_naming_the_councils_held(councils_answerer):
    a = councils_answerer.answer("What did inspectors say about care leavers in Leeds?")
    assert a.abstained and not a.citations
    assert "no report about Leeds" in a.answer
    for held in ("Blackpool", "Dorset", "Oxfordshire"):
        assert held in a.answer


def test_every_group_lead_names_its_council(councils_answerer):
    a = councils_answerer.answer("What did inspectors say about care leavers?")
    leads = [line for line in a.answer.split("\n") if " — " in line and not re.search(r"\[\d+\]", line)]
    assert leads and all(any(c in lead for c in ("Oxfordshire", "Dorset", "Blackpool")) for lead in leads)


def test_which_councils_were_judged_a_grade_is_answered_from_the_judgements_table(councils_answerer):
    a = councils_answerer.answer("Which councils were judged outstanding in 2025?")
    assert not a.abstained
    assert cited_docs(a) == {"dorset-ilacs-2025"}
    [c] = a.citations
    assert c.hit.passage.kind == "judgement table" and c.quote == "Overall effectiveness: Outstanding"


def test_a_councils_rating_over_time_is_one_cited_row_per_inspection_oldest_first(councils_answerer):
    a = councils_answerer.answer("How has Oxfordshire's rating changed since 2014?")
    assert not a.abstained
    docs = list(dict.fromkeys(c.hit.passage.doc_id for c in a.citations))
    assert docs == ["oxfordshire-sif-2014", "oxfordshire-ilacs-2018", "ofsted-ilacs-2024"]
    leads = [line for line in a.answer.split("\n") if line and not line.startswith("-")]
    assert leads[0].startswith("Oxfordshire SIF 2014 — SIF, inspected 2014-04-29 to 2014-05-21")  # council named once
    assert leads[2].startswith("Oxfordshire County Council: Ofsted ILACS 2024 — ILACS standard")
    tables = [c.hit.passage.doc_id for c in a.citations if c.hit.passage.kind == "judgement table"]
    assert tables == docs  # every inspection's table, each once; the rest are the reports' verdict sentences
    assert {c.hit.passage.kind for c in a.citations} <= {"judgement table", "summary"}
    assert_quotes_are_verbatim(a)


def test_comparing_two_councils_quotes_the_asked_judgement_for_each(councils_answerer):
    a = councils_answerer.answer("Compare care leavers in Dorset and Blackpool")
    assert not a.abstained
    assert cited_docs(a) == {"dorset-ilacs-2025", "blackpool-ilacs-2026"}
    assert all("care leavers" in c.quote.lower() for c in a.citations)
    assert "The experiences and progress of care leavers: Good" in a.answer


def test_the_authority_filter_scopes_an_answer(councils_answerer):
    a = councils_answerer.answer("How well are children in care supported?", filters={"authority": ["Blackpool"]})
    assert not a.abstained and cited_docs(a) == {"blackpool-ilacs-2026"}
    unheld = councils_answerer.answer("How well are children in care supported?", filters={"authority": "Leeds"})
    assert unheld.abstained and unheld.answer.startswith("The collection holds no report about Leeds; it holds reports about")


def test_a_grade_no_inspection_had_is_said_plainly_not_answered_from_prose(councils_answerer):
    a = councils_answerer.answer("Which councils were judged inadequate in 2025?")
    assert a.abstained and not a.citations
    assert a.answer.startswith("No inspection in this collection in 2025 was graded inadequate for overall effectiveness")


def test_this_year_and_last_year_are_read_from_todays_date():
    from datetime import date

    from qa.answer.ratings import rating_ask

    ask = rating_ask("Which councils were judged inadequate this year?", [], today=date(2026, 11, 23))
    assert (ask.grade, ask.year_from, ask.year_to, ask.areas) == ("inadequate", 2026, 2026, ("overall_effectiveness",))
    assert rating_ask("Which councils were rated good last year?", [], today=date(2026, 1, 5)).year_from == 2025


def test_an_improvement_point_is_a_concern_whatever_its_wording(councils_answerer):
    a = councils_answerer.answer("What did inspectors say about care leavers in Dorset?")
    lines = a.answer.split("\n")
    concerns = lines[lines.index("Concerns:"):]
    assert any("The clarity and detail of the care leaver offer" in line for line in concerns)
    strengths = lines[lines.index("Strengths:"):lines.index("Concerns:")]
    assert not any("The clarity and detail of the care leaver offer" in line for line in strengths)


def test_the_latest_inspection_of_a_council_is_one_however_the_catalogue_writes_its_name(councils_index):
    """The seeds write "Oxfordshire County Council", the PDFs "Oxfordshire": one council."""
    from qa.answer.ratings import matching_rows, rating_ask

    rows = matching_rows(councils_index, rating_ask("Which councils are rated good?", []))
    assert [r.doc_id for r in rows if "Oxfordshire" in r.authority] == ["ofsted-ilacs-2024"]


def test_a_council_ofsted_does_not_inspect_is_declined_as_outside_its_remit(councils_answerer):
    a = councils_answerer.answer("How did Ofsted rate Cardiff Council's children's services?")
    assert a.abstained and not a.citations
    assert "Cardiff is a council in Wales" in a.answer and "England only" in a.answer and "Dorset" in a.answer


def test_a_year_with_no_report_of_the_council_named_is_declined_offering_its_nearest(councils_answerer):
    a = councils_answerer.answer("What did Ofsted's 2019 inspection of Dorset conclude?")
    assert a.abstained and not a.citations
    assert "no report about Dorset from 2019" in a.answer and "the nearest is" in a.answer and "2025" in a.answer


def test_a_follow_up_is_answered_for_the_council_of_the_conversation(councils_answerer):
    a = councils_answerer.answer("And what did they say about their accommodation?",
                                 history=["What did inspectors say about care leavers in Dorset?"])
    assert a.standalone_query.endswith("in Dorset?")
    assert not a.abstained and cited_docs(a) and all("dorset" in d for d in cited_docs(a))


def test_a_kind_of_report_not_held_about_the_council_is_declined_saying_what_is_held(councils_answerer):
    a = councils_answerer.answer("What did the local paper say about Dorset's inspection?")
    assert a.abstained and "no news article about Dorset" in a.answer and "inspection report" in a.answer
    held = councils_answerer.answer("What did the local paper say about Oxfordshire's rating?")
    assert not held.abstained


def test_a_councils_rating_quotes_its_reports_own_verdict_before_its_table(councils_answerer):
    from qa.answer.kinds import VERDICT

    a = councils_answerer.answer("What rating did Dorset get?")
    assert not a.abstained and faithfulness_violations_of(a) == []
    points = [line for line in a.answer.split("\n") if line.startswith("- ")]
    assert VERDICT.search(points[0]) and not re.search(r":\s*(Good|Outstanding|Inadequate|Requires)", points[0])
    kinds = [c.hit.passage.kind for c in a.citations]
    assert kinds[:2] == ["summary", "judgement table"]
    listed = councils_answerer.answer("Which councils were judged inadequate?")  # a list of councils: rows only
    assert "summary" not in {c.hit.passage.kind for c in listed.citations}


def faithfulness_violations_of(answer):
    from qa.evals.gold import faithfulness_violations

    return faithfulness_violations(answer)


def test_a_table_line_that_states_two_judgements_is_quoted_once(councils_answerer):
    a = councils_answerer.answer("How did Ofsted rate Oxfordshire in 2014?")  # SIF: overall and item 1 share a line
    rows = [line for line in a.answer.split("\n") if line.startswith("- ")]
    assert rows and len(rows) == len(set(rows)), a.answer


def test_change_over_time_shows_every_inspection_in_the_years_asked_each_led_by_its_judgement(councils_answerer):
    a = councils_answerer.answer("Oxfordshire in 2014 compared with 2024: what changed?")
    assert a.intent == "change" and faithfulness_violations_of(a) == []
    leads = [line for line in a.answer.split("\n") if re.match(r"(19|20)\d\d — ", line)]
    inspections = [int(line[:4]) for line in leads if "inspection report" in line]
    assert inspections == [2014, 2018, 2024]  # each, whether or not a sentence of it is on the words asked
    for group in a.answer.split("\n\n")[1:]:
        lead, first = group.split("\n")[:2]
        assert re.search(r"\b(good|outstanding|inadequate|requires improvement)\b", first, re.I), first
        if "inspection report" in lead:  # its own verdict, not the last inspection's
            assert not re.search(r"\blast inspect", first), first


def test_a_councils_ratings_asked_without_a_change_lead_with_its_latest_inspection(councils_answerer):
    a = councils_answerer.answer("How did Ofsted rate Oxfordshire?")
    assert not a.abstained and a.intent == "rating"
    # the first line answers it: the latest overall grade, from the judgements the table below cites
    assert a.answer.split("\n")[0] == "Oxfordshire: good overall at its latest inspection (Ofsted ILACS 2024).", a.answer
    docs = list(dict.fromkeys(c.hit.passage.doc_id for c in a.citations))
    assert docs == sorted(docs, key=lambda d: councils_answerer.index.reports[d].date, reverse=True) and len(docs) >= 2
    asked_change = councils_answerer.answer("How has Oxfordshire's rating changed since 2014?")
    changed = list(dict.fromkeys(c.hit.passage.doc_id for c in asked_change.citations))
    assert changed == sorted(changed, key=lambda d: councils_answerer.index.reports[d].date)  # a change: oldest first


def test_a_councils_question_naming_no_year_is_answered_from_its_latest_inspection(councils_answerer):
    """Read in the browser: with the filter on one council, 'What did inspectors find at the front door?'
    gave that council's 2015-2021 findings and left its newest report out."""
    a = councils_answerer.answer("What did inspectors find about children in care?", filters={"authority": ["Oxfordshire"]})
    assert not a.abstained
    inspections = {c.hit.report.id for c in a.citations if c.hit.report.kind == "inspection report"}
    assert inspections == {"ofsted-ilacs-2024"}, inspections
    dated = councils_answerer.answer("What did inspectors find about children in care in Oxfordshire in 2018?")
    assert {c.hit.report.id for c in dated.citations} == {"oxfordshire-ilacs-2018"}  # a year named: that report
