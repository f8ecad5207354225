"""Report facts out of an Ofsted children's-services report's text: who, when, by whom, and the grades.

What it does: reads the front matter and the judgement table of a report's text (as
`qa.corpus.extract.pdf_text` gives it: PDFium lines, pages joined by form feeds) and returns a
`ReportFacts`. Names wrapped over several lines, grades on their own line or at a line's end, and
"Requires improvement to be good" are all read; every judgement row is kept, in the report's order.

    read_facts(pdf_text("50276411.pdf"))
    -> ReportFacts(authority="Dorset", framework="ILACS short", inspection_start="2025-03-17",
                   inspection_end="2025-03-21", published=None, lead_inspector="Sarah Canto",
                   judgements=(Judgement("The impact of leaders on social work practice with children
                               and families", "impact_of_leaders", "outstanding"), ...,
                               Judgement("Overall effectiveness", "overall_effectiveness", "outstanding")))

Layouts read (all in the public archive):
- ILACS (2018-2026): the "Judgement Grade" table. From April 2026 there is no overall effectiveness
  row; until January 2023 "children in care and care leavers" was one judgement (key children_in_care).
  The report never says "standard" or "short": a short inspection is one week on site, a standard
  one two, so the framework is "ILACS short" when the inspection dates hold at most 7 weekdays
  (dates in two parts, e.g. a pause over winter, are added up) and "ILACS standard" otherwise.
- SIF (2013-2018, "Inspection"/"Re-inspection of services for children in need of help and
  protection, ..."): framework "SIF". The overall judgement is a sentence ("The overall judgement is
  good", "Children's services in Manchester require improvement to be good"): its subject is the
  name, key overall_effectiveness. Rows: help_and_protection, children_in_care ("Children looked
  after and achieving permanence"), adoption, care_leavers, impact_of_leaders ("Leadership,
  management and governance"); with the LSCB review in the same report, key lscb. A row the report
  prints as "Not judged" (City of London, Isles of Scilly) keeps that grade, "not judged". A report
  of an LSCB review alone: framework "LSCB review", one judgement, lscb.
- Looked-after-children inspections (2013): framework "looked after children inspection", the
  "Record of main findings" table, four-point scale with "adequate": overall_effectiveness (of
  looked-after children's services only), capacity_to_improve, lac_outcomes, quality_of_provision,
  impact_of_leaders ("Leadership and management").
- Focused and monitoring visits are named as such from the title (they carry no grades).

Authority: the place, as the title names it, without the council's form ("Kent County Council",
"London Borough of Barnet" -> "Kent", "Barnet"). Dates are ISO. `published` is the date the report
prints; most ILACS reports print none, and then the PDF's creation date stands for it when the caller
gives it (`read_facts(text, created=...)`), with `published_source` saying which ("document" or
"pdf metadata").

What it does not do: read the PDF (see extract.py); guess what the text does not show (a field it
cannot find is None, e.g. Devon's and Warwickshire's 2025 reports name no lead inspector; a missing
judgement is absent); read grades from the report's discussion (only the table, and for SIF the
overall and LSCB sentences that state the judgement).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

GRADES = ("outstanding", "good", "requires improvement", "inadequate", "adequate", "not judged")


@dataclass(frozen=True)
class Judgement:
    name: str  # as printed, whitespace-joined: "The experiences and progress of care leavers"
    key: str  # see the module docstring for the keys of each framework
    grade: str  # outstanding | good | requires improvement | inadequate; adequate (2013); not judged (SIF)


@dataclass(frozen=True)
class ReportFacts:
    authority: str | None
    framework: str | None
    inspection_start: str | None  # ISO YYYY-MM-DD
    inspection_end: str | None
    published: str | None  # where the report prints it, else its PDF's creation date (if given)
    lead_inspector: str | None  # several joined with " and "
    judgements: tuple[Judgement, ...]
    published_source: str | None = None  # "document" | "pdf metadata" | None (published unknown)

    def grade(self, key: str) -> str | None:
        """The grade of the first judgement with this key, or None."""
        return next((j.grade for j in self.judgements if j.key == key), None)


MONTHS = "january february march april may june july august september october november december".split()
_MONTH = r"(?:" + "|".join(m[:3] + f"(?:{m[3:]})?" if len(m) > 3 else m for m in MONTHS) + r")\b"  # 'Feb' too
_GRADE = r"(outstanding|good|requires?\s+improvement(?:\s+to\s+be\s+good)?|inadequate|adequate|not\s+judged)"

# (key, printed name); the first that matches wins, so longer names come first.
_ROWS = [
    ("impact_of_leaders", r"the impact of leaders on (?:social work )?practice with children and families"),
    ("help_and_protection", r"(?:the )?experiences and progress of children who need help and protection"),
    ("children_in_care", r"(?:the )?experiences and progress of children in care and care leavers"),
    ("children_in_care", r"(?:the )?experiences and progress of children in care"),
    ("care_leavers", r"(?:the )?experiences and progress of (?:children )?care leavers"),  # sic, Bradford 2026
    ("overall_effectiveness", r"overall effectiveness"),
    ("help_and_protection", r"children who need help and protection"),
    ("children_in_care", r"children looked after and achieving permanence"),
    ("adoption", r"adoption performance"),
    ("impact_of_leaders", r"leadership, management and governance"),
    ("impact_of_leaders", r"leadership and management"),
    ("capacity_to_improve", r"capacity to improve"),
    ("lac_outcomes", r"outcomes for looked after children and young people"),
    ("quality_of_provision", r"quality of provision"),
]
_NAME_RE = [(key, name.replace(" ", r"\s+")) for key, name in _ROWS]
_ROW = re.compile(
    r"\s*(?:\d(?:\.\d)?\.?\s+)?(" + "|".join(f"(?P<k{i}>{n})" for i, (_, n) in enumerate(_NAME_RE)) + r")"
    r"\.?\s+" + _GRADE + r"(?:\s+Grade\s+\d)?\.?\d*(?=[ \t]*(?:\n|\f|$))",  # the grade ends its line
    re.I,
)
_SIF_OVERALL = re.compile(
    r"(The overall judgement|Children[’']s services in [^.:]{2,80}?)\s+(?:is\s+)?(?:that\s+children[’']s\s+"
    r"services?\s+)?(?:(?:are|is)\s+" + _GRADE + r"|requires?\s+(improvement))",
    re.I,
)
_LSCB = re.compile(
    r"(The (?:judgement for the )?effectiveness of the (?:Local Safeguarding Children\s+Board|LSCB)"
    r"(?:\s+\(LSCB\))?|The Local Safeguarding Children(?: Board)?(?: \(LSCB\))?)\s+(?:(?:is|are)\s+" + _GRADE
    + r"|requires?\s+(improvement))",
    re.I,
)
_TITLES = [  # (framework, title words), searched in the title; a SIF report may hold an LSCB review too
    ("focused visit", r"focused\s+visit\s+to"),
    ("monitoring visit", r"monitoring\s+visit\s+(?:to|of)"),
    ("SIF", r"inspection\s+of\s+services\s+for\s+children\s+in\s+need"),
    ("looked after children inspection", r"inspection\s+of\s+looked\s+after\s+children\s+services"),
    ("LSCB review", r"review\s+of\s+the\s+effectiveness\s+of\s+the\s+local\s+safeguarding"),
]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _grade(words: str) -> str:
    words = _flat(words).lower()
    return "requires improvement" if re.match(r"requires? improvement|improvement$", words) else words


def _key(match: re.Match) -> str:
    return next(_NAME_RE[i][0] for i in range(len(_NAME_RE)) if match.group(f"k{i}"))


def table_rows(text: str) -> list[Judgement]:
    """The rows of the judgement table: the first known row, then every row straight after it."""
    start = re.search(r"Judgement\s+Grade", text[:8000])
    record = text.rfind("Record of main findings")  # 2013 looked-after children inspections
    pos = start.end() if start else record if record > 0 else 0
    match = next((m for m in _ROW.finditer(text, pos, pos + 6000)  # a row begins its line
                  if re.fullmatch(r"[\d. ]*", text[text.rfind("\n", 0, m.start(1)) + 1:m.start(1)])), None)
    rows: list[Judgement] = []
    while match:
        rows.append(Judgement(_flat(match.group(1)), _key(match), _grade(match.group(match.lastindex))))
        after = re.match(r"(?:\s*\d{1,2}(?=\s))?", text[match.end():])  # a page number or footnote mark
        footnote = re.match(r"\s*\n\d\s[^\f]{0,1500}\f\d*", text[match.end():])  # the table goes on overleaf
        match = _ROW.match(text, match.end() + after.end()) or (
            _ROW.match(text, match.end() + footnote.end()) if footnote else None)
    return rows


def judgements(text: str, framework: str | None) -> tuple[Judgement, ...]:
    """Every judgement of the report, in its order (SIF: overall sentence, table, LSCB sentence)."""
    rows = [] if framework == "LSCB review" else table_rows(text)
    if framework in ("SIF", "LSCB review"):
        head = text[:4000]
        overall = _SIF_OVERALL.search(head) if framework == "SIF" else None
        if overall:
            rows.insert(0, Judgement(_flat(overall.group(1)), "overall_effectiveness",
                                     _grade(overall.group(2) or overall.group(3))))
        reviewed = re.search(r"(?i)(?:review|inspection) of the effectiveness of the local\s+safeguarding", text)
        lscb = _LSCB.search(text) if reviewed else None  # (Hull 2015: the LSCB's report follows in the PDF)
        if lscb:
            rows.append(Judgement(_flat(lscb.group(1)), "lscb", _grade(lscb.group(2) or lscb.group(3))))
    return tuple(rows)


def _iso(day: str, month: str, year: str) -> str | None:
    try:
        return date(int(year), [m[:3] for m in MONTHS].index(month[:3].lower()) + 1, int(day)).isoformat()
    except ValueError:
        return None


def _spelt(text: str) -> str:
    """'12/09/2016' -> '12 september 2016' (a few SIF reports print dates so)."""
    return re.sub(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b",
                  lambda m: f"{m[1]} {MONTHS[int(m[2]) - 1] if 0 < int(m[2]) < 13 else m[2]} {m[3]}", text)


def parse_dates(span: str) -> list[tuple[str, str]]:
    """Date ranges in a span of text: '8 July 2019 to 12 July 2019 and 7 to 8 August 2019' -> 2 ranges.

    A day without a month or year takes the next given ones ('12 to 23 February 2024')."""
    span = _spelt(span)
    parts = re.findall(r"(\d{1,2})(?:st|nd|rd|th)?(?:\s+(" + _MONTH + r"))?(?:\s+(\d{4}))?(\s+and\b)?",
                       span, re.I)
    days: list[list[str]] = []
    month = year = ""
    for day, m, y, _ in reversed(parts):
        month, year = m or month, y or year
        days.insert(0, [day, month, year])
    isos = [_iso(*d) for d in days]
    ranges, current = [], []
    for iso, (_, _, _, joined) in zip(isos, parts):
        if iso:
            current.append(iso)
        if joined and current:
            ranges.append((current[0], current[-1]))
            current = []
    if current:
        ranges.append((current[0], current[-1]))
    return ranges


def _weekdays(start: str, end: str) -> int:
    a, b = date.fromisoformat(start), date.fromisoformat(end)
    return sum((a + timedelta(n)).weekday() < 5 for n in range((b - a).days + 1))


def inspection_dates(text: str) -> list[tuple[str, str]]:
    """The inspection's date ranges from 'Inspection date(s):', else the running header of page 2."""
    label = re.search(r"Inspection dates?:?\s*(.{0,160}?)(?=Lead inspector|Reporting inspector|Report published"
                      r"|Published|Judgement|\n[A-Z][a-z]+\s[a-z])", text[:5000], re.S)
    if label and (found := parse_dates(_flat(label.group(1)))):
        return found
    header = re.search(r"\n(\d{1,2}(?:\s+" + _MONTH + r")?(?:\s+\d{4})?\s*(?:to|–|-)\s*\d{1,2}\s+" + _MONTH
                       + r"\s+\d{4})\s+\d+\n", text[:12000], re.I)
    return parse_dates(header.group(1)) if header else []


