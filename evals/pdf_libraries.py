"""Compare PDF text-extraction libraries on the archive of Ofsted inspection reports: speed and text quality.

Run (with a Python that has the candidate libraries installed; a missing one gets a row saying so):

    /tmp/scratch/bin/python evals/pdf_libraries.py [--archive PATH] [--limit N] [--slow-limit N]
        [--libraries pypdfium2,pypdf,pymupdf,pdfminer.six,pdfplumber] [--reference-pdf P] [--reference-text T]

For each library, one after the other on the same files (sorted paths under --archive, first --limit of them),
text is extracted page by page and the script prints one Markdown table:

- files ok / failed, with failure reasons (exception class, 'timeout', or 'no text' for a file with no text at all;
  HTML error pages saved as .pdf are failures, not crashes);
- pages of the files read, seconds spent opening and extracting them (metrics are computed outside the timing),
  ms per page, and the ratio of that to the fastest library;
- similarity of the library's text of the reference PDF to a hand-cleaned text of the same report (Markdown and
  HTML markup stripped, quotes, dashes and whitespace normalised; lowercased word tokens): difflib
  SequenceMatcher ratio over the token sequences (order-sensitive) / token F1 over token counts (order-free);
- glued words per 1,000 words: tokens of more than 25 letters, lowercase-uppercase joins ('childrenThe'),
  joins over a full stop or comma ('families.The') and paragraph numbers joined to their first word ('10.Child');
- numbered paragraphs per report (median): lines that start with '12. ' (or a number alone on its line), which
  Ofsted's paragraphs are; more is better;
- odd characters left in the text: U+FFFE (pdfium's mark for a hyphen at a line break,
  whose two halves it joins: 'multi<U+FFFE>agency'), U+00AD soft hyphens,
  U+FFFD replacement characters, ligatures (U+FB00-FB06), other control and private-use characters (the
  latter are mostly Symbol/Wingdings bullets such as U+F06E, which every library passes through).

--slow-limit N runs pdfplumber and pdfminer.six on N files spread evenly over the same list (they are tens of
times slower); their row then says 'subset'. Nothing is asserted: this is a measurement to choose a library by.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import logging
import re
import signal
import statistics
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterator

DEFAULT_ARCHIVE = Path("/tmp/archive/export_data/inspection_reports")
REPO = Path(__file__).resolve().parent.parent
DEFAULT_REFERENCE_PDF = Path("/work/shared/ilacs/pdf/50243682.pdf")
DEFAULT_REFERENCE_TEXT = REPO / "corpus" / "000_85197bd0036cba22.txt"
SLOW = {"pdfplumber", "pdfminer.six"}

WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
NUMBERED = re.compile(r"^\s*\d{1,3}\.(?:\s|$)")
GLUED = re.compile(r"[a-z]{2}[A-Z][a-z]|[a-z]{2}[.,;:][A-Z][a-z]|^\d{1,3}\.[A-Z][a-z]")
LONG_WORD = re.compile(r"[A-Za-z]{26,}")
QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
                        "\u2013": "-", "\u2014": "-", "\u2010": "-", "\u2011": "-", "\u00a0": " "})
ODD = {"FFFE": "\ufffe", "AD": "\u00ad", "FFFD": "\ufffd"}


# --- extractors: each yields the text of one page after another -----------------------------------------------

class NotAPdf(Exception):
    pass


def pages_pypdfium2(path: Path) -> Iterator[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            yield textpage.get_text_range()
            textpage.close()
            page.close()
    finally:
        pdf.close()


def pages_pypdf(path: Path) -> Iterator[str]:
    import pypdf

    for page in pypdf.PdfReader(str(path)).pages:
        yield page.extract_text()


def pages_pymupdf(path: Path) -> Iterator[str]:
    import pymupdf

    with pymupdf.open(str(path)) as doc:
        if not doc.is_pdf:  # MuPDF sniffs the content and would happily read an HTML error page as a document
            raise NotAPdf(doc.metadata.get("format") or "unknown format")
        for page in doc:
            yield page.get_text()


def pages_pdfminer(path: Path) -> Iterator[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    for layout in extract_pages(str(path)):
        yield "".join(el.get_text() for el in layout if isinstance(el, LTTextContainer))


def pages_pdfplumber(path: Path) -> Iterator[str]:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            yield page.extract_text() or ""
            page.close()


LIBRARIES: dict[str, tuple[str, str, Callable[[Path], Iterator[str]]]] = {
    # name: (distribution whose version is shown, module imported before the clock starts, extractor)
    "pypdfium2": ("pypdfium2", "pypdfium2", pages_pypdfium2),
    "pypdf": ("pypdf", "pypdf", pages_pypdf),
    "pymupdf": ("pymupdf", "pymupdf", pages_pymupdf),
    "pdfminer.six": ("pdfminer.six", "pdfminer.high_level", pages_pdfminer),
    "pdfplumber": ("pdfplumber", "pdfplumber", pages_pdfplumber),
}


# --- text measures ----------------------------------------------------------------------------------------------

def clean_reference(text: str) -> str:
    """The hand-cleaned reference without its Markdown and HTML markup."""
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # [label](url) -> label
    text = re.sub(r"^\s{0,3}#{1,6}\s*", "", text, flags=re.M)
    text = re.sub(r"^\s*[-*+]\s+", "", text, flags=re.M)
    return text.replace("**", " ").replace("__", " ").replace("`", " ")


def tokens(text: str) -> list[str]:
    """Lowercased word tokens, quotes and dashes normalised; punctuation and bullets dropped."""
    return WORD.findall(text.translate(QUOTES).lower())


def token_f1(ref: list[str], got: list[str]) -> float:
    common = sum((Counter(ref) & Counter(got)).values())
    if not common:
        return 0.0
    precision, recall = common / len(got), common / len(ref)
    return 2 * precision * recall / (precision + recall)


def sequence_ratio(ref: list[str], got: list[str]) -> float:
    return difflib.SequenceMatcher(None, ref, got, autojunk=False).ratio()


def glued_words(text: str) -> int:
    return sum(1 for tok in text.split() if LONG_WORD.search(tok) or GLUED.search(tok))


def numbered_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if NUMBERED.match(line))


def odd_characters(text: str) -> Counter:
    counts = Counter({name: text.count(ch) for name, ch in ODD.items()})
    counts["lig"] = sum(1 for ch in text if "\ufb00" <= ch <= "\ufb06")
    counts["ctrl"] = sum(1 for ch in text if ch not in "\n\r\t\f" and unicodedata.category(ch) in ("Cc", "Co"))
    return counts


# --- running one library ---------------------------------------------------------------------------------------

@dataclass
class Result:
    name: str
    version: str = "-"
    files: int = 0
    pages: int = 0
    seconds: float = 0.0
    words: int = 0
    glued: int = 0
    failures: Counter = field(default_factory=Counter)
    numbered: list[int] = field(default_factory=list)
    odd: Counter = field(default_factory=Counter)
    similarity: tuple[float, float] | None = None
    subset: bool = False

    @property
    def ms_per_page(self) -> float:
        return 1000 * self.seconds / self.pages if self.pages else float("nan")


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


def extract(fn: Callable[[Path], Iterator[str]], path: Path, timeout: int) -> tuple[list[str], float]:
    """Pages of one file and the seconds spent on them; raises on failure (Timeout past `timeout` seconds)."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    started = time.perf_counter()
    try:
        pages = list(fn(path))
    finally:
        signal.alarm(0)
    return pages, time.perf_counter() - started


