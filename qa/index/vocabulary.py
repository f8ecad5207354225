"""What the BM25 index already knows about the collection's words, read without re-reading passages.

What it does: gives the answer stage's start-up what it used to get by tokenizing every passage
(4 s at the whole archive):

- `known_stems(index)`: every stem of every passage's text, section heading and report title:
  the BM25 vocabulary itself;
- `text_document_frequencies(index, stems)`: in how many passages' *text* (not heading or title)
  each of the given stems occurs;
- `passages_with_all(index, stems)`: the passages holding every one of the stems, from the postings.

BM25 (bm25s, Lucene or Robertson scoring) indexes each passage as its report's short title, its
heading and its text (`qa.index.bm25_text`), so a column of its score matrix counts a passage whose
heading alone names a word. The term frequencies are recovered exactly from the stored scores:
a score is idf × tf / (tf + K), with K = k1 × (1 − b + b × length / mean length) for its passage,
and a passage's length is the sum of its term frequencies; that fixes each passage's K once the
mean length is solved for (one equation, all passages), and then every tf. The recovered tfs must
be whole numbers, which checks the reading: if they are not (another scoring, other parameters),
the counts are made by tokenizing the passages instead, slowly but the same. A passage's text
holds a stem when its tf exceeds the count of the stem in its title and heading.

What it does not do: build or change the BM25 index (`qa.index`), or decide what counts as common
(the caller's threshold: `qa.answer.answerer`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from qa.index.lexical import stems, tokens
from qa.index.store import field_of
from qa.index.units import bm25_text

TF_TOLERANCE = 0.01  # recovered term frequencies must be this close to whole numbers


def known_stems(index) -> frozenset[str]:
    """Every stem the BM25 index holds: of passages' texts, their headings and reports' titles."""
    return frozenset(t for t in index.bm25.vocab_dict if t)  # bm25s adds "" for empty passages


def passages_with_all(index, words: frozenset[str]) -> np.ndarray:
    """The rows of the passages holding every one of these stems (in text, heading or title), read
    from the BM25 postings: what a phrase check needs to read instead of every passage."""
    bm25 = index.bm25
    ptr, indices = bm25.scores["indptr"], bm25.scores["indices"]
    rows: np.ndarray | None = None
    for word in words:
        i = bm25.vocab_dict.get(word)
        if i is None or i >= len(ptr) - 1:
            return np.empty(0, dtype=np.int64)
        found = np.asarray(indices[int(ptr[i]):int(ptr[i + 1])])
        rows = found if rows is None else np.intersect1d(rows, found)
    return np.empty(0, dtype=np.int64) if rows is None else rows


def text_document_frequencies(index, wanted=None) -> dict[str, int]:
    """stem -> number of passages whose text (heading and title aside) holds it, for the `wanted`
    stems (default: all). Read from the BM25 scores; counted from the passages if they cannot be."""
    bm25 = index.bm25
    vocab = bm25.vocab_dict
    ptr = np.asarray(bm25.scores["indptr"])
    columns = len(ptr) - 1  # bm25s's vocabulary also holds "", which has no column
    wanted = [t for t in (vocab if wanted is None else wanted) if t and vocab.get(t, columns) < columns]
    tf = _term_frequencies(bm25)
    if tf is None:
        return _counted(index, wanted)
    rows = np.asarray(bm25.scores["indices"])
    group, meta = _headings(index)
    where = {t: n for n, t in enumerate(wanted)}
    in_meta = np.zeros((len(meta), len(wanted)), dtype=np.int64)  # count of each wanted stem in each group's title and heading
    for g, counts in enumerate(meta):
        for t, count in counts.items():
            if t in where:
                in_meta[g, where[t]] = count
    out: dict[str, int] = {}
    for n, stem in enumerate(wanted):
        column = vocab[stem]
        lo, hi = int(ptr[column]), int(ptr[column + 1])
        out[stem] = int(np.count_nonzero(tf[lo:hi] > in_meta[group[rows[lo:hi]], n]))
    return out


def common_text_stems(index, share: float) -> frozenset[str]:
    """Stems whose passages' texts hold them in more than `share` of the passages."""
    limit = share * len(index.passages)
    ptr = np.asarray(index.bm25.scores["indptr"])
    inverse = {i: t for t, i in index.bm25.vocab_dict.items()}
    # a stem in more than `limit` passages' texts is in more than `limit` BM25 documents: only those are counted
    candidates = [inverse[int(i)] for i in np.flatnonzero(np.diff(ptr) > limit)]
    return frozenset(t for t, n in text_document_frequencies(index, candidates).items() if n > limit)