def _published(text: str) -> str | None:
    m = re.search(r"[Pp]ublished:\s*(\d{1,2})\s+(" + _MONTH + r")\s+(\d{4})", _spelt(text[:6000]), re.I)
    return _iso(*m.groups()) if m else None


def lead_inspector(text: str) -> str | None:
    """'Lead inspector: Nicki Shaw, His Majesty's Inspector' -> 'Nicki Shaw' (several joined by 'and')."""
    label = r"(?:Lead|Reporting) inspectors?(?: on site)?:?[ \t]*(.+(?:(?:(?<=,)|(?<=\band))\n.*)?)"
    m = re.search(label, text[:6000]) or re.search(r"\n" + label, text)  # SIF: "The inspection team", at the end
    if not m:
        return None
    honorific = r"\(?(?:Senior\s+)?(?:(?:His|Her)\s+Majesty[’']s\s+Inspector|S?HMI|Ofsted Inspector)\)?"
    names = re.split(r"\s*(?:,|\band\b|" + honorific + r")\s*", _flat(m.group(1)))
    return " and ".join(n for n in (n.strip(" .") for n in names) if n) or None


_COUNCIL = re.compile(
    r"^(?:the\s+)?(?:(?:London|Royal)\s+Borough\s+of\s+|Borough\s+of\s+|Metropolitan\s+Borough\s+of\s+"
    r"|Council\s+of\s+the\s+|City\s+of\s+(?!London\b))|(?:\s+(?:City|County|Metropolitan|Borough|District"
    r"|Council|Unitary\s+Authority|Children[’']s\s+Services|Children\s+and\s+Families\s+Trust"
    r"|Safeguarding\s+Children\s+Board|area|of))+$",
    re.I,
)