def record(result: Result, pages: list[str], seconds: float) -> None:
    text = "\n".join(pages)
    result.pages += len(pages)
    result.seconds += seconds
    result.words += len(text.split())
    result.glued += glued_words(text)
    result.numbered.append(numbered_lines(text))
    result.odd += odd_characters(text)


def failure_reason(exc: BaseException) -> str:
    return "timeout" if isinstance(exc, Timeout) else type(exc).__name__


def run_library(name: str, files: list[Path], timeout: int) -> Result:
    dist, module, fn = LIBRARIES[name]
    result = Result(name)
    try:
        result.version = metadata.version(dist)
        importlib.import_module(module)  # import time is not extraction time
    except (metadata.PackageNotFoundError, ImportError):
        result.failures["not installed"] = len(files)
        return result
    for path in files:
        result.files += 1
        try:
            pages, seconds = extract(fn, path, timeout)
        except Exception as exc:  # noqa: BLE001 - every failure is counted by its kind, none stops the run
            result.failures[failure_reason(exc)] += 1
            continue
        if not "".join(pages).strip():
            result.failures["no text"] += 1
            continue
        record(result, pages, seconds)
    return result


def reference_similarity(name: str, pdf: Path, reference: list[str]) -> tuple[float, float] | None:
    try:
        pages, _ = extract(LIBRARIES[name][2], pdf, 600)
    except Exception:  # noqa: BLE001
        return None
    got = tokens("\n".join(pages))
    return sequence_ratio(reference, got), token_f1(reference, got)


