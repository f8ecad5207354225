"""Questions about something outside the collection, told before any answer is composed.

What it does: declines, naming what is missing and what the collection holds, a question about
a council the collection holds no report about (even one whose name is also a word) or one Ofsted does not
inspect (a council of Wales, Scotland or Northern Ireland, from the ONS register; a Crown
dependency), a source the collection holds nothing from ("What did the <paper> write ...?": no
publisher, council or inspector of the catalogue, and no passage, names it), a year with no
report about the council named (offering its nearest report), a kind of report not held about it
("the local paper"), about a name no report,
glossary entry or English word knows (a place the reports never name, "GCSE"), or about a year no report is
from or about ("the 2009 inspection"; "since 2009" only dates a comparison).

    Guards(index).place_not_held(query) -> "The collection holds no report about <council>; it holds reports about ..."
    Guards(index).outside(query) -> "The collection holds no report about <council> from 2012; the nearest is ..."

The places come from the catalogue and `qa/data/authorities.csv`, the words from the reports (the
index's BM25 vocabulary: start-up reads no passage), the glossary and the embedding model's
vocabulary: nothing here names a report or a council.

What it does not do: judge whether the reports cover a topic (the calibrated relevance threshold
does that, in `qa.answer.select`).
"""

from __future__ import annotations

import re
from functools import lru_cache

from qa.answer.followup import YEAR
from qa.answer.query import Query, named_years
from qa.answer.scope import CROWN_DEPENDENCIES, DATES_A_COMPARISON, KIND_NAMES
from qa.corpus.places import held_councils, mentioned, mentioned_outside_england, names_a_paper, same_council
from qa.index.encoder.model import model_path
from qa.index.lexical import stems
from qa.index.vocabulary import known_stems, passages_with_all
from qa.retrieve.glossary import load_glossary

REPORT_WORDS = re.compile(r"\b(inspections?|reports?|visits?|assessments?|judgements?|ratings?|rated|papers?|plans?)\b", re.I)
# Who inspects children's services where Ofsted does not.
REGULATORS = {"Wales": "Care Inspectorate Wales", "Scotland": "the Care Inspectorate",
              "Northern Ireland": "the Regulation and Quality Improvement Authority"}
# 'What did <Source> write about ...?': a source named as the writer of something, by its capitalised name.
SOURCE_ASKED = re.compile(r"^(?i:what|how|when)\s+(?i:did|does|do|has|have|had)\s+(?P<source>(?:the\s+)?"
                          r"[A-Z][\w'’&.-]*(?:\s+(?:of\s+|for\s+|and\s+)?[A-Z][\w'’&.-]*)*)\s+"
                          r"(?i:write|wrote|written|publish|published|report|reported|cover|covered|print|printed|say|said)\b")
