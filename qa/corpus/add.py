"""Add report files to the corpus, or remove them, keeping the catalogue valid at every step.

What it does: for each file (or every report file under a folder) it reads the text (a PDF's
through `qa.corpus.extract`, HTML as its visible text), refuses bad input with a one-line reason
(an empty file, HTML saved as .pdf, a truncated, damaged, encrypted or scanned PDF, text that is
not UTF-8, a file with no passages), recognises a report already held by its content (the same
words, whatever the format: seed 000 is the text of a PDF Ofsted published), reads the report's facts
(`qa.corpus.facts`), copies the file into the corpus and appends a catalogue entry a user can still
edit. `remove_report` takes an entry and its file out again.

    add_paths([Path("50276411.pdf")], corpus_dir)
    -> [Outcome("50276411.pdf", "added", "dorset-ilacs-2025: Dorset, ILACS short, 17 to 21 March 2025", ...)]

Every write is atomic (a temporary file renamed over the catalogue) and made under a lock, and a
catalogue that would not load is never left behind: nothing already in the corpus is lost or
changed. What it does not do: index (`qa.index.build.build_index` runs after, incrementally).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from qa.corpus.catalogue import (
    CATALOGUE_NAME,
    CatalogueError,
    Report,
    catalogue_from_text,
    default_corpus_dir,
    load_catalogue,
    read_source,
)
from qa.corpus.extract import (
    UnreadableReport,
    cached_pdf_text,
    max_bytes,
    pdf_created,
    sniff,
)
from qa.corpus.facts import inspection_dates, read_facts
from qa.corpus.places import find_authority, same_council

SUFFIXES = (".pdf", ".txt", ".md", ".html", ".htm")
# Share of the smaller report's 8-word runs found in the other, for the same council: the same report.
# Measured: seed 000 against the PDF it is the text of 0.97; the joint North and West Northamptonshire
# 2022 reports (two councils, one inspection) 0.88, kept apart by their councils as well.
SAME_REPORT = 0.9
_SHINGLE = 8


@dataclass(frozen=True)
class Outcome:
    path: str
    status: str  # added | duplicate | refused
    detail: str
    doc_id: str | None = None


@dataclass
class Overrides:
    """Catalogue fields a user gives on the command line, for files whose text does not say them."""

    kind: str | None = None
    authority: str | None = None
    date: str | None = None
    publisher: str | None = None
    title: str | None = None
    fields: dict = field(default_factory=dict)


class Refused(ValueError):
    """This file cannot be added; the message is the reason."""


# ----------------------------------------------------------------------------- reading


LINK_REFUSED = ("a symbolic link (to {target}): links are not followed unless --follow-symlinks is given, "
                "so that a link in a folder cannot bring in a file from elsewhere")
LINK_OUTSIDE = "a symbolic link to {target}, outside the folder being added"


def _link_outcome(link: Path, root: Path | None, follow: bool) -> Outcome | None:
    """None when the link may be followed; else why it is refused. A link is followed only when asked
    (`follow`) and, inside a folder being added, only when its target lies inside that folder."""
    target = link.resolve()
    if not follow:
        return Outcome(str(link), "refused", LINK_REFUSED.format(target=target))
    if root is not None and not target.is_relative_to(root):
        return Outcome(str(link), "refused", LINK_OUTSIDE.format(target=target))
    return None


def report_files(paths: list[Path], follow_symlinks: bool = False) -> tuple[list[Path], list[Outcome]]:
    """The report files named or found under folders (sorted), and outcomes for paths that are not:
    missing, not a report file, or a symbolic link refused (`_link_outcome`)."""
    files: list[Path] = []
    missing: list[Outcome] = []
    for path in paths:
        if path.is_symlink() and (why := _link_outcome(path, None, follow_symlinks)):
            missing.append(why)
        elif path.is_dir():
            root, found = path.resolve(), []
            for folder, dirs, names in os.walk(path):  # links to folders are not walked into
                for name in sorted(dirs) + sorted(names):
                    p = Path(folder) / name
                    if p.is_symlink() and (p.is_dir() or p.suffix.lower() in SUFFIXES):
                        why = _link_outcome(p, root, follow_symlinks)
                        if why:
                            missing.append(why)
                        elif p.is_file():
                            found.append(p)
                    elif name in names and p.suffix.lower() in SUFFIXES and p.is_file():
                        found.append(p)
            files.extend(sorted(found))
        elif path.is_file():
            if path.suffix.lower() in SUFFIXES:
                files.append(path)
            else:
                missing.append(Outcome(str(path), "refused", f"not a report file (expected {', '.join(SUFFIXES)})"))
        else:
            missing.append(Outcome(str(path), "refused", "no such file or folder"))
    return files, missing


def html_text(html: str) -> str:
    """The visible text of an HTML page, one block element a paragraph."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "noscript", "template"]):
        tag.decompose()
    blocks = (re.sub(r"\s+", " ", el.get_text(" ")).strip() for el in soup.find_all(["h1", "h2", "h3", "h4", "p", "li", "td"]))
    return "\n\n".join(b for b in blocks if b) + "\n"


