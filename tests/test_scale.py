"""A question's work does not grow with the collection: shown by counting what it reads, not by timing.

The seed index is repeated into synthetic indexes of two sizes (evals/synthetic.py, four times
apart); their passages, sentence and unit vectors and BM25 postings are wrapped so that every read
is counted and any read of a whole array fails. The same questions then read about as much at
either size, BM25 aside, which reads exactly the postings of the question's words (a common word's
postings grow with the collection: that is BM25's own cost, a vectorised sum per word).

Not covered: a filter allowing a share of the whole collection (a kind of report, a span of years)
is searched exactly over its units while they are at most a fifth of all (`Index.search_units`), so
its cost grows with that share; a filter to reports or councils stays bounded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evals.synthetic import synthetic_index  # noqa: E402

QUESTIONS = [
    "Do young people who have left care pay council tax?",
    "What did inspectors say about care leavers?",
    "How long do kids wait for mental health help?",
    "Is supervision a recurring weakness?",
    "Summarise the 2024 inspection",
    "What rating did Oxfordshire get for care leavers?",
    "Has the council got better at recruiting foster carers since 2014?",
    "What is a LADO?",
    "Are social workers' caseloads manageable?",
]


PER_REPORT = {"allows", "check", "_allowed", "_allowed_uncached", "from_dict"}  # Filters' checks of one report


class WholeRead(AssertionError):
    pass


class Counted:
    """An array whose reads are counted by rows; reading all of it at once fails."""

    def __init__(self, array: np.ndarray, name: str, slices_only: bool = False) -> None:
        self.array, self.name, self.slices_only = array, name, slices_only
        self.read = 0

    def __getitem__(self, key):
        if self.slices_only and not isinstance(key, slice):
            raise WholeRead(f"{self.name} read other than by postings: {type(key).__name__}")
        out = self.array[key]
        rows = out.shape[0] if getattr(out, "ndim", 0) >= 1 else 1
        if rows == len(self.array) and len(self.array) > 1000:
            raise WholeRead(f"all of {self.name} read at once")
        self.read += rows
        return out

    def __len__(self) -> int:
        return len(self.array)

    @property
    def shape(self):
        return self.array.shape

    @property
    def dtype(self):
        return self.array.dtype

    def __array__(self, dtype=None, copy=None):
        raise WholeRead(f"{self.name} converted to an array whole")

    def __iter__(self):
        raise WholeRead(f"{self.name} iterated whole")


class CountedList(list):
    """The passage list: items read are counted; iterating over all of it fails."""

    read = 0

    def __getitem__(self, key):
        out = super().__getitem__(key)
        self.read += len(out) if isinstance(key, slice) else 1
        return out

    def __iter__(self):
        raise WholeRead("every passage iterated")


def instrument(index):
    """Wrap what a question reads (after the start-up work a server does once has been done)."""
    from qa.answer import Answerer
    from qa.retrieve.retriever import Retriever

    index.report_rows, index.judgement_tables, index.sentence_offsets  # noqa: B018 - computed once, at load
    answerer = Answerer(Retriever(index))
    answerer.themes  # noqa: B018 - built once, at the first recurring question
    index.passages = CountedList(index.passages)
    index.sentence_vectors = Counted(index.sentence_vectors, "sentence vectors")
    index.unit_vectors = Counted(np.asarray(index.unit_vectors), "unit vectors")
    scores = index.bm25.scores
    postings = {"data": Counted(np.asarray(scores["data"]), "BM25 scores", True),
                "indices": Counted(np.asarray(scores["indices"]), "BM25 rows", True)}
    index.bm25.scores = {**scores, **postings}
    return answerer, postings


def reads(index, answerer, postings) -> list[dict]:
    """What each question reads, and how many lines of the project's Python it runs (a loop over
    every passage or every score in Python shows there, where numpy's own work does not)."""
    from qa.retrieve.question_vector import clear_query_cache, encode_query

    qa_dir = str(Path(__file__).resolve().parent.parent / "qa")
    retrieve = str(Path(qa_dir) / "retrieve.py")
    lines = {"ranking": 0, "rest": 0}

    def trace(frame, event, arg):
        code = frame.f_code
        if code.co_filename.startswith(qa_dir):
            if event == "line":
                name = frame.f_back.f_code.co_name if code.co_name.startswith("<") and frame.f_back else code.co_name
                # ranking: retrieval less its per-report filter checks (a filter is checked once per report)
                ranking = code.co_filename == retrieve and name not in PER_REPORT
                lines["ranking" if ranking else "rest"] += 1
            return trace
        return None

    out = []
    for question in QUESTIONS:
        counters = (index.passages, index.sentence_vectors, index.unit_vectors, *postings.values())
        for c in counters:
            c.read = 0
        clear_query_cache()
        encode_query(question)  # the model's cache warmed: what is counted is the question's own work
        lines.update(ranking=0, rest=0)
        sys.settrace(trace)
        try:
            answerer.answer(question)
        finally:
            sys.settrace(None)
        out.append({"passages": index.passages.read, "sentences": index.sentence_vectors.read,
                    "units": index.unit_vectors.read, "postings": postings["indices"].read, **lines})
    return out


