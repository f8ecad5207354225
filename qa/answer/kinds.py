"""One composition per kind of question, each a small function from scored sentences to groups.

What it does, by the `Query`'s intent:
- fact: the best sentences, the best one or two first as the direct answer, the rest by report;
- yesno: the same, the most recent evidence first (a 2024 finding before a 2015 action row);
- broad: every paragraph about the subject gives its best sentences and its concerns, grouped by
  report as judgement, strengths, concerns;
- definition: the glossary's plain-English definition first (uncited: it is the app's glossary,
  not a report), then the report sentences that use the term;
- improvements: what a named report asks to improve (its sentences the build gave the role
  improvement), in the report's order;
- summary: a named report's own summary (or, without one, the most central sentence of each of
  its sections) and its "What needs to improve?" points, led by its judgements;
- change: one group per year with evidence, oldest first, each led by that inspection's judgement
  of what the question is about (its judgement table's row on it), else its overall effectiveness.

What it does not do: score sentences (`qa.answer.select`) or write text (`qa.answer.compose`).
"""

from __future__ import annotations

import re

import numpy as np

from qa.answer.compose import Group, Section, report_lead, section_grade
from qa.answer.followup import QUESTION_WORDS
from qa.answer.model import AnswerSettings, Picked
from qa.answer.query import Query, area_of
from qa.answer.ratings import table_line
from qa.answer.select import (
    CONCERN_ROLES,
    GRADE_LINE,
    NEVER_POINT,
    ROW_KINDS,
    is_point,
    with_context,
)
from qa.corpus.catalogue import Report
from qa.index.lexical import stems
from qa.retrieve.retriever import Hit

FINDINGS = frozenset({"strength", "concern", "improvement", "finding"})  # what a report found, not its fields or procedure


def _newest_first(report: Report) -> tuple:
    return tuple(-ord(c) for c in report.date)


def _by_report(items: list[Picked], order) -> list[tuple[Report, list[Picked]]]:
    groups: dict[str, list[Picked]] = {}
    for p in items:
        groups.setdefault(p.hit.report.id, []).append(p)
    reports = {p.hit.report.id: p.hit.report for p in items}
    return [(reports[i], groups[i]) for i in sorted(groups, key=lambda i: order(reports[i]))]


def _order(query: Query):
    """Inspection reports first when the question asks what inspectors said, then newest first."""
    def key(report: Report) -> tuple:
        primary = 0 if (query.about_inspectors and report.kind == "inspection report") else 1
        return (primary, _newest_first(report))
    return key


def _note(report: Report, items: list[Picked], query: Query) -> str:
    note = ""
    if report.kind != "inspection report" and query.about_inspectors:
        note += " (a secondary source: what the council or press reported)"
    grades = {section_grade(p.hit.passage.section) for p in items} - {None}
    sections = {p.hit.passage.section for p in items}
    if len(sections) == 1 and len(grades) == 1:
        note += f" — judgement for this area: {grades.pop()}"
    return note


def table_row(index, report: Report, name: str) -> Picked | None:
    """The line of a report's judgement table naming `name` ('... care leavers: Good'), as a point."""
    table_id = index.judgement_tables.get(report.id)
    if table_id is None or not name:
        return None
    row = index.by_id[table_id]
    passage = index.passages[row]
    line = table_line(passage.text, name)
    if not line:
        return None
    start = passage.text.index(line)
    return Picked(Hit(passage, report, 0.0, None, None), row, start, start + len(line), 1.0, line)


VERDICT = re.compile(r"\b(are|is|remains?|were|was|now|been judged|judged( to be| as)?)\s+(now\s+)?(outstanding|good|"
                     r"requires? improvement|inadequate)\b", re.I)


# said of the report's own time, not of the last inspection ('... were judged good when last inspected')
PRESENT_VERDICT = re.compile(r"\b(are|is|remains?|now|ha(ve|s) been judged)\s+(now\s+)?(judged\s+(to\s+be\s+)?)?"
                             r"(outstanding|good|requires? improvement|inadequate)\b", re.I)


SUMMARY_SECTION = re.compile(r"\bsummary\b", re.I)  # 'Executive summary', 'Summary of findings' (SIF reports)


