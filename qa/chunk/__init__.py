"""Cut a report into citable passages at the report's own numbered paragraphs.

What it does: reads one report's text as stored (Markdown-ish text with HTML fragments, web
articles, or text extracted from a PDF) and returns an ordered list of `Passage`s. Each passage
carries the report's own number (`37`, `1.1`; unnumbered blocks get `s1`, `s2`, ...), the
section heading it sits under, clean readable text (markup gone, hard-wrapped lines joined,
detached bullets and `(a)` labels re-attached) and the character spans of the source it came
from. Text dropped on purpose (web debris, page markers, publisher boilerplate) is only what
`DROP_RULES` names, and every drop is reported, so a test can prove nothing else is lost.

What it does not do: embed, index or rank; split a long paragraph (a paragraph longer than the
embedding window stays whole for citation, and the index windows it); edit source files.

Layouts handled:
- numbered paragraphs written inline (`37. Care leavers ...`), one or more per block;
- PDF extraction where each paragraph number stands on its own line, lines are hard-wrapped
  and bullet characters and `(a)`-`(g)` labels were emitted apart from their text;
- bullet lists (`-`, `•`, `◼`), kept with their lead-in sentence;
- tab-separated tables: numbered rows (an action plan: `1.1`, `2.1`, continued across page
  breaks) become one passage a row; unnumbered tables (a judgement table) one passage.
"""

from __future__ import annotations

import re
from collections import Counter

from qa.chunk.blocks import _assemble_blocks
from qa.chunk.clean import clean_inline
from qa.chunk.drop import DROP_RULES, _drop, _lines
from qa.chunk.furniture import FURNITURE_RULES, strip_furniture
from qa.chunk.model import Chunked, Dropped, Heading, Line, Passage, _Builder, _Draft
from qa.chunk.ofsted import assemble_ofsted
from qa.chunk.ofsted import render as render_ofsted
from qa.chunk.patterns import (
    _BULLET_LINE,
    _INLINE_NUMBER,
    _LONE_NUMBER,
    _TERMINAL,
    BULLET,
)
from qa.chunk.pdftext import _assemble_pdf
from qa.chunk.token_count import count_tokens
from qa.corpus.catalogue import Report, read_source
from qa.corpus.extract import PAGE_BREAK

_GRADE_END = re.compile(r"(Outstanding|Good|Requires improvement(?: to be good)?|Inadequate)\s*$", re.I)

__all__ = ["BULLET", "DROP_RULES", "FURNITURE_RULES", "Chunked", "Dropped", "Heading", "Passage", "chunk_corpus", "chunk_report", "chunk_text", "clean_inline"]


def _render(draft: _Draft) -> str:
    if draft.text is not None:
        return draft.text
    out: list[str] = []
    for marker, part_lines in draft.parts:
        texts = []
        for k, line in enumerate(part_lines):
            t = line.text
            if k == 0:
                t = _INLINE_NUMBER.sub("", t, count=1) if draft.label and draft.label.isdigit() and not out else t
                t = _BULLET_LINE.sub("", t, count=1)
            texts.append(clean_inline(t))
        body = ""
        for t in (t for t in texts if t):
            soft = marker or (body and t[:1].islower() and not _TERMINAL.search(body))
            body = f"{body}{' ' if soft else chr(10)}{t}" if body else t
        out.append(f"{BULLET} {body}" if marker else body)
    return "\n".join(o for o in out if o)


def _spans(lines: list[Line], source: str) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for line in sorted(lines, key=lambda ln: ln.start):
        s, e = line.start, line.end
        if merged and not source[merged[-1][1]:s].strip():
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return tuple((s, e) for s, e in merged)


def _kind(draft: _Draft, text: str) -> str:
    """The draft's kind; a plain table all of whose rows end in a grade is a judgement table."""
    rows = text.splitlines()[1:]
    if draft.kind == "table" and rows and all(_GRADE_END.search(r) for r in rows):
        return "judgement table"
    return draft.kind


def chunk_text(report: Report, source: str) -> Chunked:
    """Cut one report's source text into passages (see the module docstring)."""
    builder = _Builder()
    render = _render
    if PAGE_BREAK in source:  # the text of a PDF, page by page (qa.corpus.extract)
        furniture = strip_furniture(source)
        builder.dropped = furniture.dropped
        assemble_ofsted(furniture, builder)
        render = render_ofsted
    else:
        lines, builder.dropped = _drop(_lines(source))
        if sum(1 for ln in lines if _LONE_NUMBER.match(ln.text)) >= 3:
            _assemble_pdf(lines, builder)
        else:
            _assemble_blocks(lines, builder)

    passages: list[Passage] = []
    used: Counter[str] = Counter()
    unnumbered = 0
    for draft in builder.drafts:
        text = render(draft).strip()
        if not text:
            continue
        label = draft.label
        if label is None:
            unnumbered += 1
            label = f"s{unnumbered}"
        used[label] += 1
        if used[label] > 1:  # a report whose numbering restarts (an annex): keep ids unique
            label = f"{label}-{used[label]}"
        spans = _spans(draft.lines, source)
        passages.append(
            Passage(
                id=f"{report.id}#{label}",
                doc_id=report.id,
                label=label,
                section=draft.section,
                text=text,
                source=report.file,
                start=spans[0][0],
                end=spans[-1][1],
                tokens=count_tokens(text),
                position=len(passages),
                kind=_kind(draft, text),
                spans=spans,
            )
        )
    return Chunked(report, passages, builder.headings, sorted(builder.dropped, key=lambda d: d.start))


def chunk_report(report: Report, corpus_dir=None) -> Chunked:
    return chunk_text(report, read_source(report, corpus_dir))


def chunk_corpus(reports: list[Report], corpus_dir=None) -> list[Passage]:
    return [p for r in reports for p in chunk_report(r, corpus_dir).passages]
