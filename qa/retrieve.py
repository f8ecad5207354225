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

from .chunk import Passage
from .corpus import KINDS, Report
from .glossary import expansion
from .index import Index
from .places import same_council

MODES = ("hybrid", "dense", "bm25")


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
    authorities: tuple[str, ...] = ()  # councils, however written ("Dorset", "Leeds City Council")

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
            and (self.year_from is None or report.year >= self.year_from)
            and (self.year_to is None or report.year <= self.year_to)
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

    def to_dict(self, label: str | None = None) -> dict:
        """The hit as JSON; `label`: the passage's name for a reader when the caller knows its
        report's passages (`qa.labels.report_labels`: "improvement point 3"), else from itself."""
        from .labels import passage_label

        p, r = self.passage, self.report
        label = label or passage_label(p)
        return {
            "id": p.id,
            "doc_id": p.doc_id,
            "label": p.label,  # the anchor's label (#p<label>)
            "display_label": label,  # what a reader sees: para 37, summary, improvement point 3, ...
            "section": p.section,
            "title": r.title,
            "short_title": r.short_title,
            "date": r.date,
            "kind": r.kind,
            "authority": r.authority,
            "passage_kind": p.kind,  # paragraph, summary, judgement table, improvement point, ...
            "citation": citation_name(r, p, label),
            "text": p.text,
            "score": round(self.score, 6),
            "dense_rank": self.dense_rank,
            "bm25_rank": self.bm25_rank,
            "url": self.url,
        }


def citation_name(report: Report, passage: Passage, label: str | None = None) -> str:
    """How a citation names a passage: 'Ofsted ILACS 2024, para 37', '..., action 2.1', '..., summary'.

    label: the passage's name when the caller has it with its ordinal (`qa.labels.report_labels`)."""
    from .labels import passage_label

    return f"{report.short_title}, {label or passage_label(passage)}"


def passage_url(passage: Passage, base: str = "") -> str:
    """The passage in its report page: relative, or absolute under `base` ('https://host/prefix')."""
    return f"{base.rstrip('/')}/reports/{passage.doc_id}#p{passage.label}"


@dataclass
class Retriever:
    index: Index
    settings: SearchSettings = field(default_factory=SearchSettings)

    def __post_init__(self) -> None:
        from .embed import model_hash
        from .index import IndexStale

        if self.settings.mode != "bm25" and self.index.manifest.get("model_sha256") != model_hash():
            raise IndexStale("the embedding model changed since the index was built: run `reportqa index` to rebuild it")

    def _allowed(self, filters: Filters) -> np.ndarray | None:
        """A mask over passage rows, built from the reports the filters allow (one check per report,
        not per passage: a report's passages are one contiguous run of rows)."""
        if filters == Filters():
            return None
        filters.check(self.index.reports)
        allowed = np.zeros(len(self.index.passages), dtype=bool)
        for doc_id, (lo, hi) in self.index.report_rows.items():
            if filters.allows(self.index.reports[doc_id]):
                allowed[lo:hi] = True
        return allowed

    def dense_scores(self, query_vector: np.ndarray, allowed: np.ndarray | None) -> dict[int, float]:
        """Best unit score of each candidate passage (a long passage scores by its best window)."""
        import faiss

        index = self.index
        depth = min(index.faiss.ntotal, max(self.settings.candidates * 3, 50))
        params = None
        if allowed is not None:
            units = np.flatnonzero(allowed[index.unit_passage]).astype(np.int64)
            if len(units) == 0:
                return {}
            depth = min(depth, len(units))
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(units))
        scores, ids = index.faiss.search(query_vector.reshape(1, -1), depth, params=params)
        best: dict[int, float] = {}
        for score, unit in zip(scores[0], ids[0]):
            if unit < 0:
                continue
            row = int(index.unit_passage[unit])
            best[row] = max(best.get(row, -1.0), float(score))
        if self.settings.sentences:
            sims = index.sentence_vectors @ query_vector
            rows = index.sentence_spans[:, 0]
            if allowed is not None:
                sims = np.where(allowed[rows], sims, -1.0)
            for i in np.argsort(-sims)[:depth]:
                row = int(rows[i])
                if allowed is None or allowed[row]:
                    best[row] = max(best.get(row, -1.0), float(sims[i]))
        return best

    def bm25_scores(self, query: str, allowed: np.ndarray | None, extra: list[str] | None = None) -> np.ndarray:
        """BM25 of the query's words, plus the glossary's other names for its terms at a lower weight
        (`extra`: given by the caller who matched the glossary already, else matched here)."""
        from .lexical import tokenize

        vocab = self.index.bm25.vocab_dict

        def scores(text: str) -> np.ndarray:
            known = [t for t in tokenize([text])[0] if t in vocab]
            if not known:
                return np.zeros(len(self.index.passages), dtype=np.float32)
            return self.index.bm25.get_scores(known)

        total = scores(query)
        if self.settings.glossary:
            extra = expansion(query) if extra is None else extra
            if extra:
                total = total + self.settings.expansion_weight * scores(" ".join(extra))
        if allowed is not None:
            total = np.where(allowed, total, 0.0)
        return total

    def search(self, query: str, k: int = 10, filters: Filters | dict | None = None, *,
               vector: np.ndarray | None = None, extra: list[str] | None = None) -> list[Hit]:
        """The k best passages for a query within the filters. `vector` (the query's embedding) and
        `extra` (glossary expansions) may be given by a caller that analysed the question already."""
        from .embed import encode_query

        query = (query or "").strip()
        if not query:
            raise QueryError("the query is empty")
        require_text(query)
        if not isinstance(k, int) or k < 1 or k > 100:
            raise QueryError("k must be a whole number from 1 to 100")
        filters = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
        allowed = self._allowed(filters)
        mode = self.settings.mode
        depth = max(self.settings.candidates, k)

        dense_rank: dict[int, int] = {}
        dense: dict[int, float] = {}
        if mode in ("hybrid", "dense"):
            dense = self.dense_scores(encode_query(query) if vector is None else vector, allowed)
            ordered = sorted(dense, key=lambda row: (-dense[row], row))[:depth]
            dense_rank = {row: n for n, row in enumerate(ordered, 1)}
        bm25_rank: dict[int, int] = {}
        if mode in ("hybrid", "bm25"):
            lexical = self.bm25_scores(query, allowed, extra)
            ordered = [int(r) for r in np.lexsort((np.arange(len(lexical)), -lexical)) if lexical[r] > 0][:depth]
            bm25_rank = {row: n for n, row in enumerate(ordered, 1)}

        fused: dict[int, float] = {}
        if self.settings.fusion == "score" and mode == "hybrid":
            top_dense = max((dense[r] for r in dense_rank), default=1.0) or 1.0
            top_bm25 = max((float(lexical[r]) for r in bm25_rank), default=1.0) or 1.0
            w = self.settings.dense_weight
            for row in set(dense_rank) | set(bm25_rank):
                d = max(dense.get(row, 0.0), 0.0) / top_dense if row in dense_rank else 0.0
                b = float(lexical[row]) / top_bm25 if row in bm25_rank else 0.0
                fused[row] = w * d + (1 - w) * b
        else:
            for ranks in (dense_rank, bm25_rank):
                for row, rank in ranks.items():
                    fused[row] = fused.get(row, 0.0) + 1.0 / (self.settings.rrf_k + rank)
        best = sorted(fused, key=lambda row: (-fused[row], row))[:k]
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
