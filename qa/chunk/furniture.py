"""Page furniture of a PDF's text: what is printed on the page but is not the report's text.

What it does: given the text of a PDF (pages separated by form feeds, as `qa.corpus.extract`
gives it), finds running headers and footers (lines repeated at the top or bottom of many pages,
digits aside: "Inspection of Dorset local authority children's services / 17 to 21 March 2025 3"),
page numbers, footnotes and their markers, a contents page, and the publisher's closing
boilerplate (licence, copyright and address block), and returns the remaining lines of each page
with every removal listed as a `Dropped` with its rule, so a test can prove nothing else is lost.

    page_lines, dropped = strip_furniture(pdf_text)
    -> [[Line("Inspection of Dorset local", 0, 26), ...], ...], [Dropped("running header", ...), ...]

Footnote texts are not thrown away: they come back in `Furniture.footnotes` (number, lines) so the
layout can keep them as passages of their own; only the marker digits in the text are dropped.

What it does not do: decide what a paragraph, heading or table is (`qa.chunk.ofsted`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from qa.chunk.model import Dropped, Line
from qa.corpus.extract import PAGE_BREAK

FURNITURE_RULES: dict[str, str] = {
    "running header": "a line repeated at the top of many pages (report title, inspection dates)",
    "running footer": "a line repeated at the bottom of many pages",
    "page number": "a page's number printed alone at its top or bottom",
    "footnote marker": "the digit that points from the text to a footnote",
    "contents": "the table of contents, which lists sections and page numbers",
    "publisher boilerplate": "the publisher's standard closing text, licence notice, copyright and address",
}

_EDGE = 2  # lines looked at from the top and from the bottom of each page
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?$", re.I)
_FOOTNOTE = re.compile(r"^(\d{1,2})\s+(?=[A-Z‘'“(a-z])")
_BOILERPLATE = re.compile(
    r"^(The Office for Standards in Education, Children.s Services and Skills \(Ofsted\)(?: regulates|$)"
    r"|Any complaints about the inspection or the report should be made"
    r"|Ofsted is the Office for Standards in Education"
    r"|If you would like a copy of this document in a different format)"
)
# A footnote marker: digits glued to the end of a word, or after a word's full stop ("board1",
# "placement.2"), never after a digit ("2.1 Adoption" is a row number).
_MARKER = re.compile(r"(?:(?<=[a-z’'\)])|(?<=[a-z][.,?]))(\d{1,2})(?=\s|$)")
_COPYRIGHT = re.compile(r"^©\s*Crown copyright\s*\d{4}$")


@dataclass
class Furniture:
    pages: list[list[Line]]  # each page's remaining (non-blank) lines, in order
    dropped: list[Dropped] = field(default_factory=list)
    footnotes: list[tuple[str, list[Line]]] = field(default_factory=list)


def page_lines(text: str) -> list[list[Line]]:
    """The non-blank lines of each page, with their offsets in `text`."""
    pages: list[list[Line]] = []
    pos = 0
    for page in text.split(PAGE_BREAK):
        lines: list[Line] = []
        for raw in page.split("\n"):
            if raw.strip():
                lead = len(raw) - len(raw.lstrip())
                lines.append(Line(raw.strip(), pos + lead, pos + lead + len(raw.strip())))
            pos += len(raw) + 1
        pages.append(lines)
    return pages


def _shape(text: str) -> str:
    return _DIGITS.sub("#", text.lower())


def _repeated_edges(pages: list[list[Line]]) -> tuple[set[str], set[str]]:
    """Line shapes that recur at the top (or bottom) of at least 40% of pages, and of 2 or more."""
    tops: Counter[str] = Counter()
    bottoms: Counter[str] = Counter()
    for lines in pages:
        tops.update({_shape(ln.text) for ln in lines[:_EDGE]})
        bottoms.update({_shape(ln.text) for ln in lines[-_EDGE:]})
    needed = max(2, int(0.4 * len(pages) + 0.5))
    return {s for s, n in tops.items() if n >= needed}, {s for s, n in bottoms.items() if n >= needed}


def _boilerplate(pages: list[list[Line]]) -> set[tuple[int, int]]:
    """(page, line) of every line of the publisher's closing text: from one of its opening lines to
    the "© Crown copyright" line that closes it (or the end). A PDF that binds two reports together
    (a council's inspection and its LSCB review) has one such block after each."""
    inside = False
    found: set[tuple[int, int]] = set()
    for p, lines in enumerate(pages):
        for i, line in enumerate(lines):
            inside = inside or bool(_BOILERPLATE.match(line.text))
            if inside:
                found.add((p, i))
                inside = not _COPYRIGHT.match(line.text)
    return found


def _footnotes(lines: list[Line]) -> tuple[list[tuple[str, list[Line]]], int]:
    """Footnotes at the foot of a page: (number, lines) each, and where they begin.

    A footnote is a line at the foot of the page starting with a number whose marker appears
    earlier on the page, glued to a word ("board1") or on a line of its own."""
    body = " ".join(ln.text for ln in lines)
    found: list[tuple[str, list[Line]]] = []
    start = len(lines)
    for i in range(len(lines) - 1, 0, -1):
        m = _FOOTNOTE.match(lines[i].text)
        if not m:
            continue
        number = m.group(1)
        earlier = " ".join(ln.text for ln in lines[:i])
        if re.search(_MARKER.pattern.replace(r"\d{1,2}", number), earlier) or any(ln.text == number for ln in lines[:i]):
            found.insert(0, (number, lines[i:start]))
            start = i
    return (found, start) if found and body else ([], len(lines))


def _marker_drops(lines: list[Line], numbers: set[str]) -> tuple[list[Line], list[Dropped]]:
    """Remove footnote markers from the text: a lone marker line, or digits glued to a word."""
    kept: list[Line] = []
    dropped: list[Dropped] = []
    for line in lines:
        if line.text in numbers:
            dropped.append(Dropped("footnote marker", line.start, line.end, line.text))
            continue
        m = _MARKER.search(line.text)
        if m and m.group(1) in numbers:
            cut = line.start + m.start()
            dropped.append(Dropped("footnote marker", cut, cut + len(m.group(1)), m.group(1)))
            text = line.text[: m.start()] + line.text[m.end():]
            kept.append(Line(text, line.start, line.end))
        else:
            kept.append(line)
    return kept, dropped


def _without_contents(lines: list[Line], drop) -> list[Line]:
    """A "Contents" line and the entries after it that end in a page number are dropped."""
    for i, line in enumerate(lines):
        if line.text.lower() == "contents":
            j = i + 1
            while j < len(lines) and re.search(r"\s\d{1,3}$", lines[j].text):
                j += 1
            if j - i >= 3:
                drop("contents", lines[i:j])
                return lines[:i] + lines[j:]
    return lines


def strip_furniture(text: str) -> Furniture:
    """Split a PDF's text into pages of content lines and a list of what was dropped (see above)."""
    pages = page_lines(text)
    out = Furniture(pages=[])
    tops, bottoms = _repeated_edges(pages)
    closing = _boilerplate(pages)

    def drop(rule: str, lines: list[Line]) -> None:
        if lines:
            out.dropped.append(Dropped(rule, lines[0].start, lines[-1].end, "\n".join(ln.text for ln in lines)))

    for p, lines in enumerate(pages):
        if any((p, i) in closing for i in range(len(lines))):
            block = [ln for i, ln in enumerate(lines) if (p, i) in closing]
            drop("publisher boilerplate", block)
            lines = [ln for i, ln in enumerate(lines) if (p, i) not in closing]
        kept: list[Line] = []
        header = 0  # lines dropped at the top so far: until a line is kept, the top edge begins after them
        for i, line in enumerate(lines):
            at_top = i < _EDGE or (not kept and i < _EDGE + header)
            at_bottom = i >= len(lines) - _EDGE
            shape = _shape(line.text)
            if (at_top or at_bottom) and _PAGE_NUMBER.match(line.text):
                drop("page number", [line])
                header += at_top
            elif at_top and shape in tops:
                drop("running header", [line])
                header += 1
            elif at_bottom and shape in bottoms:
                drop("running footer", [line])
            elif _COPYRIGHT.match(line.text):
                drop("publisher boilerplate", [line])
            else:
                kept.append(line)
        kept = _without_contents(kept, drop)
        notes, start = _footnotes(kept)
        if notes:
            out.footnotes.extend(notes)
            kept, markers = _marker_drops(kept[:start], {n for n, _ in notes})
            out.dropped.extend(markers)
        out.pages.append(kept)
    out.dropped.sort(key=lambda d: d.start)
    return out