def _term_frequencies(bm25) -> np.ndarray | None:
    """The term frequency behind each stored score (aligned with scores["data"]), or None when the
    scores do not read back as whole numbers under Lucene/Robertson BM25 with the index's k1 and b."""
    if getattr(bm25, "method", None) not in ("lucene", "robertson") or getattr(bm25, "nonoccurrence_array", None) is not None:
        return None
    scores = bm25.scores
    data = np.asarray(scores["data"], dtype=np.float64)
    rows = np.asarray(scores["indices"])
    ptr = np.asarray(scores["indptr"])
    n = int(scores["num_docs"])
    if len(data) == 0:
        return np.zeros(0)
    df = np.diff(ptr)
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    ratio = data / np.repeat(idf, df)  # tf / (tf + K)
    if not (np.all(ratio > 0) and np.all(ratio < 1)):
        return None
    q = ratio / (1 - ratio)  # tf / K
    per_doc = np.bincount(rows, weights=q, minlength=n)  # length / K
    k1, b = float(bm25.k1), float(bm25.b)
    present = per_doc > 0
    s = per_doc[present]

    def lengths(mean: float) -> np.ndarray:  # each passage's length, given the mean length
        return k1 * (1 - b) * s / (1 - k1 * b * s / mean)

    # The mean length solves mean = average(lengths(mean)); lengths fall as the mean grows, and the
    # root lies above k1·b·max(s) (where lengths stay positive): bisection on a bracket.
    low = k1 * b * float(s.max()) * (1 + 1e-12)
    high = max(2 * low, 1.0)
    while np.sum(lengths(high)) > high * n:
        high *= 2
    while high - low > 1e-12 * high:
        mid = (low + high) / 2
        if np.sum(lengths(mid)) > mid * n:
            low = mid
        else:
            high = mid
    mean = (low + high) / 2
    k = np.zeros(n)
    k[present] = k1 * (1 - b) / (1 - k1 * b * s / mean)
    tf = k[rows] * q
    whole = np.round(tf)
    if not (np.all(whole >= 1) and np.all(np.abs(tf - whole) < TF_TOLERANCE)):
        return None
    return whole


def _headings(index) -> tuple[np.ndarray, list[dict[str, int]]]:
    """Each passage's heading group (report and section), and each group's stems with their counts
    in the BM25 text that is not the passage's own (its report's short title and its heading)."""
    from collections import Counter



    groups: dict[tuple[str, str], int] = {}
    group = np.empty(len(index.passages), dtype=np.int64)
    first: list = []
    for row, key in enumerate(zip(field_of(index.passages, "doc_id"), field_of(index.passages, "section"))):
        g = groups.setdefault(key, len(first))
        if g == len(first):
            first.append(index.passages[row])
        group[row] = g
    # What bm25_text adds to a passage's text, tokenized once per distinct title and heading.
    texts = list(dict.fromkeys(bm25_text(replace(p, text=""), index.reports[p.doc_id]) for p in first))
    counts = {text: dict(Counter(tokens(text))) for text in texts}
    return group, [counts[bm25_text(replace(p, text=""), index.reports[p.doc_id])] for p in first]


def _counted(index, wanted: list[str]) -> dict[str, int]:
    """The same counts by tokenizing every passage's text (the slow way: seconds at the archive)."""
    counts = dict.fromkeys(wanted, 0)
    for p in index.passages:
        for t in stems(p.text):
            if t in counts:
                counts[t] += 1
    return counts
