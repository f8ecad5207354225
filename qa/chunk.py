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

import html
import re
from collections import Counter
from dataclasses import asdict, dataclass, field

from bs4 import BeautifulSoup

from .corpus import Report, read_source
from .tokens import count_tokens

BULLET = "•"

# What the parser removes on purpose, and why. Nothing else of a source is ever dropped.
DROP_RULES: dict[str, str] = {
    "advert": "web page advert placeholders ('Hide Ad')",
    "video promotion": "the news site's video promotion lines",
    "repeated line": "a line repeated by the web page (a photo caption printed three times)",
    "page marker": "a page reference such as 'PSC7' repeated at page breaks",
    "table rule": "a text table's separator row of dashes",
    "table header": "a table's column names, restated in each row's passage",
    "publisher boilerplate": "the publisher's standard closing text, licence notice and address block",
}
_ADVERT = re.compile(r"^\s*Hide Ad\s*$")
_VIDEO_PROMO = re.compile(r"^\s*(Watch more of our videos on Shots!|and live on Freeview channel \d+|Visit Shots! now)\s*$")
_PAGE_MARKER = re.compile(r"^\s*([A-Z]{2,6}\d{1,3})\s*$")
_TABLE_RULE = re.compile(r"^[\s|:]*-{2,}[-\s|:]*$")
_BOILERPLATE_START = re.compile(
    r"^The Office for Standards in Education, Children.s Services and Skills \(Ofsted\) regulates"
)

_INLINE_NUMBER = re.compile(r"^\s*(\d{1,3})\.\s+(?=\S)")
_LONE_NUMBER = re.compile(r"^\s*(\d{1,3})\.\s*$")
_LONE_MARKER = re.compile(r"^\s*(•|\([a-z]\))\s*$")
_BULLET_LINE = re.compile(r"^\s*[-•◼▪●]\s+(?=\S)")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+")
_SECTION_NUMBER = re.compile(r"^\s*(\d{1,2})\.0\s+(?=\S)")  # '2.0 Experiences and progress ...'
_ROW_LABEL = re.compile(r"^\s*(?:<p>)?\s*(\d{1,2}\.\d{1,2})\s*(?:</p>)?\s*$")
_SIGNATURE = re.compile(r"^[A-Z][A-Z'\-]+(?: [A-Z][A-Z'\-]+){1,3}$")  # 'MEERA SPILLETT'
_DATE_LINE = re.compile(
    r"^(\d{1,2}(st|nd|rd|th)? )?(January|February|March|April|May|June|July|August|September|October|November"
    r"|December) \d{4}$"
)
_KEY_VALUE = re.compile(r"^(\*\*)?[A-Z][\w ()']{0,30}:(\*\*)?\s+\S")  # 'Lead inspector: Nicki Shaw'
_TERMINAL = re.compile(r"[.!?…][\"'”’)]*$")
_ENDS_SENTENCE = re.compile(r"[.!?;:][\"'”’)]*$")


