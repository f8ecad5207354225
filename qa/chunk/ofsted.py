"""Layout of an Ofsted report's PDF text: judgement table, summary, improvement points, paragraphs.

What it does: walks the content lines that `qa.chunk.furniture` leaves (page furniture already
gone) and cuts them into drafts, each with its kind:

- the title (a heading) and the front facts ("Inspection dates: ...", "Lead inspector: ...");
- the judgement table as one passage, one row a line ("The experiences and progress of care
  leavers: Good"), whatever judgements the framework used (ILACS, the 2026 framework's four,
  SIF's numbered rows with "2.1 Adoption performance");
- the unnumbered summary paragraphs, split where a line ends a sentence short of the margin;
- each bullet straight under a heading ("What needs to improve?") as a passage of its own; a
  bullet list after a lead-in (a line ending in ":") or inside a numbered paragraph stays with it;
- numbered paragraphs (`37.`) joined across pages, in sequence (a number out of sequence is text,
  so "in 2. Children..." cannot start a paragraph), under the heading they sit beneath
  ("The experiences and progress of care leavers: good");
- footnotes, as passages of their own after the report's text.

Headings are told by layout: a run of at most three lines that ends short of the margin without
ending a sentence or holding a sentence's end, after a sentence has ended, and followed by a
numbered paragraph, a bullet or a new sentence. A judgement heading is also told by its words
(`_JUDGEMENT_HEADING`: a judgement's name and its grade, of any framework), however it wraps: over
up to six lines, across a page break, after a list item that ends without a full stop; without
that, a heading wrapped at the margin was read as text, and every paragraph after it was filed
under "What needs to improve?".

What it does not do: read facts such as grades or dates into fields (`qa.corpus.facts`), or drop
page furniture (`qa.chunk.furniture`).
"""

from __future__ import annotations

import re

from qa.chunk.furniture import Furniture
from qa.chunk.model import Line, _Builder, _Draft
from qa.chunk.patterns import BULLET

_NUMBERED = re.compile(r"^(\d{1,3})\.+(?:\s+(?=\S)|(?=[A-Z‘'“(]))")  # "37. Text", and "10.Text" as 2026 prints it
_BULLET = re.compile(r"^([◼•▪●■◦‣⁃\uf000-\uf0ff])\s*")
_KEY_VALUE = re.compile(r"^(Inspection dates?|Lead inspector|Report published|Date of inspection|Inspected by)\s*:", re.I)
_LABELLED = re.compile(r"^[A-Z][\w ’']{0,30}:\s+\S")  # "Lead inspector: Emmy Tomsett HMI" is a fact, not a heading
_GRADE = re.compile(r"(Outstanding|Good|Requires improvement(?: to be good)?|Inadequate)\s*$", re.I)
_PREDICATE = re.compile(r"\b(is|are|was|were|be|been|remains?|judged)\s*$", re.I)  # "... are good": a sentence
_TABLE_HEADER = re.compile(r"^Judgement\s+Grade$", re.I)
_TERMINAL = re.compile(r"[.!?;][\"'”’)]*$")
_QUESTION_OR_LEAD = re.compile(r"[?:]$")
_SENTENCE_INSIDE = re.compile(r"[a-z%)][.!?][\"'”’)]*\s+\S")  # "... child's voice. (Recommendation)"
# A judgement heading of any framework in the archive, as a whole run of lines joined: a judgement's
# name, a verb or colon, and its grade. ILACS "The experiences and progress of children who need help
# and protection: good" (2018-2026, the 2026 four too), SIF "The experiences and progress of children
# looked after and achieving permanence / Requires improvement / to be good", "The graded judgement
# about the experience and progress of care leavers is that it requires improvement to be good.",
# "Leadership, management and governance are good".
_JUDGEMENT_HEADING = re.compile(
    r"(?:\d(?:\.\d)?\.?\s+)?(?:the\s+)?(?:graded\s+judge?ment\s+(?:for|about|of)\s+(?:the\s+)?)?"
    r"(?:experiences?(?:\s+and\s+progress)?\s+of\s+(?:children|care|young)(?:\s+[\w’'-]+){0,10}?"
    r"|impact\s+of\s+leaders\s+on\s+(?:social\s+work\s+)?practice\s+with\s+children\s+and\s+families"
    r"|overall\s+effectiveness|adoption(?:\s+performance)?|care\s+leavers"
    r"|leadership,?\s+management,?\s+and\s+governance|leadership\s+and\s+management"
    r"|children\s+who\s+need\s+help\s+and\s+protection|children\s+looked\s+after\s+and\s+achieving\s+permanence)"
    r"(?:\s*:|\s+(?:is|are)(?:\s+that\s+(?:it|they))?(?:\s+(?:is|are))?\s*:?)?"
    r"\s*(outstanding|good|requires?\s+improvement(?:\s+to\s+be\s+good)?|inadequate|adequate)(\.?)",
    re.I,
)

