"""English councils with children's services: names, aliases, and one compiled matcher for them.

What it does: loads `qa/data/authorities.csv` (generated from ONS registers by
`tools/make_authorities.py`; its first line names the source and date), gives each authority a
canonical key, maps any way a catalogue or a report writes a council ("Leeds City
Council", "Bournemouth, Christchurch & Poole", "Kingston upon Hull City Council") to it, and finds
the councils a question names with a single compiled regular expression.

    find_authority("Leeds City Council").name   -> "Leeds"
    mentioned("Compare care leavers in Leeds and Manchester")  -> [Leeds, Manchester]

It also knows the councils of Wales, Scotland and Northern Ireland (`qa/data/councils_outside_england.csv`,
from the same ONS register), only to tell that a question names one (`mentioned_outside_england`):
Ofsted inspects English councils only.

    mentioned_outside_england("How did Ofsted rate Cardiff Council?")  -> [OtherCouncil("Cardiff", "Wales")]

What it does not do: decide what to do with a council once found (scoping and declines are the
answer stage's).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

# Words around a council's name that are not part of it ("Leeds City Council", "London Borough of Brent").
_AFFIXES = re.compile(
    r"^(?:the\s+)?(?:(?:royal|london)\s+borough\s+of|metropolitan\s+borough\s+of|borough\s+of|county\s+of|city\s+of|"
    r"council\s+of\s+the)\s+|\s+(?:metropolitan\s+borough|metropolitan\s+district|city|county|borough|district)?\s*council$",
    re.I,
)


@dataclass(frozen=True)
class Authority:
    code: str  # ONS code, e.g. E10000025
    name: str  # the ONS name, e.g. "Bristol, City of"
    type: str
    aliases: tuple[str, ...]

    @property
    def display(self) -> str:
        """How a person writes it: "Bristol" for "Bristol, City of"."""
        return self.aliases[0] if re.search(r", (?:City|County) of$", self.name) and self.aliases else self.name

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def normalise(name: str) -> str:
    """A council's name without case, punctuation, "&", "St." or affixes such as "County Council"."""
    text = name.strip().replace("&", " and ").replace("’", "'")
    previous = None
    while previous != text:
        previous, text = text, _AFFIXES.sub("", text).strip()
    text = re.sub(r"\bst\.?\s", "st ", text.lower())
    text = re.sub(r"[^a-z0-9']+", " ", text).replace("'", "")
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=1)
def authorities() -> tuple[Authority, ...]:
    text = resources.files("qa").joinpath("data/authorities.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return tuple(
        Authority(r["code"], r["name"], r["type"], tuple(a for a in (r["aliases"] or "").split("|") if a)) for r in rows
    )


@lru_cache(maxsize=1)
def _by_key() -> dict[str, Authority]:
    table: dict[str, Authority] = {}
    for authority in authorities():
        for name in authority.names:
            table.setdefault(normalise(name), authority)
    for authority in authorities():  # the list's own names first: an everyday one never displaces them
        for name in everyday_names(authority):
            table.setdefault(normalise(name), authority)
    return table


def everyday_names(authority: Authority) -> tuple[str, ...]:
    """The names a person writes for an authority beyond the list's own: the first place of a
    two-place name ("Brighton" for "Brighton and Hove", "Telford" for "Telford and Wrekin",
    "Blackburn" for "Blackburn with Darwen"), and a name without "-on-Sea" ("Southend")."""
    names = []
    for name in authority.names:
        first = re.match(r"^([A-Z][a-z]+) (?:and|with|&) [A-Z]", name)
        if first:
            names.append(first.group(1))
        if "-on-Sea" in name:
            names.append(name.replace("-on-Sea", ""))
    return tuple(names)


def find_authority(name: str) -> Authority | None:
    """The authority a name denotes, however the catalogue or a report writes it; None if unknown."""
    return _by_key().get(normalise(name))


def council_key(name: str) -> str:
    """One key per council however it is written: its ONS code, else its normalised name."""
    authority = find_authority(name)
    return authority.code if authority else normalise(name)


@lru_cache(maxsize=1)
def _matcher() -> re.Pattern:
    names = sorted({n for a in authorities() for n in (*a.names, *everyday_names(a))}, key=len, reverse=True)
    alternatives = "|".join(re.escape(n).replace(r"\ ", r"\s+").replace(r"\&", "(?:&|and)") for n in names)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.I)


