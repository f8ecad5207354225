"""The kinds of answer, as a selector of small composers over one `Query`.

What it does: each `Composer` says whether it answers a question (`accepts(query)`) and, if so,
composes the answer from the turn (`compose(turn)`, None when it finds nothing to say, so the next
composer is tried). `COMPOSERS` is tried in order:

- ratings: a grade question answered from the judgements table (not one that names a kind of
  source such as the local paper: that source's own words answer it);
- compare: two or more named councils on a topic — each council's judgement on it and its best points;
- themes: what keeps coming back across inspections;
- summary, improvements: a named report's own summary or list of what to improve;
- overview: a topic asked of all councils — the distribution of that judgement at each council's
  latest inspection, then strengths and concerns, each from a different council, those said in
  like words about most other councils first (`recurrence`);
- change: each year's judgement on the topic, then its findings.

    compose(turn) -> the answer of the first composer that accepts the query and composes one, or None

When none does, the answerer gives the best sentences by intent (fact, yes/no, broad, definition).

What it does not do: analyse the question (`qa.answer.query`), decline what the collection does
not hold (`qa.answer.guards`), or write text (`qa.answer.compose`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import Callable

import numpy as np

from qa.answer import kinds
from qa.answer.compose import Group, Section, composed, decline, named
from qa.answer.model import Answer, Picked
from qa.answer.query import Query
from qa.answer.ratings import matching_rows, no_match
from qa.answer.select import score_sentences, with_context
from qa.corpus.places import council_key
from qa.retrieve.judgements import judgement_rows
from qa.retrieve.retriever import Filters, Hit

GRADES = ("outstanding", "good", "requires improvement", "inadequate")


@dataclass
class Turn:
    """One question being answered: its `Query`, the answerer's index and settings, and its
    passages, searched once when a composer first needs them."""

    answerer: object  # qa.answer.answerer.Answerer
    query: Query

    @property
    def index(self):
        return self.answerer.index

    @property
    def settings(self):
        return self.answerer.settings

    @cached_property
    def depth(self) -> int:
        return self.settings.candidates_broad if self.query.broad else self.settings.candidates

    @cached_property
    def hits(self) -> list[Hit]:
        hits = self.answerer.search(self.query, max(self.depth, 10))
        if self.query.implied and not hits:  # the year or kind named has nothing on it: search everything
            self.query = replace(self.query, filters=replace(self.query.filters, doc_ids=()), implied=False)
            hits = self.answerer.search(self.query, max(self.depth, 10))
        return hits

    @property
    def shown(self) -> list[Hit]:
        return self.hits[:10]

    def render(self, direct: list[Picked], groups: list[Group], intro: str = "") -> Answer:
        return composed(self.query, self.shown, direct, groups, intro)


@dataclass(frozen=True)
class Composer:
    name: str
    accepts: Callable[[Query], bool]
    compose: Callable[[Turn], Answer | None]


def _ratings(turn: Turn) -> Answer | None:
    q = turn.query
    rows = [r for r in matching_rows(turn.index, q.rating) if q.given.allows(turn.index.reports[r.doc_id])]
    if rows:
        return rating_answer(turn, rows)
    if q.rating.grade:  # "which councils were judged inadequate?": none is an answer, from the table
        return decline(q, [], no_match(q.rating, turn.answerer.held_names()))
    return None


def _themes(turn: Turn) -> Answer | None:
    found = turn.answerer.themes.find(turn.query, turn.hits) if turn.hits else None
    return turn.answerer.themes.compose(turn.query, turn.shown, found) if found else None


def _summary(turn: Turn) -> Answer | None:
    report = kinds.summary_report(turn.query, turn.index, turn.hits) if turn.hits else None
    if report is None:
        return None
    direct, groups = kinds.summary(turn.query, report, turn.index, turn.settings)
    return turn.render(direct, groups) if groups else None


def _improvements(turn: Turn) -> Answer | None:
    if not turn.hits:
        return None
    first = kinds.summary_report(turn.query, turn.index, turn.hits)
    reports = list(dict.fromkeys([first] + [h.report for h in turn.hits]))
    report, groups = kinds.improvements(turn.query, reports, turn.index, turn.settings)
    if not groups:
        return None
    return turn.render([], groups, f"What {report.short_title} asks to improve, in its own words:")


def latest_grade(council: str, row, report) -> str:
    """A council's standing in one line, from its latest inspection's judgements (catalogue data,
    each grade quoted and cited in the table below): 'Kent: good overall at its latest inspection (...)'."""
    overall = row.grade_of("overall_effectiveness")
    if overall is None:
        return ""
    return f"{council}: {overall.grade} overall at its latest inspection ({report.short_title})."


def _change(turn: Turn) -> Answer | None:
    """Per report of the council in scope, its best sentences: the evidence of each year."""
    if not turn.hits:
        return None
    query, hits, shown, answerer = turn.query, turn.hits, turn.shown, turn.answerer
    filters = query.filters
    if not filters.authorities and not filters.doc_ids:
        filters = replace(filters, authorities=(hits[0].report.authority,))
    reports = [r for r in turn.index.reports.values() if filters.allows(r)]
    if len(reports) < 2:
        return None
    per_report = []
    for report in reports:
        found = answerer.search(query, turn.settings.candidates // 2, Filters(doc_ids=(report.id,)))
        per_report.append((report, score_sentences(query, found, turn.index, turn.settings)))
    groups = kinds.change(query, per_report, turn.index, turn.settings)
    if len({g.report.year for g in groups}) < 2:
        return None
    answerer.last_best_score = max((p.score for _, s in per_report for p in s), default=0.0)  # groups of verdicts alone
    years = sorted({g.report.year for g in groups})
    intro = f"Evidence from {len(groups)} reports, {years[0]} to {years[-1]}, oldest first:"
    direct = kinds.latest_standing(query, groups)  # 'has it recovered?': the newest verdict says first
    return composed(query, shown, direct, groups, intro, intro_first=not direct)


def rating_answer(turn: Turn, rows) -> Answer:
    """One group per inspection, oldest first (newest first for a council's ratings asked
    without a change: 'How did Ofsted rate <council>?'): its judgements, each quoted from its
    judgement table and cited to it (see `qa.answer.ratings`)."""
    query, index, settings = turn.query, turn.index, turn.settings
    ask = query.rating
    groups: list[Group] = []
    for row in (reversed(rows) if ask.newest_first else rows):
        if row.passage_id is None:
            continue
        report = index.reports[row.doc_id]
        grades = [g for g in row.judgements if not ask.areas or g.key in ask.areas] or list(row.judgements)
        items = [p for g in grades if (p := kinds.table_row(index, report, g.name)) is not None]
        items = list({p.key: p for p in items}.values())  # two judgements on one line of the table: one row
        verdict = kinds.headline(index, report) if not ask.grade and len(rows) <= settings.headlines else None
        if verdict is not None and any(verdict.row == p.row or verdict.text in p.text for p in items):
            verdict = None  # an older report's verdict is its table's own first line: quoted once
        if items:
            when = f"inspected {row.inspection_start} to {row.inspection_end}" if row.inspection_start else str(row.year)
            groups.append(Group(report, ([Section(None, [verdict])] if verdict else []) + [Section(None, items)],
                                lead=named(report, f"{report.short_title} — {row.framework or report.kind}, {when}")))
    if not groups:
        return decline(query, [], "No report in this collection has judgements that answer this.")
    intro = ""
    if ask.grade:
        area = ", ".join(a.replace("_", " ") for a in ask.areas) or "any judgement"
        names = list(dict.fromkeys(g.report.authority for g in groups))
        listed = f" ({', '.join(names[:12])}{' and others' if len(names) > 12 else ''})" if names else ""
        intro = f"Inspections in this collection graded {ask.grade} for {area}: {len(groups)}{listed}."
    elif ask.newest_first and len(ask.councils) == 1:
        intro = latest_grade(ask.councils[0].display, rows[-1], index.reports[rows[-1].doc_id])
    answer = composed(query, [], [], groups, intro)
    answer.passages = [c.hit for c in answer.citations][:10]
    return answer


def distribution(index, area: str, given: Filters) -> tuple[dict[str, int], int]:
    """How councils were graded on one judgement area at each council's latest inspection that
    graded it: counts by grade, and the number of councils."""
    latest: dict[str, str] = {}
    for row in sorted(judgement_rows(index), key=lambda r: r.inspection_end or str(r.year)):
        grade = row.grade_of(area)
        if grade is not None and given.allows(index.reports[row.doc_id]):
            latest[council_key(row.authority)] = grade.grade
    return {g: sum(v == g for v in latest.values()) for g in GRADES}, len(latest)


def latest_inspections(turn: Turn) -> dict:
    """Each held council's latest inspection report the filters allow: council -> report id."""
    out = {}
    for council, ids in turn.answerer.held.items():
        reports = [turn.index.reports[i] for i in ids]
        reports = [r for r in reports if r.kind == "inspection report" and turn.query.filters.allows(r)]
        if reports:
            out[council] = max(reports, key=lambda r: r.date).id
    return out