MAX_ROW_WORDS = 25
MAX_HEADING_WORDS = 25
MAX_JUDGEMENT_LINES = 6  # SIF prints a name over three lines and its grade over two


def _wrap_width(lines: list[Line]) -> int:
    lengths = sorted(len(ln.text) for ln in lines if len(ln.text) > 20)
    return lengths[int(len(lengths) * 0.9)] if lengths else 80


def join_wrapped(lines: list[Line]) -> str:
    """Hard-wrapped lines as one line: a space between, none after a hyphen that breaks a word."""
    out = ""
    for line in lines:
        text = line.text
        if not out:
            out = text
        elif out.endswith("-") and out[-2:-1].isalpha() and text[:1].islower():
            out += text
        else:
            out += " " + text
    return out


def _judgement_rows(lines: list[Line], start: int) -> tuple[list[tuple[str, str]], int]:
    """Rows (name, grade) read from `start`, and the index after the table; no rows: ([], start).

    Row names wrap over lines and the grade may stand on a line of its own or end the name's
    line; "Requires improvement to / be good" wraps too."""
    rows: list[tuple[str, str]] = []
    pending: list[str] = []
    i = end = start
    while i < len(lines):
        text = lines[i].text
        if (_TERMINAL.search(text) or text.endswith(":")) and not _GRADE.search(text):
            break  # a sentence or a lead-in ("The judgements ... are:") is not a row
        pending.append(text)
        joined = " ".join(pending)
        if re.search(r"requires improvement to$", joined, re.I) and i + 1 < len(lines):
            i += 1
            continue
        grade = _GRADE.search(joined)
        continues = i + 1 < len(lines) and lines[i + 1].text[:1].islower()
        if grade and len(joined.split()) <= MAX_ROW_WORDS and not continues and not _PREDICATE.search(joined[: grade.start()]):
            name = joined[: grade.start()].strip().rstrip(":").strip()
            if name or rows:
                rows.append((name, grade.group(1)))
                pending = []
                end = i + 1
                if name.lower() == "overall effectiveness":
                    break
        elif len(joined.split()) > MAX_ROW_WORDS:
            break
        i += 1
    return (rows, end) if len(rows) >= 2 else ([], start)


def _table_draft(builder: _Builder, lines: list[Line], header: Line | None, rows: list[tuple[str, str]]) -> None:
    draft = builder.new(None)
    draft.kind = "judgement table"
    draft.lines.extend(([header] if header else []) + lines)
    body = ["Judgement: Grade"] if header else []
    draft.text = "\n".join(body + [f"{name}: {grade}" if name else grade for name, grade in rows])