# A place's name then a newspaper's word names a newspaper, not the council: "the Liverpool Echo",
# "the Manchester Evening News", "the Hull Daily Mail" (the words British local titles are made of).
_NEWSPAPER_AFTER = re.compile(
    r"\s+(?:(?:Daily|Evening|Sunday|Weekly|Morning)\s+)?(?:Post|Echo|Mail|News|Times|Herald|Gazette|Chronicle|"
    r"Telegraph|Star|Argus|Express|Courier|Journal|Mercury|Observer|Advertiser|Standard|Guardian|Live|Press|"
    r"Sentinel|Examiner|Messenger|Citizen|Bugle|Recorder|Reporter|Leader)\b")


def names_a_paper(text: str, end: int) -> bool:
    """Whether the place named just before `end` is part of a newspaper's title ("the <City> Post")."""
    return _NEWSPAPER_AFTER.match(text, end) is not None


def mentions(text: str) -> list[tuple[int, int, Authority]]:
    """Where a text names a council: (start, end, authority) of each name, in order. In a question
    typed with capitals, a name must be capitalised as a name is ("Reading", not "reading the report");
    a place in a newspaper's title ("the <City> Echo") is not the council."""
    lowercase_only = text == text.lower()
    found = []
    for m in _matcher().finditer(text):
        if not lowercase_only and not m.group(0)[:1].isupper():
            continue
        if names_a_paper(text, m.end()):
            continue
        authority = find_authority(m.group(0))
        if authority is not None:
            found.append((m.start(), m.end(), authority))
    return found


def mentioned(text: str) -> list[Authority]:
    """The councils a text names, in order, each once."""
    return list(dict.fromkeys(a for _, _, a in mentions(text)))


@lru_cache(maxsize=4096)
def same_council(a: str, b: str) -> bool:
    """Whether two ways of writing a council name the same one ("Kent County Council", "Kent")."""
    x, y = find_authority(a), find_authority(b)
    return x == y if x is not None and y is not None else normalise(a) == normalise(b)


def held_councils(reports) -> dict[Authority, tuple[str, ...]]:
    """The councils a collection's reports are about, each with its reports' ids."""
    held: dict[Authority, list[str]] = {}
    for report in reports:
        authority = find_authority(report.authority)
        if authority is not None:
            held.setdefault(authority, []).append(report.id)
    return {a: tuple(ids) for a, ids in held.items()}


@dataclass(frozen=True)
class OtherCouncil:
    """A council of Wales, Scotland or Northern Ireland: outside Ofsted's remit."""

    code: str
    name: str
    nation: str
    aliases: tuple[str, ...]


@lru_cache(maxsize=1)
def councils_outside_england() -> tuple[OtherCouncil, ...]:
    text = resources.files("qa").joinpath("data/councils_outside_england.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return tuple(OtherCouncil(r["code"], r["name"], r["nation"], tuple(a for a in (r["aliases"] or "").split("|") if a))
                 for r in rows)


@lru_cache(maxsize=1)
def _outside_matcher() -> tuple[re.Pattern, dict[str, OtherCouncil]]:
    by_key = {normalise(n): c for c in councils_outside_england() for n in (c.name, *c.aliases)}
    names = sorted({n for c in councils_outside_england() for n in (c.name, *c.aliases)}, key=len, reverse=True)
    alternatives = "|".join(re.escape(n).replace(r"\ ", r"\s+").replace(r"\&", "(?:&|and)") for n in names)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.I), by_key


def mentioned_outside_england(text: str) -> list[OtherCouncil]:
    """The councils of Wales, Scotland or Northern Ireland a text names (capitalised as names are,
    unless the whole text is lower case), each once; none where an English council's name covers
    the same words."""
    pattern, by_key = _outside_matcher()
    english = [(a, b) for a, b, _ in mentions(text)]
    lowercase_only = text == text.lower()
    found: list[OtherCouncil] = []
    for m in pattern.finditer(text):
        if not lowercase_only and not m.group(0)[:1].isupper():
            continue
        if any(a < m.end() and m.start() < b for a, b in english) or names_a_paper(text, m.end()):
            continue
        council = by_key.get(normalise(m.group(0)))
        if council is not None and council not in found:
            found.append(council)
    return found