def summary_rows(index, report: Report) -> list[int]:
    """The rows of a report's summary: its passages cut as one, or under a heading that names one."""
    lo, hi = index.report_rows.get(report.id, (0, 0))
    return [row for row in range(lo, hi) if index.passages[row].kind == "summary"
            or index.passages[row].kind == "paragraph" and SUMMARY_SECTION.search(index.passages[row].section or "")]


def headline(index, report: Report) -> Picked | None:
    """The report's own verdict in words, as a point: the first sentence of its summary that says its
    services are graded now ('Services in <council> are now good.'), else the first that says they
    were; a verdict on the whole service before one whose short subject names a judgement area
    ('Services for care leavers are good.'), which is never the report's verdict; None where its
    summary has neither."""
    found: list[Picked] = []
    for row in summary_rows(index, report):
        passage = index.passages[row]
        ids, spans = index.sentences_of(row)
        for sid, (_, a, b) in zip(ids, spans):
            text = passage.text[int(a):int(b)]
            # by its words, not its stored role: the role model reads a third of these verdicts as a
            # label or stock text ('The overall judgement is good.'); a judgement table's line is not one
            if VERDICT.search(text) and not GRADE_LINE.search(text):
                point = Picked(Hit(passage, report, 0.0, None, None), row, int(a), int(b), 1.0, text,
                               role=index.role_of(int(sid)))
                found.append(point)
    # said of the whole service before of one judgement area ('Services for care leavers are good'),
    # then of the report's own time before of the last inspection's
    def of_area(p: Picked) -> bool:  # what it grades, a few words before its grade, names an area
        subject = p.text[: VERDICT.search(p.text).start()]
        return len(subject.split()) <= 8 and area_of(subject) is not None

    ranked = sorted(found, key=lambda p: (of_area(p), not PRESENT_VERDICT.search(p.text)))
    return ranked[0] if ranked and not of_area(ranked[0]) else None


FRAME = stems(" ".join(QUESTION_WORDS))  # 'who', 'what', 'how': no judgement's own words


def topic_row(index, report: Report, query: Query) -> Picked | None:
    """The line of a report's judgement table about what the question is about ('care leavers'): the
    line whose own words the question names at least half of. Words in half the table's lines or
    more ('experiences', 'progress') are no line's own."""
    table_id = index.judgement_tables.get(report.id)
    if table_id is None:
        return None
    lines = [line for line in index.passages[index.by_id[table_id]].text.split("\n") if GRADE_LINE.search(line)]
    names = [frozenset(t for t in stems(line.rsplit(":", 1)[0]) if t.isalpha()) - FRAME for line in lines]
    common = {t for t in set().union(*names) if sum(t in n for n in names) >= len(names) / 2} if names else set()
    overlap = [(len((n - common) & query.tokens) / max(len(n - common), 1), len((n - common) & query.tokens)) for n in names]
    if not overlap or max(overlap)[0] < 0.5:
        return None
    line = lines[overlap.index(max(overlap))]  # the most of its own words, then the most words
    return table_row(index, report, line.rsplit(":", 1)[0])


def _within(scored: list[Picked], settings: AnswerSettings, limit: int) -> list[Picked]:
    best = max(p.score for p in scored)
    return sorted((p for p in scored if p.score >= best - settings.keep_within), key=lambda p: -p.score)[:limit]


def may_lead(p: Picked, query: Query) -> bool:
    """Whether a sentence may be an answer's first line: a finding, not a field or a date (unless a
    grade or a person is asked) nor a council paper's procedure (unless that is asked)."""
    if p.role == "label":
        return query.asks_grade or query.asks_who
    if p.role == "procedure":
        return query.about_procedure
    return True


def _leading_first(chosen: list[Picked], query: Query) -> list[Picked]:
    """The chosen sentences, best first, the best that may lead moved to the front."""
    first = next((p for p in chosen if may_lead(p, query)), None)
    return chosen if first is None else [first] + [p for p in chosen if p is not first]


