"""The glossary of children's social care terms and acronyms, and query expansion with it.

What it does: loads `qa/data/glossary.toml` (written from domain knowledge: term, acronyms,
everyday and official synonyms, a plain-English definition) and finds which entries a question
mentions, so retrieval can add the other names of the same thing ("young people who left care"
-> "care leavers"; "PA" -> "personal adviser").

What it does not do: rank passages, or rewrite the user's question text shown to them.
Acronyms match case-sensitively as whole words ("PA", not "pa"); phrases match case-insensitively.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class Term:
    term: str
    acronyms: tuple[str, ...]
    synonyms: tuple[str, ...]
    definition: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.acronyms, *self.synonyms)

    def to_dict(self) -> dict:
        return {"term": self.term, "acronyms": list(self.acronyms), "synonyms": list(self.synonyms),
                "definition": self.definition}


@lru_cache(maxsize=1)
def load_glossary() -> tuple[Term, ...]:
    data = tomllib.loads(resources.files("qa").joinpath("data/glossary.toml").read_text(encoding="utf-8"))
    return tuple(
        Term(e["term"], tuple(e.get("acronyms", ())), tuple(e.get("synonyms", ())), e.get("definition", ""))
        for e in data["term"]
    )


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern, Term], ...]:
    out = []
    for term in load_glossary():
        phrases = [re.escape(p) for p in (term.term, *term.synonyms)]
        out.append((re.compile(r"(?<![\w-])(?:" + "|".join(phrases) + r")(?![\w-])", re.IGNORECASE), term))
        if term.acronyms:
            acr = "|".join(re.escape(a) for a in term.acronyms)
            out.append((re.compile(r"(?<![\w/])(?:" + acr + r")(?![\w/])"), term))
    return tuple(out)


def matching_terms(text: str) -> list[Term]:
    """Glossary entries the text mentions by any of their names, in glossary order, once each."""
    return list(_matching_terms(text))


@lru_cache(maxsize=4096)  # a question's text is matched by several stages
def _matching_terms(text: str) -> tuple[Term, ...]:
    found: list[Term] = []
    for pattern, term in _patterns():
        if term not in found and pattern.search(text):
            found.append(term)
    return tuple(found)


def spell_out(text: str) -> str:
    """The text with each glossary acronym followed by its term, for embedding: a sentence model
    knows 'local authority designated officer' far better than 'LADO'."""
    out = text
    for term in matching_terms(text):
        for acronym in sorted(term.acronyms, key=len, reverse=True):
            pattern = re.compile(r"(?<![\w/])" + re.escape(acronym) + r"(?![\w/])")
            if pattern.search(out) and term.term.lower() not in out.lower():
                out = pattern.sub(lambda m, name=term.term: f"{m.group(0)} ({name})", out, count=1)
                break
    return out


def expansion(text: str) -> list[str]:
    """Other names of the things the text mentions, to add to a lexical query."""
    out: list[str] = []
    lowered = text.lower()
    for term in matching_terms(text):
        for name in term.names:
            if name.lower() not in lowered and name not in out:
                out.append(name)
    return out
