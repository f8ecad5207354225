"""Every report's judgements as data: one row per report, each cited to its judgement table.

What it does: reads the report facts the catalogue holds (framework, inspection dates, lead
inspector, judgement rows with grades; written by `reportqa add`, editable by a user) and the
index's passages, and returns one `JudgementRow` per report that has judgements, with the id of
the passage that is the report's judgement table, so every grade can be checked in one click.
Each judgement carries a canonical key (`care_leavers`, `overall_effectiveness`, ...) so that
councils inspected under different frameworks can be compared.

    judgement_rows(index, authority="<council>", year_from=2015)
    -> [JudgementRow(doc_id="<council>-ilacs-2018", authority="<council>", framework="ILACS short", ...,
                     judgements=(Grade("Overall effectiveness", "overall_effectiveness", "outstanding"), ...),
                     passage_id="<council>-ilacs-2018#s2"), ...]

What it does not do: read grades from text (`qa.corpus.facts`), or compose answers (`qa.answer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from qa.corpus.catalogue import Report
from qa.corpus.facts import key_for
from qa.corpus.places import same_council


@dataclass(frozen=True)
class Grade:
    name: str
    key: str
    grade: str


@dataclass(frozen=True)
class JudgementRow:
    doc_id: str
    authority: str
    file: str
    published: str
    inspection_start: str
    inspection_end: str
    framework: str
    lead_inspector: str
    judgements: tuple[Grade, ...]
    passage_id: str | None
    year: int

    def grade_of(self, key: str) -> Grade | None:
        return next((g for g in self.judgements if g.key == key), None)


def judgement_key(name: str) -> str:
    return key_for(name) or name.lower()


def report_year(report: Report) -> int:
    """The year an inspection belongs to: its last day on site, else the report's date."""
    return int((report.inspection_end or report.date)[:4])


def judgement_rows(index, authority: str | None = None, year_from: int | None = None, year_to: int | None = None) -> list[JudgementRow]:
    """One row per report with judgements, oldest inspection first, filtered as asked."""
    rows = _all_rows(index)
    if authority:
        rows = [r for r in rows if same_council(r.authority, authority)]
    # on site or published in the range
    return [r for r in rows if index.reports[r.doc_id].in_years(year_from or None, year_to or None)]


_ROWS: WeakKeyDictionary = WeakKeyDictionary()  # loaded index -> its rows (a new build loads a new index)


def _all_rows(index) -> list[JudgementRow]:
    """Every report's row, made once per loaded index."""
    rows = _ROWS.get(index)
    if rows is None:
        rows = sorted((_row(index, r) for r in index.reports.values() if r.judgements),
                      key=lambda r: (r.inspection_end or str(r.year), r.authority))
        _ROWS[index] = rows
    return rows


def _row(index, report: Report) -> JudgementRow:
    return JudgementRow(
        doc_id=report.id,
        authority=report.authority,
        file=report.file,
        published=report.published or report.date,
        inspection_start=report.inspection_start,
        inspection_end=report.inspection_end,
        framework=report.framework,
        lead_inspector=report.lead_inspector,
        judgements=tuple(Grade(n, judgement_key(n), g) for n, g in report.judgements),
        passage_id=index.judgement_tables.get(report.id),
        year=report_year(report),
    )