def authority(text: str) -> str | None:
    """The place the report is about, as its title names it, without the council's form."""
    m = re.search(r"(?:Inspection|Focused visit|Monitoring visit) (?:of|to) (?:the )?([A-Z][^:]{1,80}?)\s+(?:local "
                  r"authority|children[’']s services|(?=Children and Families Trust))", _flat(text[:600]))
    if m:
        name = m.group(1)
    else:  # older layouts: the council's name on lines of its own, above the title (2013: below it)
        lines = [line.strip() for line in text[:1500].split("\n")[:12]]
        title = next((i for i, line in enumerate(lines) if re.match(r"(?i)(?:Re-?)?Inspection of|Review of", line)),
                     None)
        dates = next((i for i, line in enumerate(lines) if line.startswith("Inspection date")), None)
        above = [line for line in lines[:title] if line and not line.isdigit()] if title is not None else []
        name = " ".join(above) if above else lines[dates - 1] if title == 0 and dates else ""
    while (shorter := _COUNCIL.sub("", _flat(name)).strip()) != name:
        name = shorter
    return name or None


def framework(text: str, dates: list[tuple[str, str]]) -> str | None:
    """What kind of inspection: from the title, or for ILACS from the days on site (see above)."""
    head = _flat(text[:1500].split("Inspection date")[0])  # the title, not the prose
    for name, words in _TITLES:
        if re.search(words, head, re.I):
            return name
    if re.search(r"Judgement\s+Grade", text[:8000]):
        if not dates:
            return "ILACS"
        return "ILACS short" if sum(_weekdays(a, b) for a, b in dates) <= 7 else "ILACS standard"
    return None