COMMON_ACRONYMS = {"ok", "fyi", "btw", "ps", "uk", "us", "eu", "nhs", "dfe", "asap", "faq", "aka", "etc", "eg", "ie"}
WORD = re.compile(r"[A-Za-z][\w'’-]*")


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Whole English words of the embedding model's vocabulary: 'enough', 'leader', 'please'.
    A place or organisation the reports never mention is rarely one of them (a county's name)."""
    words = (model_path() / "vocab.txt").read_text(encoding="utf-8").split()
    return frozenset(w for w in words if w.isalpha() and not w.startswith("##"))


class Guards:
    """What the collection of one index holds, to tell a question about something it does not."""

    def __init__(self, index) -> None:
        self.index = index
        self.held = held_councils(index.reports.values())  # council -> its reports' ids
        # The reports' words are the BM25 vocabulary's stems (every passage's text, heading and
        # report title), read from the index: no passage is tokenized here. An acronym of the
        # reports is known through its stem too ('EHCPs' -> 'ehcp'), so only the glossary's are listed.
        words: set[str] = set()
        acronyms: set[str] = set()
        for r in index.reports.values():
            words.update(w.lower() for w in WORD.findall(f"{r.title} {r.publisher} {r.authority} {r.about}"))
        for term in load_glossary():  # a known term of the field is not an unknown place
            acronyms.update(a.rstrip("s") for a in term.acronyms)
            for name in term.names:
                words.update(w.lower() for w in WORD.findall(name))
        self.words = frozenset(words)
        self.word_stems = known_stems(index) | frozenset(t for w in words for t in stems(w))
        self.acronyms = frozenset(acronyms)
        self.years = {r.year for r in index.reports.values()} | {
            int(y) for r in index.reports.values() for y in YEAR.findall(r.about)}

    def year_not_held(self, query: Query) -> str | None:
        """A question naming held councils and years none of whose reports is from or about (its
        date, inspection and publication years, and the years its description names): the nearest
        report of each council, offered by name (its year and kind)."""
        years = set(query.scope.years)
        if not years or not query.councils:
            return None
        missing = []
        for council in query.councils:
            reports = [self.index.reports[i] for i in self.held.get(council, ())]
            named_by = {r.id: named_years(r) for r in reports}
            if reports and not any(years & named_by[r.id] for r in reports):
                nearest = min(reports, key=lambda r: (min(abs(y - x) for y in named_by[r.id] for x in years), -r.year))
                missing.append(f"no report about {council.display} from {' or '.join(map(str, sorted(years)))}; "
                               f"the nearest is {nearest.short_title} ({nearest.kind}, {nearest.date})")
        if not missing:
            return None
        return "The collection holds " + "; and ".join(missing) + ". Ask about that report, or name another year."

    def kind_not_held(self, query: Query) -> str | None:
        """A question naming a kind of report ('the local paper', 'council papers') the collection
        holds none of, about the councils it names: what it holds about them instead."""
        asked = {kind for kind, pattern in KIND_NAMES if any(pattern.search(w) for w in query.scope.kinds)}
        if not asked:
            return None
        reports = [self.index.reports[i] for c in query.councils for i in self.held.get(c, ())] if query.councils \
            else list(self.index.reports.values())
        if any(r.kind in asked for r in reports):
            return None
        about = f" about {' or '.join(c.display for c in query.councils)}" if query.councils else ""
        held = sorted({r.kind for r in reports})
        return (f"The collection holds no {' or '.join(sorted(asked))}{about}; "
                f"it holds {', '.join(held) or 'nothing'}{about}.")

    def source_not_held(self, query: Query) -> str | None:
        """A question asking what a named source wrote ('What did the <paper> write about ...?') when
        the collection holds nothing it published or wrote: no publisher, council or inspector of the
        catalogue is called that, and for 'say' no passage names it either."""
        m = SOURCE_ASKED.match(query.question)
        if m is None or query.question.isupper():
            return None
        source = m.group("source")
        name = re.sub(r"^the\s+", "", source)
        if name == source and all(w.lower() in english_words() for w in WORD.findall(name)):
            return None  # ordinary words capitalised ('What did Councillors say ...?'): people, not a named source
        if mentioned(name) or mentioned_outside_england(name) or self._writes(name):
            return None  # a council (held or not) is told by the other guards
        if any(source in self.index.passages[int(row)].text for row in passages_with_all(self.index, stems(source))):
            return None  # someone or something the documents name (a phrase the documents hold is not a source unheld)
        publishers = sorted({r.publisher for r in self.index.reports.values()})
        return (f"The collection holds nothing from {source}; its documents are from "
                f"{', '.join(publishers[:8])}{' and others' if len(publishers) > 8 else ''}.")

    def _writes(self, source: str) -> bool:
        """Whether a source is one the catalogue holds writing by: a publisher, council or lead inspector."""
        def within(part: str, whole: str) -> bool:  # as whole words: 'York' is not in 'Yorkshire Post'
            # and not as the place in a newspaper's title: 'Liverpool' does not write the 'Liverpool Echo'
            return bool(part) and any(not names_a_paper(whole, m.end()) for m in
                                      re.finditer(r"(?<!\w)" + re.escape(part) + r"(?!\w)", whole, re.I))

        names = {who for r in self.index.reports.values() for who in (r.publisher, r.authority, r.lead_inspector) if who}
        return any(within(source, who) or within(who, source) for who in names)

    def held_names(self, limit: int = 12) -> str:
        names = sorted(a.display for a in self.held)
        more = f" and {len(names) - limit} more (see /reports)" if len(names) > limit else ""
        return ", ".join(names[:limit]) + more

    def known_word(self, word: str) -> bool:
        """Whether a capitalised word of a question is something the collection or the language knows:
        a word of the reports or the glossary (any inflection), or an ordinary English word."""
        lower = word.lower().replace("’", "'").removesuffix("'s")
        if lower in self.words or stems(lower) <= self.word_stems:
            return True
        if word.isupper():  # an acronym: known only if the reports, the glossary or common usage have it
            # 'DVD' when the reports say 'DVDs' (Snowball keeps the s of a plural without a vowel)
            plural = stems(lower.rstrip("s") + "s")
            return word.rstrip("s") in self.acronyms or bool(plural) and plural <= self.word_stems or lower in COMMON_ACRONYMS
        return lower in english_words()

    def unheld_filter(self, query: Query) -> str | None:
        unheld = [a for a in query.given.authorities
                  if not any(same_council(a, r.authority) for r in self.index.reports.values())]
        if unheld:  # a council filter the collection holds nothing about matches nothing
            return f"The collection holds no report about {' or '.join(unheld)}; it holds reports about {self.held_names()}."
        return None

    def outside(self, query: Query) -> str | None:
        """Why the question is about a year, kind of report, source or name the collection does not
        hold, or None (a council not held: `place_not_held`)."""
        return self.year_not_held(query) or self.kind_not_held(query) or self.source_not_held(query) \
            or self.unknown_name(query)

    def place_not_held(self, query: Query) -> str | None:
        """A council or island the question names that the collection holds nothing about: its
        nearest passages would be another council's, so a decline for it names none."""
        text = query.text
        beyond = mentioned_outside_england(text)
        if beyond:  # a council of Wales, Scotland or Northern Ireland: not inspected by Ofsted at all
            council = beyond[0]
            return (f"{council.name} is a council in {council.nation}: Ofsted inspects children's services in England only "
                    f"({REGULATORS[council.nation]} inspects them in {council.nation}), so this collection holds no "
                    f"inspection of it. It holds reports about {self.held_names()}.")
        island = CROWN_DEPENDENCIES.search(text)
        if island:
            return (f"{island.group(0)} is a Crown dependency, not part of England: Ofsted inspects children's services "
                    f"in England only, so this collection holds no inspection of it. It holds reports about {self.held_names()}.")
        outside = [c.display for c in mentioned(text) if c not in self.held]
        if outside:  # another English council, even one whose name is also a word
            return f"The collection holds no report about {' or '.join(outside)}; it holds reports about {self.held_names()}."
        return None

    def unknown_name(self, query: Query) -> str | None:
        """A capitalised name or an acronym the question uses that neither the reports, the glossary
        nor the language knows (a place or body the collection does not hold), or a report's year
        that no report is from or about."""
        text = query.text
        letters = [c for c in text if c.isalpha()]
        shouting = letters and sum(c.isupper() for c in letters) > 0.6 * len(letters)
        names = [] if shouting else re.findall(r"(?<![.?!]\s)(?<!^)\b[A-Z][a-z][\w'’-]+", text)  # a capitalised name: a place
        names += [] if shouting else re.findall(r"\b[A-Z]{2,}s?\b", text)  # acronyms: GCSE, EHC
        unknown = [w for w in names if not self.known_word(w)]
        if unknown:
            return (f"The reports in this collection are about {self.held_names()}; "
                    f"none of them mentions {', '.join(dict.fromkeys(unknown))}.")
        # 'the 2018 inspection' asks for a report; 'since the 2018 inspection' only dates a comparison.
        years = {int(m.group(0)) for m in YEAR.finditer(text) if not DATES_A_COMPARISON.search(text[:m.start()])}
        if years and REPORT_WORDS.search(text) and not (years & self.years):
            held = sorted(self.years)
            return (f"The collection holds no report from or about {', '.join(map(str, sorted(years)))}; "
                    f"its reports are from or about {', '.join(map(str, held))}.")
        return None