def read_text(path: Path) -> tuple[str, str]:
    """(text, suffix the corpus stores it under); raises Refused with the reason."""
    if path.stat().st_size > max_bytes():
        raise Refused(f"file is over the {max_bytes() // 1024 // 1024} MB limit (REPORTQA_MAX_PDF_MB raises it)")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        try:
            return cached_pdf_text(data), ".pdf"
        except UnreadableReport as exc:
            raise Refused(str(exc)) from None
    if not data.strip():
        raise Refused("empty file")
    if b"\0" in data[:4096] or sniff(data) == "pdf":
        raise Refused(f"not a text file (binary content in a {suffix} file)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused("not UTF-8 text") from None
    if suffix in (".html", ".htm"):
        return html_text(text), ".txt"
    return text, suffix


def fingerprint(text: str) -> set[int]:
    """The report's runs of 8 words (lower case, letters and digits only), as 32-bit checksums."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {zlib.crc32(" ".join(words[i : i + _SHINGLE]).encode()) for i in range(max(1, len(words) - _SHINGLE + 1))}


def same_report(a: set[int], b: set[int]) -> bool:
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= SAME_REPORT


# ----------------------------------------------------------------------------- catalogue entries


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-") or "report"


def _framework_short(framework: str | None) -> str:
    if not framework:
        return "inspection"
    return framework.split()[0] if framework.startswith("ILACS") else framework


@lru_cache(maxsize=4)
def _facts(text: str, path: Path):
    """The report facts of a PDF's text (an Ofsted report's), None for other files; the PDF's
    creation date stands for the publication date where the report prints none."""
    if path.suffix.lower() != ".pdf":
        return None
    try:
        created = pdf_created(path.read_bytes())
    except OSError:
        created = None
    return read_facts(text, created)


def entry_for(text: str, path: Path, overrides: Overrides, taken: set[str]) -> dict:
    """A catalogue entry for a report: from its facts where it is an inspection report, else the
    overrides; raises Refused naming what is missing."""
    facts = _facts(text, path)
    place = (overrides.authority or (facts.authority if facts else None) or "").strip()
    official = find_authority(place) if place else None
    authority = official.display if official else place
    when = facts.published or facts.inspection_end if facts else None
    printed = facts.published if facts and facts.published_source == "document" else None
    date = overrides.date or printed or (when or "")[:4]  # a date from the PDF's metadata: its year only
    if not authority:
        raise Refused("cannot tell which council the report is about: give --authority")
    if not date:
        raise Refused("cannot tell the report's date: give --date (YYYY, YYYY-MM or YYYY-MM-DD)")
    inspection = facts is not None and (facts.judgements or facts.framework)
    kind = overrides.kind or ("inspection report" if inspection else "council paper")
    short = _framework_short(facts.framework if facts else None)
    title = overrides.title or (first_line(text) if not inspection else f"Inspection of {authority} children's services")
    base = slug(f"{authority}-{short}-{date[:4]}" if inspection else f"{authority}-{path.stem}")
    doc_id, n = base, 2
    while doc_id in taken:
        doc_id, n = f"{base}-{n}", n + 1
    about = path.name
    if facts and facts.inspection_start:
        # an inspection in parts (Devon 2025: autumn 2024, then January 2025) names each part
        parts = " and ".join(f"{a} to {b}" for a, b in inspection_dates(text)) or \
            f"{facts.inspection_start} to {facts.inspection_end}"
        about = f"Ofsted {facts.framework or ''} inspection, {parts}".replace("  ", " ")
    entry = {
        "id": doc_id,
        "title": title,
        "short_title": f"{authority} {short} {date[:4]}" if inspection else f"{authority}: {title}"[:80],
        "publisher": overrides.publisher or ("Ofsted" if inspection else authority),
        "kind": kind,
        "date": date,
        "about": about,
        "authority": authority,
    }
    if facts:
        entry |= {
            "framework": facts.framework or "",
            "inspection_start": facts.inspection_start or "",
            "inspection_end": facts.inspection_end or "",
            "published": facts.published or "",
            "published_source": facts.published_source or "",
            "lead_inspector": facts.lead_inspector or "",
        }
        entry = {k: v for k, v in entry.items() if v}
        entry["judgements"] = [{"name": j.name, "grade": j.grade} for j in facts.judgements]
    return entry | overrides.fields


def first_line(text: str) -> str:
    for line in text.splitlines():
        line = re.sub(r"^[#\s]+", "", line).strip()
        if len(line.split()) >= 2:
            return line[:200]
    return "Report"


def toml_entry(entry: dict) -> str:
    """One [[report]] table in TOML (strings written as JSON strings, which TOML reads alike)."""
    out = ["", "[[report]]"]
    for key, value in entry.items():
        if key == "judgements":
            if value:
                rows = ",\n".join(f"  {{ name = {_toml_string(j['name'])}, grade = {_toml_string(j['grade'])} }}" for j in value)
                out.append(f"judgements = [\n{rows},\n]")
        else:
            out.append(f"{key} = {_toml_string(value)}")
    return "\n".join(out) + "\n"


def _toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes, which TOML shares, plus DEL, which JSON leaves bare."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


# ----------------------------------------------------------------------------- writing


@contextmanager
def corpus_lock(corpus_dir: Path):
    with open(corpus_dir / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_catalogue(corpus_dir: Path, text: str, ids: list[str], *, appended: str | None = None) -> None:
    """Replace the catalogue atomically with `text`, which must load and hold exactly `ids`;
    otherwise nothing on disk changes and CatalogueError says why.

    `appended`: the one [[report]] table `text` adds at the end of a catalogue that this process
    wrote itself, after checking it whole with a table appended (`Held.written`). Only that table
    is checked then: a table that loads on its own, appended to a catalogue whose reports are
    [[report]] tables, keeps it loading (checking the whole catalogue after each of the archive's
    497 reports took 140 of the 245 s of adding them)."""
    try:
        reports = catalogue_from_text(appended if appended is not None else text, corpus_dir)
    except CatalogueError as exc:
        raise CatalogueError(f"the new catalogue entry would not load: {exc}") from None
    if [r.id for r in reports] != (ids[-1:] if appended is not None else ids):
        raise CatalogueError("the catalogue could not be rewritten safely (its [[report]] tables are not one a "
                             "section): nothing was changed; edit catalogue.toml by hand")
    path = corpus_dir / CATALOGUE_NAME
    tmp = path.with_name(f".{CATALOGUE_NAME}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def add_paths(paths: list[Path], corpus_dir: Path | str | None = None, overrides: Overrides | None = None,
              on_outcome=lambda outcome, done, total: None, follow_symlinks: bool = False) -> list[Outcome]:
    """Add every report file among `paths` (see the module docstring); one Outcome per file, also
    passed to `on_outcome(outcome, done, total)` as soon as it is known (progress for long runs).
    Symbolic links are refused unless `follow_symlinks` (and then only those whose target lies
    inside the folder being added, for links found in a folder)."""
    corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
    overrides = overrides or Overrides()
    files, outcomes = report_files(paths, follow_symlinks)
    total = len(files) + len(outcomes)
    for n, outcome in enumerate(outcomes, 1):
        on_outcome(outcome, n, total)
    with corpus_lock(corpus_dir):
        held = Held(corpus_dir, load_catalogue(corpus_dir))
        for path in files:
            outcomes.append(_add_one(path, corpus_dir, overrides, held))
            on_outcome(outcomes[-1], len(outcomes), total)
    return outcomes


class Held:
    """The reports held, each with its council and, read on first need, its fingerprint: a new
    report that names its council is compared only with that council's reports (reading and
    fingerprinting every report of the 497-report archive took 7.5 s of adding one)."""

    def __init__(self, corpus_dir: Path, reports: list[Report]) -> None:
        self.corpus_dir = corpus_dir
        self.council = {r.id: r.authority for r in reports}
        self._reports = {r.id: r for r in reports}
        self._marks: dict[str, set[int]] = {}
        self.written: str | None = None  # the catalogue as this process last wrote it, checked whole once

    def mark(self, doc_id: str) -> set[int]:
        if doc_id not in self._marks:
            try:
                self._marks[doc_id] = fingerprint(read_source(self._reports[doc_id], self.corpus_dir))
            except CatalogueError:
                self._marks[doc_id] = set()
        return self._marks[doc_id]

    def add(self, doc_id: str, council: str, mark: set[int]) -> None:
        self.council[doc_id] = council
        self._marks[doc_id] = mark

    def same_as(self, mark: set[int], place: str | None) -> str | None:
        """The held report with these words (of this council, when it is known), if any."""
        return next((doc_id for doc_id, council in self.council.items()
                     if (not place or same_council(place, council)) and same_report(mark, self.mark(doc_id))), None)


def _add_one(path: Path, corpus_dir: Path, overrides: Overrides, held: Held) -> Outcome:
    try:
        text, suffix = read_text(path)
        mark = fingerprint(text)
        if len(re.findall(r"[A-Za-z]{2,}", text)) < 20:
            raise Refused("no text to index (fewer than 20 words)")
        place = overrides.authority or (_facts(text, path).authority if _facts(text, path) else None)
        same = held.same_as(mark, place)
        if same:
            return Outcome(str(path), "duplicate", f"already in the collection as {same}", same)
        entry = entry_for(text, path, overrides, set(held.council))
    except Refused as exc:
        return Outcome(str(path), "refused", str(exc))
    except OSError as exc:
        return Outcome(str(path), "refused", f"cannot be read ({exc.strerror or exc})")
    target = corpus_dir / f"{entry['id']}{suffix}"
    entry["file"] = target.name
    try:
        if suffix == ".pdf" or suffix == path.suffix.lower():
            shutil.copyfile(path, target)
        else:
            target.write_text(text, encoding="utf-8")  # HTML stored as its text
        catalogue = (corpus_dir / CATALOGUE_NAME).read_text(encoding="utf-8")
        ids = [*held.council, entry["id"]]
        table = toml_entry(entry)
        new_catalogue = catalogue.rstrip("\n") + "\n" + table
        _write_catalogue(corpus_dir, new_catalogue, ids, appended=table if catalogue == held.written else None)
        held.written = new_catalogue
    except (OSError, ValueError) as exc:  # CatalogueError and text that cannot be written are ValueErrors
        target.unlink(missing_ok=True)
        return Outcome(str(path), "refused", f"could not be added: {exc}")
    held.add(entry["id"], entry["authority"], mark)
    return Outcome(str(path), "added", describe(entry), entry["id"])


def describe(entry: dict) -> str:
    parts = [entry["authority"], entry.get("framework") or entry["kind"]]
    if entry.get("inspection_start"):
        parts.append(f"inspected {entry['inspection_start']} to {entry.get('inspection_end', '')}")
    if entry.get("judgements"):
        parts.append(f"{len(entry['judgements'])} judgements")
    return f"{entry['id']}: " + ", ".join(parts)


_TABLE = re.compile(r"(?m)^(?=[ \t]*\[\[[ \t]*report[ \t]*\]\])")  # "[[report]]", "[[ report ]]  # note"


def _blocks(catalogue: str) -> list[str]:
    """The catalogue's text cut before each [[report]] line (the first piece is its header)."""
    return _TABLE.split(catalogue)


def remove_report(doc_id: str, corpus_dir: Path | str | None = None, *, delete_file: bool = True) -> Report:
    """Take a report's entry out of the catalogue (and its file out of the corpus); returns it."""
    import tomllib

    corpus_dir = Path(corpus_dir) if corpus_dir else default_corpus_dir()
    with corpus_lock(corpus_dir):
        reports = load_catalogue(corpus_dir)
        report = next((r for r in reports if r.id == doc_id), None)
        if report is None:
            raise CatalogueError(f"no report with id {doc_id!r}; the corpus has: {', '.join(r.id for r in reports)}")
        if len(reports) == 1:
            raise CatalogueError(f"{doc_id!r} is the only report: the collection cannot be empty")
        blocks = _blocks((corpus_dir / CATALOGUE_NAME).read_text(encoding="utf-8"))
        kept = [b for b in blocks if not (_TABLE.match(b) and tomllib.loads(b).get("report", [{}])[0].get("id") == doc_id)]
        _write_catalogue(corpus_dir, "".join(kept), [r.id for r in reports if r.id != doc_id])  # before the file goes
        if delete_file and all(r.file != report.file for r in reports if r.id != doc_id):
            (corpus_dir / report.file).unlink(missing_ok=True)
    return report
