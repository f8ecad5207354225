"""A question's scope (qa.answer.scope) and how a follow-up inherits it: councils, years and kinds
of report stated by the question itself win, every part it does not state comes from the turn
before, and the question shown and searched names them (issue #19)."""

from __future__ import annotations

import pytest

from qa.answer.followup import standalone_query
from qa.answer.scope import Scope, conversation_scope, restated, scope_of
from qa.corpus.places import find_authority

DORSET, KNOWSLEY = find_authority("Dorset"), find_authority("Knowsley")


def test_a_question_states_its_councils_years_and_kinds_of_report():
    s = scope_of("What did the local paper say about Dorset's 2021 inspection?")
    assert s == Scope(councils=(DORSET,), years=(2021,), kinds=("local paper",))
    assert scope_of("How has care changed since 2015?").years == ()  # 'since' dates a comparison
    assert scope_of("Which councils were judged inadequate?").across


def test_each_part_a_turn_does_not_state_comes_from_the_turn_before():
    turns = ["What did inspectors say about care leavers in Dorset in 2021?", "And their accommodation?",
             "What about Knowsley?"]
    assert conversation_scope(turns[:2]) == Scope(councils=(DORSET,), years=(2021,))
    assert conversation_scope(turns) == Scope(councils=(KNOWSLEY,), years=(2021,))
    # a question asked across councils states its councils: none is carried into it
    assert conversation_scope(turns[:1] + ["Which councils were judged inadequate?"]).councils == ()


def test_the_restated_question_names_what_it_lacks_and_nothing_twice():
    scope = Scope(councils=(DORSET,), years=(2021,), kinds=("local paper",))
    assert restated("What about fostering?", scope) == "What about fostering in Dorset in 2021 (local paper)?"
    assert restated("What did the local paper say about Dorset in 2021?", scope) == (
        "What did the local paper say about Dorset in 2021?")


def test_a_follow_up_keeps_the_council_of_the_conversation():
    earlier = ["What did inspectors say about care leavers in Dorset?"]
    assert standalone_query("And what did they say about their accommodation?", earlier) == (
        "What did they say about care leavers' accommodation in Dorset?")
    assert standalone_query("tell me more", earlier) == earlier[0]
    # the council is named where 'there' pointed at it; an existential 'there' stays
    assert standalone_query("And were young carers there getting the help they needed?",
                            ["How did Ofsted rate Knowsley?"]) == "Were young carers in Knowsley getting the help they needed?"
    assert standalone_query("Are there enough foster carers?", ["How did Ofsted rate Knowsley?"]) == (
        "Are there enough foster carers in Knowsley?")


def test_naming_another_council_asks_the_earlier_question_of_it():
    earlier = ["What did inspectors say about care leavers in Dorset?"]
    assert standalone_query("And Knowsley?", earlier) == "What did inspectors say about care leavers in Knowsley?"
    assert standalone_query("What about Leeds and Wigan?", earlier) == (
        "What did inspectors say about care leavers in Leeds and Wigan?")


def test_a_whole_question_about_another_council_takes_no_earlier_topic():
    earlier = ["What did inspectors say about care leavers in Dorset?"]
    assert standalone_query("How did Ofsted rate Knowsley?", earlier) == "How did Ofsted rate Knowsley?"
    assert standalone_query("Which councils were judged inadequate this year?", earlier) == (
        "Which councils were judged inadequate this year?")


def test_their_own_is_an_idiom_not_the_subjects():
    earlier = ["What did the 2025 inspection say about care leavers?"]
    assert "on their own" in standalone_query("What do they do to get care leavers ready to live on their own?", earlier)


def test_a_demonstrative_naming_the_subjects_noun_is_replaced_by_the_subject_once():
    earlier = ["What did Ofsted say about children in care in 2025?"]
    assert standalone_query("Do most of those children get to live close to home?", earlier) == (
        "Do most of the children in care get to live close to home in 2025?")


def test_a_follow_up_that_is_only_a_new_subject_is_the_earlier_question_about_it():
    earlier = ["What did inspectors say about care leavers in Dorset?"]
    assert standalone_query("And what about their accommodation?", earlier) == (
        "What did inspectors say about care leavers' accommodation in Dorset?")


