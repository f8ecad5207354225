"""The one JSON shape of everything a reader or a script receives: passages, hits, citations,
answers and judgement rows, with labels and links resolved here.

What it does: defines pydantic models (`PassageOut`, `HitOut`, `CitationOut`, `AnswerOut`,
`SearchOut`, `JudgementRowOut`) and one function per model that makes it from the
core's records, naming every passage as a reader names it ("para 37", "improvement point 3", with
its ordinal from the report's own passages) and linking it under a base address ('' for links
relative to the web app, 'https://host/prefix' for the CLI's `--base-url`). `reportqa ... --json`,
the JSON API and `/api/openapi.json`'s response schemas all come from these models, so they cannot
differ.

    answer_out(answer, labels, base="https://reportqa.example.org").citations[0].citation
        -> "Leeds ILACS 2025, para 37"

What it does not do: answer, retrieve or read requests (the stages before it and `web.models`).
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from qa.answer.model import Answer, Citation
from qa.chunk import Passage
from qa.chunk.labels import passage_label, report_labels
from qa.corpus.catalogue import Report
from qa.corpus.places import find_authority
from qa.retrieve.judgements import JudgementRow, judgement_key
from qa.retrieve.retriever import Hit, citation_name, passage_url


class PassageOut(BaseModel):
    """A passage named for a reader, with its report and a link to it."""

    id: str = Field(description="the passage's id: '<report id>#<label>'")
    doc_id: str = Field(description="the report's id")
    label: str = Field(description="the passage's label in its report's anchors (#p<label>): '37', 's2'")
    display_label: str = Field(description="the passage as a reader names it: 'para 37', 'action 2.1', 'summary', "
                                           "'judgement table', 'improvement point 3'")
    citation: str = Field(description="report and passage, the council named: 'Leeds ILACS 2025, para 37'")
    section: str = Field(description="the report's heading the passage sits under")
    title: str
    short_title: str
    date: str = Field(description="the report's date (ISO: YYYY, YYYY-MM or YYYY-MM-DD)")
    kind: str = Field(description="the kind of report: inspection report, council paper, news article")
    authority: str = Field(description="the council the report is about")
    passage_kind: str = Field(description="paragraph, summary, judgement table, improvement point, ...")
    text: str
    url: str = Field(description="the passage in its report page")


class HitOut(PassageOut):
    """A passage ranked for a query."""

    score: float
    dense_rank: int | None
    bm25_rank: int | None


class CitationOut(PassageOut):
    """A numbered citation of an answer: the passage and the sentences of it the answer quotes."""

    n: int = Field(description="the marker [n] in the answer text")
    quote: str = Field(description="the quoted sentences, ' … ' between sentences that are not adjacent")
    quote_spans: list[list[int]] = Field(description="[start, end] of each quoted sentence in `text`")
    report_url: str = Field(description="the report page at the passage, its quoted sentences marked")


class AnswerOut(BaseModel):
    question: str
    standalone_query: str = Field(description="the question as answered: a follow-up made standalone")
    answer: str = Field(description="the answer text; each point ends with its citation marker [n]")
    abstained: bool = Field(description="true when the collection cannot answer; `reason` says why")
    reason: str
    intent: str = Field(description="the kind of answer given: fact, broad, judgement, change-over-time, ...")
    citations: list[CitationOut]
    passages: list[HitOut] = Field(description="the passages retrieved, best first")


class SearchOut(BaseModel):
    query: str
    results: list[HitOut]


class GradeOut(BaseModel):
    name: str = Field(description="the judgement as the report names it")
    key: str = Field(description="canonical key, e.g. overall_effectiveness, care_leavers")
    grade: str = Field(description="outstanding | good | requires improvement | inadequate | ...")
    url: str = Field(description="the report page at the judgement table, this grade's line marked")


class JudgementRowOut(BaseModel):
    doc_id: str
    authority: str
    council: str = Field(description="the council's usual name")
    file: str
    published: str
    inspection_start: str
    inspection_end: str
    framework: str
    lead_inspector: str
    passage_id: str | None = Field(description="the report's judgement table passage")
    year: int
    report_url: str
    judgements: list[GradeOut]


def reader_labels(index, hits) -> dict[str, str]:
    """Each passage's name for a reader, with its ordinal in its report ("improvement point 3"),
    for every report the hits come from."""
    return report_labels(p for doc_id in dict.fromkeys(h.passage.doc_id for h in hits) for p in index.passages_of(doc_id))


def passage_out(passage: Passage, report: Report, labels: dict[str, str], base: str = "") -> dict:
    """The fields every passage shown to a reader carries."""
    label = labels.get(passage.id) or passage_label(passage)
    return {
        "id": passage.id, "doc_id": passage.doc_id, "label": passage.label, "display_label": label,
        "citation": citation_name(report, passage, label), "section": passage.section, "title": report.title,
        "short_title": report.short_title, "date": report.date, "kind": report.kind, "authority": report.authority,
        "passage_kind": passage.kind, "text": passage.text, "url": passage_url(passage, base),
    }


def hit_out(hit: Hit, labels: dict[str, str], base: str = "") -> HitOut:
    return HitOut(**passage_out(hit.passage, hit.report, labels, base), score=round(hit.score, 6),
                  dense_rank=hit.dense_rank, bm25_rank=hit.bm25_rank)


def report_link(passage: Passage, spans, base: str = "") -> str:
    """The passage inside its report, its quoted sentences marked (`?mark=<label>:<start>-<end>,...`)."""
    if not spans:
        return passage_url(passage, base)
    mark = ",".join(f"{s}-{e}" for s, e in spans)
    return f"{base.rstrip('/')}/reports/{passage.doc_id}?mark={passage.label}:{mark}#p{passage.label}"


def citation_out(citation: Citation, labels: dict[str, str], base: str = "") -> CitationOut:
    spans = [[int(s), int(e)] for s, e in citation.spans]
    hit = citation.hit
    return CitationOut(**passage_out(hit.passage, hit.report, labels, base), n=citation.n, quote=citation.quote,
                       quote_spans=spans, report_url=report_link(hit.passage, spans, base))


def answer_out(answer: Answer, labels: dict[str, str], base: str = "") -> AnswerOut:
    return AnswerOut(
        question=answer.question, standalone_query=answer.standalone_query, answer=answer.answer,
        abstained=answer.abstained, reason=answer.reason, intent=answer.intent,
        citations=[citation_out(c, labels, base) for c in answer.citations],
        passages=[hit_out(h, labels, base) for h in answer.passages],
    )


def search_out(query: str, hits: list[Hit], labels: dict[str, str], base: str = "") -> SearchOut:
    return SearchOut(query=query, results=[hit_out(h, labels, base) for h in hits])


def _grade_url(passage: Passage, key: str, base: str) -> str:
    """The judgement table in its report page, the line giving this grade marked when found."""
    pos = 0
    for line in passage.text.split("\n"):
        name = re.sub(r"^\s*\d+(?:\.\d+)?\.?\s+", "", line.rpartition(":")[0])
        if name and judgement_key(name) == key:
            start = pos + len(line) - len(line.lstrip())
            return report_link(passage, [(start, pos + len(line.rstrip()))], base)
        pos += len(line) + 1
    return passage_url(passage, base)


def judgement_row_out(index, row: JudgementRow, base: str = "") -> JudgementRowOut:
    """A row with the council's usual name and links to its judgement table, each grade's line marked."""
    authority = find_authority(row.authority)
    passage = index.passages[index.by_id[row.passage_id]] if row.passage_id in index.by_id else None
    report_url = passage_url(passage, base) if passage else f"{base.rstrip('/')}/reports/{row.doc_id}"
    grades = [GradeOut(name=g.name, key=g.key, grade=g.grade,
                       url=_grade_url(passage, g.key, base) if passage else report_url) for g in row.judgements]
    return JudgementRowOut(
        doc_id=row.doc_id, authority=row.authority, council=authority.display if authority else row.authority,
        file=row.file, published=row.published, inspection_start=row.inspection_start,
        inspection_end=row.inspection_end, framework=row.framework, lead_inspector=row.lead_inspector,
        passage_id=row.passage_id, year=row.year, report_url=report_url, judgements=grades,
    )


def dump(model: BaseModel | list[BaseModel]) -> object:
    """A model (or a list of them) as plain JSON data."""
    if isinstance(model, list):
        return [m.model_dump(mode="json") for m in model]
    return model.model_dump(mode="json")
