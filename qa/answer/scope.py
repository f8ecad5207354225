"""What part of the collection a question is about, and how a follow-up inherits it.

What it does: reads a question's scope once from its own words — the councils it names (any UK
council of the register, held or not), the years it names (not "since 2015", which only dates a
comparison), the kind of report it names ("the local paper", "council papers"), or that it asks
across councils ("which councils ...", "nationally") — into a `Scope`. A conversation's scope is
each turn's own scope laid over the one before (`conversation_scope`): every part a turn does not
state is the earlier turn's, unless the turn stands alone (`stands_alone`: it names its own councils
or asks across them, and leans on nothing earlier), when it starts afresh. `restated` writes the parts a standalone question lacks into it, so
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

from qa.corpus.places import Authority, mentioned, mentioned_outside_england
from qa.retrieve.glossary import matching_terms

YEAR = re.compile(r"\b(19[89]\d|20\d\d)\b")
DATES_A_COMPARISON = re.compile(r"\b(since|after|before|compared (with|to)|from)\b(\s+\S+){0,2}\s*$", re.I)
# The words that name a kind of report, as a reader writes them.
PRESS = re.compile(r"\b(local (paper|press|news)|newspapers?|the press|press (report|release|coverage)|"
                   r"news (story|article|report|coverage)|journalists?|media)\b", re.I)
COUNCIL_PAPER = re.compile(r"\b(council papers?|cabinet|(?:scrutiny )?committee|councillors were told|scrutiny)\b", re.I)
KIND_NAMES = (("news article", PRESS), ("council paper", COUNCIL_PAPER))  # a kind of report, by the words naming it
KIND_WORDS = re.compile("|".join(pattern.pattern for _, pattern in KIND_NAMES), re.I)
# A question asked across councils states its councils: all of them.
# Councils in the plural ('How good are councils at ...?'), or 'a common weakness', asks across them too.
ACROSS = re.compile(r"\b(?:which|what|how many|all|every|other|most|many|some) (?:\w+ )?(?:councils|authorities|areas|"
                    r"local authorities)\b|\bnational(?:ly)?\b|\bacross (?:england|the country|councils)\b|\bin england\b|"
                    r"\b(?:councils|local authorities)\b|"
                    r"\bcommon (?:\w+ )?(?:weakness|strength|problem|issue|theme|finding|concern)s?\b|"
                    # what is usual, asked of no council ('Do care leavers generally get ...?'), is asked of them all
                    r"\b(?:generally|typically|usually|in general|commonly|normally|on the whole)\b", re.I)


# Islands under the Crown but not in the United Kingdom: no council of theirs is in the ONS register.
CROWN_DEPENDENCIES = re.compile(r"\b(Isle of Man|Jersey|Guernsey|Alderney|Sark)\b")
FOLLOW_UP_START = re.compile(r"^(and|but|so|also|then|what about|how about|and what about|what of)\b[\s,]*", re.I)
PRONOUN = re.compile(r"\b(they|them|their|theirs|it|its|this|that|these|those|there)\b", re.I)
# Pronouns that point at the calendar or at nothing: 'this year', 'are there enough ...?'
_NOT_BACK = re.compile(r"\b(this|that|last|next) (year|month|week)\b|\b(is|are|was|were) there\b|"
                       r"\bthere (is|are|was|were|has|have)\b", re.I)


def pointing_back(text: str) -> list[re.Match]:
    """The pronouns of a question that point back into the conversation: not 'this year' or 'is
    there', not 'it'/'its' in a question naming its own council ('Has <council> recovered since it
    was failing?'), not 'they'/'their' after a subject of its own ('Do care leavers get their ...?')."""
    own_council = bool(mentioned(text))
    subjects = [m.start() for term in matching_terms(text) for name in term.names
                if (m := re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", text, re.I))]
    calendar = [n.span() for n in _NOT_BACK.finditer(text)]
    out = []
    for m in PRONOUN.finditer(text):
        word = m.group(0).lower()
        if any(a <= m.start() < b for a, b in calendar):
            continue
        if word in ("it", "its") and own_council:
            continue
        if word in ("they", "them", "their", "theirs") and any(start < m.start() for start in subjects):
            continue
        out.append(m)
    return out


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the conversation: it opens with 'and', 'what about' ..., points
    back with a pronoun ('their accommodation', 'there': `pointing_back`), or is too short to stand
    alone ('Why?', 'In 2014?'). A whole question ('How did Ofsted rate <council>?') takes nothing
    from earlier turns."""
    text = " ".join(question.split())
    if FOLLOW_UP_START.match(text) or pointing_back(text):
        return True
    return len(re.findall(r"[A-Za-z]{2,}", text)) <= 3


@dataclass(frozen=True)
class Scope:
    councils: tuple[Authority, ...] = ()
    across: bool = False  # asked of all councils ("which councils ...?"): no council carried in
    years: tuple[int, ...] = ()
    kinds: tuple[str, ...] = ()  # the words naming a kind of report: "the local paper"
    dated: bool = False  # it names a year that dates a comparison ("since 2016"): it states its own time

    def over(self, earlier: Scope) -> Scope:
        """This turn's scope, each part it does not state taken from the earlier turn's."""
        councils, across = (self.councils, self.across) if self.councils or self.across else (earlier.councils, earlier.across)
        years = self.years or (() if self.dated else earlier.years)
        return replace(self, councils=councils, across=across, years=years, kinds=self.kinds or earlier.kinds)


def scope_of(text: str) -> Scope:
    """The scope a question states in its own words."""
    named = [(int(m.group(0)), bool(DATES_A_COMPARISON.search(text[:m.start()]))) for m in YEAR.finditer(text)]
    years = tuple(dict.fromkeys(year for year, dating in named if not dating))
    kinds = tuple(dict.fromkeys(m.group(0) for m in KIND_WORDS.finditer(text)))
    councils = tuple(mentioned(text))
    return Scope(councils=councils, across=not councils and bool(ACROSS.search(text)), years=years, kinds=kinds,
                 dated=any(dating for _, dating in named))


def stands_alone(question: str, own: Scope | None = None) -> bool:
    """A whole question that names its own councils (any in the UK, or a Crown dependency) or asks across them, without
    leaning on the conversation ('How did Ofsted rate <council>?', 'Compare <council> and <council>
    ...'): it takes nothing from earlier turns, neither their subject nor their scope. `own`: its
    `scope_of`, where the caller has it."""
    if is_follow_up(question):
        return False
    own = own or scope_of(question)
    return bool(own.councils or own.across or mentioned_outside_england(question) or CROWN_DEPENDENCIES.search(question))


def read_turn(question: str, earlier: Scope) -> tuple[Scope, bool]:
    """A turn's scope — its own, over the earlier turns' unless it stands alone — and whether it
    stands alone (`stands_alone`), the question read once."""
    own = scope_of(question)
    alone = stands_alone(question, own)
    return (own if alone else own.over(earlier)), alone


def conversation_scope(turns: list[str] | tuple[str, ...]) -> Scope:
    """The scope in force after these turns, oldest first: each turn's by `read_turn`."""
    scope = Scope()
    for turn in turns:
        scope, _ = read_turn(turn, scope)
    return scope


def _place_there(text: str) -> re.Match | None:
    """The 'there' of a question that points at a place ('Do care leavers there get ...?'), not the
    'there' that says something exists ('Is there ...?', 'there are ...')."""
    for m in re.finditer(r"\bthere\b", text, re.I):
        if not _NOT_BACK.search(text[max(0, m.start() - 5):m.end() + 5]) and not re.match(r"\s+(is|are|was|were|has|have|be)\b", text[m.end():], re.I):
            return m
    return None


def restated(text: str, scope: Scope) -> str:
    """The question with the parts of its scope it does not name written in: "... in <council> in 2021?"."""
    named = set(mentioned(text))
    missing = [c.display for c in scope.councils if c not in named]
    years = [str(y) for y in scope.years if str(y) not in text]
    kinds = [k for k in scope.kinds if k.lower() not in text.lower()]
    if not (missing or years or kinds):
        return text
    tail = ""
    place = _place_there(text) if missing else None
    if place is not None:  # 'are care leavers there ...?': the council named where 'there' stood
        text = text[:place.start()] + "in " + " and ".join(missing) + text[place.end():]
    elif missing:
        tail += " in " + " and ".join(missing)
    if years:
        tail += " in " + " and ".join(years)
    if kinds:
        tail += f" ({', '.join(kinds)})"
    return text.rstrip("?. ") + tail + "?"
