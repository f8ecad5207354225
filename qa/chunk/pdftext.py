"""Layout of plain text extracted from a PDF: paragraph numbers, bullets and (a) labels on lines of their own."""

from __future__ import annotations

import re

from qa.chunk.blocks import _heading_text, _is_short_title
from qa.chunk.clean import clean_inline
from qa.chunk.drop import _blocks
from qa.chunk.model import Line, _Builder, _Draft
from qa.chunk.patterns import (
    _ENDS_SENTENCE,
    _LONE_MARKER,
    _LONE_NUMBER,
    _SIGNATURE,
    _TERMINAL,
)


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

