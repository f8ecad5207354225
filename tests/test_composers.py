"""The kinds of answer as a selector of composers (qa.answer.composers): which one accepts a
question, and what the overview and comparison compose, on the default corpus plus Dorset 2025 and
Blackpool 2026 (`councils_answerer` in conftest.py) (issue #19)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from qa.answer.composers import COMPOSERS, distribution
from qa.evals.gold import faithfulness_violations
from qa.retrieve.retriever import Filters


def accepting(answerer, question: str) -> list[str]:
    query = answerer.analyse(question)
    return [c.name for c in COMPOSERS if c.accepts(query)]


@pytest.mark.parametrize("question, first", [
    ("How did Ofsted rate Dorset?", "ratings"),
    ("Compare how Dorset and Blackpool support care leavers", "compare"),
    ("Compare the ratings of Dorset and Blackpool", "ratings"),
    ("What keeps coming back across inspections?", "themes"),
    ("Summarise Dorset's 2025 inspection", "summary"),
    ("What did Ofsted ask Dorset to improve?", "improvements"),
    ("What did inspectors say about care leavers across all councils?", "overview"),
    ("How good are councils at finding care leavers somewhere to live?", "overview"),  # councils, plural
    ("Do care leavers generally get given their health histories?", "overview"),  # what is usual, of no council
    ("Is supervision a common weakness?", "overview"),
    ("Do care leavers in Dorset generally get their health histories?", None),  # one council: no overview
])
def test_each_kind_of_question_is_accepted_by_its_composer(councils_answerer, question, first):
    if first is None:
        assert "overview" not in accepting(councils_answerer, question)
    else:
        assert accepting(councils_answerer, question)[:1] == [first]


def test_a_rating_asked_of_a_named_kind_of_source_is_answered_from_that_source(councils_answerer):
    assert "ratings" not in accepting(councils_answerer, "What did the local paper say about Oxfordshire's rating?")
    a = councils_answerer.answer("What did the local paper say about Oxfordshire's rating?")
    assert not a.abstained and {c.hit.report.kind for c in a.citations} == {"news article"}


def test_the_distribution_counts_each_councils_latest_inspection_once(councils_index):
    counts, n = distribution(councils_index, "care_leavers", Filters())
    assert n == 3 and sum(counts.values()) == 3  # Oxfordshire (latest of three), Dorset, Blackpool


def test_an_overview_gives_the_distribution_then_points_each_from_a_different_council(councils_answerer):
    from qa.answer import Answerer

    small = Answerer(councils_answerer.retriever, replace(councils_answerer.settings, overview_min_councils=2))
    a = small.answer("What did inspectors say about care leavers across all councils?")
    first = a.answer.split("\n")[0]
    assert re.fullmatch(r"Care leavers, at each council's latest inspection: \d+ outstanding, \d+ good, "
                        r"\d+ requires improvement, \d+ inadequate \(3 councils in this collection\)\.", first)
    assert faithfulness_violations(a) == []
    councils = {c.hit.report.authority for c in a.citations}
    assert len(councils) >= 2
    strengths = [c.hit.report.authority for c in a.citations if c.hit.report.kind == "inspection report"]
    assert strengths


def test_a_comparison_puts_each_council_side_by_side_with_its_judgement_on_the_topic(councils_answerer):
    a = councils_answerer.answer("Compare how Dorset and Blackpool support care leavers")
    assert not a.abstained and faithfulness_violations(a) == []
    leads = [line for line in a.answer.split("\n") if " — " in line and not line.startswith("- ")]
    assert [lead.split(" — ")[0] for lead in leads] == ["Dorset", "Blackpool"]
    assert a.answer.count("Judgement:") == 2 and "care leavers: " in a.answer.lower()
    assert {c.hit.report.id for c in a.citations} <= {"dorset-ilacs-2025", "blackpool-ilacs-2026"}


def test_a_point_recurs_at_the_other_councils_with_a_like_sentence_of_the_same_leaning(councils_index):
    from qa.answer.composers import recurrence
    from qa.answer.model import Picked
    from qa.retrieve.retriever import Hit

    def first_sentence(doc_id: str, concern: bool) -> Picked:
        row = next(r for r, p in enumerate(councils_index.passages) if p.doc_id == doc_id and p.kind == "paragraph")
        passage = councils_index.passages[row]
        ids, spans = councils_index.sentences_of(row)
        _, a, b = spans[0]
        return Picked(Hit(passage, councils_index.reports[doc_id], 1.0, 0, 0), row, int(a), int(b), 1.0,
                      passage.text[int(a):int(b)], concern, int(ids[0]))

    dorset, blackpool, also_dorset = (first_sentence("dorset-ilacs-2025", False),
                                      first_sentence("blackpool-ilacs-2026", False),
                                      first_sentence("dorset-ilacs-2025", True))
    everything = recurrence(councils_index, [dorset, blackpool, also_dorset], -1.0)  # every pair alike
    assert len(everything[id(dorset)]) == 1 and len(everything[id(blackpool)]) == 1  # the other council, once
    assert everything[id(also_dorset)] == set()  # a concern does not recur as a strength, nor its own council
    nothing = recurrence(councils_index, [dorset, blackpool], 1.01)
    assert nothing[id(dorset)] == set() and nothing[id(blackpool)] == set()
