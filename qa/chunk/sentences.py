"""Split a passage's text into sentences with their character offsets.

What it does: cuts a passage's clean text into sentences (each list item or line on its own, then
`sentencex`'s sentence boundaries, re-joining false breaks after abbreviations such as
"Admin. and IT"), returning spans into the passage text, so that a quoted sentence is always a
verbatim slice of its passage.

What it does not do: clean or change text, or decide which sentences matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sentencex import segment

_LIST_MARKER = re.compile(r"^(•|\([a-z]\))\s+")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    pos = 0
    for line in text.split("\n"):
        line_start = pos
        pos += len(line) + 1
        cursor = 0
        pieces: list[tuple[int, int]] = []
        for piece in segment("en", line):
            stripped = piece.strip()
            if not stripped:
                continue
            at = line.index(stripped, cursor)
            cursor = at + len(stripped)
            if pieces and (stripped[0].islower() or stripped[0] in ",;:)"):
                pieces[-1] = (pieces[-1][0], cursor)  # a false break after an abbreviation
            else:
                pieces.append((at, cursor))
        for s, e in pieces:
            out.append(Sentence(line_start + s, line_start + e, line[s:e]))
    return out


def quoted(sentence: str) -> str:
    """A sentence as an answer quotes it: a list marker ('• ', '(a) ') is the list's, not the sentence's."""
    return _LIST_MARKER.sub("", sentence)
