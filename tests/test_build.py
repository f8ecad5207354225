"""Incremental builds reuse what is unchanged and give what a build from nothing gives: the BM25
matrix computed from stored tokens equals bm25s's own_corpus_and_index, passages are copied as lines, and an index
of an older format is rebuilt, with a message that says so."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa.index.bm25 import write as bm25_index
from qa.index.build import previous_build
from qa.index.format import FORMAT_VERSION, IndexCorrupt
from qa.index.units import bm25_text
from qa.index.build import build_index
from qa.index.load import load_index
from qa.index.lexical import tokenize


def _columns(retriever) -> dict[str, dict[int, float]]:
    """Each word's scores by passage: the matrix, whatever order the vocabulary is in."""
    s = retriever.scores
    out = {}
    for word, j in retriever.vocab_dict.items():
        if word:
            a, b = s["indptr"][j], s["indptr"][j + 1]
            out[word] = dict(zip(s["indices"][a:b].tolist(), s["data"][a:b].tolist()))
    return out


def test_the_bm25_matrix_from_token_ids_is_the_one_bm25s_makes(index):
    import bm25s

    texts = [bm25_text(p, index.reports[p.doc_id]) for p in index.passages]
    vocabulary = bm25_index.Vocabulary()
    ids, counts = vocabulary.encode(texts)
    ours = bm25_index.bm25(ids, counts, vocabulary.tokens)
    theirs = bm25s.BM25()
    theirs.index(tokenize(texts), show_progress=False)
    assert _columns(ours) == _columns(theirs)  # the same float32 scores, exactly
    assert ours.vocab_dict[""] == len(vocabulary.tokens) and ours.scores["num_docs"] == len(texts)
    for query in (["care", "leaver"], ["foster", "carer", "panel"]):
        assert np.array_equal(ours.get_scores(query), theirs.get_scores(query))


def test_unused_words_are_dropped_and_ids_renumbered():
    ids, vocab = bm25_index.compact(np.array([0, 2, 2, 3], dtype=np.int32), ["a", "b", "c", "d"])
    assert vocab == ["a", "c", "d"] and ids.tolist() == [0, 1, 1, 2]


def test_passages_are_stored_one_a_line_and_read_back_without_parsing_the_rest(index, index_dir):
    data = (index_dir / "current" / "passages.json").read_bytes()
    assert data.count(b"\n") == len(index.passages) + 2  # the reports' line, a line each, the closing line
    previous = previous_build(index_dir)
    assert previous is not None and len(previous.lines) == len(index.passages)
    doc_id = "ofsted-ilacs-2024"
    assert [p.to_dict() for p in previous.passages(doc_id)] == [p.to_dict() for p in index.passages_of(doc_id)]


def test_an_incremental_build_gives_the_bm25_index_a_build_from_nothing_gives(own_corpus_and_index, tmp_path):
    corpus, index = own_corpus_and_index
    with open(corpus / "002_43547da56b1b8370.txt", "a", encoding="utf-8") as f:
        f.write("\nA new paragraph about zanzibarian adoption panels added by the council.\n")
    build_index(corpus, index, progress=False)
    build_index(corpus, tmp_path / "scratch", progress=False, incremental=False)
    grown, scratch = load_index(index, corpus), load_index(tmp_path / "scratch", corpus)
    assert _columns(grown.bm25) == _columns(scratch.bm25)
    assert "zanzibarian" in grown.bm25.vocab_dict
    for build in (index, tmp_path / "scratch"):
        tokens = bm25_index.read_tokens(build / "current")
        texts = [bm25_text(p, grown.reports[p.doc_id]) for p in grown.passages]
        assert [[tokens.vocab[i] for i in tokens.rows(r, r + 1)[0]] for r in range(len(texts))] == tokenize(texts)


def test_the_tokens_of_unchanged_reports_are_reused_unless_the_tokenizer_changed(own_corpus_and_index, monkeypatch):
    import qa.index.bm25.write

    corpus, index = own_corpus_and_index
    with open(corpus / "002_43547da56b1b8370.txt", "a", encoding="utf-8") as f:
        f.write("\nA new paragraph about adoption panels added by the council.\n")
    seen: list[int] = []
    real = qa.index.bm25.write.tokenize
    monkeypatch.setattr(qa.index.bm25.write, "tokenize", lambda texts: seen.append(len(texts)) or real(texts))
    build_index(corpus, index, progress=False)
    changed = len(load_index(index, corpus).passages_of("press-ofsted-good-2024"))
    assert seen == [changed]  # only the changed report's passages were tokenized
    manifest = index / "current" / "manifest.json"
    manifest.write_text(json.dumps(json.loads(manifest.read_text()) | {"lexical_sha256": "0" * 64}))
    seen.clear()
    build_index(corpus, index, progress=False)
    assert seen == [len(load_index(index, corpus).passages)]  # another tokenizer: every passage again


def test_an_index_of_an_older_format_says_rebuild_and_is_rebuilt_whole(own_corpus_and_index):
    corpus, index = own_corpus_and_index
    manifest = index / "current" / "manifest.json"
    manifest.write_text(json.dumps(json.loads(manifest.read_text()) | {"format": FORMAT_VERSION - 1}))
    with pytest.raises(IndexCorrupt, match=f"has format {FORMAT_VERSION - 1}, not {FORMAT_VERSION}: run `reportqa index`"):
        load_index(index, corpus)
    said: list[str] = []
    build_index(corpus, index, progress=False, log=said.append)
    assert said[0] == "reportqa: 0 report(s) unchanged, 5 to chunk and embed"
    assert load_index(index, corpus).manifest["format"] == FORMAT_VERSION
