"""Each sentence's role, decided once at build time from its vector, its neighbour and its structure.

What it does: gives every sentence of a build one of `ROLES`: strength, concern, improvement (an
item of what needs to improve), finding (neutral fact or context), procedure (a council paper's
recommendation or decision), boilerplate (the publisher's stock text) or label (a field, a date,
a judgement-table line). The decision is a small model trained on hand-labelled sentences
(`evals/roles/train.py`, weights in `qa/data/roles.npz`), over what the build has anyway:

- the sentence's vector and the previous sentence's of the same passage ("However, this is too late"),
- its structure (`structure`): the passage's kind (improvement point, facts, judgement table,
  action row ...), whether the report is a council paper, list marker, colon, length, and whether
  its section is an older report's list of recommendations or areas for improvement,
- its words (`Lexicon`): TF-IDF of its words and word pairs, weighed by the same regression, so
  that "not", "too late" or "inconsistent" count however the sentence's vector leans; the words
  and their weights are learned from the labelled sentences, never listed by hand,
- whether the same normalised sentence recurs in many reports of the collection (`recurring`):
  stock text is found by counting, so a new publisher's stock text is found too; the sentences
  that recur across the Ofsted archive the model was trained on are kept with its weights (their
  keys: `stock_keys`), so that a collection of a few reports knows them too (`recurring_in`).

The model is one multinomial logistic regression over all seven roles (a second stage over
strength/concern/finding alone gained nothing in cross-validation on dev: evals/roles/README.md).

    roles_of(vectors, passage_of, codes, recurring, lexical, model) -> array of indices into ROLES

The words' part of a sentence's scores depends on its text alone, so a build computes it once per
sentence (`Lexicon.scores`) and keeps it with the sentence for later builds (`sentence_lexical.npy`).

What it does not do: embed (`qa.index.encoder`) or choose the sentences of an answer (`qa.answer`).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

ROLES = ("strength", "concern", "improvement", "finding", "procedure", "boilerplate", "label")
ROLE_INDEX = {r: i for i, r in enumerate(ROLES)}
# Passage kinds (qa.chunk.model.Passage.kind) as the model sees them; any other kind counts as the first.
KINDS = ("paragraph", "summary", "facts", "judgement table", "improvement point", "point", "footnote", "action row",
         "table")
STRUCTURE_BITS = 6  # after the kind: council paper, list item, ends with ':', holds ':', under 6 words, SIF list heading
# One more bit, not a feature: the sentence stands where a council paper records a recommendation or
# decision (an action plan's row, or a recommendation, decision or implications section). Procedure
# is that by definition, so the model may call a sentence procedure only there: every procedure
# sentence of the labelled set stands there (19 of 19), and a council paper quoting an inspection's
# findings elsewhere is not procedure, whatever its words.
PROCEDURAL_PLACE = 1 << (4 + STRUCTURE_BITS)
_PROCEDURAL_SECTION = re.compile(
    r"\b(implications?|recommendations?|decisions?( required)?|background papers?|contact officers?|annex(es)?|appendix|"
    r"appendices|divisions? affected|purpose of (the )?report)\b", re.I)
MODEL_PATH = Path(__file__).resolve().parents[1] / "data" / "roles.npz"
RECURRING_MIN_REPORTS = 5  # a sentence in at least this many reports of the collection, and
RECURRING_MIN_SHARE = 0.01  # in at least this share of them, is recurring (chosen on the dev set)

_MARKER = re.compile(r"^(•|\([a-z]\))\s+")
# The headings of the older reports' lists of what to improve, whose items the chunker keeps as
# paragraphs. Not "What needs to improve?": an ILACS report's items under it are improvement points
# already, and a heading that wraps badly files judgement paragraphs under it (cross-validated on
# dev: improvement recall 0.61 -> 0.86 with this flag, strength/concern unchanged).
_LIST_HEADING = re.compile(r"^(areas? for (further )?(development|improvement)|recommendations)", re.I)


def normalise(sentence: str) -> str:
    """The form two copies of a stock sentence share: no list marker, lower case, punctuation and
    spacing folded. Digits are kept: a field's value (a date, a grade's number) is not stock text."""
    text = _MARKER.sub("", sentence.strip()).lower()
    return re.sub(r"[^\w]+", " ", text).strip()


def sentence_key(sentence: str) -> int:
    """A 63-bit hash of the normalised sentence (stored per sentence, so that an incremental build
    counts recurrence over the whole collection without reading unchanged reports' text)."""
    return int.from_bytes(hashlib.blake2b(normalise(sentence).encode(), digest_size=8).digest(), "little") >> 1


def structure(sentence: str, passage_kind: str, council_paper: bool, section: str = "") -> int:
    """The sentence's structure as a small integer: its passage kind and six flags."""
    kind = KINDS.index(passage_kind) if passage_kind in KINDS else 0
    text = sentence.strip()
    flags = (council_paper, bool(_MARKER.match(text)), text.endswith(":"), ":" in text, len(text.split()) < 6,
             bool(_LIST_HEADING.search(section or "")))
    procedural = council_paper and (passage_kind == "action row" or bool(_PROCEDURAL_SECTION.search(section or "")))
    return kind | sum(int(f) << (4 + i) for i, f in enumerate(flags)) | (PROCEDURAL_PLACE if procedural else 0)


def recurring_threshold(reports: int) -> int:
    return max(RECURRING_MIN_REPORTS, math.ceil(RECURRING_MIN_SHARE * reports))


def recurring(keys: np.ndarray, report_of: np.ndarray, reports: int) -> np.ndarray:
    """Whether each sentence (by key) occurs in at least `recurring_threshold(reports)` distinct reports."""
    keys = np.asarray(keys, dtype=np.int64)
    if not len(keys):
        return np.zeros(0, dtype=bool)
    pairs = np.unique(np.stack([keys, np.asarray(report_of, dtype=np.int64)], axis=1), axis=0)
    distinct, counts = np.unique(pairs[:, 0], return_counts=True)
    return counts[np.searchsorted(distinct, keys)] >= recurring_threshold(reports)


def recurring_in(keys: np.ndarray, report_of: np.ndarray, reports: int, model: RoleModel | None = None) -> np.ndarray:
    """Recurring in this collection (`recurring`), or in the archive the model was trained on: a
    collection of a few reports cannot show Ofsted's stock text by counting, the archive can."""
    model = model or default_model()
    return recurring(keys, report_of, reports) | np.isin(np.asarray(keys, dtype=np.int64), model.stock_keys)


def previous_rows(passage_of: np.ndarray) -> np.ndarray:
    """For each sentence, the row of the sentence before it in the same passage, or -1."""
    passage_of = np.asarray(passage_of)
    prev = np.arange(len(passage_of)) - 1
    same = np.zeros(len(passage_of), dtype=bool)
    same[1:] = passage_of[1:] == passage_of[:-1]
    return np.where(same, prev, -1)


def structure_features(codes: np.ndarray, recurring_flags: np.ndarray) -> np.ndarray:
    codes = np.asarray(codes, dtype=np.int64)
    kinds = np.eye(len(KINDS), dtype=np.float32)[codes & 0xF]
    flags = ((codes[:, None] >> (4 + np.arange(STRUCTURE_BITS))) & 1).astype(np.float32)
    return np.hstack([kinds, flags, np.asarray(recurring_flags, dtype=np.float32)[:, None]])


def features(vectors: np.ndarray, previous: np.ndarray, codes: np.ndarray, recurring_flags: np.ndarray) -> np.ndarray:
    """[sentence vector, previous sentence's vector (zeros for a passage's first), structure]."""
    return np.hstack([np.asarray(vectors, dtype=np.float32), np.asarray(previous, dtype=np.float32),
                      structure_features(codes, recurring_flags)])


_WORD = re.compile(r"(?u)\b\w+\b")


def terms(sentence: str) -> list[str]:
    """The sentence's words (runs of letters, digits or '_'), lower case, and each pair of adjacent
    words, as the scikit-learn TfidfVectorizer that trains the model cuts them (evals/roles/train.py)."""
    words = _WORD.findall(sentence.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


@dataclass(frozen=True)
class Lexicon:
    """Learned word weights: a sentence's TF-IDF vector (sublinear counts, the training set's IDF,
    unit length) times `weights` gives its words' share of each role's score."""

    vocabulary: np.ndarray  # sorted terms (str)
    idf: np.ndarray  # (terms,)
    weights: np.ndarray  # (terms, len(ROLES))

    @classmethod
    def empty(cls) -> Lexicon:
        return cls(np.zeros(0, dtype=str), np.zeros(0, dtype=np.float32), np.zeros((0, len(ROLES)), dtype=np.float32))

    def scores(self, sentences: list[str]) -> np.ndarray:
        """(sentences, len(ROLES)) float32: each sentence's words' share of each role's score."""
        out = np.zeros((len(sentences), len(ROLES)), dtype=np.float32)
        if not len(self.vocabulary):
            return out
        index = {t: i for i, t in enumerate(self.vocabulary.tolist())}
        for n, sentence in enumerate(sentences):
            counts: dict[int, int] = {}
            for t in terms(sentence):
                i = index.get(t)
                if i is not None:
                    counts[i] = counts.get(i, 0) + 1
            if counts:
                rows = np.fromiter(counts, dtype=np.int64)
                x = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * self.idf[rows]
                out[n] = (x / np.linalg.norm(x)) @ self.weights[rows]
        return out


@dataclass(frozen=True)
class RoleModel:
    """A multinomial logistic regression over all roles: the role is the column of highest score."""

    weights: np.ndarray  # (features, len(ROLES))
    bias: np.ndarray
    stock_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # sorted keys of the sentences recurring in the training archive
    lexicon: Lexicon = field(default_factory=Lexicon.empty)

    def save(self, path: Path) -> None:
        np.savez_compressed(path, weights=self.weights.astype(np.float32), bias=self.bias.astype(np.float32),
                            stock_keys=np.unique(np.asarray(self.stock_keys, dtype=np.int64)),
                            roles=np.array(ROLES), kinds=np.array(KINDS), vocabulary=np.asarray(self.lexicon.vocabulary, dtype=str),
                            idf=self.lexicon.idf.astype(np.float32), word_weights=self.lexicon.weights.astype(np.float32))

    @classmethod
    def load(cls, path: Path) -> RoleModel:
        with np.load(path) as data:
            if tuple(data["roles"]) != ROLES or tuple(data["kinds"]) != KINDS:
                raise ValueError(f"{path} was trained for other roles or passage kinds: run evals/roles/train.py")
            lexicon = Lexicon(data["vocabulary"], data["idf"], data["word_weights"]) if "vocabulary" in data else Lexicon.empty()
            return cls(data["weights"], data["bias"], data["stock_keys"], lexicon)

    def decide(self, x: np.ndarray, codes: np.ndarray | None = None, lexical: np.ndarray | None = None) -> np.ndarray:
        """The role of highest score (the words' share added, `lexical`, where given); with the
        sentences' structure codes, procedure only where a council paper records a recommendation
        or decision (`PROCEDURAL_PLACE`)."""
        scores = x @ self.weights + self.bias
        if lexical is not None:
            scores += lexical
        if codes is not None:
            elsewhere = (np.asarray(codes, dtype=np.int64) & PROCEDURAL_PLACE) == 0
            scores[elsewhere, ROLE_INDEX["procedure"]] = -np.inf
        return np.argmax(scores, axis=1).astype(np.uint8)


@lru_cache(maxsize=1)
def default_model() -> RoleModel:
    return RoleModel.load(MODEL_PATH)


def roles_of(vectors: np.ndarray, passage_of: np.ndarray, codes: np.ndarray, recurring_flags: np.ndarray,
             lexical: np.ndarray | None = None, model: RoleModel | None = None, batch: int = 65536) -> np.ndarray:
    """The role (index into ROLES) of every sentence, given in passage order: its vector, its
    passage row (to find the previous sentence), its structure code, recurrence and its words'
    scores (`Lexicon.scores`; None: none)."""
    model = model or default_model()
    n = len(codes)
    out = np.zeros(n, dtype=np.uint8)
    prev = previous_rows(passage_of)
    for lo in range(0, n, batch):
        hi = min(n, lo + batch)
        v = np.asarray(vectors[lo:hi], dtype=np.float32)
        p = np.zeros_like(v)
        has = prev[lo:hi] >= 0
        p[has] = np.asarray(vectors[prev[lo:hi][has]], dtype=np.float32)  # rows are sorted: a mapped read stays cheap
        words = None if lexical is None else np.asarray(lexical[lo:hi], dtype=np.float32)
        out[lo:hi] = model.decide(features(v, p, codes[lo:hi], recurring_flags[lo:hi]), codes[lo:hi], words)
    return out


def decide_passages(passages: list, council_paper: dict[str, bool], model: RoleModel | None = None,
                    encoder: str | None = None) -> list[list[tuple[int, int, str]]]:
    """Each passage's sentences as (start, end, role), decided as a build decides them, for passages
    no build holds (`reportqa chunks` without an index of them): the sentences are embedded here, and
    recurrence is counted over these passages' reports (and the training archive's stock text)."""
    from qa.chunk.sentences import split_sentences
    from qa.index.encoder.encode import encode
    from qa.index.encoder.model import BUILD_ENCODER

    spans = [(row, s.start, s.end) for row, p in enumerate(passages) for s in split_sentences(p.text)]
    texts = [passages[row].text[a:b] for row, a, b in spans]
    distinct = {t: k for k, t in enumerate(dict.fromkeys(texts))}
    vectors = encode(list(distinct), encoder=encoder or BUILD_ENCODER, device="cpu", progress=False)
    vectors = vectors[[distinct[t] for t in texts]] if texts else vectors
    reports = {doc: n for n, doc in enumerate(dict.fromkeys(p.doc_id for p in passages))}
    keys = np.array([sentence_key(t) for t in texts], dtype=np.int64)
    codes = np.array([structure(t, passages[row].kind, council_paper.get(passages[row].doc_id, False),
                                passages[row].section) for t, (row, _, _) in zip(texts, spans)], dtype=np.int64)
    report_of = np.array([reports[passages[row].doc_id] for row, _, _ in spans], dtype=np.int64)
    model = model or default_model()
    roles = roles_of(vectors, np.array([row for row, _, _ in spans], dtype=np.int64), codes,
                     recurring_in(keys, report_of, len(reports), model), model.lexicon.scores(texts), model) if spans else []
    out: list[list[tuple[int, int, str]]] = [[] for _ in passages]
    for (row, a, b), role in zip(spans, roles):
        out[row].append((a, b, ROLES[int(role)]))
    return out
