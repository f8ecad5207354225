"""The one lexical tokenizer: the stemmed content words BM25 indexes and every later stage compares.

What it does: lower-cases, drops English stopwords and stems with Snowball (`bm25s.tokenize` with
PyStemmer), so the index, retrieval and answer composition all see the same tokens.

    stems("Care leavers' personal advisers start too late") -> {"care", "leaver", "person", "advis", "start", "too", "late"}

What it does not do: tokenise for the embedding model (it has its own word pieces) or for token
counts (`qa.tokens`).
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: list[str]) -> list[list[str]]:
    """Each text's stemmed content words, in order (repeats kept, as BM25 counts them)."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


@lru_cache(maxsize=65536)
def stems(text: str) -> frozenset[str]:
    """The set of a text's stemmed content words."""
    return frozenset(tokenize([text])[0]) if text.strip() else frozenset()
