"""A question's intent, read once from its words (qa/answer/query.py): each phrasing a user types
goes to the composition that answers it."""

from __future__ import annotations

import pytest

from qa.answer.query import WHO, intent_of


@pytest.mark.parametrize("question, intent", [
    ("Has restorative practice featured in every Leeds inspection?", "recurring"),
    ("What keeps coming back across inspections?", "recurring"),
    ("Summarise Dorset's 2025 Ofsted report", "summary"),
    ("What did Ofsted ask Leeds to improve in 2018?", "improvements"),
    ("What does Blackpool need to improve?", "improvements"),
    ("What were the recommendations of the 2017 inspection?", "improvements"),
    ("How has the Leeds service for care leavers changed since 2015?", "change"),
    ("Has Leeds improved since 2018?", "change"),
    ("Are there enough adopters for Blackpool's children?", "yesno"),
    ("What does the 2024 report say about the health of children in care?", "broad"),
    ("What did inspectors say about care leavers in Blackpool?", "broad"),
    ("How quickly does Leeds deal with domestic abuse incidents?", "fact"),
])
def test_each_phrasing_goes_to_the_composition_that_answers_it(question, intent):
    assert intent_of(question, (), None)[0] == intent  # (a grade question is 'rating' before any of these)


@pytest.mark.parametrize("question, asks", [
    ("Who led the inspection of Blackpool in 2026?", True),
    ("Which officer presented the findings?", True),
    ("Does the council keep proper tabs on children who are home-schooled?", False),  # 'who' in a clause
    ("Is the council building new homes, and who is paying for them?", False),
])
def test_a_who_question_is_one_that_asks_for_a_person(question, asks):
    assert bool(WHO.search(question)) is asks


def test_a_council_chosen_in_the_filter_scopes_the_question_as_if_named(answerer):
    q = answerer.analyse("What did inspectors say about care leavers?", filters={"authority": "Oxfordshire"})
    assert q.text == "What did inspectors say about care leavers in Oxfordshire?"
    assert [c.display for c in q.councils] == ["Oxfordshire"]


def test_a_topic_is_searched_without_the_name_of_the_council_the_filter_keeps_to(answerer):
    from qa.answer.query import without_councils

    assert without_councils("What did inspectors find at the front door in Sunderland?", ("Sunderland",)) == (
        "What did inspectors find at the front door?")
    assert without_councils("What did Ofsted say about Dorset's care leavers?", ("Dorset",)) == (
        "What did Ofsted say about care leavers?")
    assert without_councils("What about Dorset?", ()) == "What about Dorset?"  # no filter: kept
    topic = answerer.analyse("What did inspectors say about care leavers in Oxfordshire?")
    assert topic.search_text == "What did inspectors say about care leavers?"
    verdict = answerer.analyse("What grade did Oxfordshire get in 2014?")  # verdict sentences name the council
    assert verdict.search_text == verdict.text


def test_a_change_between_two_years_keeps_to_them(answerer):
    q = answerer.analyse("How did care leavers' support in Oxfordshire change between 2014 and 2018?")
    assert q.intent == "change" and (q.filters.year_from, q.filters.year_to) == (2014, 2018)
    since = answerer.analyse("How has care leavers' support in Oxfordshire changed since 2014?")
    assert (since.filters.year_from, since.filters.year_to) == (2014, None)


@pytest.mark.parametrize("question, years", [
    ("Has Oxfordshire got better since its 2014 inspection?", (2014, None)),
    ("Oxfordshire in 2014 compared with 2024: better or worse?", (2014, 2024)),
    ("Oxfordshire was good in 2014 - how had it moved on by 2018 and 2024?", (2014, 2024)),
    ("Has Oxfordshire improved since the last inspection?", (None, None)),
    # two years named, then 'since then': from the first to now
    ("Oxfordshire was rated inadequate in 2014 and again in 2016. How far has it come since then?", (2014, None)),
])
def test_a_change_question_keeps_to_the_years_it_names(answerer, question, years):
    q = answerer.analyse(question)
    assert q.intent == "change" and (q.filters.year_from, q.filters.year_to) == years


@pytest.mark.parametrize("question", [
    "What did inspectors want Oxfordshire to sort out after the 2024 inspection?",
    "What needs to be put right in Oxfordshire?",
    "What did Ofsted ask Oxfordshire to improve?",
])
def test_everyday_ways_of_asking_what_to_improve_are_read_as_such(answerer, question):
    assert answerer.analyse(question).intent == "improvements"


