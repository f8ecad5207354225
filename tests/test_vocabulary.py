"""What the answer stage reads from the BM25 index instead of tokenizing every passage at start-up:
the same words and the same counts as tokenizing them."""

from __future__ import annotations

import numpy as np
import pytest

from qa.index.lexical import stems, tokenize
from qa.index.vocabulary import _term_frequencies, common_text_stems, known_stems, text_document_frequencies


def _counted(index) -> dict[str, int]:
    counts: dict[str, int] = {}
    for p in index.passages:
        for t in frozenset(tokenize([p.text])[0]):
            counts[t] = counts.get(t, 0) + 1
    return counts


def test_stems_of_one_text_are_the_bm25_tokenizers_own(index):
    texts = [p.text for p in index.passages] + [p.section for p in index.passages] + [
        "", " ", "A", "Children’s services: L’état, 2014, 5th, x2, __init__, café, DVDs and EHCPs"]
    assert all(stems(t) == frozenset(tokenize([t])[0]) for t in texts)


def test_the_known_stems_are_those_of_every_passage_heading_and_title(index):
    from qa.index.units import bm25_text

    tokens = {t for p in index.passages for t in tokenize([bm25_text(p, index.reports[p.doc_id])])[0]}
    assert known_stems(index) == tokens


def test_text_document_frequencies_read_from_bm25_equal_counting_every_passage(index):
    counted = _counted(index)
    read = text_document_frequencies(index)
    assert read == {t: counted.get(t, 0) for t in read}
    assert set(counted) <= set(read)
    # headings and titles do not count: 'ofsted' is in many short titles, fewer texts
    assert read["ofst"] < np.diff(np.asarray(index.bm25.scores["indptr"]))[index.bm25.vocab_dict["ofst"]]


def test_term_frequencies_are_recovered_exactly_from_the_scores(index):
    from collections import Counter

    from qa.index.units import bm25_text

    tf = _term_frequencies(index.bm25)
    assert tf is not None
    ptr, rows = np.asarray(index.bm25.scores["indptr"]), np.asarray(index.bm25.scores["indices"])
    inverse = {i: t for t, i in index.bm25.vocab_dict.items()}
    for row in range(0, len(index.passages), 17):
        p = index.passages[row]
        expected = Counter(tokenize([bm25_text(p, index.reports[p.doc_id])])[0])
        columns = np.flatnonzero(rows == row)
        got = {inverse[int(np.searchsorted(ptr, c, side="right") - 1)]: int(tf[c]) for c in columns}
        assert got == dict(expected)


@pytest.mark.parametrize("share", [0.05, 0.12, 0.3])
def test_common_words_are_those_tokenizing_every_passage_finds(index, share):
    counted = _counted(index)
    assert common_text_stems(index, share) == {t for t, n in counted.items() if n > share * len(index.passages)}


def test_scores_that_do_not_read_back_are_counted_the_slow_way(index, monkeypatch):
    monkeypatch.setattr(index.bm25, "k1", index.bm25.k1 * 1.3)  # another scoring than the stored one
    assert _term_frequencies(index.bm25) is None
    counted = _counted(index)
    assert common_text_stems(index, 0.12) == {t for t, n in counted.items() if n > 0.12 * len(index.passages)}


def test_guards_know_every_word_and_acronym_of_the_reports_without_reading_the_passages(index):
    import re

    from qa.answer.guards import Guards

    guards = Guards(index)
    words = {w for p in index.passages for w in re.findall(r"(?<![\w'’-])[A-Za-z][\w'’-]*", f"{p.section} {p.text}")}
    acronyms = {w for p in index.passages for w in re.findall(r"\b[A-Z]{2,}s?\b", p.text)}
    assert all(guards.known_word(w[:1].upper() + w[1:]) for w in words)
    assert all(guards.known_word(a) and guards.known_word(a.rstrip("s")) for a in acronyms)
    assert not any(guards.known_word(w) for w in ("GCSE", "Xyzzy", "QWV"))


def test_the_one_text_tokenizer_and_stopwords_are_bm25s_own(index):
    from bm25s.stopwords import STOPWORDS_EN

    from qa.index.lexical import STOPWORDS, tokens

    assert STOPWORDS == frozenset(STOPWORDS_EN)
    texts = [p.text for p in index.passages] + ["", "The the THE care-leavers’ 2nd", "a an and"]
    assert [tokens(t) for t in texts] == tokenize(texts)


def test_the_bm25_index_read_without_bm25s_is_bm25s_own(index):
    import bm25s

    from qa.index.bm25.read import StoredBM25

    theirs = bm25s.BM25.load(str(index.path / "bm25"), show_progress=False, mmap=True)
    ours = StoredBM25(index.path / "bm25")
    assert ours.vocab_dict == theirs.vocab_dict and (ours.k1, ours.b, ours.method) == (theirs.k1, theirs.b, theirs.method)
    for query in ("care leavers council tax", "designated officer", "foster carers recruitment 2015"):
        words = [t for t in tokenize([query])[0] if t in ours.vocab_dict]
        assert words and ours.get_scores(words).tolist() == theirs.get_scores(words).tolist()


@pytest.mark.parametrize("phrase", ["care leavers", "private fostering", "Oxfordshire County Council", "no such wordzz"])
def test_the_passages_holding_all_of_some_words_are_those_tokenizing_every_passage_finds(index, phrase):
    from qa.index.units import bm25_text
    from qa.index.vocabulary import passages_with_all

    words = stems(phrase)
    expected = [i for i, p in enumerate(index.passages)
                if words <= frozenset(tokenize([bm25_text(p, index.reports[p.doc_id])])[0])]
    assert passages_with_all(index, words).tolist() == expected
