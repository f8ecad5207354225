"""What the parser removes on purpose (`DROP_RULES`), and the split of a source into lines and blocks."""

from __future__ import annotations

import re
from collections import Counter

from qa.chunk.model import Dropped, Line

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