class _Walker:
    """State of one pass over the content lines (see the module docstring)."""

    def __init__(self, lines: list[Line], builder: _Builder) -> None:
        self.lines = lines
        self.builder = builder
        self.width = _wrap_width(lines)
        self.current: _Draft | None = None
        self.expected = 1  # the next paragraph number
        self.in_bullet = False  # the current draft's last part is a bullet item
        self.seen_heading = False

    # ------------------------------------------------------------------ line tests
    def numbered(self, i: int) -> int | None:
        m = _NUMBERED.match(self.lines[i].text)
        if not m:
            return None
        n = int(m.group(1))
        after_break = i == 0 or self.ended(i - 1) or self.current is None
        if n == self.expected or (after_break and (n == 1 or self.expected < n <= self.expected + 2)):
            return n
        return None

    def ended(self, i: int) -> bool:
        text = self.lines[i].text
        return bool(_TERMINAL.search(text) or _QUESTION_OR_LEAD.search(text) or _LABELLED.match(text))

    def at_margin(self, i: int) -> bool:
        """The line runs (nearly) to the right margin and ends in a word: it was wrapped there
        (one that ends closing a parenthesis, "(Outcome 4, national framework)", ends its item)."""
        text = self.lines[i].text
        return len(text) >= 0.9 * self.width and not text.endswith(")")

    def starts_block(self, i: int) -> bool:
        if i >= len(self.lines):
            return True
        text = self.lines[i].text
        return bool(_NUMBERED.match(text) or _BULLET.match(text) or text[:1].isupper() or text[:1].isdigit())

    def judgement_run(self, i: int) -> int:
        """How many lines from `i` form a judgement heading, by its words (0: none).

        A judgement heading is recognised however it wraps: its name and grade over up to six lines,
        across a page break (the furniture between is gone), after a sentence or a list item that
        ended without a full stop. The run must be the heading and nothing else, start where no
        sentence is open, and be followed by a paragraph (a numbered one if the run ends in a full
        stop, as "... is that it requires improvement to be good." does)."""
        if i > 0 and self.current is not None and not self.ended(i - 1) and (not self.in_bullet or self.at_margin(i - 1)):
            return 0
        for k in range(1, MAX_JUDGEMENT_LINES + 1):
            run = self.lines[i : i + k]
            if len(run) < k or any(_NUMBERED.match(ln.text) or _BULLET.match(ln.text) for ln in run):
                return 0
            if k > 1 and _TERMINAL.search(run[-2].text):
                return 0
            m = _JUDGEMENT_HEADING.fullmatch(join_wrapped(run))
            if not m:
                continue
            nxt = i + k
            if nxt >= len(self.lines) or self.numbered(nxt) is not None:
                return k
            if not m.group(2) and (_BULLET.match(self.lines[nxt].text) or self.lines[nxt].text[:1].isupper()):
                return k
        return 0

    def heading_run(self, i: int) -> int:
        """How many lines from `i` form a heading (0: not a heading)."""
        open_sentence = i > 0 and self.current is not None and not self.ended(i - 1)
        if open_sentence and (not self.in_bullet or self.at_margin(i - 1)):
            return 0  # (a bullet item may end without a full stop: "... (Outcome four, National Framework)",
            # but not on a line that runs to the margin: its sentence goes on)
        for k in (1, 2, 3):
            run = self.lines[i : i + k]
            if len(run) < k or any(_NUMBERED.match(ln.text) or _BULLET.match(ln.text) or _LABELLED.match(ln.text) for ln in run):
                return 0
            text = " ".join(ln.text for ln in run)
            last = run[-1].text
            if not text[:1].isupper() or len(text.split()) > MAX_HEADING_WORDS:
                return 0
            if (k > 1 and self.ended(i + k - 2)) or _SENTENCE_INSIDE.search(text):
                return 0  # a sentence ended inside the run: it is text, not a heading
            if k > 1 and self.at_margin(i + k - 2):
                return 0  # wrapped at the margin: prose (a judgement heading that wraps is judgement_run's)
            if _TERMINAL.search(last) and not last.endswith("?"):
                continue
            nxt = i + k
            follows_block = nxt >= len(self.lines) or self.numbered(nxt) is not None or _BULLET.match(self.lines[nxt].text)
            short = len(last) < 0.8 * self.width
            if follows_block and short:
                return k
            if open_sentence:
                if short and nxt < len(self.lines) and self.numbered(nxt) is not None:
                    return k
                continue
            if short and self.starts_block(nxt) and len(text.split()) <= 12 and len(last) < 0.6 * self.width:
                return k
        return 0

    # ------------------------------------------------------------------ actions
    def heading(self, run: list[Line]) -> None:
        text = join_wrapped(run).rstrip(":").strip()
        self.builder.heading(run, text)
        self.current, self.in_bullet, self.seen_heading = None, False, True

    def new(self, label: str | None, kind: str, line: Line) -> _Draft:
        draft = self.builder.new(label, line)
        draft.kind = kind
        self.current = draft
        return draft

    def text_line(self, i: int) -> None:
        line = self.lines[i]
        current = self.current
        if current is not None and self.in_bullet:
            # a parenthesis after an item is the item's ("... training." / "(Outcome 4, national
            # framework)"), and so is a sub-list after its lead-in ("including:" / "− sufficiency of ...")
            prev = self.lines[i - 1].text
            if not self.ended(i - 1) or line.text[:1].islower() or line.text[:1] == "(" or prev.endswith(":"):
                current.parts[-1][1].append(line)
                current.lines.append(line)
                return
            self.in_bullet = False
            if current.kind != "paragraph" or current.label is None:
                current = None
        starts_paragraph = (
            current is None
            or (current.label is None and self.ended(i - 1) and len(self.lines[i - 1].text) < 0.85 * self.width
                and line.text[:1].isupper())
        )
        if starts_paragraph:
            current = self.new(None, "paragraph" if self.seen_heading else "summary", line)
            current.parts.append([None, [line]])
            return
        if current.parts and current.parts[-1][0] is None:
            current.parts[-1][1].append(line)
        else:
            current.parts.append([None, [line]])
        current.lines.append(line)

    def bullet_line(self, i: int) -> None:
        line = self.lines[i]
        body = Line(_BULLET.sub("", line.text, count=1), line.start, line.end)
        owner = self.current
        last = join_wrapped(owner.parts[-1][1]) if owner is not None and owner.parts else ""
        sub_item = self.in_bullet and len(owner.parts) > 1 and body.text[:1].islower()  # "in primary schools is 11%"
        lead_in = last.endswith(":") or sub_item
        in_paragraph = owner is not None and owner.kind in ("paragraph", "summary") and self.in_bullet and owner.label
        if lead_in or in_paragraph:
            owner.parts.append([BULLET, [body]])
            owner.lines.append(line)
        else:
            section = self.builder.section.lower()
            owner = self.new(None, "improvement point" if "improve" in section else "point", line)
            owner.parts.append([BULLET, [body]])
        self.in_bullet = True

    def walk(self, start: int, stop: int) -> None:
        i = start
        while i < stop:
            line = self.lines[i]
            n = self.numbered(i)
            if n is not None:
                draft = self.new(str(n), "paragraph", line)
                draft.parts.append([None, [Line(_NUMBERED.sub("", line.text, count=1), line.start, line.end)]])
                self.expected, self.in_bullet = n + 1, False
                i += 1
                continue
            if _BULLET.match(line.text):
                self.bullet_line(i)
                i += 1
                continue
            k = self.judgement_run(i) or self.heading_run(i)
            if k and i + k <= stop:
                self.heading(self.lines[i : i + k])
                i += k
                continue
            self.text_line(i)
            i += 1


