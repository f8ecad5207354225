"""What a reader sees for a passage: "para 37", "action 2.1", "summary", "improvement point 3".

What it does: turns a passage's internal label (the parser's "37", "1.1", "fn4", or "s2" for a
passage the report does not number) and its kind into the name a councillor or journalist would
use to find it in the report. `passage_label` names one passage from itself alone (the number it
carries, else its kind); `report_labels` names every passage of one or more reports, adding the
ordinal a passage without a number of its own has among its report's passages of the same kind
("improvement point 3", "summary 2"), which only the report's passages can tell.

What it does not do: change labels, ids or anchors (`#p<label>` links keep the parser's labels).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from qa.chunk import Passage

# A label the report prints: "37", "1.1", "2.3.1"; "-2" when the numbering restarts (an annex).
_NUMBER = re.compile(r"(\d+(?:\.\d+)*)(?:-(\d+))?")
_FOOTNOTE = re.compile(r"fn(\d+)(?:-(\d+))?")

# What each kind is called when the passage carries no number of its own.
NAMES = {
    "paragraph": "paragraph",
    "summary": "summary",
    "facts": "report facts",
    "judgement table": "judgement table",
    "improvement point": "improvement point",
    "point": "point",
    "footnote": "footnote",
    "action row": "action",
    "table": "table",
}


def _series(repeat: str | None) -> str:
    return f" (series {repeat})" if repeat else ""


def is_action_row(passage: Passage) -> bool:
    """An action-plan row: so kinded by the parser, or (indexes built before kinds) told by its text."""
    return passage.kind == "action row" or (passage.kind == "paragraph" and passage.text.startswith("Action ")
                                            and bool(_NUMBER.fullmatch(passage.label)))


def is_numbered_paragraph(passage: Passage) -> bool:
    """A paragraph that carries the report's own number ("37", "1.1")."""
    return passage.kind == "paragraph" and bool(_NUMBER.fullmatch(passage.label)) and not is_action_row(passage)


def passage_label(passage: Passage, ordinal: int | None = None, *, numbered_report: bool = False) -> str:
    """The passage's name for a reader.

    ordinal: its place among its report's passages of the same kind that carry no number, when the
    report has more than one of them (see `report_labels`). numbered_report: the report numbers its
    other paragraphs, so an unnumbered one is called "unnumbered paragraph", not to be taken for one
    of them.
    """
    label = passage.label
    number = _NUMBER.fullmatch(label)
    if is_action_row(passage):
        return f"action {number.group(1)}{_series(number.group(2))}" if number else _named("action", ordinal)
    if number and passage.kind == "paragraph":
        return f"para {number.group(1)}{_series(number.group(2))}"
    if passage.kind == "footnote" and (note := _FOOTNOTE.fullmatch(label)):
        return f"footnote {note.group(1)}{_series(note.group(2))}"
    name = NAMES.get(passage.kind) or passage.kind or "passage"
    if number:  # a kind the parser numbered from the report itself ("improvement point" "3")
        return f"{name} {number.group(1)}{_series(number.group(2))}"
    if passage.kind == "paragraph" and numbered_report:
        name = "unnumbered paragraph"
    return _named(name, ordinal)


def _named(name: str, ordinal: int | None) -> str:
    return f"{name} {ordinal}" if ordinal else name


def report_labels(passages: Iterable[Passage]) -> dict[str, str]:
    """passage id -> its name for a reader, for every passage given (whole reports, any order).

    A passage without a number of its own gets its ordinal among its report's passages of the same
    kind when there are several: the report's 4 improvement points are "improvement point 1" to
    "improvement point 4", its one judgement table "judgement table".
    """
    by_report: dict[str, list[Passage]] = defaultdict(list)
    for p in passages:
        by_report[p.doc_id].append(p)
    out: dict[str, str] = {}
    for group in by_report.values():
        group.sort(key=lambda p: p.position)
        numbered = any(is_numbered_paragraph(p) for p in group)
        unnumbered = [p for p in group if _needs_ordinal(p)]
        totals = Counter(p.kind for p in unnumbered)
        seen: Counter[str] = Counter()
        for p in group:
            ordinal = None
            if _needs_ordinal(p):
                seen[p.kind] += 1
                ordinal = seen[p.kind] if totals[p.kind] > 1 else None
            out[p.id] = passage_label(p, ordinal, numbered_report=numbered)
    return out


def _needs_ordinal(passage: Passage) -> bool:
    """The passage has no number to be found by: its name needs its place among its kind."""
    if passage.kind == "footnote":
        return not _FOOTNOTE.fullmatch(passage.label)
    return not _NUMBER.fullmatch(passage.label)