def recurrence(index, scored: list[Picked], similarity: float) -> dict[int, set[str]]:
    """For each scored sentence (by id()), the other councils with a sentence of the same leaning
    (strength or concern) at least this similar to it: a point that recurs across councils."""
    rows = [p for p in scored if p.sentence >= 0]
    out: dict[int, set[str]] = {id(p): set() for p in scored}
    if len(rows) < 2:
        return out
    vectors = np.asarray(index.sentence_vectors[np.array([p.sentence for p in rows])], dtype=np.float32)
    sims = vectors @ vectors.T
    keys = [council_key(p.hit.report.authority) for p in rows]
    for i, p in enumerate(rows):
        for j in np.flatnonzero(sims[i] >= similarity).tolist():
            if keys[j] != keys[i] and rows[j].concern == p.concern:
                out[id(p)].add(keys[j])
    return out


def _overview_accepts(query: Query) -> bool:
    return (not query.councils and query.intent in ("broad", "fact", "yesno") and not query.scope.kinds
            and bool(query.concepts) and (query.scope.across or query.broad))  # 'generally' asks across: scope


def _overview(turn: Turn) -> Answer | None:
    """A topic across councils: its judgement's distribution, then points each from a different council."""
    if len(turn.answerer.held) < turn.settings.overview_min_councils or not turn.hits:
        return None
    q = turn.query
    latest = latest_inspections(turn)
    if not latest:
        return None  # no inspection the filters allow (no doc_ids would mean every report)
    found = turn.answerer.search(q, turn.settings.overview_candidates, replace(q.filters, doc_ids=tuple(latest.values())))
    scored = score_sentences(q, found, turn.index, turn.settings)
    scored = [p for p in scored if p.score >= turn.settings.broad_floor]
    if not scored:
        return None
    found_at = recurrence(turn.index, scored, turn.settings.overview_similarity)
    picked: dict[bool, list[list[Picked]]] = {False: [], True: []}
    councils: dict[bool, set[str]] = {False: set(), True: set()}
    # said at most councils first (on dev, ranking by relevance, a blend or recurring-then-relevance found fewer facts)
    for p in sorted(scored, key=lambda p: (-len(found_at[id(p)]), -p.score)):
        council = council_key(p.hit.report.authority)
        if all(council in councils[side] or len(picked[side]) >= turn.settings.overview_points for side in (False, True)):
            continue
        point = with_context([p], scored, turn.index)  # a continuation takes the leaning of what it continues
        concern = any(x.concern for x in point)
        if council not in councils[concern] and len(picked[concern]) < turn.settings.overview_points:
            picked[concern].append(point)
            councils[concern].add(council)
    if len(councils[False] | councils[True]) < 2:
        return None  # one council's words are not an overview
    intro = ""
    area = q.area
    if area:
        counts, n = distribution(turn.index, area, q.given)
        if n:
            name = area.replace("_", " ")
            intro = (f"{name[:1].upper()}{name[1:]}, at each council's latest inspection: "
                     + ", ".join(f"{counts[g]} {g}" for g in GRADES) + f" ({n} councils in this collection).")
    groups = []
    sides = ((True, "Concern:"), (False, "Strength:")) if q.asks_weakness else ((False, "Strength:"), (True, "Concern:"))
    for concern, heading in sides:
        for point in picked[concern]:
            others = max(len(found_at.get(id(p), ())) for p in point)
            note = f" — like findings at {others} other council{'s' if others > 1 else ''} of those searched" if others else ""
            groups.append(Group(point[0].hit.report, [Section(heading, point)], note))
    lead = (("Concerns, then strengths" if q.asks_weakness else "Strengths, then concerns")
            + ", each from a different council, those found at most councils first:")
    return turn.render([], groups, f"{intro}\n{lead}" if intro else lead)


