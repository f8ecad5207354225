"""Recurring themes: concerns raised about more than one inspection, grouped.

What it does: for "What keeps coming back across inspections?" or "Is supervision a recurring
weakness?", takes every sentence raising a concern in one council's reports (the council named,
or that of the best passage: a theme recurs within one council's history), keeps those about the
question's topic when it has one, and groups concerns from different years that are similar
(sentence vectors) and share a distinctive word into themes, oldest first within each.

The work is bounded by the reports of one council, never by the whole collection; a report's
concern sentences are found once and cached.

What it does not do: answer questions that are not about recurrence.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from qa.answer.compose import Writer
from qa.answer.followup import YEAR
from qa.answer.kinds import report_points
from qa.answer.model import Answer, AnswerSettings, Picked
from qa.answer.query import RECURRING, Query
from qa.answer.select import CONCERN_ROLES
from qa.chunk.sentences import quoted
from qa.corpus.catalogue import Report
from qa.index.lexical import stems
from qa.retrieve.retriever import Filters, Hit

# Words that mark a sentence as a shortfall rather than name what it is about, stripped from the
# words that tie a theme (the answer stage's former concern pattern: it no longer decides any role).
MARKING = re.compile(
    r"\b(however|not (always|yet|consistently|routinely|sufficiently|fully|effectively|enough|been|robust\w*|timely)|"
    r"too (late|long|slow\w*|many|few|high|variable)|delays?|delayed|weak\w*|shortfalls?|shortages?|backlogs?|"
    r"long waits?|waiting lists?|needs? to improve|needs? (further )?development|"
    r"requires? improvement|inadequate|insufficient\w*|drift|gaps?|poor\w*|lack\w*|limited|inconsistent\w*|variable|"
    r"did not|is not|are not|was not|were not|has not|have not|fail\w*|"
    r"still not|with the exception of|yet to be|unregistered|(high|staff) turnover|risk of|concerns? about|vacanc\w+)\b",
    re.IGNORECASE,
)
THEME_STOP = frozenset(stems("our we us they their there this these those which also some"))
# Words that talk about reports and problems in general, not about a topic.
META = frozenset(stems("get getting theme themes weakness weaknesses problem problems issue issues concern concerns "
                       "criticism criticisms inspection inspections"))


def about_year(report: Report) -> int:
    years = [int(y) for y in YEAR.findall(report.about)]
    return years[-1] if years else report.year


class Themes:
    def __init__(self, index, settings: AnswerSettings, generic: frozenset[str]) -> None:
        """`generic`: words too common in the collection, or in any question, to tie a theme."""
        self.index = index
        self.settings = settings
        self.generic = generic  # words too common in the collection to tie a theme
        self._concerns = lru_cache(maxsize=4096)(self._concerns_of)

    def topic_words(self, text: str) -> frozenset[str]:
        """What a concern is about: its words less the common ones and those saying it is a concern."""
        marking = stems(" ".join(m.group(0) for m in MARKING.finditer(text)))
        return stems(text) - self.generic - THEME_STOP - marking

    def _concerns_of(self, doc_id: str) -> tuple[Picked, ...]:
        """Every sentence of one report that raises a concern (its stored role: concern or improvement),
        and each action of an action plan (its row's first line: it answers an area for improvement)."""
        report = self.index.reports[doc_id]
        points = report_points(self.index, report, range(*self.index.report_rows[doc_id]), CONCERN_ROLES | {"procedure"})
        concerns = [p for p in points if p.role != "procedure" or (p.hit.passage.kind == "action row" and p.start == 0)]
        for p in concerns:
            p.concern = True
        return tuple(concerns)

    def scope(self, query: Query, hits: list[Hit]) -> list[str]:
        """The reports a theme is looked for in: one council's (named, or the best passage's)."""
        filters = query.filters
        if not filters.authorities and not filters.doc_ids and hits:
            filters = Filters(authorities=(hits[0].report.authority,), kinds=filters.kinds,
                              year_from=filters.year_from, year_to=filters.year_to)
        return [r.id for r in self.index.reports.values() if filters.allows(r)]

    def find(self, query: Query, hits: list[Hit]) -> list[list[Picked]]:
        concerns = [p for doc_id in self.scope(query, hits) for p in self._concerns(doc_id)]
        if not concerns:
            return []
        vectors = self.index.sentence_vectors[[p.sentence for p in concerns]]
        # What the question is about keeps common words ('education'); tying two concerns does not.
        topic = stems(RECURRING.sub(" ", query.text)) - THEME_STOP - META - (stems(query.text) - query.tokens)
        keep = list(range(len(concerns)))
        if topic:  # 'Is supervision a recurring weakness?': only the concerns about that, nearest first
            keep = [i for i in keep if (stems(concerns[i].text) & topic) or float(vectors[i] @ query.vector) >= 0.5]
            keep = [keep[i] for i in np.argsort(-(vectors[keep] @ query.vector))[: self.settings.theme_candidates]]
        years = [about_year(p.hit.report) for p in concerns]
        words = [self.topic_words(p.text) for p in concerns]
        sims = vectors @ vectors.T

        def linked(a: int, b: int) -> bool:
            return years[a] != years[b] and sims[a, b] >= self.settings.theme_similarity and bool(words[a] & words[b])

        # One theme per strongest unclaimed pair, grown by one hop from it (no chains of chains).
        pairs = sorted(((float(sims[a, b]), a, b) for a in keep for b in keep if a < b and linked(a, b)), reverse=True)
        claimed: set[int] = set()
        themes: list[list[int]] = []
        for _, a, b in pairs:
            if a in claimed or b in claimed:
                continue
            theme = [a, b] + [c for c in keep if c not in claimed and c not in (a, b) and (linked(a, c) or linked(b, c))]
            claimed.update(theme)
            themes.append(theme)
        themes.sort(key=lambda g: (-len({years[i] for i in g}), -len(g)))
        return [self._dedupe([concerns[i] for i in g]) for g in themes[: self.settings.max_themes]]

    @staticmethod
    def _dedupe(theme: list[Picked]) -> list[Picked]:
        """One copy of a sentence another report repeats (the press quoting Ofsted): the primary source."""
        best: dict[str, Picked] = {}
        for p in theme:
            key = " ".join(quoted(p.text).rstrip(".").split()).lower()
            held = best.get(key)
            if held is None or (held.hit.report.kind != "inspection report" and p.hit.report.kind == "inspection report"):
                best[key] = p
        return list(best.values())

    def compose(self, query: Query, shown: list[Hit], themes: list[list[Picked]]) -> Answer:
        writer = Writer()
        lines = ["Concerns raised about more than one inspection, oldest first in each theme:", ""]
        for theme in themes:
            # The label: the words the theme's strongest pair (its first two) share, as the reports write them.
            shared = set.intersection(*[set(self.topic_words(p.text)) for p in theme[:2]]) if len(theme) > 1 else set()
            theme.sort(key=lambda p: (p.hit.report.date, p.hit.passage.position, p.start))
            named: list[str] = []
            for p in theme:
                for w in re.findall(r"[A-Za-z][\w'’-]*", p.text):
                    if stems(w) & shared and w.lower() not in named:
                        named.append(w.lower())
            years = sorted({about_year(p.hit.report) for p in theme})
            lines.append(f"{', '.join(named[:3]) or 'related concerns'} — raised about {' and '.join(map(str, years))}")
            lines += ["- " + writer.mark([p]) for p in theme]
            lines.append("")
        return Answer(query.question, query.text, "\n".join(lines).strip(), False, writer.citations(), shown,
                      intent=query.intent)
