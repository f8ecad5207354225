"""The records the parser produces (passages, drops, headings) and the drafts it builds them from."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from qa.corpus.catalogue import Report


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
    kind: str = "paragraph"  # paragraph | summary | facts | judgement table | improvement point | point | footnote | action row | table
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



@dataclass
class _Draft:
    """A passage under construction: its label, section, text pieces and source lines."""

    label: str | None
    section: str
    parts: list[list] = field(default_factory=list)  # [marker or None, [Line, ...]]
    lines: list[Line] = field(default_factory=list)
    text: str | None = None  # set when the text is rendered by a special layout (tables)
    kind: str = "paragraph"

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