@pytest.mark.parametrize("question, intent", [
    ("Oxfordshire was good in 2014 - how had it moved on by 2024?", "change"),  # a grade named, change asked
    ("Did Oxfordshire recover after its 2014 inspection?", "change"),
    ("Have children in Oxfordshire been better protected since the 2014 inspection?", "change"),
    ("Oxfordshire was in a bad way in 2014 - how does it look now?", "change"),  # a year gone by, against now
    ("How far has Oxfordshire come since it failed its 2014 inspection?", "change"),
    ("Oxfordshire seemed to be on the mend in 2014. Did that last through to 2024?", "change"),
    ("Oxfordshire was rated good in 2014 - has it held on to that?", "change"),
    ("What did Ofsted find in Oxfordshire in 2014?", "summary"),  # one year, no 'now': not a change
    ("How much has Oxfordshire improved since it was found inadequate?", "change"),
    ("Oxfordshire was rated inadequate in 2014 and again in 2016. How far has it come since then?", "change"),
    ("Is Oxfordshire doing any better for children than when Ofsted last looked in 2018?", "change"),
    ("Oxfordshire needed to improve back in 2018. Has it?", "change"),
    ("How did Ofsted rate Oxfordshire in 2014?", "rating"),
    ("Which councils were judged good in 2014?", "rating"),
])
def test_a_question_naming_a_grade_but_asking_about_change_is_a_change_question(answerer, question, intent):
    assert answerer.analyse(question).intent == intent


@pytest.mark.parametrize("question, role", [
    ("Who was Tameside's lead councillor for children at the 2023 inspection?", "lead councillor"),
    ("Who was the lead inspector on the 2024 Oxfordshire inspection?", "lead inspector"),
    ("Who is Leeds's DCS?", "DCS"),
    ("Who is the director named on the 2011 Cabinet report?", "director"),
    ("Which director signed the 2011 Cabinet report?", "director"),
    ("Who presented the 2014 inspection findings to councillors?", ""),  # a deed, not a role
    ("Who was in charge of making sure the 2014 action plan got delivered?", ""),
])
def test_a_who_question_names_the_role_it_asks_for(question, role):
    from qa.answer.query import asked_role

    assert asked_role(question) == role


@pytest.mark.parametrize("question, topical", [
    ("Has <council> recovered since its 2018 inspection?", False),
    ("Where do things stand at <council> now, after it was failing in 2018?", False),
    ("How different is <council>'s children's social care today from what Ofsted found in 2014?", False),
    ("How has the <council> service for care leavers changed since 2015?", True),  # a judgement area
    ("Has <council>'s fostering got better since 2018?", True),  # a glossary term
    ("Has exploitation work at <council> improved since 2019?", True),  # a word that is neither
    ("<council> was rated inadequate in 2015 and again in 2018. How far has it come since then?", False),
])
def test_a_question_names_a_topic_unless_it_asks_only_how_the_whole_service_stands(question, topical):
    from qa.answer.query import area_of, is_topical
    from qa.index.lexical import stems
    from qa.retrieve.glossary import matching_terms

    from qa.answer.followup import QUESTION_WORDS
    tokens = stems(question.replace("<council>", "")) - stems(" ".join(QUESTION_WORDS))
    assert is_topical(tokens, tuple(matching_terms(question)), area_of(question)) is topical


def test_a_judgement_area_is_read_with_the_councils_name_left_out(answerer):
    """'children in <council>'s care' names children in care as 'children in care' does."""
    q = answerer.analyse("What's different for children in Oxfordshire's care now compared with 2014?")
    assert q.intent == "change" and q.area == "children_in_care" and q.topical


def test_councils_named_without_a_year_each_keep_their_own_latest_inspection(councils_answerer):
    # before: only the newest inspection of all the councils named was kept (Dorset 2025), so
    # Oxfordshire was read from whatever report of it a search found, or not at all
    q = councils_answerer.analyse("What did inspectors say about care leavers in Oxfordshire and Dorset?")
    reports = councils_answerer.index.reports
    kept = sorted(i for i in q.filters.doc_ids if reports[i].kind == "inspection report")
    assert kept == ["dorset-ilacs-2025", "ofsted-ilacs-2024"]