def read_facts(text: str, created: str | None = None) -> ReportFacts:
    """All the facts above, from a report's text; `created`, the creation date in the PDF's
    metadata (`qa.corpus.extract.pdf_created`), stands for the publication date where the text
    prints none (`published_source` says which)."""
    dates = inspection_dates(text)
    kind = framework(text, dates)
    printed = _published(text)
    return ReportFacts(
        authority=authority(text),
        framework=kind,
        inspection_start=dates[0][0] if dates else None,
        inspection_end=dates[-1][1] if dates else None,
        published=printed or created,
        lead_inspector=lead_inspector(text),
        judgements=judgements(text, kind),
        published_source="document" if printed else "pdf metadata" if created else None,
    )


def key_for(name: str) -> str | None:
    """The canonical key of a judgement as a report or catalogue names it; None if unknown.

    key_for("The experiences and progress of care leavers") -> "care_leavers"
    """
    flat = _flat(name).lower().strip()
    if re.fullmatch(r"(the )?overall judgement|children.s services in .+", flat):
        return "overall_effectiveness"
    if "safeguarding children board" in flat or "lscb" in flat:
        return "lscb"
    for key, pattern in _NAME_RE:
        if re.fullmatch(r"(?:the\s+)?" + pattern, flat):
            return key
    return None