@dataclass(frozen=True)
class Passage:
    id: str
    doc_id: str
    label: str
    section: str
    text: str
    source: str
    start: int
    end: int
    tokens: int
    position: int
    spans: tuple[tuple[int, int], ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("spans")
        return data


@dataclass(frozen=True)
class Dropped:
    rule: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Heading:
    text: str
    start: int
    end: int


@dataclass
class Chunked:
    """A report cut into passages, with an account of everything that is not passage text."""

    report: Report
    passages: list[Passage]
    headings: list[Heading]
    dropped: list[Dropped]


@dataclass(frozen=True)
class Line:
    text: str
    start: int
    end: int

    @property
    def blank(self) -> bool:
        return not self.text.strip()


# ----------------------------------------------------------------------------- inline cleaning

_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_MD_EMPHASIS = re.compile(r"(\*\*|\*)(?=\S)(.+?)(?<=\S)\1")


def clean_inline(text: str) -> str:
    """Markup-free text of one line or cell: Markdown emphasis and links, HTML tags, entities."""
    text = _AUTOLINK.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    if "<" in text:
        text = BeautifulSoup(text, "html.parser").get_text()
    else:
        text = html.unescape(text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = text.replace("\u00a0", " ").replace("\t", " ")
    return re.sub(r"[ ]{2,}", " ", text).strip()


def _cell_items(cell: str) -> list[str]:
    """A table cell's content as items: paragraphs as they are, list entries prefixed with '• '."""
    items: list[str] = []
    soup = BeautifulSoup(cell, "html.parser")
    for node in soup.contents:
        name = getattr(node, "name", None)
        text = node.get_text(" ") if name else str(node)
        text = re.sub(r"\s+", " ", html.unescape(text).replace("\u00a0", " ")).strip()
        if not text:
            continue
        if name in ("ul", "ol") or text.startswith(BULLET):
            # A list's entries; where the bullet glyphs were lost, the list stays one entry.
            items.extend(f"{BULLET} {p.strip()}" for p in text.split(BULLET) if p.strip())
        else:
            items.append(text)
    return items


# ----------------------------------------------------------------------------- dropping


def _lines(source: str) -> list[Line]:
    lines, pos = [], 0
    for raw in source.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        lines.append(Line(body, pos, pos + len(body)))
        pos += len(raw)
    return lines


def _drop(lines: list[Line]) -> tuple[list[Line], list[Dropped]]:
    """Apply DROP_RULES; dropped lines become blank separators in what is kept."""
    dropped: list[Dropped] = []
    kept: list[Line] = []
    page_markers = Counter(m.group(1) for ln in lines if (m := _PAGE_MARKER.match(ln.text)))
    recent: list[str] = []

    def drop(rule: str, line: Line) -> None:
        dropped.append(Dropped(rule, line.start, line.end, line.text))
        kept.append(Line("", line.start, line.start))

    for i, line in enumerate(lines):
        text = line.text.strip()
        if _BOILERPLATE_START.match(text):
            tail = [ln for ln in lines[i:] if not ln.blank]
            dropped.append(Dropped("publisher boilerplate", tail[0].start, tail[-1].end, "\n".join(t.text for t in tail)))
            break
        if _ADVERT.match(text):
            drop("advert", line)
        elif _VIDEO_PROMO.match(text):
            drop("video promotion", line)
        elif (m := _PAGE_MARKER.match(text)) and page_markers[m.group(1)] >= 2:
            drop("page marker", line)
        elif _TABLE_RULE.match(line.text) and "-" in text:
            drop("table rule", line)
        elif len(text.split()) >= 4 and text in recent:
            drop("repeated line", line)
        else:
            half = len(text) // 2
            if len(text) % 2 == 0 and len(text.split()) >= 8 and text[:half] == text[half:]:
                lead = line.text.index(text)
                first = Line(text[:half], line.start + lead, line.start + lead + half)
                second = Line(text[half:], first.end, first.end + half)
                kept.append(first)
                dropped.append(Dropped("repeated line", second.start, second.end, second.text))
                text = first.text
            else:
                kept.append(line)
            if text:
                recent = (recent + [text])[-3:]
    return kept, dropped


def _blocks(lines: list[Line]) -> list[list[Line]]:
    blocks: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if line.blank:
            if current:
                blocks.append(current)
            current = []
        else:
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


# ----------------------------------------------------------------------------- assembly


@dataclass
class _Draft:
    """A passage under construction: its label, section, text pieces and source lines."""

    label: str | None
    section: str
    parts: list[list] = field(default_factory=list)  # [marker or None, [Line, ...]]
    lines: list[Line] = field(default_factory=list)
    text: str | None = None  # set when the text is rendered by a special layout (tables)

    def last_text(self) -> str:
        for _, part_lines in reversed(self.parts):
            if part_lines:
                return part_lines[-1].text.strip()
        return ""


class _Builder:
    """Collects drafts and headings while a layout walks through a report."""

    def __init__(self) -> None:
        self.drafts: list[_Draft] = []
        self.headings: list[Heading] = []
        self.dropped: list[Dropped] = []
        self.section = ""

    def heading(self, lines: list[Line], text: str) -> None:
        self.headings.append(Heading(text, lines[0].start, lines[-1].end))
        self.section = text

    def new(self, label: str | None, line: Line | None = None) -> _Draft:
        draft = _Draft(label, self.section)
        if line is not None:
            draft.lines.append(line)
        self.drafts.append(draft)
        return draft


def _heading_text(lines: list[Line]) -> str:
    text = clean_inline(" ".join(_MD_HEADING.sub("", ln.text).strip() for ln in lines))
    return re.sub(r"\s+", " ", text).strip().rstrip(":").strip()


def _is_short_title(text: str, max_words: int = 8) -> bool:
    words = text.split()
    return (
        0 < len(words) <= max_words
        and not re.search(r"[.!?;,]$", text)
        and ":" not in text
        and not _BULLET_LINE.match(text)
        and not _DATE_LINE.match(text)
    )


def _explicit_heading(block: list[Line]) -> bool:
    """A Markdown heading, a numbered section title ('2.0 ...'), or a block wholly in bold."""
    text = block[0].text.strip()
    if _MD_HEADING.match(text) or _SECTION_NUMBER.match(text):
        return True
    joined = " ".join(ln.text.strip() for ln in block)
    return joined.startswith("**") and joined.endswith("**") and joined.count("**") == 2


def _implicit_heading(block: list[Line], next_block: list[Line] | None) -> bool:
    """A short line standing alone ('Introduction', 'Purpose:') that is not a list's lead-in."""
    if len(block) > 1 or next_block is None or _BULLET_LINE.match(next_block[0].text):
        return False
    text = block[0].text.strip()
    label_only = re.fullmatch(r"[A-Z][\w'’ ]{0,30}:", text)  # 'Purpose:', 'Contact Officer:'
    return bool(label_only) or _is_short_title(text)


def _split_cells(line: str) -> list[str]:
    return line.split("\t")


def _is_table_line(line: Line) -> bool:
    return line.text.count("\t") >= 1 and len([c for c in _split_cells(line.text) if c.strip()]) >= 1


def _assemble_blocks(lines: list[Line], builder: _Builder) -> None:
    """Layout where paragraphs, lists, headings and tables are separated by blank lines."""
    blocks = _blocks(lines)
    list_owner: _Draft | None = None  # the draft a following bullet list belongs to
    list_items_open = False
    table: dict | None = None  # {'columns': [...], 'row': _Draft or None, 'cells': [[items], ...]}
    started = False  # past the front matter
    front: _Draft | None = None

    for b, block in enumerate(blocks):
        first = block[0].text.strip()
        nxt = blocks[b + 1] if b + 1 < len(blocks) else None

        if all(_is_table_line(ln) or not ln.text.strip() for ln in block) and _is_table_line(block[0]):
            table = _table_block(block, builder, table)
            list_owner, list_items_open, started = None, False, True
            continue

        if b == 0 and len(block) == 1 and len(first.split()) >= 5 and ":" not in first and not _INLINE_NUMBER.match(first):
            builder.heading(block, _heading_text(block))  # the document's title line
            started = True
            continue
        before_numbered = nxt is not None and _INLINE_NUMBER.match(nxt[0].text)
        if _explicit_heading(block) or (_implicit_heading(block, nxt) and (started or before_numbered)):
            text = _heading_text(block)
            text = _SECTION_NUMBER.sub("", text).rstrip(".").strip() if _SECTION_NUMBER.match(first) else text
            builder.heading(block, text)
            table, list_owner, list_items_open, started = None, None, False, True
            continue
        if not started and len(block) <= 2 and not _TERMINAL.search(block[-1].text.strip()) and not _BULLET_LINE.match(first):
            # Front matter (committee, date, title, author): one passage for the lot.
            front = front or builder.new(None)
            front.parts.extend([None, [ln]] for ln in block)
            front.lines.extend(block)
            continue
        started = True
        previous = builder.drafts[-1] if builder.drafts else None
        if (
            len(block) == 1 and _KEY_VALUE.match(first) and previous is not None and previous.label is None
            and previous.section == builder.section and len(previous.parts) >= 1
            and all(len(pl) == 1 and _KEY_VALUE.match(pl[0].text.strip()) for _, pl in previous.parts)
        ):
            previous.parts.append([None, [block[0]]])  # 'Inspection dates: ...' with 'Lead inspector: ...'
            previous.lines.append(block[0])
            continue
        table = None

        if _BULLET_LINE.match(first):
            owner = list_owner if list_owner is not None and list_owner.section == builder.section else None
            for line in block:
                if _BULLET_LINE.match(line.text):
                    if owner is None:
                        # A list straight under a heading: each point is its own finding.
                        target = builder.new(None)
                        target.parts.append([BULLET, [line]])
                    else:
                        owner.parts.append([BULLET, [line]])
                    (owner or target).lines.append(line)
                else:  # a wrapped continuation of the previous item
                    draft = owner or builder.drafts[-1]
                    draft.parts[-1][1].append(line)
                    draft.lines.append(line)
            list_items_open = owner is not None
            continue

        if list_items_open and list_owner is not None and first[:1].islower():
            for line in block:  # an item broken by a page break
                list_owner.parts[-1][1].append(line)
                list_owner.lines.append(line)
            continue
        list_owner, list_items_open = None, False

        previous = builder.drafts[-1] if builder.drafts else None
        for line in block:
            text = line.text.strip()
            number = _INLINE_NUMBER.match(text)
            if number:
                draft = builder.new(number.group(1), line)
                draft.parts.append([None, [line]])
            elif line is block[0] and previous is not None and previous.section == builder.section and (
                text[:1].islower() and not _TERMINAL.search(previous.last_text())
            ):
                draft = previous  # a paragraph broken by a page break: join it back
                draft.parts[-1][1].append(line)
                draft.lines.append(line)
            elif line is block[0]:
                draft = builder.new(None, line)
                draft.parts.append([None, [line]])
            else:
                draft = builder.drafts[-1]
                draft.parts.append([None, [line]])
                draft.lines.append(line)
            previous = draft

        last = builder.drafts[-1]
        ends = last.last_text()
        lead_in = nxt is not None and _BULLET_LINE.match(nxt[0].text) and not _TERMINAL.search(ends)
        if lead_in:
            if len(block) == 1 and len(ends.split()) <= 3 and len(builder.drafts) >= 2:
                # 'These include:' says nothing alone: it and its list join the paragraph before.
                prior = builder.drafts[-2]
                if prior.section == last.section and prior.label is None and last.label is None:
                    prior.parts.extend(last.parts)
                    prior.lines.extend(last.lines)
                    builder.drafts.pop()
                    last = prior
            list_owner, list_items_open = last, True


def _table_block(block: list[Line], builder: _Builder, table: dict | None) -> dict:
    """One block of tab-separated rows; numbered rows become passages, others one passage."""
    rows = [ln for ln in block if ln.text.strip()]
    header = rows[0]
    header_cells = [clean_inline(c) for c in _split_cells(header.text)]
    header_is_names = all(not c or "<b>" in raw or c[:1].isupper() and len(c.split()) <= 3
                          for c, raw in zip(header_cells, _split_cells(header.text)))
    starts_row = bool(_ROW_LABEL.match(_split_cells(header.text)[0]))
    continues = header.text.startswith("\t") and table is not None and table.get("row") is not None
    numbered = continues or any(_ROW_LABEL.match(_split_cells(ln.text)[0]) for ln in rows)
    if header_is_names and not starts_row and not continues and numbered:
        # Column names of an action plan are restated in each row's passage ('Progress: ...').
        # An unnumbered table (a judgement table) keeps its header as its first line instead.
        builder.dropped.append(Dropped("table header", header.start, header.end, header.text))
        table = {"columns": header_cells, "row": None, "cells": []}
        rows = rows[1:]
    elif table is None or not numbered:
        table = {"columns": [], "row": None, "cells": []}

    plain: _Draft | None = None
    for line in rows:
        cells = _split_cells(line.text)
        label = _ROW_LABEL.match(cells[0])
        if label:
            row = builder.new(label.group(1), line)
            table["row"], table["cells"] = row, [_cell_items(c) for c in cells[1:]]
        elif not cells[0].strip() and table.get("row") is not None:
            row = table["row"]
            row.lines.append(line)
            for k, cell in enumerate(cells[1:]):
                items = _cell_items(cell)
                while len(table["cells"]) <= k:
                    table["cells"].append([])
                held = table["cells"][k]
                if held and items and not items[0].startswith(BULLET) and not _TERMINAL.search(held[-1]):
                    held[-1] = f"{held[-1]} {items.pop(0)}"  # a sentence carried over a page break
                held.extend(items)
        else:
            if plain is None:
                plain = builder.new(None)
            plain.lines.append(line)
            plain.parts.append([None, [Line(": ".join(clean_inline(c) for c in cells if c.strip()), line.start, line.end)]])
            continue
        row.text = _render_row(row.label or "", table["columns"], table["cells"])
    return table


def _render_row(label: str, columns: list[str], cells: list[list[str]]) -> str:
    names = columns[2:] if len(columns) >= len(cells) + 1 else []
    recommendation = " ".join(i.removeprefix(f"{BULLET} ") for i in (cells[0] if cells else []))
    out = [f"Action {label} - {recommendation}".rstrip()]
    for k, items in enumerate(cells[1:]):
        if not items:
            continue
        name = names[k] if k < len(names) and names[k] else ""
        out.append(f"{name}:" if name else "")
        out.extend(items)
    return "\n".join(x for x in out if x)


# ----------------------------------------------------------------------------- PDF layout


def _wrap_width(lines: list[Line]) -> int:
    lengths = sorted(len(ln.text.strip()) for ln in lines if len(ln.text.strip()) > 20)
    return lengths[int(len(lengths) * 0.9)] if lengths else 80


def _items(block: list[Line], wanted: int, width: int) -> list[list[Line]]:
    """Split a block of hard-wrapped text into `wanted` list items where the layout shows it."""
    if wanted <= 1:
        return [block]
    short = 0.6 * width
    items: list[list[Line]] = [[block[0]]]
    for prev, line in zip(block, block[1:]):
        p, t = prev.text.strip(), line.text.strip()
        ends_item = (_ENDS_SENTENCE.search(p) or len(p) < short) and (t[:1].isupper() or t[:1].isdigit())
        if ends_item:
            items.append([line])
        else:
            items[-1].append(line)
    if len(items) < wanted and len(block) == wanted:
        return [[ln] for ln in block]  # one short item per line, as the markers count them
    return items


def _join_wrapped(lines: list[Line], width: int) -> str:
    """Join hard-wrapped lines with spaces, keeping real line breaks (lists, scales)."""
    texts = [clean_inline(ln.text) for ln in lines]
    short = [len(t) < 0.6 * width for t in texts]
    out = texts[0] if texts else ""
    for i in range(1, len(texts)):
        prev, cur = texts[i - 1], texts[i]
        capital = cur[:1].isupper()
        breaks = (
            re.match(r"^\d{1,2} [A-Z]", cur) is not None  # a row of a scale: '3 Performs well ...'
            or (short[i - 1] and capital)  # the line before ended early: it was a line of its own
            or (short[i] and capital and i + 1 < len(texts) and short[i + 1] and not _TERMINAL.search(prev))
        )
        out += ("\n" if breaks else " ") + cur
    return out


def _assemble_pdf(lines: list[Line], builder: _Builder) -> None:
    """Layout of text extracted from a PDF: numbers, bullets and labels on lines of their own."""
    width = _wrap_width(lines)
    blocks = _blocks(lines)
    current: _Draft | None = None
    pending: list[list] = []  # list parts whose marker has no text yet
    deferred: Line | None = None  # a paragraph number waiting for its first text
    front: _Draft | None = None

    def open_list() -> bool:
        return bool(pending) or (current is not None and current.last_text().endswith(":") and not current.parts[-1][0])

    for b, block in enumerate(blocks):
        nxt = blocks[b + 1] if b + 1 < len(blocks) else None
        i = 0
        while i < len(block):
            line = block[i]
            text = line.text.strip()
            if _LONE_NUMBER.match(text):
                if current is not None and open_list():
                    deferred = line  # the list of the paragraph before is still being filled
                else:
                    current, deferred = builder.new(_LONE_NUMBER.match(text).group(1), line), None
                i += 1
                continue
            if _LONE_MARKER.match(text):
                if current is None:
                    current = front = front or builder.new(None)
                part = [_LONE_MARKER.match(text).group(1), []]
                current.parts.append(part)
                current.lines.append(line)
                pending.append(part)
                i += 1
                continue
            # a run of text lines up to the next number or marker line
            j = i
            while j < len(block) and not (_LONE_NUMBER.match(block[j].text) or _LONE_MARKER.match(block[j].text)):
                j += 1
            run = block[i:j]
            i = j
            follows = block[j] if j < len(block) else (nxt[0] if nxt else None)
            is_heading = (
                len(run) == 1 and follows is not None and _LONE_NUMBER.match(follows.text)
                and _is_short_title(run[0].text.strip()) and not pending
            )
            if is_heading:
                builder.heading(run, _heading_text(run))
                continue
            if _SIGNATURE.match(run[0].text.strip()) and not pending:
                current = builder.new(None)  # a signature block closes the numbered paragraphs
                current.parts.append([None, list(run)])
                current.lines.extend(run)
                continue
            if pending:
                for part, item in zip(pending, _items(run, len(pending), width)):
                    part[1].extend(item)
                    current.lines.extend(item)
                leftovers = _items(run, len(pending), width)[len(pending):]
                for item in leftovers:  # more items than markers: they continue the last item
                    pending[-1][1].extend(item)
                    current.lines.extend(item)
                pending = []
                continue
            if deferred is not None:
                current, deferred = builder.new(_LONE_NUMBER.match(deferred.text).group(1), deferred), None
            if current is None:
                current = front = front or builder.new(None)
            current.parts.append([None, list(run)])
            current.lines.extend(run)
    for draft in builder.drafts:
        draft.parts = [p for p in draft.parts if p[1]]  # markers that never got text carry no words
        draft.text = "\n".join(
            (f"{marker} " if marker else "") + _join_wrapped(part_lines, width) for marker, part_lines in draft.parts
        )


# ----------------------------------------------------------------------------- entry points


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


def chunk_text(report: Report, source: str) -> Chunked:
    """Cut one report's source text into passages (see the module docstring)."""
    lines, dropped = _drop(_lines(source))
    builder = _Builder()
    builder.dropped = dropped
    if sum(1 for ln in lines if _LONE_NUMBER.match(ln.text)) >= 3:
        _assemble_pdf(lines, builder)
    else:
        _assemble_blocks(lines, builder)

    passages: list[Passage] = []
    used: Counter[str] = Counter()
    unnumbered = 0
    for draft in builder.drafts:
        text = _render(draft).strip()
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
                spans=spans,
            )
        )
    return Chunked(report, passages, builder.headings, sorted(builder.dropped, key=lambda d: d.start))


def chunk_report(report: Report, corpus_dir=None) -> Chunked:
    return chunk_text(report, read_source(report, corpus_dir))


def chunk_corpus(reports: list[Report], corpus_dir=None) -> list[Passage]:
    return [p for r in reports for p in chunk_report(r, corpus_dir).passages]
