"""Picked sentences rendered as an answer text with numbered citations.

What it does: writes the direct answer first (its sentences on one line, each point ending with
its marker), then one group per report, led by the report's council, name, kind and date (leads
carry no marker and say nothing beyond catalogue metadata), its points one a line. A point is one
or more verbatim sentences of one passage followed by that passage's marker once; a judgement
table or an action-plan row is one line a row. Each citation carries the spans of the sentences
it quotes, so a reader (and the web page) can highlight them without splitting sentences again.

    <Council>: Ofsted ILACS 2024 — inspection report, 2024
    Strengths:
    - Care leavers are exempt from council tax. They receive ... [3]

What it does not do: choose sentences (`qa.answer.select`, `qa.answer.kinds`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.answer.model import Answer, Citation, Picked
from qa.answer.select import GRADE_LINE
from qa.chunk.sentences import quoted
from qa.corpus.catalogue import Report
from qa.corpus.places import normalise
from qa.retrieve.retriever import Hit, citation_name, passage_url


TABLES = ("judgement table", "table", "facts")  # passages quoted a row a line


def named(report: Report, lead: str) -> str:
    """A group's lead with its council in front, unless the report's short title names it already."""
    return lead if normalise(report.authority) in normalise(report.short_title) else f"{report.authority}: {lead}"


def report_lead(report: Report) -> str:
    return named(report, f"{report.short_title} — {report.kind}, {report.date}")


def section_grade(section: str) -> str | None:
    m = GRADE_LINE.search(section or "")
    return m.group(1).lower() if m else None


@dataclass
class Section:
    """Points under a heading of a group ('Strengths:'); a heading of None writes none."""

    heading: str | None
    items: list[Picked]


@dataclass
class Group:
    report: Report
    sections: list[Section]
    note: str = ""  # after the lead: ' — judgement for this area: Good'
    lead: str = ""  # instead of the report's usual lead


@dataclass
class Writer:
    """Numbers citations in order of first use and collects what each quotes."""

    cited: dict[int, Citation] = field(default_factory=dict)  # passage row -> citation
    quotes: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)

    def mark(self, items: list[Picked], marker: bool = True) -> str:
        """One point: the items' sentences (one passage, in order, " … " where text between them is
        left out) and its marker once (none for a table row that is not its block's last)."""
        first = items[0]
        if first.row not in self.cited:
            self.cited[first.row] = Citation(len(self.cited) + 1, first.hit, "")
            self.quotes[first.row] = []
        lines = [line for p in items for line in lines_of(p)]
        for line in lines:
            if line not in self.quotes[first.row]:
                self.quotes[first.row].append(line)
        return joined(first.hit.passage.text, lines) + (f" [{self.cited[first.row].n}]" if marker else "")

    def points(self, items: list[Picked]) -> list[str]:
        """One point per run of sentences of one passage; rows of a structured passage one a line;
        an action-plan row as its action and its progress (an action quoted without its progress misleads)."""
        out: list[str] = []
        run: list[Picked] = []
        rows: dict[int, Picked] = {}
        for p in items:
            if p.hit.passage.kind == "action row":
                rows.setdefault(p.row, p)
        items = [p for p in items if p.hit.passage.kind != "action row"]
        items += [q for p in rows.values() for q in action_row(p)]
        ordered = sorted(items, key=lambda p: (p.hit.passage.position, p.start))
        for k, p in enumerate(ordered):
            if p.hit.passage.kind in TABLES:  # a row a line, the table's marker once, after its last row
                if run:
                    out.append(self.mark(run))
                    run = []
                last = k + 1 == len(ordered) or ordered[k + 1].row != p.row
                out.append(self.mark([p], marker=last))
            elif run and p.row == run[-1].row:
                run.append(p)
            else:
                if run:
                    out.append(self.mark(run))
                run = [p]
        if run:
            out.append(self.mark(run))
        return out

    def citations(self) -> list[Citation]:
        out = []
        for row, c in self.cited.items():
            quotes = sorted(self.quotes[row])
            out.append(Citation(c.n, c.hit, joined(c.hit.passage.text, quotes), tuple((s, e) for s, e, _ in quotes)))
        return sorted(out, key=lambda c: c.n)


def joined(text: str, lines: list[tuple[int, int, str]]) -> str:
    """Lines of one passage (start, end, line) as quoted: " … " where the passage's text between
    two of them is left out, a space where they are adjacent."""
    out, end = "", None
    for start, stop, line in lines:
        gap = end is not None and text[end:start].strip()
        out += (" … " if gap else " ") + line if out else line
        end = stop
    return out


def lines_of(p: Picked) -> list[tuple[int, int, str]]:
    """A point's text as quoted, line by line with each line's span: one sentence (its list marker
    is the list's, not the sentence's), or a lead-in followed by its list items, markers kept."""
    out = []
    pos = p.start
    for k, line in enumerate(p.text.split("\n")):
        text = line.strip()
        if k == 0:
            text = quoted(text)
        if text:
            start = pos + line.index(text)
            out.append((start, start + len(text), text))
        pos += len(line) + 1
    return out


def action_row(p: Picked) -> list[Picked]:
    """An action-plan row as a point: its first line (the action) and the lines after 'Progress:'."""
    text = p.hit.passage.text
    first = text.split("\n", 1)[0]
    pieces = [(0, len(first))]
    at = text.find("\nProgress:")
    if at >= 0:
        pos = at + 1
        for line in text[at + 1:].split("\n"):
            if line.strip():
                pieces.append((pos, pos + len(line)))
            pos += len(line) + 1
    return [Picked(p.hit, p.row, s, e, p.score, text[s:e], p.concern, -1) for s, e in pieces]


def render(writer: Writer, direct: list[Picked], groups: list[Group], intro: str = "", intro_first: bool = True) -> str:
    """The answer's text: its introduction, its direct reply (the reply first where `intro_first` is
    False), then each report's group: its lead, its sub-headings and its points as a list."""
    said = [" ".join(writer.points(direct)), ""] if direct else []
    lines: list[str] = [] if intro_first else said
    if intro:
        lines += [intro, ""]
    if intro_first:
        lines += said
    for group in groups:
        if not any(s.items for s in group.sections):
            continue
        lines.append((group.lead or report_lead(group.report)) + group.note)
        for section in group.sections:
            if not section.items:
                continue
            if section.heading:
                lines.append(section.heading)
            lines += ["- " + point for point in writer.points(section.items)]
        lines.append("")
    return "\n".join(lines).strip()


def answer_from(query, writer: Writer, text: str, shown: list[Hit]) -> Answer:
    return Answer(query.question, query.text, text, False, writer.citations(), shown, intent=query.intent)


def composed(query, shown: list[Hit], direct: list[Picked], groups: list[Group], intro: str = "",
             intro_first: bool = True) -> Answer:
    """The answer these points make: written, each marked with its citation."""
    writer = Writer()
    return answer_from(query, writer, render(writer, direct, groups, intro, intro_first), shown)


def decline(query, shown: list[Hit], reason: str) -> Answer:
    """A decline that is not a dead end: it names the nearest passages (as links in the web page)."""
    text = reason
    nearby = []
    for h in shown[:3]:
        label = f"{h.passage.section or h.report.title} ({h.report.short_title})"
        if label not in nearby:
            nearby.append(label)
    if nearby and "none of them mentions" not in reason:
        text += " The nearest passages it holds are about: " + "; ".join(nearby) + "."
    return Answer(query.question, query.text, text, True, [], shown, reason, intent=query.intent)


def format_answer_text(answer: Answer, base_url: str = "", labels: dict[str, str] | None = None) -> str:
    """The answer, then its numbered sources (or, for a decline, the nearest passages), for a terminal.
    `labels`: passage id -> its name for a reader with its ordinal ('improvement point 3'), where known."""
    labels = labels or {}

    out = [answer.answer]
    if answer.standalone_query != answer.question:
        out.insert(0, f"(understood as: {answer.standalone_query})\n")
    if answer.citations:
        out.append("\nSources:")
        for c in answer.citations:
            h = c.hit
            out.append(f"[{c.n}] {citation_name(h.report, h.passage, labels.get(h.passage.id))} — {h.report.kind}, {h.report.date}"
                       + (f" — {h.passage.section}" if h.passage.section else ""))
            out.append(f"    “{c.quote}”")
            out.append(f"    {passage_url(h.passage, base_url)}")
    elif answer.abstained and answer.passages:
        out.append("\nNearest passages:")
        for h in answer.passages[:3]:
            out.append(f"- {citation_name(h.report, h.passage, labels.get(h.passage.id))}: {passage_url(h.passage, base_url)}")
    return "\n".join(out)
