"""Hybrid search: questions phrased the way people talk find the paragraphs that answer them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qa.retrieve.retriever import Filters, QueryError, Retriever, SearchSettings

PARAPHRASES = {
    "Do young people who have left care pay council tax?": "ofsted-ilacs-2024#41",
    "How long do kids wait for mental health help?": "ofsted-ilacs-2024#46",
    "Is anyone keeping an eye on children who are home schooled?": "ofsted-ilacs-2024#17",
    "Did the council manage to recruit more foster carers after the 2014 inspection?": "occ-scrutiny-action-plan-2015#2.1",
    "Are social workers' caseloads manageable?": "ofsted-ilacs-2024#55",
    "What do care leavers get if they go to university?": "ofsted-ilacs-2024#38",
    "Do children in care get to see their brothers and sisters?": "ofsted-ilacs-2024#22",
}


@pytest.mark.parametrize("question, expected", PARAPHRASES.items())
def test_a_paraphrased_question_ranks_its_paragraph_first(retriever, question, expected):
    assert retriever.search(question, k=5)[0].passage.id == expected


def test_results_carry_the_fused_score_and_each_retrievers_rank(retriever):
    hits = retriever.search("Do young people who have left care pay council tax?", k=10)
    assert len(hits) == 10
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.passage.id for h in hits}) == 10
    from qa.output.contract import dump, hit_out

    top = dump(hit_out(hits[0], {}))
    assert top["dense_rank"] and top["bm25_rank"]
    assert top["url"] == "/reports/ofsted-ilacs-2024#p41"
    assert top["citation"] == "Oxfordshire: Ofsted ILACS 2024, para 41"
    assert {"id", "doc_id", "label", "section", "title", "date", "kind", "text", "score", "url"} <= set(top)


def test_filters_by_report_kind_and_year_keep_the_best_within_them(retriever):
    hits = retriever.search("foster carers", k=5, filters={"doc": "occ-scrutiny-action-plan-2015"})
    assert hits and {h.passage.doc_id for h in hits} == {"occ-scrutiny-action-plan-2015"}
    assert hits[0].passage.label == "2.1"
    councils = retriever.search("inspection outcome", k=10, filters={"kind": "council paper"})
    assert {h.report.kind for h in councils} == {"council paper"}
    early = retriever.search("inspection outcome", k=10, filters={"year_from": 2010, "year_to": 2014})
    assert early and all(2010 <= h.report.year <= 2014 for h in early)
    assert retriever.search("care leavers", k=3, filters=Filters(year_from=2030)) == []


def test_bad_requests_are_refused_with_a_reason(retriever):
    with pytest.raises(QueryError, match="no report with id 'bucks-2023'"):
        retriever.search("care leavers", filters={"doc": "bucks-2023"})
    with pytest.raises(QueryError, match="unknown kind 'blog'"):
        retriever.search("care leavers", filters={"kind": "blog"})
    with pytest.raises(QueryError, match="empty"):
        retriever.search("   ")
    with pytest.raises(QueryError, match="k must be"):
        retriever.search("care leavers", k=0)
    with pytest.raises(QueryError, match="year_from"):
        retriever.search("care leavers", filters={"year_from": "soon"})


def test_each_retriever_alone_still_finds_the_obvious_paragraph(index):
    for mode in ("dense", "bm25"):
        hits = Retriever(index, SearchSettings(mode=mode)).search("council tax exemption for care leavers", k=3)
        assert hits[0].passage.id == "ofsted-ilacs-2024#41", mode


def test_the_same_search_gives_the_same_answer(retriever):
    from qa.output.contract import dump, hit_out

    first = [dump(hit_out(h, {})) for h in retriever.search("supervision of social workers", k=10)]
    assert [dump(hit_out(h, {})) for h in retriever.search("supervision of social workers", k=10)] == first


def test_the_cli_search_json_ranks_the_council_tax_paragraph_first(index_dir):
    result = subprocess.run(
        [sys.executable, "-m", "qa.cli", "search", "Do young people who have left care pay council tax?",
         "--json", "--index", str(index_dir)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["query"].startswith("Do young people")
    assert data["results"][0]["id"] == "ofsted-ilacs-2024#41"
    assert set(data["results"][0]) >= {"id", "doc_id", "label", "section", "title", "date", "kind", "text", "score", "url"}


@pytest.mark.parametrize("query", ["Do young people who have left care pay council tax?", "LADO", "care care leavers",
                                   "zzzz unknownword", "What is an IRO?"])
def test_bm25_from_the_query_words_postings_equals_scoring_every_passage(retriever, index, query):
    """BM25 reads only the postings of the query's words, and sums them as bm25s does over every passage."""
    import numpy as np

    from qa.index.lexical import tokenize
    from qa.retrieve.glossary import expansion

    def full(text):
        known = [t for t in tokenize([text])[0] if t in index.bm25.vocab_dict]
        return index.bm25.get_scores(known) if known else np.zeros(len(index.passages), dtype=np.float32)

    expected = full(query)
    if expansion(query):
        expected = expected + retriever.settings.expansion_weight * full(" ".join(expansion(query)))
    rows, scores = retriever.bm25_scores(query, None)
    assert rows.tolist() == np.flatnonzero(expected > 0).tolist()
    assert scores.tolist() == expected[expected > 0].tolist()
    allowed = retriever._allowed(Filters(doc_ids=("ofsted-ilacs-2024",)))
    lo, hi = index.report_rows["ofsted-ilacs-2024"]
    rows, _ = retriever.bm25_scores(query, allowed)
    assert rows.tolist() == [r for r in np.flatnonzero(expected > 0).tolist() if lo <= r < hi]


def test_a_passage_holding_a_rare_word_of_the_question_ranks_above_those_holding_none(index):
    from dataclasses import replace as with_

    from qa.retrieve.retriever import Retriever, SearchSettings

    question = "Do young people who have left care pay council tax?"
    off = Retriever(index, with_(SearchSettings(), rare_share=0.0))
    on = Retriever(index, with_(SearchSettings(), rare_share=0.02))
    assert off.rare_rows(question) == frozenset()
    rare = on.rare_rows(question)  # 'tax' is in few passages; 'council', 'care', 'young' in many
    exempt = next(r for r, p in enumerate(index.passages) if "exempt from council tax" in p.text)
    assert exempt in rare and len(rare) < len(index.passages) * 0.1
    hits = on.search(question, k=5)
    holding = [index.by_id[h.passage.id] in rare for h in hits]
    assert holding == sorted(holding, reverse=True)  # every passage with the word before any without
    assert on.rare_rows("What did inspectors say about Oxfordshire?", frozenset()) == frozenset()  # no topic word
    assert not on.rare_rows("Oxfordshire") & on.rare_rows(question)  # a council's name is no rare word