# --- output ----------------------------------------------------------------------------------------------------

def spread(files: list[Path], n: int | None) -> list[Path]:
    """`n` files evenly spaced over the list (the whole list when n is None or not smaller)."""
    if n is None or n >= len(files):
        return files
    step = len(files) / n
    return [files[int(i * step)] for i in range(n)]


def row(r: Result, fastest: float) -> str:
    failed = sum(r.failures.values())
    reasons = ", ".join(f"{k}: {v}" for k, v in r.failures.most_common())
    files = f"{r.files - failed} / {failed}" + (f" ({reasons})" if reasons else "")
    sim = f"{r.similarity[0]:.3f} / {r.similarity[1]:.3f}" if r.similarity else "-"
    per_k = f"{1000 * r.glued / r.words:.2f}" if r.words else "-"
    median = f"{statistics.median(r.numbered):g}" if r.numbered else "-"
    odd = " / ".join(str(r.odd[k]) for k in ("FFFE", "AD", "FFFD", "lig", "ctrl"))
    name = r.name + (f" (subset: {r.files} files)" if r.subset else "")
    return (f"| {name} | {r.version} | {files} | {r.pages} | {r.seconds:.1f} | {r.ms_per_page:.2f} "
            f"| {r.ms_per_page / fastest:.1f}x | {sim} | {per_k} | {median} | {odd} |")


def table(results: list[Result]) -> str:
    fastest = min((r.ms_per_page for r in results if r.pages), default=float("nan"))
    head = ("| library | version | files ok / failed | pages | seconds | ms/page | vs fastest "
            "| similarity to reference (sequence / token F1) | glued words per 1k words "
            "| numbered paragraphs per report (median) | odd chars (FFFE / AD / FFFD / ligatures / control+private-use) |")
    rule = "|" + "---|" * head.count(" | ") + "---|"
    return "\n".join([head, rule, *(row(r, fastest) for r in results)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archive", type=Path, default=DEFAULT_ARCHIVE)
    parser.add_argument("--limit", type=int, default=None, help="first N files of the archive (default: all)")
    parser.add_argument("--slow-limit", type=int, default=None,
                        help="run pdfplumber and pdfminer.six on N evenly spread files of those (default: all)")
    parser.add_argument("--libraries", default=",".join(LIBRARIES), help="comma-separated, of: " + ", ".join(LIBRARIES))
    parser.add_argument("--reference-pdf", type=Path, default=DEFAULT_REFERENCE_PDF)
    parser.add_argument("--reference-text", type=Path, default=DEFAULT_REFERENCE_TEXT)
    parser.add_argument("--timeout", type=int, default=300, help="seconds per file before it counts as failed")
    args = parser.parse_args()
    for noisy in ("pypdf", "pdfminer"):  # their warnings about broken files would bury the table
        logging.getLogger(noisy).setLevel(logging.ERROR)

    names = args.libraries.split(",")
    if unknown := [n for n in names if n not in LIBRARIES]:
        parser.error(f"unknown libraries: {', '.join(unknown)}")
    files = sorted(args.archive.rglob("*.pdf"))[: args.limit]
    reference = tokens(clean_reference(args.reference_text.read_text(encoding="utf-8")))
    results = []
    for name in names:
        chosen = spread(files, args.slow_limit) if name in SLOW else files
        started = time.perf_counter()
        result = run_library(name, chosen, args.timeout)
        result.subset = len(chosen) < len(files)
        if result.version != "-":
            result.similarity = reference_similarity(name, args.reference_pdf, reference)
        print(f"{name}: {len(chosen)} files in {time.perf_counter() - started:.0f} s", flush=True)
        results.append(result)
    print(f"\n{len(files)} files under {args.archive}; reference: {args.reference_pdf.name} "
          f"against {args.reference_text.name} ({len(reference)} words)\n")
    print(table(results))


if __name__ == "__main__":
    main()