def _compare_accepts(query: Query) -> bool:
    return len(query.councils) >= 2 and not query.asks_grade and bool(query.concepts)


def _compare(turn: Turn) -> Answer | None:
    """Side by side, council by council: its latest inspection's judgement on the topic, then its best points."""
    q = turn.query
    latest = latest_inspections(turn)
    groups = []
    for council in q.councils:
        scored: list[Picked] = []
        for scope in ((latest[council],) if council in latest else (), ()):  # its latest inspection, else any report
            found = turn.answerer.search(q, turn.settings.candidates,
                                         replace(q.filters, authorities=(council.name,), doc_ids=scope))
            scored = sorted(score_sentences(q, found, turn.index, turn.settings), key=lambda p: -p.score)
            # those near the best only: a council's third point is not a generic line about its leaders
            floor = max(turn.settings.min_relevance, scored[0].score - turn.settings.keep_within) if scored else 0.0
            scored = [p for p in scored if p.score >= floor][: turn.settings.compare_points]
            if scored:
                break
        if not scored:
            continue
        report = scored[0].hit.report
        sections = []
        row = kinds.topic_row(turn.index, report, q) if report.kind == "inspection report" else None
        if row is not None:
            sections.append(Section("Judgement:", [row]))
        sections.append(Section("Findings:", with_context(scored, scored, turn.index)))
        groups.append(Group(report, sections, lead=named(report, f"{council.display} — {report.short_title}, {report.date}")))
    if len(groups) < 2:
        return None
    names = [c.display for c in q.councils]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return turn.render([], groups, f"{listed}, side by side:")


COMPOSERS = (
    Composer("ratings", lambda q: q.rating is not None and not q.scope.kinds and not _compare_accepts(q), _ratings),
    Composer("compare", _compare_accepts, _compare),
    Composer("themes", lambda q: q.intent == "recurring", _themes),
    Composer("summary", lambda q: q.intent == "summary", _summary),
    Composer("improvements", lambda q: q.intent == "improvements", _improvements),
    Composer("overview", _overview_accepts, _overview),
    Composer("change", lambda q: q.intent == "change", _change),
)


def compose(turn: Turn) -> Answer | None:
    """The answer of the first composer that accepts the question and finds something to say."""
    for composer in COMPOSERS:
        if composer.accepts(turn.query):
            answer = composer.compose(turn)
            if answer is not None:
                return answer
    return None