def fact(query: Query, scored: list[Picked], settings: AnswerSettings) -> tuple[list[Picked], list[Group]]:
    chosen = _leading_first(_within(scored, settings, settings.max_sentences), query)
    direct = _direct(chosen, settings)
    rest = [p for p in chosen if p not in direct]
    return direct, [Group(r, [Section(None, items)], _note(r, items, query)) for r, items in _by_report(rest, _order(query))]


def _direct(chosen: list[Picked], settings: AnswerSettings) -> list[Picked]:
    """The best sentence, and the next best if it is of the same passage (one finding, two sentences;
    not two rows of a table, which are two points)."""
    first = chosen[0]
    direct = [first]
    for p in chosen[1:settings.direct]:
        if p.row == first.row and first.hit.passage.kind not in ROW_KINDS:
            direct.append(p)
    return direct


def yesno(query: Query, scored: list[Picked], settings: AnswerSettings) -> tuple[list[Picked], list[Group]]:
    """The most recent evidence first: of the reports whose best sentence is near the best of all,
    the newest gives the direct answer; the others follow, newest first."""
    best = max(p.score for p in scored)
    by_report: dict[str, list[Picked]] = {}
    for p in sorted(scored, key=lambda p: -p.score):
        by_report.setdefault(p.hit.report.id, []).append(p)
    floor = max(settings.min_relevance, best - 2 * settings.keep_within)
    eligible = [items for items in by_report.values() if items[0].score >= floor]
    eligible.sort(key=lambda items: items[0].hit.report.date, reverse=True)
    direct = _direct(_leading_first(eligible[0], query), settings)
    groups = []
    for items in eligible:
        top = items[0].score
        keep = [p for p in items if p.score >= top - settings.keep_within and p not in direct][: settings.change_per_year]
        report = items[0].hit.report
        groups.append(Group(report, [Section(None, keep)], _note(report, keep, query)))
    return direct, groups


