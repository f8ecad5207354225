"""Layout of text whose paragraphs, lists, headings and tab-separated tables are separated by blank lines."""

from __future__ import annotations

import re

from qa.chunk.clean import _cell_items, clean_inline
from qa.chunk.drop import _blocks
from qa.chunk.model import Dropped, Line, _Builder, _Draft
from qa.chunk.patterns import (
    _BULLET_LINE,
    _DATE_LINE,
    _INLINE_NUMBER,
    _KEY_VALUE,
    _MD_HEADING,
    _ROW_LABEL,
    _SECTION_NUMBER,
    _TERMINAL,
    BULLET,
)


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
                        target.kind = "improvement point" if "improve" in builder.section.lower() else "point"
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
            row.kind = "action row"
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
                plain.kind = "table"
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

