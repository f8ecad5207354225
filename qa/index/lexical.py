"""The one lexical tokenizer: the stemmed content words BM25 indexes and every later stage compares.

What it does: lower-cases, drops English stopwords and stems with Snowball (`bm25s.tokenize` with
PyStemmer), so the index, retrieval and answer composition all see the same tokens. `stems`, the
answer stage's per-sentence call, and `tokens`, a question's words for BM25, do the same steps
directly (bm25s.tokenize sets up progress bars and vocabularies on every call, 40 µs a sentence,
and importing bm25s imports scipy); a test checks they agree with it on the corpus.

    stems("Care leavers' personal advisers start too late") -> {"care", "leaver", "person", "advis", "start", "too", "late"}

What it does not do: tokenise for the embedding model (it has its own word pieces) or for token
counts (`qa.chunk.token_count`).
"""

from __future__ import annotations

import re
from functools import lru_cache

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # bm25s.tokenize's default token_pattern


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


# What stopwords="en" means to bm25s.tokenize (bm25s.stopwords.STOPWORDS_EN; a test checks they
# agree): written out so that answering a question does not import bm25s, and with it scipy.
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
    "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with"))


def _stopwords() -> frozenset[str]:
    return STOPWORDS


def tokenize(texts: list[str]) -> list[list[str]]:
    """Each text's stemmed content words, in order (repeats kept, as BM25 counts them)."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


def tokens(text: str) -> list[str]:
    """`tokenize([text])[0]` (stemmed content words in order, repeats kept) without bm25s."""
    words = [w for w in TOKEN.findall(text.lower()) if w not in STOPWORDS]
    return _stemmer().stemWords(words) if words else []


@lru_cache(maxsize=65536)
def stems(text: str) -> frozenset[str]:
    """The set of a text's stemmed content words: `tokenize`'s steps for one text (lower-case,
    bm25s's token pattern, its English stopwords, Snowball), without its per-call set-up."""
    stop = _stopwords()
    words = set(TOKEN.findall(text.lower())) - stop
    return frozenset(_stemmer().stemWords(words)) if words else frozenset()