def broad(query: Query, scored: list[Picked], hits: list[Hit], index, settings: AnswerSettings) -> tuple[list[Picked], list[Group]]:
    """Every paragraph about the subject (its passage score near the best) contributes its best
    sentences and the concerns it raises, so the answer covers all of them."""
    top_dense = max(h.dense_score for h in hits)
    relevant = {index.by_id[h.passage.id] for h in hits if h.dense_score >= top_dense - settings.broad_passage_within}
    best = max(p.score for p in scored)  # and the paragraphs of the best sentences, however they were found
    relevant |= {p.row for p in scored if p.score >= best - settings.keep_within}
    chosen: list[Picked] = []
    for row in dict.fromkeys(p.row for p in scored if p.row in relevant):
        mine = [p for p in scored if p.row == row]
        top = max(mine, key=lambda p: p.score)
        if top.score < settings.broad_floor:
            continue
        close = sorted((p for p in mine if p.score >= top.score - settings.keep_within), key=lambda p: -p.score)
        share = max(1, min(settings.per_passage_broad, settings.max_sentences_broad // max(len(relevant), 1)))
        chosen += close[:share]
        chosen += [p for p in mine if p.concern and p not in close[:share] and p.score >= settings.broad_floor]
    ranked = sorted(chosen, key=lambda p: -p.score)
    strengths = [p for p in ranked if not p.concern][: settings.max_sentences_broad]
    concerns = [p for p in ranked if p.concern][: settings.max_concerns_broad]
    chosen = with_context(strengths + concerns, scored, index)  # a sentence leaning on a concern joins it
    if not chosen:
        return [], []
    strengths = [p for p in sorted((p for p in chosen if not p.concern), key=lambda p: -p.score) if may_lead(p, query)]
    direct = [strengths[0]] if strengths else []
    groups = []
    for report, items in _by_report([p for p in chosen if p not in direct], _order(query)):
        sections = []
        if report.kind == "inspection report":
            names = dict.fromkeys(p.hit.passage.section for p in items + direct if p.hit.report.id == report.id)
            rows = [t for s in names if section_grade(s) and (t := table_row(index, report, s.rsplit(":", 1)[0]))]
            sections.append(Section("Judgement:", rows))
            sections.append(Section("Strengths:", [p for p in items if not p.concern]))
            sections.append(Section("Concerns:", [p for p in items if p.concern]))
        else:
            sections.append(Section(None, items))
        groups.append(Group(report, sections, _note(report, items, query)))
    return direct, groups


def definition(query: Query, scored: list[Picked], settings: AnswerSettings) -> tuple[list[Picked], list[Group]]:
    """The report sentences that use the term (by any of its names), best first."""
    term = query.defines
    names = [n.lower() for n in term.names] if term else []
    using = [p for p in scored if any(n in p.text.lower() for n in names)] or scored
    chosen = sorted(using, key=lambda p: -p.score)[:3]
    return [], [Group(r, [Section(None, items)], _note(r, items, query)) for r, items in _by_report(chosen, _order(query))]


def summary_report(query: Query, index, hits: list[Hit]) -> Report | None:
    """The report a summary question names: the one its words pick, else the latest inspection in
    scope, else the report of the best passage."""
    reports = [r for r in index.reports.values() if query.filters.allows(r)]
    if len(reports) == 1:
        return reports[0]
    inspections = sorted((r for r in reports if r.kind == "inspection report"), key=lambda r: r.date)
    if inspections and (query.councils or len({r.authority for r in reports}) == 1):
        return inspections[-1]
    return hits[0].report if hits else None


def report_points(index, report: Report, rows, roles=None) -> list[Picked]:
    """Every sentence of a report's passages (rows) that can stand as an answer point, in order,
    with its stored role (only those of `roles`, when given; never stock text)."""
    out = []
    for row in rows:
        p = index.passages[row]
        hit = Hit(p, report, 0.0, None, None)
        ids, spans = index.sentences_of(row)
        for sid, (_, s, e) in zip(ids, spans):
            text = p.text[int(s):int(e)]
            role = index.role_of(int(sid))
            if role in NEVER_POINT or (roles is not None and role not in roles):
                continue
            if is_point(text, p):
                out.append(Picked(hit, row, int(s), int(e), 0.0, text, role in CONCERN_ROLES, int(sid), role))
    return out


def improvements(query: Query, reports: list[Report], index, settings: AnswerSettings) -> tuple[Report | None, list[Group]]:
    """What the first of `reports` that has a list of improvements asks to improve (its sentences
    whose stored role is improvement), in its order."""
    for report in reports:
        points = report_points(index, report, range(*index.report_rows[report.id]), {"improvement"})
        if points:
            for p in points:
                p.concern = True
            return report, [Group(report, [Section(None, points[: settings.max_improvements])], _note(report, points, query))]
    return None, []


def summary(query: Query, report: Report, index, settings: AnswerSettings) -> tuple[list[Picked], list[Group]]:
    """A report's own summary and improvement points; without a summary, the most central sentence
    of each section (nearest the mean of the report's sentence vectors), in the report's order."""
    lo, hi = index.report_rows[report.id]
    passages = [(row, index.passages[row]) for row in range(lo, hi)]

    own = report_points(index, report, [row for row, p in passages if p.kind == "summary"])
    points = report_points(index, report, [row for row, _ in passages], {"improvement"})
    if own:
        body = own[: settings.summary_sentences]
    else:
        paragraphs = [row for row, p in passages if p.kind == "paragraph"]
        candidates = report_points(index, report, paragraphs, FINDINGS)
        if not candidates:
            return [], []
        vectors = index.sentence_vectors[[p.sentence for p in candidates]]
        centre = vectors.mean(axis=0)
        centre /= np.linalg.norm(centre) or 1.0
        for p, v in zip(candidates, vectors):
            p.score = float(v @ centre)
        best: dict[str, Picked] = {}
        for p in candidates:
            held = best.get(p.hit.passage.section)
            if held is None or p.score > held.score:
                best[p.hit.passage.section] = p
        body = sorted(best.values(), key=lambda p: -p.score)[: settings.summary_sentences]
    table = index.judgement_tables.get(report.id)
    judgements = []
    if table is not None:
        row = index.by_id[table]
        judgements = [p for p in report_points(index, report, [row]) if GRADE_LINE.search(p.text)]  # not the table's header
    overall = [p for p in judgements if p.text.lower().startswith("overall")]
    direct = overall[:1] or body[:1]
    sections = [Section("Judgements:", [p for p in judgements if p not in direct]),
                Section("Summary:", [p for p in body if p not in direct]),
                Section("What needs to improve:", points[:8])]
    return direct, [Group(report, sections)]


def change(query: Query, per_report: list[tuple[Report, list[Picked]]], index,
           settings: AnswerSettings) -> list[Group]:
    """One group per year, oldest first: each inspection in scope, led by its judgement (its verdict
    is the evidence of its year even where none of its sentences is on the question's words), then
    its sentences that are; and the other sources that have some. In a year with an inspection
    report, the secondary sources of that year (the council's paper or the press on it) give way to it."""
    def relevant(scored: list[Picked]) -> list[Picked]:
        best = max((p.score for p in scored), default=0.0)
        if best < settings.min_relevance:
            return []
        return sorted((p for p in scored if p.score >= best - settings.keep_within), key=lambda p: -p.score)

    shown = [(r, relevant(s)) for r, s in per_report]
    shown = [(r, items) for r, items in shown if items or r.kind == "inspection report"]
    each = per_year(sum(r.kind == "inspection report" for r, _ in shown), settings)
    groups = [g for r, items in shown if r.kind == "inspection report" if (g := _year_group(query, r, items, index, each))]
    inspected = {g.report.year for g in groups}  # years an inspection has something to show for
    groups += [g for r, items in shown if r.kind != "inspection report" and r.year not in inspected
               if (g := _year_group(query, r, items, index, each))]
    return sorted(groups, key=lambda g: g.report.date)


def per_year(inspections: int, settings: AnswerSettings) -> int:
    """Sentences each year of a change answer gives: its share of `change_points`, no fewer than
    `change_per_year` — two inspections compared say more of each than six in a row."""
    return max(settings.change_per_year, settings.change_points // max(1, inspections))


def latest_standing(query: Query, groups: list[Group]) -> list[Picked]:
    """A change question's direct reply: where the newest inspection left it, in its words — on a
    topic its best finding on it, else its verdict or the first point of its summary ('There has been
    an overall decline ... since the last inspection'), taken out of that inspection's group so it
    is said once."""
    inspections = [g for g in groups if g.report.kind == "inspection report"]
    if not inspections:
        return []
    sections = [s for s in inspections[-1].sections if s.items and s.items[0].hit.passage.kind != "judgement table"]
    if not sections:
        return []
    first = sections[-1].items.pop(0)  # its findings (a topic's), after any verdict that leads its group
    return [first]


def _standing(report: Report, index, each: int) -> Group | None:
    """An inspection's standing, for a question about change that names no topic ('Has <council>
    recovered since 2018?'): its overall judgement, then its verdict in words and the first points
    of its summary, where a report says how services moved since the last inspection."""
    grade = table_row(index, report, "overall effectiveness")
    said = report_points(index, report, summary_rows(index, report))
    verdict = headline(index, report)
    points = ([verdict] if verdict is not None else []) + [p for p in said if verdict is None or p.key != verdict.key]
    points = points[:each]
    sections = ([Section(None, [grade])] if grade is not None else []) + ([Section(None, points)] if points else [])
    return Group(report, sections, lead=f"{report.year} — " + report_lead(report)) if sections else None


def _year_group(query: Query, report: Report, items: list[Picked], index, each: int) -> Group | None:
    """One report's group in a change answer: an inspection led by its judgement, then its findings."""
    sections = []
    if report.kind == "inspection report" and not query.topical:
        standing = _standing(report, index, each)
        if standing is not None:
            return standing  # else its best sentences on the question's words, as for a topic
    if report.kind == "inspection report":
        # on a topic, its line of the judgement table; overall, the report's verdict in its own words
        # ('... have significantly improved since 2022, when ... inadequate'), else the table's line
        judgement = (topic_row(index, report, query) or headline(index, report)
                     or table_row(index, report, "overall effectiveness"))
        if judgement is not None:
            sections.append(Section(None, [judgement]))
            items = [p for p in items if (p.row, p.start) != (judgement.row, judgement.start)]
    if items:
        sections.append(Section(None, items[:each]))
    return Group(report, sections, lead=f"{report.year} — " + report_lead(report)) if sections else None
