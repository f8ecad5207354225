"""The corpus: report files plus a catalogue describing each of them.

What it does: loads `corpus/catalogue.toml`, validates every entry (required fields, unique ids,
known kinds, ISO dates, the source file exists; the optional report facts an inspection report
carries: framework, inspection dates, publication date and where it was read (published_source:
"document" or "pdf metadata"), lead inspector, judgements) and returns
`Report` records; reads a report's source text (a PDF's through `qa.corpus.extract`); computes a
content digest of each report and of the whole corpus so the index can tell what changed.

What it does not do: parse or clean report text (that is `qa.chunk`), or fetch anything.
Errors name the catalogue entry and the problem, so a user adding a report can fix it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path

from qa.corpus.extract import UnreadableReport, pdf_text

REPO_ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_NAME = "catalogue.toml"
KINDS = ("inspection report", "council paper", "news article")
REQUIRED = ("id", "title", "short_title", "publisher", "kind", "date", "about", "authority", "file")
# Facts read from an inspection report by `reportqa add` (qa.corpus.facts); a user may correct them.
OPTIONAL_TEXT = ("framework", "inspection_start", "inspection_end", "published", "lead_inspector", "published_source")
# Where `published` was read: printed in the report, or the creation date in its PDF's metadata.
PUBLISHED_SOURCES = ("document", "pdf metadata")
_NOT_DATES = ("framework", "lead_inspector", "published_source")
GRADES = ("outstanding", "good", "requires improvement", "inadequate", "adequate", "not judged")  # adequate: 2013 only
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class CatalogueError(ValueError):
    """The catalogue cannot be used as it is; the message says which entry and why."""


@dataclass(frozen=True)
class Report:
    id: str
    title: str
    short_title: str
    publisher: str
    kind: str
    date: str  # ISO 8601 at the precision known: YYYY, YYYY-MM or YYYY-MM-DD
    about: str
    authority: str
    file: str
    framework: str = ""
    inspection_start: str = ""  # ISO dates, as the report prints them
    inspection_end: str = ""
    published: str = ""
    lead_inspector: str = ""
    published_source: str = ""  # "document" | "pdf metadata" (PUBLISHED_SOURCES); "" where not recorded
    judgements: tuple[tuple[str, str], ...] = ()  # (judgement as the report names it, grade)

    @property
    def year(self) -> int:
        return int(self.date[:4])

    @property
    def years(self) -> frozenset[int]:
        """The years a question may name this report by: its date's, its inspection's (first and
        last day on site) and its publication's ("Kent's 2026 inspection" was on site in late 2025
        and published in February 2026; "inadequate in 2025" includes a report published then)."""
        dates = (self.date, self.inspection_start, self.inspection_end, self.published)
        return frozenset(int(d[:4]) for d in dates if d[:4].isdigit())

    def in_years(self, year_from: int | None, year_to: int | None) -> bool:
        """Whether any of the report's years falls in the range (an open end: no bound)."""
        return any((year_from is None or y >= year_from) and (year_to is None or y <= year_to) for y in self.years)

    def to_dict(self) -> dict:
        # fields are strings and a tuple of string pairs: a shallow copy is asdict's result
        # without its deep copy (0.08 s over the archive's 497 reports when an index loads)
        data = {f.name: getattr(self, f.name) for f in fields(self)} | {"year": self.year}
        data["judgements"] = [{"name": n, "grade": g} for n, g in self.judgements]
        if not self.published_source:  # an entry without it keeps the digest (and index) it had
            del data["published_source"]
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Report":
        """The inverse of `asdict` (as the index stores reports)."""
        known = {f: data[f] for f in REQUIRED + OPTIONAL_TEXT if f in data}
        judgements = tuple((j[0], j[1]) if isinstance(j, (list, tuple)) else (j["name"], j["grade"])
                           for j in data.get("judgements", ()))
        return cls(**known, judgements=judgements)


def default_corpus_dir() -> Path:
    return Path(os.environ.get("REPORTQA_CORPUS", REPO_ROOT / "corpus"))


def _check_date(value: object, where: str) -> str:
    if not isinstance(value, str) or not (m := _DATE.match(value)):
        raise CatalogueError(f"{where}: date {value!r} is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)")
    _, month, day = m.groups()
    if month and not 1 <= int(month) <= 12:
        raise CatalogueError(f"{where}: date {value!r} has no month {month}")
    if day:
        import datetime

        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise CatalogueError(f"{where}: date {value!r} is not a real calendar date") from None
    return value


