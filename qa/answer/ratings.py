"""Rating questions answered from the judgements table, every row cited to its report's table.

What it does: tells whether a question asks about grades across councils or over time ("Which
councils were judged inadequate in 2025?", "How has <council>'s rating changed since 2015?",
"Compare care leavers in <council> and <council>", "What rating did <council> get?") and, if so,
answers it from `qa.retrieve.judgements` rows: one line per inspection, oldest first, quoting the judgement table's
own line ("The experiences and progress of care leavers: Good") with a citation to that table.

    ask = rating_ask("Which councils were judged inadequate in 2025?", councils=[])
    -> RatingAsk(grade="inadequate", area="overall_effectiveness", year_from=2025, year_to=2025, ...)

Judgement areas are told from the framework's own names (care leavers, children in care, help
and protection, leaders, overall effectiveness), not from any report's wording.

What it does not do: answer questions about what inspectors wrote (`qa.answer` retrieves those).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from qa.corpus.places import Authority, council_key
from qa.retrieve.judgements import JudgementRow, judgement_rows

# A question about a grade ("rating", "judged"); with a grade's name or a comparison, about the table.
RATING = re.compile(r"\b(rat(e|ed|ing|ings)|grades?|graded|judge(d|ment|ments)|verdict|overall effectiveness)\b", re.I)
RATING_WORDS = re.compile(RATING.pattern[:-3] + r"|judge?ments?|outstanding|inadequate|requires? improvement|compare[ds]?|comparison)\b", re.I)
_GRADE = re.compile(r"\b(outstanding|good|requires? improvement|inadequate)\b", re.I)
_WHICH = re.compile(r"\b(which|what|how many|list|all)\b.{0,30}\b(councils?|authorities|las?|local authorities)\b", re.I)
_CHANGE = re.compile(r"\b(changed?|since|over time|history|trend|improved|declined|compared? with (?:its|their) )\b", re.I)
SINCE = re.compile(r"\b(since|from|after)\s+(?:(?:the|its|their)\s+)?((?:19|20)\d\d)\b", re.I)
_UNTIL = re.compile(r"\b(until|before|up to|to)\s+((?:19|20)\d\d)\b", re.I)
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_RELATIVE_YEAR = re.compile(r"\b(this|last|previous) year\b", re.I)
_LATEST = re.compile(r"\b(latest|most recent|current|now|last)\b", re.I)
# The judgement areas of the ILACS and SIF frameworks, by the words that name them.
AREAS = (
    ("care_leavers", re.compile(r"\bcare[- ]leavers?\b|\bleaving care\b", re.I)),
    ("children_in_care", re.compile(r"\b(children in care|looked[- ]after|in care|permanence)\b", re.I)),
    ("help_and_protection", re.compile(r"\b(help and protection|protection|child protection|safeguarding)\b", re.I)),
    ("impact_of_leaders", re.compile(r"\b(leaders?|leadership|management|governance)\b", re.I)),
    ("adoption", re.compile(r"\badoption\b", re.I)),
    ("overall_effectiveness", re.compile(r"\boverall\b", re.I)),
)


@dataclass(frozen=True)
class RatingAsk:
    councils: tuple[Authority, ...]
    grade: str | None  # "which councils were judged inadequate"
    areas: tuple[str, ...]  # judgement keys asked about; () = every judgement
    year_from: int | None
    year_to: int | None
    latest_only: bool  # one row per council: its latest inspection
    newest_first: bool = False  # a council's ratings asked without a change or a grade: its latest answers it


def rating_ask(query: str, councils: list[Authority], today: date | None = None) -> RatingAsk | None:
    """The rating question a query asks, or None when it is not one for the judgements table."""
    if not RATING_WORDS.search(query):
        return None
    today = today or date.today()
    across = bool(_WHICH.search(query))
    compare = re.search(r"\bcompar", query, re.I) and len(councils) >= 2
    if not (councils or across):
        return None
    grade_match = _GRADE.search(query) if across else None
    grade = None
    if grade_match:
        grade = grade_match.group(1).lower()
        grade = "requires improvement" if grade.startswith("require") else grade
    areas = tuple(key for key, pattern in AREAS if pattern.search(query))
    if grade and not areas:
        areas = ("overall_effectiveness",)
    since, until = SINCE.search(query), _UNTIL.search(query)
    years = [int(y) for y in _YEAR.findall(query)]
    relative = _RELATIVE_YEAR.search(query)
    if relative:  # "this year", "last year": of today's calendar
        years.append(today.year - (relative.group(1).lower() in ("last", "previous")))
    year_from = int(since.group(2)) if since else (years[0] if years and not until else None)
    year_to = int(until.group(2)) if until else (years[-1] if years and not since and not _CHANGE.search(query) else None)
    change = bool(_CHANGE.search(query)) or bool(since)
    latest_only = bool(compare or (not change and not years and (across or _LATEST.search(query))))
    return RatingAsk(tuple(councils), grade, areas, year_from, year_to, latest_only,
                     newest_first=bool(councils) and not (change or compare or grade))


def matching_rows(index, ask: RatingAsk) -> list[JudgementRow]:
    """The judgement rows that answer `ask`, oldest first (latest per council where asked)."""
    if ask.councils:
        rows = [r for c in ask.councils for r in judgement_rows(index, c.name, ask.year_from, ask.year_to)]
    else:
        rows = judgement_rows(index, None, ask.year_from, ask.year_to)
    if ask.latest_only:
        latest: dict[str, JudgementRow] = {}
        for r in sorted(rows, key=lambda r: r.inspection_end or str(r.year)):
            latest[council_key(r.authority)] = r  # "<Name> County Council" and "<Name>" are one council
        rows = list(latest.values())
    if ask.grade:
        rows = [r for r in rows if any(g.grade == ask.grade and (not ask.areas or g.key in ask.areas) for g in r.judgements)]
    return sorted(rows, key=lambda r: (r.inspection_end or str(r.year), r.authority))


def no_match(ask: RatingAsk, held: str) -> str:
    """What to say when no inspection matches a grade question."""
    area = ", ".join(a.replace("_", " ") for a in ask.areas) or "any judgement"
    when = ""
    if ask.year_from or ask.year_to:
        span = sorted({ask.year_from, ask.year_to} - {None})
        when = f" in {span[0]}" if len(span) == 1 else f" from {span[0]} to {span[1]}"
    latest = " at its latest inspection" if ask.latest_only else ""
    return (f"No inspection in this collection{when} was graded {ask.grade} for {area}{latest}. "
            f"The collection holds reports about {held}.")


def table_line(table_text: str, name: str) -> str | None:
    """The line of a judgement table passage that states a judgement, as the passage has it."""
    flat = " ".join(name.split()).lower()
    for line in table_text.split("\n"):
        if " ".join(line.split()).lower().startswith(flat) or flat in " ".join(line.split()).lower():
            return line
    return None