@pytest.fixture(scope="module")
def two_sizes(index):
    small = synthetic_index(index, 4_000, index_type="hnsw")
    large = synthetic_index(index, 16_000, index_type="hnsw")
    return [(s, *instrument(s)) for s in (small, large)]


def test_the_synthetic_index_is_what_it_says(two_sizes, index):
    (small, *_), (large, *_) = two_sizes
    assert len(small.passages) >= 4_000 and len(large.passages) >= 16_000 and len(large.passages) > 3.5 * len(small.passages)
    assert small.passages[0] == index.passages[0] and large.faiss.ntotal == len(large.unit_passage)


def test_a_question_reads_no_whole_array_and_as_much_at_four_times_the_size(two_sizes):
    (small, *rest_small), (large, *rest_large) = two_sizes
    at_small, at_large = reads(small, *rest_small), reads(large, *rest_large)
    more_reports = len(large.reports) - len(small.reports)
    for question, a, b in zip(QUESTIONS, at_small, at_large):
        for what in ("passages", "sentences", "units"):
            # the same question reads about the same amount: the hits, their sentences, one council's reports
            assert b[what] <= 1.5 * a[what] + 200, (question, what, a[what], b[what])
        # ranking runs as many lines of Python at either size: no loop over passages or scores
        assert b["ranking"] <= 1.5 * a["ranking"] + 200, (question, a["ranking"], b["ranking"])
        # the rest may check each report (filters, ratings, the reports a question names), no more
        assert b["rest"] <= 1.5 * a["rest"] + 50 * more_reports, (question, a["rest"], b["rest"])
        assert b["passages"] < len(large.passages) / 4, question


def test_bm25_reads_only_the_postings_of_the_questions_words(two_sizes):
    from qa.retrieve.glossary import expansion
    from qa.index.lexical import tokenize

    large, answerer, postings = two_sizes[1]
    retriever = answerer.retriever
    ptr, vocab = large.bm25.scores["indptr"], large.bm25.vocab_dict
    for question in QUESTIONS:
        postings["indices"].read = 0
        retriever.bm25_scores(question, None)
        words = tokenize([question])[0] + tokenize([" ".join(expansion(question))])[0]
        assert postings["indices"].read == sum(int(ptr[vocab[w] + 1] - ptr[vocab[w]]) for w in words if w in vocab)


def test_the_sentence_pass_scores_the_candidates_sentences_not_all(two_sizes):
    from qa.retrieve.question_vector import encode_query
    from qa.retrieve.retriever import Retriever, SearchSettings

    large = two_sizes[1][0]
    retriever = Retriever(large, SearchSettings(sentences=True))
    large.sentence_vectors.read = 0
    retriever.search("Do young people who have left care pay council tax?", k=10,
                     vector=encode_query("Do young people who have left care pay council tax?"))
    assert 0 < large.sentence_vectors.read < len(large.sentence_vectors) / 4


def test_the_answerer_starts_without_reading_a_passage(index):
    """Start-up reads the collection's words from the BM25 index (qa.index.vocabulary), not the passages."""
    from qa.answer import Answerer
    from qa.retrieve.retriever import Retriever

    small = synthetic_index(index, 2_000, index_type="flat")
    small.passages = CountedList(small.passages)
    answerer = Answerer(Retriever(small))
    assert small.passages.read == 0 and answerer.guards.known_word("Supervision")