def _check_facts(entry: dict, where: str) -> dict:
    """The optional report facts of an entry, validated: text fields, ISO dates, judgement rows."""
    facts: dict = {}
    for name in OPTIONAL_TEXT:
        value = entry.get(name, "")
        if not isinstance(value, str):
            raise CatalogueError(f"{where}: {name} must be text")
        if value and name not in _NOT_DATES:
            _check_date(value, f"{where}: {name}")
        facts[name] = value.strip()
    if facts["published_source"] and facts["published_source"] not in PUBLISHED_SOURCES:
        raise CatalogueError(f"{where}: published_source {facts['published_source']!r} is not one of "
                             f"{', '.join(PUBLISHED_SOURCES)}")
    if facts["published_source"] and not facts["published"]:
        raise CatalogueError(f"{where}: published_source is given but published is not")
    rows = entry.get("judgements", [])
    if not isinstance(rows, list):
        raise CatalogueError(f"{where}: judgements must be a list of {{name = ..., grade = ...}}")
    judgements = []
    for row in rows:
        if not isinstance(row, dict) or set(row) != {"name", "grade"} or not all(isinstance(v, str) for v in row.values()):
            raise CatalogueError(f"{where}: each judgement must be {{name = \"...\", grade = \"...\"}}, not {row!r}")
        if row["grade"].lower() not in GRADES:
            raise CatalogueError(f"{where}: grade {row['grade']!r} is not one of {', '.join(GRADES)}")
        judgements.append((row["name"].strip(), row["grade"].lower()))
    facts["judgements"] = tuple(judgements)
    return facts


def load_catalogue(corpus_dir: Path | str | None = None) -> list[Report]:
    """Read and validate the catalogue; reports come back in catalogue order."""
    corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
    path = corpus_dir / CATALOGUE_NAME
    if not path.is_file():
        raise CatalogueError(f"no catalogue at {path}: the corpus folder needs a {CATALOGUE_NAME}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{path} is not valid TOML: {exc}") from None
    return catalogue_from_text(text, corpus_dir)


def catalogue_from_text(text: str, corpus_dir: Path) -> list[Report]:
    """Validate a catalogue's text against the files of `corpus_dir` (see `load_catalogue`)."""
    path = corpus_dir / CATALOGUE_NAME
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path} is not valid TOML: {exc}") from None
    entries = data.get("report")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{path} has no [[report]] entries")
    reports: list[Report] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        where = f"{path.name} entry {n}" + (f" ({entry.get('id')!r})" if isinstance(entry.get("id"), str) else "")
        missing = [f for f in REQUIRED if not isinstance(entry.get(f), str) or not entry[f].strip()]
        if missing:
            raise CatalogueError(f"{where}: missing or empty field(s): {', '.join(missing)}")
        unknown = sorted(set(entry) - set(REQUIRED) - set(OPTIONAL_TEXT) - {"judgements"})
        if unknown:
            raise CatalogueError(f"{where}: unknown field(s): {', '.join(unknown)}")
        facts = _check_facts(entry, where)
        if not _ID.match(entry["id"]):
            raise CatalogueError(f"{where}: id must be a lower-case slug like 'ofsted-ilacs-2024'")
        if entry["id"] in seen:
            raise CatalogueError(f"{where}: duplicate id {entry['id']!r}")
        seen.add(entry["id"])
        if entry["kind"] not in KINDS:
            raise CatalogueError(f"{where}: kind {entry['kind']!r} is not one of {', '.join(KINDS)}")
        _check_date(entry["date"], where)
        source = corpus_dir / entry["file"]
        if Path(entry["file"]).name != entry["file"] or not source.is_file():
            raise CatalogueError(f"{where}: source file {entry['file']!r} not found in {corpus_dir}")
        reports.append(Report(**{f: entry[f].strip() for f in REQUIRED}, **facts))
    return reports


def read_source(report: Report, corpus_dir: Path | str | None = None) -> str:
    """The report's text, so spans index into it: a text file as stored (UTF-8; a byte-order mark
    is not text), a PDF's text as `qa.corpus.extract.pdf_text` gives it (pages split by form feeds)."""
    corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
    path = corpus_dir / report.file
    if path.suffix.lower() == ".pdf":
        try:
            return pdf_text(path)
        except UnreadableReport as exc:
            raise CatalogueError(f"{report.file} ({report.id!r}) cannot be read: {exc}") from None
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{report.file} ({report.id!r}) is not UTF-8 text: {exc}") from None


def report_digest(report: Report, corpus_dir: Path | str | None = None) -> str:
    """sha256 of one report's file and catalogue entry: what its passages and vectors depend on."""
    corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
    digest = hashlib.sha256(json.dumps(report.to_dict(), sort_keys=True).encode() + b"\0")
    digest.update((corpus_dir / report.file).read_bytes())
    return digest.hexdigest()


def report_digests(corpus_dir: Path | str | None = None) -> dict[str, str]:
    corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
    return {r.id: report_digest(r, corpus_dir) for r in load_catalogue(corpus_dir)}


def corpus_hash(corpus_dir: Path | str | None = None, reports: list[Report] | None = None,
                digests: dict[str, str] | None = None) -> str:
    """sha256 over the catalogue and every catalogued file, in catalogue order.

    reports: the catalogue's reports as an index recorded them at its build, to check that index
    without parsing the catalogue (0.26 s at the whole archive). The result is the same hash
    whenever the catalogue file is unchanged (its parse is then those reports); when it has
    changed, its bytes, hashed first, make the result differ from the recorded hash either way.
    digests: the reports' `report_digest`s where the caller has just computed them (each file is
    then read once)."""
    corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
    digest = hashlib.sha256((corpus_dir / CATALOGUE_NAME).read_bytes())
    if digests is None:
        digests = report_digests(corpus_dir) if reports is None else {r.id: report_digest(r, corpus_dir) for r in reports}
    for doc_id, report_sha in digests.items():
        digest.update(f"{doc_id}\0{report_sha}\0".encode())
    return digest.hexdigest()
