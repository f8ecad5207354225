"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings of passages, fused.

What it does: embeds the question, ranks passages by their best-matching embedding unit (a whole
passage or a window of a long one), ranks them by BM25 on the question plus glossary expansions
(other names of the terms it mentions, weighted lower than the user's own words), and fuses the
two rankings: by default a weighted sum of max-normalised scores, or reciprocal rank fusion. Filters (report ids, kinds, year range) apply before
ranking, so a filtered search returns the best passages within the filter.

What it does not do: select sentences or write answers (that is `qa.answer`); load the index
(that is `qa.index`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from qa.chunk import Passage
from qa.chunk.labels import passage_label
from qa.corpus.catalogue import KINDS, Report
from qa.corpus.places import council_key, find_authority, mentioned, normalise, same_council
from qa.index.encoder.model import model_hash
from qa.index.format import IndexStale
from qa.index.lexical import stems, tokens
from qa.index.load import Index
from qa.index.stores.api import HybridQuery, StoreFilter
from qa.index.vectors import ef_search
from qa.retrieve.glossary import expansion
from qa.retrieve.question_vector import encode_query

MODES = ("hybrid", "dense", "bm25")
# With SearchSettings.sentences, the sentences scored are those of the passages of this many times
# the units read for ranking (and of the BM25 candidates). At the whole archive, against scoring
# every sentence: top-10 overlap 0.63 with 1x and 0.77 with 3x unfiltered (dense + sentences).
SENTENCE_DEPTH = 3


class QueryError(ValueError):
    """A search request that cannot be run as given; the message says why."""


def require_text(text: str, what: str = "the query") -> None:
    """Refuse text that is not valid Unicode (a lone surrogate, a mis-decoded CLI argument):
    no tokenizer or model can take it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryError(f"{what} contains characters that are not valid text (check its encoding)") from None


@dataclass(frozen=True)
class Filters:
    doc_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    authorities: tuple[str, ...] = ()  # councils, however written ("<council>", "<council> City Council")

    @classmethod
    def from_dict(cls, data: dict | None) -> "Filters":
        """From the JSON/CLI form: {"doc": id or [ids], "kind": ..., "year_from": int, "year_to": int}."""
        if data is None or data == {}:
            return cls()
        if not isinstance(data, dict):
            raise QueryError("filters must be an object such as {\"doc\": \"ofsted-ilacs-2024\"}")
        unknown = set(data) - {"doc", "doc_id", "doc_ids", "kind", "kinds", "year_from", "year_to", "authority"}
        if unknown:
            raise QueryError(f"unknown filter(s): {', '.join(sorted(unknown))}")

        def many(*keys: str) -> tuple[str, ...]:
            values: list[str] = []
            for key in keys:
                value = data.get(key)
                if value in (None, "", []):
                    continue
                items = [value] if isinstance(value, str) else value
                if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
                    raise QueryError(f"filter {key!r} must be a string or a list of strings")
                values.extend(items)
            return tuple(values)

        def year(key: str) -> int | None:
            value = data.get(key)
            if value is None or value == "":
                return None
            text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
            if not re.fullmatch(r"\d{4}", text):
                raise QueryError(f"filter {key!r} must be a year such as 2014, not {value!r}")
            return int(text)

        return cls(many("doc", "doc_id", "doc_ids"), many("kind", "kinds"), year("year_from"), year("year_to"),
                   many("authority"))

    def check(self, reports: dict[str, Report]) -> None:
        for doc_id in self.doc_ids:
            if doc_id not in reports:
                raise QueryError(f"no report with id {doc_id!r}; known ids: {', '.join(reports)}")
        for kind in self.kinds:
            if kind not in KINDS:
                raise QueryError(f"unknown kind {kind!r}; kinds are: {', '.join(KINDS)}")
        if self.year_from and self.year_to and self.year_from > self.year_to:
            raise QueryError(f"year_from {self.year_from} is after year_to {self.year_to}")


    def allows(self, report: Report) -> bool:
        return (
            (not self.doc_ids or report.id in self.doc_ids)
            and (not self.kinds or report.kind in self.kinds)
            and (self.year_from is None and self.year_to is None or report.in_years(self.year_from, self.year_to))
            and (not self.authorities or any(same_council(report.authority, a) for a in self.authorities))
        )

    def to_dict(self) -> dict:
        return {"doc": list(self.doc_ids), "kind": list(self.kinds), "year_from": self.year_from, "year_to": self.year_to,
                "authority": list(self.authorities)}


@dataclass(frozen=True)
class SearchSettings:
    mode: str = "hybrid"
    # Defaults chosen by evals/retrieval.py on evals/dev.jsonl (figures in the README): score fusion
    # with glossary expansion at a quarter weight gave the best recall@5.
    glossary: bool = True  # add other names of glossary terms to the BM25 query
    expansion_weight: float = 0.25  # BM25 weight of the added names against the user's own words
    fusion: str = "score"  # "score" (weighted, max-normalised scores) or "rrf" (reciprocal rank)
    rrf_k: int = 60
    dense_weight: float = 0.5  # with fusion="score": share of the dense score
    sentences: bool = False  # dense score of a passage is also its best single sentence's
    candidates: int = 100  # how deep each ranking is read before fusion
    # A word of the question in at most this share of passages is rare: a passage holding one of
    # the question's rare words ranks above every passage holding none (0: no such rule).
    rare_share: float = 0.0


@dataclass(frozen=True)
class Hit:
    passage: Passage
    report: Report
    score: float
    dense_rank: int | None
    bm25_rank: int | None
    dense_score: float = 0.0

    @property
    def url(self) -> str:
        return passage_url(self.passage)


def citation_name(report: Report, passage: Passage, label: str | None = None) -> str:
    """How a citation names a passage, its council first where its title does not name it:
    '<council>: Ofsted ILACS 2024, para 37', '..., action 2.1', '..., summary'.

    label: the passage's name when the caller has it with its ordinal (`qa.chunk.labels.report_labels`)."""
    title = report.short_title
    if report.authority and normalise(report.authority) not in normalise(title):
        council = find_authority(report.authority)
        title = f"{council.display if council else report.authority}: {title}"
    return f"{title}, {label or passage_label(passage)}"


def passage_url(passage: Passage, base: str = "") -> str:
    """The passage in its report page: relative, or absolute under `base` ('https://host/prefix')."""
    return f"{base.rstrip('/')}/reports/{passage.doc_id}#p{passage.label}"


class Allowed:
    """The passages a filter allows, as row ranges (one per allowed report: a report's passages are
    one contiguous run of rows), and the embedding units of those passages."""

    def __init__(self, starts: np.ndarray, ends: np.ndarray, units: np.ndarray) -> None:
        self.starts, self.ends, self.units = starts, ends, units

    def contains(self, rows: np.ndarray) -> np.ndarray:
        """Which of the given passage rows the filter allows (a search per row: O(k log reports))."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(self.starts) == 0:
            return np.zeros(len(rows), dtype=bool)
        at = np.searchsorted(self.starts, rows, side="right") - 1
        return (at >= 0) & (rows < self.ends[np.maximum(at, 0)])


@dataclass
class Retriever:
    """Ranks passages for a query. Per question it touches the k nearest embedding units, the
    postings of the query's words in BM25 and, with `sentences`, the sentences of those candidate
    passages only: nothing that grows with the whole collection but the postings of common words.
    A filter costs one check per report, once per distinct filter (cached)."""

    index: Index
    settings: SearchSettings = field(default_factory=SearchSettings)
    # a Qdrant store (qa.index.stores) searched instead of the index's FAISS and BM25 files: one
    # hybrid query per question, the filter applied in the engine; None: the local files, as before
    store: object | None = None

    def __post_init__(self) -> None:
        from functools import lru_cache

        if self.settings.mode != "bm25" and self.index.manifest.get("model_sha256") != model_hash():
            raise IndexStale("the embedding model changed since the index was built: run `reportqa index` to rebuild it")
        self._allowed_by_filter = lru_cache(maxsize=64)(self._allowed_uncached)

    def _allowed(self, filters: Filters) -> Allowed | None:
        if filters == Filters():
            return None
        filters.check(self.index.reports)
        return self._allowed_by_filter(filters)

    def _allowed_uncached(self, filters: Filters) -> Allowed:
        """The filter's passages from the reports it allows: one check per report, not per passage."""
        index = self.index
        reports = filters.doc_ids or index.report_rows  # named reports: only those are looked at
        spans = [index.report_rows[doc_id] for doc_id in dict.fromkeys(reports)
                 if doc_id in index.report_rows and filters.allows(index.reports[doc_id])]
        starts = np.array(sorted(lo for lo, _ in spans), dtype=np.int64)
        ends = np.array(sorted(hi for _, hi in spans), dtype=np.int64)
        first, last = np.searchsorted(index.unit_passage, starts), np.searchsorted(index.unit_passage, ends)
        units = np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in zip(first, last)] or [np.zeros(0, np.int64)])
        return Allowed(starts, ends, units)

    def dense_scores(self, query_vector: np.ndarray, allowed: Allowed | None,
                     also: np.ndarray | None = None) -> dict[int, float]:
        """Best unit score of each candidate passage (a long passage scores by its best window):
        the nearest units through `Index.search_units` (exact over a selective filter). With
        `sentences`, a passage also scores by its best sentence, among the sentences of candidate
        passages only: those of the SENTENCE_DEPTH times as many nearest units, and `also` (the
        caller's BM25 candidates), not every sentence of the collection."""
        index = self.index
        depth = min(index.faiss.ntotal, max(self.settings.candidates * 3, 50))
        units = None if allowed is None else allowed.units
        deeper = depth * SENTENCE_DEPTH if self.settings.sentences else depth
        scores, ids = index.search_units(query_vector, deeper, units)
        rows = np.asarray(index.unit_passage)[ids[ids >= 0]].astype(np.int64)
        best: dict[int, float] = {}
        for score, row in zip(scores[ids >= 0][:depth].tolist(), rows[:depth].tolist()):
            if score > best.get(row, -1.0):
                best[row] = score
        if self.settings.sentences:
            candidates = np.unique(np.concatenate([rows, np.asarray(also if also is not None else [], dtype=np.int64)]))
            if allowed is not None:
                candidates = candidates[allowed.contains(candidates)]
            sentence_ids, owners = index.sentence_ids(candidates)
            if len(sentence_ids):
                sims = np.asarray(index.sentence_vectors[sentence_ids]) @ np.asarray(query_vector, dtype=np.float32)
                top = np.argsort(-sims, kind="stable")[:depth]
                for sim, row in zip(sims[top].tolist(), owners[top].tolist()):
                    if sim > best.get(row, -1.0):
                        best[row] = sim
        return best

    def _bm25(self, text: str) -> np.ndarray | None:
        """BM25 of the text's words, one float32 per passage, read from the postings of its words
        only and summed word by word in float32, as bm25s.get_scores sums them; None when no word
        of the text is in the index."""
        bm25 = self.index.bm25
        vocab = bm25.vocab_dict
        ptr, rows, data = bm25.scores["indptr"], bm25.scores["indices"], bm25.scores["data"]
        columns = len(ptr) - 1
        ids = [vocab[t] for t in tokens(text) if vocab.get(t, columns) < columns]
        if not ids:
            return None
        if getattr(bm25, "nonoccurrence_array", None) is not None:  # BM25L/BM25+: every passage scores
            return bm25.get_scores([t for t in tokens(text) if t in vocab])
        total = np.zeros(int(bm25.scores["num_docs"]), dtype=np.float32)
        for i in ids:
            a, b = int(ptr[i]), int(ptr[i + 1])
            np.add.at(total, rows[a:b], data[a:b])
        return total

    def bm25_scores(self, query: str, allowed: Allowed | None, extra: list[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """BM25 of the query's words, plus the glossary's other names for its terms at a lower weight
        (`extra`: given by the caller who matched the glossary already, else matched here): the
        allowed passages that score above zero, as (rows, scores)."""
        total = self._bm25(query)
        if self.settings.glossary:
            extra = expansion(query) if extra is None else extra
            if extra:
                more = self._bm25(" ".join(extra))
                if more is not None:
                    more = self.settings.expansion_weight * more  # float32, as before
                    total = more if total is None else total + more
        if total is None:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        rows = np.flatnonzero(total > 0)
        if allowed is not None:
            rows = rows[allowed.contains(rows)]
        return rows, total[rows]

    def rare_rows(self, query: str, topic: frozenset[str] | None = None) -> frozenset[int]:
        """The passages holding a rare word of the query: one in at most `rare_share` of the passages
        (by BM25's postings), among `topic` (the stems the caller counts as the question's subject,
        not its frame: 'say', 'find'), never a council's name (a filter scopes councils, not a word)."""
        share = self.settings.rare_share
        if not share:
            return frozenset()
        bm25 = self.index.bm25
        vocab, ptr = bm25.vocab_dict, bm25.scores["indptr"]
        columns, limit = len(ptr) - 1, share * int(bm25.scores["num_docs"])
        places = stems(" ".join(a.display for a in mentioned(query)))
        rows: set[int] = set()
        for t in dict.fromkeys(tokens(query)):
            i = vocab.get(t, columns)
            if topic is not None and t not in topic:
                continue
            if i < columns and t not in places and 0 < int(ptr[i + 1]) - int(ptr[i]) <= limit:
                rows.update(bm25.scores["indices"][int(ptr[i]):int(ptr[i + 1])].tolist())
        return frozenset(rows)

    def search(self, query: str, k: int = 10, filters: Filters | dict | None = None, *,
               vector: np.ndarray | None = None, extra: list[str] | None = None,
               topic: frozenset[str] | None = None) -> list[Hit]:
        """The k best passages for a query within the filters. `vector` (the query's embedding),
        `extra` (glossary expansions) and `topic` (the stems of its subject, for `rare_rows`) may be
        given by a caller that analysed the question already."""
        query = (query or "").strip()
        if not query:
            raise QueryError("the query is empty")
        require_text(query)
        if not isinstance(k, int) or k < 1 or k > 100:
            raise QueryError("k must be a whole number from 1 to 100")
        filters = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
        if self.store is not None:
            return self._store_search(query, k, filters, vector, extra, topic)
        allowed = self._allowed(filters)
        mode = self.settings.mode
        depth = max(self.settings.candidates, k)

        bm25_rank: dict[int, int] = {}
        lexical: dict[int, float] = {}
        if mode in ("hybrid", "bm25"):
            rows, scores = self.bm25_scores(query, allowed, extra)
            ranked = _top(rows, scores, depth)
            bm25_rank = {row: n for n, row in enumerate(ranked.tolist(), 1)}
            lexical = dict(zip(ranked.tolist(), scores[np.searchsorted(rows, ranked)].tolist()))
        dense_rank: dict[int, int] = {}
        dense: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            also = np.fromiter(bm25_rank, dtype=np.int64, count=len(bm25_rank))
            dense = self.dense_scores(encode_query(query) if vector is None else vector, allowed, also)
            rows = np.fromiter(dense, dtype=np.int64, count=len(dense))
            ranked = _top(rows, np.fromiter(dense.values(), dtype=np.float64, count=len(dense)), depth)
            dense_rank = {row: n for n, row in enumerate(ranked.tolist(), 1)}

        fused: dict[int, float] = {}
        if self.settings.fusion == "score" and mode == "hybrid":
            top_dense = max((dense[r] for r in dense_rank), default=1.0) or 1.0
            top_bm25 = max((lexical[r] for r in bm25_rank), default=1.0) or 1.0
            w = self.settings.dense_weight
            for row in set(dense_rank) | set(bm25_rank):
                d = max(dense.get(row, 0.0), 0.0) / top_dense if row in dense_rank else 0.0
                b = lexical[row] / top_bm25 if row in bm25_rank else 0.0
                fused[row] = w * d + (1 - w) * b
        else:
            for ranks in (dense_rank, bm25_rank):
                for row, rank in ranks.items():
                    fused[row] = fused.get(row, 0.0) + 1.0 / (self.settings.rrf_k + rank)
        rare = self.rare_rows(query, topic)
        best = sorted(fused, key=lambda row: (row not in rare, -fused[row], row))[:k]
        return [
            Hit(
                self.index.passages[row],
                self.index.reports[self.index.passages[row].doc_id],
                fused[row],
                dense_rank.get(row),
                bm25_rank.get(row),
                dense.get(row, 0.0),
            )
            for row in best
        ]

    def _store_search(self, query: str, k: int, filters: Filters, vector: np.ndarray | None,
                      extra: list[str] | None, topic: frozenset[str] | None = None) -> list[Hit]:
        """The k best passages from the store: the question's vector and its stems (the glossary's
        other names at `expansion_weight`). The local score fusion (max-normalised scores, weighted)
        has no engine equivalent, so the store reads both rankings with their scores in the engine,
        within the filter, and fuses them as the local store does (fusion "score"); fusion="rrf"
        asks the engine for weighted RRF. The rare-word rule (`rare_rows`) orders the hits after."""
        if filters != Filters():
            filters.check(self.index.reports)
        mode, s = self.settings.mode, self.settings
        terms: dict[str, float] = {}
        if mode in ("hybrid", "bm25"):
            for t in tokens(query):
                terms[t] = terms.get(t, 0.0) + 1.0
            if s.glossary:
                extra = expansion(query) if extra is None else extra
                for t in tokens(" ".join(extra or [])):
                    terms[t] = terms.get(t, 0.0) + s.expansion_weight
        dense = None
        if mode in ("hybrid", "dense"):
            dense = encode_query(query) if vector is None else vector
        store_filter = StoreFilter(filters.doc_ids, filters.kinds, filters.year_from, filters.year_to,
                                   tuple(council_key(a) for a in filters.authorities))
        found = self.store.search(HybridQuery(dense, terms, store_filter, limit=k, depth=max(s.candidates, k),
                                              fusion=s.fusion, rrf_k=s.rrf_k,
                                              dense_weight=s.dense_weight, sentences=s.sentences,
                                              hnsw_ef=ef_search(len(self.index.unit_passage))))
        hits = []
        unit_passage = np.asarray(self.index.unit_passage)
        for h in found:
            row = self.index.by_id.get(h.passage.id)
            report = self.index.reports.get(h.passage.doc_id)
            if row is None or report is None:  # in the store, not (yet) in the local build: skipped, as a stale hit
                continue
            passage = self.index.passages[row]
            best = 0.0
            lo, hi = np.searchsorted(unit_passage, [row, row + 1])
            if dense is not None and hi > lo:  # the passage's best unit, as the answer stage reads it
                best = float(np.max(np.asarray(self.index.unit_vectors[lo:hi]) @ np.asarray(dense, dtype=np.float32)))
            hits.append(Hit(passage, report, h.score, None, None, best))
        rare = self.rare_rows(query, topic)
        return sorted(hits, key=lambda h: self.index.by_id[h.passage.id] not in rare) if rare else hits


def _top(rows: np.ndarray, values: np.ndarray, depth: int) -> np.ndarray:
    """The rows of the `depth` best values, best first, ties by row: a partial selection, not a
    sort of them all."""
    if len(rows) > depth:
        kth = np.partition(-values, depth - 1)[depth - 1]
        chosen = np.flatnonzero(-values <= kth)  # every row tied with the depth-th best too
        rows, values = rows[chosen], values[chosen]
    return rows[np.lexsort((rows, -values))][:depth]