def test_a_whole_question_naming_its_own_councils_takes_nothing_from_earlier_turns():
    """Read in the browser: one conversation of unrelated questions carried 'in 2025' into a
    comparison (declined: no Liverpool report of 2025) and two councils into a question about Cardiff."""
    turns = ["Which councils were judged inadequate in 2025?",
             "What did inspectors say about care leavers across all councils?"]
    assert standalone_query("Compare how Liverpool and Sunderland support care leavers", turns) == (
        "Compare how Liverpool and Sunderland support care leavers")
    assert standalone_query("How did Ofsted rate Cardiff Council?", turns + ["Compare Liverpool and Sunderland"]) == (
        "How did Ofsted rate Cardiff Council?")
    assert conversation_scope(turns + ["Compare how Liverpool and Sunderland support care leavers"]).years == ()
    # a follow-up still keeps what it does not state, and a question naming no council too
    assert standalone_query("And Knowsley?", ["What did inspectors say about care leavers in Dorset in 2021?"]) == (
        "What did inspectors say about care leavers in Knowsley in 2021?")


@pytest.mark.parametrize("earlier, follow_up, standalone", [
    ("York's help and protection services in 2025 - what did Ofsted find?",
     "How about 16 and 17 year olds who become homeless there?",
     "What did inspectors say about 16 and 17 year olds who become homeless in York in 2025?"),
    ("How did Ofsted rate Knowsley?", "What about young carers there?",
     "What did inspectors say about young carers in Knowsley?"),
])
def test_a_new_subject_after_a_question_with_none_to_swap_is_asked_about_in_the_same_scope(earlier, follow_up, standalone):
    assert standalone_query(follow_up, [earlier]) == standalone


def test_a_question_naming_a_crown_dependency_takes_no_council_from_the_conversation():
    earlier = ["Has Knowsley got better since 2021?"]
    assert standalone_query("How were Isle of Man children's services rated?", earlier) == (
        "How were Isle of Man children's services rated?")


def test_a_chain_of_follow_ups_on_aspects_of_one_subject_asks_each_aspect_in_turn():
    turns = ["What did inspectors say about care leavers?", "And their health?"]
    assert standalone_query("And their housing?", turns) == "What did inspectors say about care leavers' housing?"


def test_another_council_takes_the_place_of_every_council_named_one_after_another():
    assert standalone_query("And Kent?", ["How did Ofsted rate Leeds, Bradford and Wakefield?"]) == "How did Ofsted rate Kent?"
    assert standalone_query("What about Kent?", ["Compare Leeds and Bradford on care leavers"]) == (
        "Compare Kent on care leavers")
    assert standalone_query("And Kent?", ["What did inspectors say about Leeds' care leavers?"]) == (
        "What did inspectors say about Kent's care leavers?")


def test_a_follow_up_dating_a_comparison_states_its_own_time_and_takes_no_earlier_year():
    earlier = ["What did inspectors say about care leavers in Leeds in 2019?"]
    asked = standalone_query("How has that changed since 2016?", earlier)
    assert asked.endswith("since 2016 in Leeds?") and "2019" not in asked
    assert conversation_scope(earlier + ["How has that changed since 2016?"]).years == ()


def test_a_pronoun_pointing_into_the_question_itself_takes_nothing_from_earlier_turns():
    """Read in the browser: in one conversation 'Has Sandwell recovered since it was failing in 2018?'
    became '... since front door was failing ...' after a question about a front door."""
    earlier = ["How has Leeds's front door changed since 2015?"]
    asked = "Has Sandwell recovered since it was failing in 2018?"
    assert standalone_query(asked, earlier) == asked  # 'it' is the council it names
    mine = "Do care leavers get given their health histories in Dorset?"
    assert standalone_query(mine, earlier) == mine  # 'their': its own subject's
    # what is usual is asked of all councils, so no council of the conversation is carried into it
    assert conversation_scope(earlier + ["Do care leavers generally get given their health histories?"]).across
