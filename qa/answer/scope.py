"""What part of the collection a question is about, and how a follow-up inherits it.

What it does: reads a question's scope once from its own words — the councils it names (any UK
council of the register, held or not), the years it names (not "since 2015", which only dates a
comparison), the kind of report it names ("the local paper", "council papers"), or that it asks
across councils ("which councils ...", "nationally") — into a `Scope`. A conversation's scope is
each turn's own scope laid over the one before (`conversation_scope`): every part a turn does not
state is the earlier turn's. `restated` writes the parts a standalone question lacks into it, so
the question shown and searched names its council and year.

    scope_of("What did inspectors say about care leavers in <council>?") -> Scope(councils=(<council>,))
    conversation_scope(["... care leavers in <council>?", "And their accommodation?"]) -> Scope(councils=(<council>,))
    restated("What did they say about care leavers' accommodation?", that scope)
        -> "What did they say about care leavers' accommodation in <council>?"

What it does not do: rewrite a follow-up's topic (`qa.answer.followup`), or decide which reports
the scope selects or whether they are held (`qa.answer.query`, `qa.answer.guards`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from qa.corpus.places import Authority, mentioned

YEAR = re.compile(r"\b(19[89]\d|20\d\d)\b")
DATES_A_COMPARISON = re.compile(r"\b(since|after|before|compared (with|to)|from)\b(\s+\S+){0,2}\s*$", re.I)
# The words that name a kind of report, as a reader writes them.
KIND_WORDS = re.compile(r"\b(local (?:paper|press|news)|newspapers?|the press|council papers?|cabinet|scrutiny committee)\b", re.I)
# A question asked across councils states its councils: all of them.
ACROSS = re.compile(r"\b(?:which|what|how many|all|every|other|most|many|some) (?:\w+ )?(?:councils|authorities|areas|"
                    r"local authorities)\b|\bnational(?:ly)?\b|\bacross (?:england|the country|councils)\b|\bin england\b", re.I)


@dataclass(frozen=True)
class Scope:
    councils: tuple[Authority, ...] = ()
    across: bool = False  # asked of all councils ("which councils ...?"): no council carried in
    years: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()  # the words naming a kind of report: "the local paper"

    def over(self, earlier: Scope) -> Scope:
        """This turn's scope, each part it does not state taken from the earlier turn's."""
        councils, across = (self.councils, self.across) if self.councils or self.across else (earlier.councils, earlier.across)
        return replace(self, councils=councils, across=across, years=self.years or earlier.years,
                       kinds=self.kinds or earlier.kinds)


def scope_of(text: str) -> Scope:
    """The scope a question states in its own words."""
    years = tuple(dict.fromkeys(int(m.group(0)) for m in YEAR.finditer(text)
                                if not DATES_A_COMPARISON.search(text[:m.start()])))
    kinds = tuple(dict.fromkeys(m.group(0) for m in KIND_WORDS.finditer(text)))
    councils = tuple(mentioned(text))
    return Scope(councils=councils, across=not councils and bool(ACROSS.search(text)), years=years, kinds=kinds)


def conversation_scope(turns: list[str] | tuple[str, ...]) -> Scope:
    """The scope in force after these turns, oldest first: each turn's own over the one before."""
    scope = Scope()
    for turn in turns:
        scope = scope_of(turn).over(scope)
    return scope


def restated(text: str, scope: Scope) -> str:
    """The question with the parts of its scope it does not name written in: "... in <council> in 2021?"."""
    named = set(mentioned(text))
    missing = [c.display for c in scope.councils if c not in named]
    years = [str(y) for y in scope.years if str(y) not in text]
    kinds = [k for k in scope.kinds if k.lower() not in text.lower()]
    if not (missing or years or kinds):
        return text
    tail = ""
    if missing:
        tail += " in " + " and ".join(missing)
    if years:
        tail += " in " + " and ".join(years)
    if kinds:
        tail += f" ({', '.join(kinds)})"
    return text.rstrip("?. ") + tail + "?"