def _front(lines: list[Line], builder: _Builder) -> tuple[int, tuple | None]:
    """Title and front facts at the top of the first page, and where the judgement table is.

    Returns the index where text begins and, when the page has a table, (start, header, rows, end)."""
    i = 0
    title: list[Line] = []
    while i < min(len(lines), 8) and not _KEY_VALUE.match(lines[i].text) and not _TABLE_HEADER.match(lines[i].text):
        if _TERMINAL.search(lines[i].text) or _judgement_rows(lines, i)[0]:
            break
        title.append(lines[i])
        i += 1
    if title and len(title) <= 6:
        builder.heading(title, join_wrapped(title))
    else:
        i = 0
    facts: _Draft | None = None
    while i < len(lines) and _KEY_VALUE.match(lines[i].text):
        if facts is None:
            facts = builder.new(None, lines[i])
            facts.kind = "facts"
        else:
            facts.lines.append(lines[i])
        facts.parts.append([None, [lines[i]]])
        i += 1
    window = range(i, min(len(lines), i + 40))
    header_at = next((j for j in window if _TABLE_HEADER.match(lines[j].text)), None)
    if header_at is not None:  # "Judgement Grade": the table starts there, whatever comes before
        while facts is not None and i < header_at and len(lines[i].text.split()) <= 6:
            facts.lines.append(lines[i])  # "Lead inspector: Matt Reed" / "Her Majesty's Inspector"
            facts.parts[-1][1].append(lines[i])
            i += 1
        rows, end = _judgement_rows(lines, header_at + 1)
        if rows:
            return i, (header_at, lines[header_at], rows, end)
    for j in window:
        rows, end = _judgement_rows(lines, j)
        if rows:
            return i, (j, None, rows, end)
    return i, None


def assemble_ofsted(furniture: Furniture, builder: _Builder) -> None:
    """Cut an Ofsted report's content lines into drafts (see the module docstring)."""
    first_page = furniture.pages[0] if furniture.pages else []
    lines = [ln for page in furniture.pages for ln in page]
    start, table = _front(first_page, builder)
    walker = _Walker(lines, builder)
    if table is None:
        walker.walk(start, len(lines))
    else:
        j, header, rows, end = table
        walker.walk(start, j)  # text before the table (SIF: "The overall judgement is good.")
        _table_draft(builder, lines[j + (1 if header else 0) : end], header, rows)
        walker.current = None
        walker.walk(end, len(lines))
    for number, note_lines in furniture.footnotes:
        draft = builder.new(f"fn{number}")
        draft.kind = "footnote"
        draft.section = "Footnotes"
        draft.lines.extend(note_lines)
        first = note_lines[0]
        draft.text = join_wrapped([Line(first.text[len(number):].strip(), first.start, first.end)] + note_lines[1:])


def render(draft: _Draft) -> str:
    """A draft's text: wrapped lines joined, bullet items on lines of their own."""
    if draft.text is not None:
        return draft.text
    out = []
    for marker, part_lines in draft.parts:
        if part_lines:
            out.append((f"{marker} " if marker else "") + join_wrapped(part_lines))
    return "\n".join(out)
