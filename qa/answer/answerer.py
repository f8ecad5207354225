"""The answer pipeline: analyse the question once, decline what is outside the collection,
retrieve, score sentences, compose by the question's kind.

What it does: `Answerer(retriever).answer(question, history, filters)` returns an `Answer` whose
every marked point is verbatim text of the passage it cites. Declines (nothing relevant above the
calibrated threshold, a council or name or year the collection does not hold) cite nothing and
list the nearest passages (none for a council not held: they would be another council's). The
kinds of answer are composers (`qa.answer.composers`); the best sentences by intent are the fallback.

What it does not do: generate or paraphrase text.
"""

from __future__ import annotations

from functools import cached_property

from qa.answer import kinds
from qa.answer.composers import Turn, compose
from qa.answer.compose import Group, Section, composed, decline
from qa.answer.followup import QUESTION_WORDS
from qa.answer.guards import Guards
from qa.answer.model import Answer, AnswerSettings
from qa.answer.query import Query, ReportLookup, analyse
from qa.answer.select import names_role, score_sentences, with_context
from qa.answer.themes import Themes
from qa.index.lexical import stems
from qa.index.vocabulary import common_text_stems
from qa.retrieve.question_vector import encode_query
from qa.retrieve.retriever import Filters, Hit, QueryError, Retriever, require_text


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
