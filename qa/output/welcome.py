"""What the chat page says before the first question, made from the collection it answers from.

What it does: describes the collection (how many inspection reports of how many councils, over
which years, and the other kinds of report it holds), lists the councils held for the filter menu,
and writes example questions from what is held: a council with the most reports, its latest
inspection, one inspected more than once, the latest year's inspections, two councils to compare,
a council paper or news article where the collection has one. Nothing names a council or a year
the collection does not hold.

    welcome(reports).lead
    -> "Ask about 95 Ofsted inspection reports of 78 councils' children's services (2013 to 2026) ..."

What it does not do: answer anything (`qa.answer`), or render HTML (`web`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from qa.corpus.catalogue import Report
from qa.corpus.places import find_authority


@dataclass(frozen=True)
class Welcome:
    lead: str
    examples: tuple[str, ...]
    councils: tuple[str, ...]  # the councils held, as a person writes them, in order


def _council(report: Report) -> str:
    authority = find_authority(report.authority)
    return authority.display if authority else report.authority


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def welcome(reports: list[Report]) -> Welcome:
    inspections = [r for r in reports if r.kind == "inspection report"]
    others = Counter(r.kind for r in reports if r.kind != "inspection report")
    councils = sorted({_council(r) for r in reports if r.authority})
    inspected = Counter(_council(r) for r in inspections)
    years = sorted(r.year for r in inspections)
    if len(inspected) == 1:
        what = f"Ofsted's inspections of {next(iter(inspected))}'s children's services"
    elif inspections:
        what = f"{_plural(len(inspections), 'Ofsted inspection report')} of {len(inspected)} councils' children's services"
    else:
        what = "the reports held"
    if years and years[0] != years[-1]:
        what += f" ({years[0]} to {years[-1]})"
    beyond = [_plural(n, kind) for kind, n in sorted(others.items())]
    lead = (f"Ask about {what}" + (f", and the {' and '.join(beyond)} around them" if beyond else "")
            + ". Every sentence of an answer is quoted from a report and cites its paragraph.")
    return Welcome(lead, examples(reports, inspections, inspected), tuple(councils))


def examples(reports: list[Report], inspections: list[Report], inspected: Counter) -> tuple[str, ...]:
    out: list[str] = []
    if inspected:
        most = inspected.most_common(1)[0][0]
        out.append(f"What did inspectors say about care leavers in {most}?")
        latest = max(inspections, key=lambda r: r.date)
        out.append(f"How did Ofsted rate {_council(latest)}?")
        again = sorted((c for c, n in inspected.items() if n >= 2), key=lambda c: -inspected[c])
        if again:
            first = min(r.year for r in inspections if _council(r) == again[0])
            out.append(f"How has {again[0]}'s help and protection changed since {first}?")
        if len(inspected) >= 2:
            year = latest.year
            out.append(f"Which councils were judged inadequate in {year}?")
            a, b = [c for c, _ in inspected.most_common(2)]
            out.append(f"Compare how {a} and {b} support care leavers")
    papers = [r for r in reports if r.kind == "council paper"]
    if papers:
        out.append(f"What did {_council(papers[0])}'s council papers say about the inspection?")
    news = [r for r in reports if r.kind == "news article"]
    if news:
        out.append(f"What did the local paper say about {_council(news[0])}'s rating?")
    return tuple(dict.fromkeys(out))[:6]
