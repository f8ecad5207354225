"""The lexical tokenizer's one-text path gives what the BM25 tokenizer gives."""

from __future__ import annotations

from qa.lexical import stems, tokenize


def test_stems_of_one_text_are_the_bm25_tokenizers_own(index):
    texts = [p.text for p in index.passages] + [p.section for p in index.passages] + [
        "", " ", "A", "Children’s services: L’état, 2014, 5th, x2, __init__, café, DVDs and EHCPs"]
    assert all(stems(t) == frozenset(tokenize([t])[0]) for t in texts)
