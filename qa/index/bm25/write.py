"""The BM25 index of a build, made from a store of every passage's tokens so that adding a report
tokenizes only that report's passages.

What it does: keeps each passage's stemmed words (`qa.index.lexical.tokenize`) as ids into a vocabulary,
in two arrays written beside the bm25s index (`tokens.npy`, the ids of every passage one after
another; `token_offsets.npy`, where each passage's ids start), the vocabulary being the bm25s
index's own (`bm25/vocab.index.json`). An incremental build takes the kept reports' ids from the
previous build, tokenizes only new or changed reports, and computes the bm25s score matrix from
the ids with numpy: the same scores bm25s's own `BM25.index` gives (its default method, Lucene's
BM25 with k1 1.5 and b 0.75; a test compares the two), in a fraction of its time (4.4 s for
bm25s to tokenize and index the archive's 56,000 passages from their text; see README,
Performance). The result is a `bm25s.BM25` saved and loaded the usual way, so retrieval is
unchanged. Ids are reusable only while the tokenizer is the same: `lexical_hash` names it, and
the build re-tokenizes everything when it changed.

What it does not do: score queries (bm25s does, in `qa.retrieve`), or decide what text of a
passage is indexed (`qa.index.bm25_text`).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import numpy as np

from qa.index.lexical import tokenize

TOKENS = "tokens.npy"
OFFSETS = "token_offsets.npy"


def lexical_hash() -> str:
    """sha256 of what decides a passage's tokens: qa/index/lexical.py and the versions of bm25s (its
    stopwords and splitting) and PyStemmer."""
    digest = hashlib.sha256((Path(__file__).resolve().parents[1] / "lexical.py").read_bytes())
    for name in ("bm25s", "PyStemmer"):
        try:
            digest.update(f"\0{name} {metadata.version(name)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"\0{name} missing".encode())
    return digest.hexdigest()


@dataclass
class Tokens:
    """Passages' token ids, one passage after another, and the vocabulary they index."""

    ids: np.ndarray  # int32, every passage's ids concatenated
    offsets: np.ndarray  # int64, where each passage's ids start, and the end
    vocab: list[str]

    def rows(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """The ids and their counts of passage rows [lo, hi)."""
        return self.ids[self.offsets[lo] : self.offsets[hi]], np.diff(self.offsets[lo : hi + 1])


def read_tokens(build: Path) -> Tokens:
    """The token store of a build (the vocabulary from its bm25s index, less its empty token)."""
    vocab_map = json.loads((build / "bm25" / "vocab.index.json").read_text(encoding="utf-8"))
    vocab = [""] * len(vocab_map)
    for token, i in vocab_map.items():
        vocab[i] = token
    if vocab and vocab[-1] == "":
        vocab.pop()
    offsets = np.load(build / OFFSETS)
    ids = np.load(build / TOKENS, mmap_mode="r")
    if len(ids) != offsets[-1] or (len(ids) and int(ids.max()) >= len(vocab)):
        raise ValueError("the token store does not match its vocabulary")
    return Tokens(ids, offsets, vocab)


class Vocabulary:
    """Token strings to ids, growing as new words come: starts from a previous build's vocabulary."""

    def __init__(self, tokens: list[str] | None = None) -> None:
        self.tokens = list(tokens or [])
        self.ids = {t: i for i, t in enumerate(self.tokens)}

    def encode(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Tokenize texts; their ids (concatenated) and how many each text has."""
        ids: list[int] = []
        counts = np.zeros(len(texts), dtype=np.int64)
        for n, words in enumerate(tokenize(texts)):
            for word in words:
                i = self.ids.get(word)
                if i is None:
                    i = self.ids[word] = len(self.tokens)
                    self.tokens.append(word)
                ids.append(i)
            counts[n] = len(words)
        return np.array(ids, dtype=np.int32), counts


def compact(ids: np.ndarray, vocab: list[str]) -> tuple[np.ndarray, list[str]]:
    """Drop the words no passage uses any more (a changed or removed report's), renumbering the ids."""
    used = np.bincount(ids, minlength=len(vocab)) > 0 if len(ids) else np.zeros(len(vocab), dtype=bool)
    if used.all():
        return ids, vocab
    new_id = np.cumsum(used) - 1
    return new_id[ids].astype(np.int32), [t for t, u in zip(vocab, used) if u]


def bm25(ids: np.ndarray, counts: np.ndarray, vocab: list[str]):
    """A bm25s.BM25 over passages given as token ids (every id < len(vocab) used by some passage,
    as `compact` leaves them): the score matrix bm25s's `index` computes from the same tokens, for
    its default method (Lucene's BM25); any other method is left to bm25s itself."""
    import bm25s

    retriever = bm25s.BM25()
    n_docs, n_vocab = len(counts), len(vocab)
    if (retriever.method, retriever.idf_method) != ("lucene", "lucene") or n_docs == 0:
        offsets = np.concatenate([[0], np.cumsum(counts)])
        retriever.index([[vocab[i] for i in ids[a:b]] for a, b in zip(offsets[:-1], offsets[1:])], show_progress=False)
        return retriever
    doc = np.repeat(np.arange(n_docs, dtype=np.int64), counts)
    pairs, tf = np.unique(np.asarray(ids, dtype=np.int64) * n_docs + doc, return_counts=True)  # by word, then passage
    word, passage = pairs // n_docs, pairs % n_docs
    df = np.bincount(word, minlength=n_vocab)
    # as bm25s: idf by math.log in float64, kept as float32; the term-frequency part in float64
    idf = np.array([math.log(1 + (n_docs - f + 0.5) / (f + 0.5)) if f else 0.0 for f in df.tolist()], dtype=np.float32)
    k1, b, avg = retriever.k1, retriever.b, np.asarray(counts).mean()
    lengths = np.asarray(counts)[passage]
    tfc = tf.astype(np.float32) / (k1 * ((1 - b) + b * lengths / avg) + tf.astype(np.float32))
    retriever.scores = {
        "data": (idf[word] * tfc).astype(retriever.dtype),
        "indices": passage.astype(retriever.int_dtype),
        "indptr": np.concatenate([[0], np.cumsum(df)]).astype(np.int64),  # as bm25s makes it
        "num_docs": n_docs,
    }
    retriever.vocab_dict = {t: i for i, t in enumerate(vocab)}
    retriever.vocab_dict[""] = n_vocab  # as bm25s's create_empty_token
    retriever.unique_token_ids_set = set(retriever.vocab_dict.values())
    retriever.nonoccurrence_array = None
    return retriever


def write(build: Path, retriever, ids: np.ndarray, counts: np.ndarray) -> None:
    """Save the bm25s index and the token store into a build folder."""
    retriever.save(str(build / "bm25"), show_progress=False)
    np.save(build / TOKENS, np.asarray(ids, dtype=np.int32))
    np.save(build / OFFSETS, np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
