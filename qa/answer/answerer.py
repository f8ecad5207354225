"""The answer pipeline: analyse the question once, decline what is outside the collection,
retrieve, score sentences, compose by the question's kind.

What it does: `Answerer(retriever).answer(question, history, filters)` returns an `Answer` whose
every marked point is verbatim text of the passage it cites. Declines (nothing relevant above the
calibrated threshold, a council or name or year the collection does not hold) cite nothing and
list the nearest passages.

What it does not do: generate or paraphrase text.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

from qa.answer import kinds
from qa.answer.composers import Turn, compose
from qa.answer.compose import Group, Section, composed, decline, named
from qa.answer.followup import QUESTION_WORDS
from qa.answer.guards import Guards
from qa.answer.model import Answer, AnswerSettings, Picked
from qa.answer.query import Query, ReportLookup, analyse
from qa.answer.select import names_role, score_sentences, with_context
from qa.answer.themes import Themes
from qa.index.lexical import stems
from qa.index.vocabulary import common_text_stems
from qa.retrieve.question_vector import encode_query
from qa.retrieve.retriever import Filters, Hit, QueryError, Retriever, require_text


def latest_grade(council: str, row, report) -> str:
    """A council's standing in one line, from its latest inspection's judgements (catalogue data,
    each grade quoted and cited in the table below): 'Kent: good overall at its latest inspection (...)'."""
    overall = row.grade_of("overall_effectiveness")
    if overall is None:
        return ""
    return f"{council}: {overall.grade} overall at its latest inspection ({report.short_title})."


class Answerer:
    """Answers questions from one loaded index (shared read-only across threads)."""

    def __init__(self, retriever: Retriever, settings: AnswerSettings = AnswerSettings()):
        self.retriever = retriever
        self.index = retriever.index
        self.settings = settings
        self.guards = Guards(self.index)
        self.held = self.guards.held
        self.lookup = ReportLookup.of(self.index.reports.values())  # the reports by year and kind, once
        self.last_best_score: float | None = None  # of the last question answered, for calibration
        # Stems no topic is made of: the question's frame, and the names of the councils and
        # publishers the catalogue holds ('What did Ofsted say about <council>?' names no topic yet).
        names = " ".join(f"{r.authority} {r.publisher}" for r in self.index.reports.values())
        self.ignore = frozenset(stems(" ".join(QUESTION_WORDS) + " " + names)) | frozenset(
            stems("mention talk discuss cover write wrote written know anything something"))

    def held_names(self, limit: int = 12) -> str:
        return self.guards.held_names(limit)

    @cached_property
    def themes(self) -> Themes:
        # Words in the text of more than theme_generic_share of the passages, counted from the
        # BM25 index (qa.index.vocabulary), not by tokenizing every passage again.
        generic = common_text_stems(self.index, self.settings.theme_generic_share)
        return Themes(self.index, self.settings, generic | self.ignore)

    def analyse(self, question: str, history=(), filters: Filters | dict | None = None) -> Query:
        question = " ".join((question or "").split())
        if not question:
            raise QueryError("the question is empty")
        history = tuple(" ".join(h.split()) for h in (history or ()) if h and h.strip())
        for text in (question, *history):
            require_text(text, "the question")
        given = filters if isinstance(filters, Filters) else Filters.from_dict(filters)
        given.check(self.index.reports)
        return analyse(question, history, given, self.lookup, self.held, self.ignore, encode_query,
                       prefer_latest=self.settings.prefer_latest)

    def search(self, query: Query, k: int, filters: Filters | None = None) -> list[Hit]:
        return self.retriever.search(query.search_text, k=k, filters=query.filters if filters is None else filters,
                                     vector=query.vector, extra=query.expansion, topic=query.tokens)

    def answer(self, question: str, history=(), filters: Filters | dict | None = None) -> Answer:
        query = self.analyse(question, history, filters)
        refused = self.guards.unheld_filter(query)
        if refused:
            return decline(query, [], refused)
        turn = Turn(self, query)
        place = self.guards.place_not_held(query)
        if place:  # a council not held: other councils' passages are not offered in its place
            return decline(query, [], place)
        outside = self.guards.outside(query)
        if outside:  # a year, kind or source named but not held: declined, with the nearest passages it holds
            return decline(turn.query, turn.shown, outside)
        composed = compose(turn)
        if composed is not None:
            return composed
        if not turn.hits:
            return decline(turn.query, [], "No report in the chosen filters matches the question.")
        return self._sentences(turn)

    def _sentences(self, turn: Turn) -> Answer:
        """The best sentences, composed by the question's intent (fact, yes/no, broad, definition)."""
        query, hits, shown, depth = turn.query, turn.hits, turn.shown, turn.depth
        scored = score_sentences(query, hits[:depth], self.index, self.settings)
        if not scored:
            return decline(query, shown, "The reports in this collection do not cover this.")
        best = max(scored, key=lambda p: p.score)
        self.last_best_score = best.score
        if query.role and not names_role(best.text, query.role):  # 'lead councillor' answered by 'Lead inspector: ...'
            whose = " and ".join(f"{c.name}'s" for c in query.councils) or "the"
            return decline(query, shown, f"The reports in this collection do not name {whose} {query.role}.")
        if best.score < self.settings.min_relevance:
            return decline(query, shown, "The reports in this collection do not cover this.")
        if query.broad:
            direct, groups = kinds.broad(query, scored, hits[:depth], self.index, self.settings)
        elif query.intent == "definition":
            direct, groups = kinds.definition(query, scored, self.settings)
        elif query.intent == "yesno":
            direct, groups = kinds.yesno(query, scored, self.settings)
        else:
            direct, groups = kinds.fact(query, scored, self.settings)
        if not direct and not groups:
            return decline(query, shown, "The reports in this collection do not cover this.")
        if query.intent not in ("broad", "summary"):  # broad answers took their context already
            direct = with_context(direct, scored, self.index)
            for group in groups:
                for section in group.sections:
                    section.items = with_context(section.items, scored, self.index)
        shown_keys = {d.key for d in direct}
        shown_rows = {d.row for d in direct if d.hit.passage.kind == "action row"}  # shown whole
        for group in groups:
            for section in group.sections:
                section.items = [p for p in section.items if p.key not in shown_keys and p.row not in shown_rows]
        if direct and not any(section.items for group in groups for section in group.sections):
            # One passage answers it all: shown under its report's lead, so the reader sees whose words they are.
            report = direct[0].hit.report
            groups, direct = [Group(report, [Section(None, direct)], kinds._note(report, direct, query))], []
        intro = ""
        if query.intent == "definition" and query.defines is not None:
            term = query.defines
            short = f" ({', '.join(term.acronyms)})" if term.acronyms else ""
            intro = f"{term.term[:1].upper()}{term.term[1:]}{short}, in the glossary: {term.definition}"
        return composed(query, shown, direct, groups, intro)

    def change(self, query: Query, hits: list[Hit], shown: list[Hit]) -> Answer | None:
        """Per report of the council in scope, its best sentences: the evidence of each year."""
        filters = query.filters
        if not filters.authorities and not filters.doc_ids:
            filters = replace(filters, authorities=(hits[0].report.authority,))
        reports = [r for r in self.index.reports.values() if filters.allows(r)]
        if len(reports) < 2:
            return None
        per_report = []
        for report in reports:
            found = self.search(query, self.settings.candidates // 2, Filters(doc_ids=(report.id,)))
            per_report.append((report, score_sentences(query, found, self.index, self.settings)))
        groups = kinds.change(query, per_report, self.index, self.settings)
        if len({g.report.year for g in groups}) < 2:
            return None
        self.last_best_score = max((p.score for _, s in per_report for p in s), default=0.0)  # groups of verdicts alone
        years = sorted({g.report.year for g in groups})
        intro = f"Evidence from {len(groups)} reports, {years[0]} to {years[-1]}, oldest first:"
        direct = kinds.latest_standing(query, groups)  # 'has it recovered?': the newest verdict says first
        return composed(query, shown, direct, groups, intro, intro_first=not direct)

    def ratings(self, query: Query, rows) -> Answer:
        """One group per inspection, oldest first (newest first for a council's ratings asked
        without a change: 'How did Ofsted rate <council>?'): its judgements, each quoted from its
        judgement table and cited to it (see `qa.answer.ratings`)."""
        ask = query.rating
        groups: list[Group] = []
        for row in (reversed(rows) if ask.newest_first else rows):
            if row.passage_id is None:
                continue
            report = self.index.reports[row.doc_id]
            grades = [g for g in row.judgements if not ask.areas or g.key in ask.areas] or list(row.judgements)
            items = [p for g in grades if (p := kinds.table_row(self.index, report, g.name)) is not None]
            items = list({p.key: p for p in items}.values())  # two judgements on one line of the table: one row
            verdict = kinds.headline(self.index, report) if not ask.grade and len(rows) <= self.settings.headlines else None
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
            intro = latest_grade(ask.councils[0].display, rows[-1], self.index.reports[rows[-1].doc_id])
        answer = composed(query, [], [], groups, intro)
        answer.passages = [c.hit for c in answer.citations][:10]
        return answer
