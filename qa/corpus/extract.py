"""Text out of a report file: PDF pages through PDFium, with bad input named, not crashed on.

What it does: checks that a file is a readable PDF with a text layer and returns its text, one
page after another, pages separated by a form feed (`\\f`). The text is normalised only where
PDFium's own marks are not text: CR LF becomes LF, U+FFFE (PDFium's mark for a hyphen at a line
break, always inside a compound such as "child-in-need" in these reports) becomes "-" (and the
line break it stands for, where a footnote follows it rather than the word's next part), trailing
spaces go. Nothing is removed or reordered, so every later span indexes into this text.

    pdf_text(Path("50276411.pdf"))
    -> "Inspection of Dorset local \\nauthority children's services\\n...\\fInspection of ..."

Why PDFium (pypdfium2): measured on the 497 PDFs of the public archive by `evals/pdf_libraries.py`
(table in the README): 2 ms a page, level with PyMuPDF (AGPL, and heavy dependencies) and 15 to 60
times faster than pypdf, pdfminer.six and pdfplumber, with the same words (0.98 against a
hand-cleaned text for all five); its two oddities are handled here (U+FFFE) and by the layout
("10.Child", a paragraph number printed without its space).

What it does not do: OCR (a scanned PDF with no text layer is refused with that reason), remove
page furniture (`qa.chunk.furniture`) or find paragraphs (`qa.chunk.ofsted`).

Refusals (`UnreadableReport`, whose message names the reason in words a user can act on):
an empty file; an HTML page (or anything else) saved with a .pdf name; a truncated or damaged
PDF; an encrypted one; one with no text layer; a file over the size limit.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

MAX_MB_DEFAULT = 50  # the archive's largest report is under 2 MB; REPORTQA_MAX_PDF_MB overrides
PAGE_BREAK = "\f"
EXTRACTOR_VERSION = "2"  # bump when the normalisation below changes: cached texts are then redone
_MIN_CHARS_PER_PAGE = 40  # fewer letters than this on average: there is no real text layer


class UnreadableReport(ValueError):
    """A file that cannot become report text; str() is the reason, without the file name."""


def max_bytes() -> int:
    try:
        return int(float(os.environ.get("REPORTQA_MAX_PDF_MB", MAX_MB_DEFAULT)) * 1024 * 1024)
    except ValueError:
        return MAX_MB_DEFAULT * 1024 * 1024


def sniff(data: bytes) -> str:
    """What a file's first bytes say it is: 'pdf', 'html', 'empty' or 'other'."""
    if not data.strip():
        return "empty"
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if re.match(rb"(?i)(<!doctype html|<html|<\?xml[^>]*>\s*<html|<head|<body)", head) or b"<html" in head.lower():
        return "html"
    return "other"


def check_pdf_bytes(data: bytes) -> None:
    """Raise UnreadableReport for bytes that are not a whole PDF (before PDFium sees them)."""
    if len(data) > max_bytes():
        raise UnreadableReport(
            f"file is {len(data) / 1024 / 1024:.0f} MB, over the {max_bytes() // 1024 // 1024} MB limit "
            "(REPORTQA_MAX_PDF_MB raises it)"
        )
    kind = sniff(data)
    if kind == "empty":
        raise UnreadableReport("empty file")
    if kind == "html":
        raise UnreadableReport("an HTML page saved with a .pdf name, not a PDF (download the report again)")
    if kind != "pdf":
        raise UnreadableReport("not a PDF (no %PDF header)")
    if b"%%EOF" not in data[-4096:]:
        raise UnreadableReport("truncated PDF: the file ends before the PDF's end-of-file marker")


# U+FFFE followed by what begins a block of its own, a footnote ("1 The areas for improvement ..."):
# the hyphenated word goes on elsewhere (the next page), and the break it stands for is a real one.
_HYPHEN_BEFORE_BLOCK = re.compile("\ufffe(?=\\d{1,2} [A-Z])")


def _normalise(page: str) -> str:
    page = page.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    page = _HYPHEN_BEFORE_BLOCK.sub("-\n", page).replace("\ufffe", "-")
    page = page.replace(PAGE_BREAK, "\n")
    return "\n".join(line.rstrip() for line in page.split("\n")).strip("\n")


def pdf_text_from_bytes(data: bytes) -> str:
    """The text of a PDF given as bytes (see the module docstring)."""
    import pypdfium2 as pdfium

    check_pdf_bytes(data)
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message or "security" in message:
            raise UnreadableReport("encrypted PDF: it needs a password to open") from None
        raise UnreadableReport(f"damaged PDF: PDFium cannot open it ({exc})") from None
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            pages.append(_normalise(textpage.get_text_range()))
            textpage.close()
            page.close()
    except pdfium.PdfiumError as exc:
        raise UnreadableReport(f"damaged PDF: a page cannot be read ({exc})") from None
    finally:
        document.close()
    if not pages:
        raise UnreadableReport("the PDF has no pages")
    letters = sum(sum(ch.isalpha() for ch in p) for p in pages)
    if letters < _MIN_CHARS_PER_PAGE * len(pages):
        raise UnreadableReport("no text layer (a scanned PDF?): run it through OCR first")
    return PAGE_BREAK.join(pages) + "\n"


def pdf_created(data: bytes) -> str | None:
    """The creation date in a PDF's metadata as an ISO date ("D:20250205103015Z" -> "2025-02-05"),
    or None where the file has none or cannot be opened. Ofsted's PDFs rarely print their
    publication date; their creation date is within 14 days of it for 90 of 91 (measured by
    evals/dates_check.py against the reference CSVs)."""
    import datetime

    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return None
    try:
        created = document.get_metadata_dict().get("CreationDate") or ""
    except pdfium.PdfiumError:
        return None
    finally:
        document.close()
    m = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", created.strip())
    try:
        return datetime.date(*map(int, m.groups())).isoformat() if m else None
    except ValueError:
        return None


def _cache_dir() -> Path:
    base = os.environ.get("REPORTQA_CACHE") or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "reportqa" / "text"


def pdf_text(path: Path | str) -> str:
    """The text of the PDF at `path`, cached by content so a rebuild does not extract it again."""
    path = Path(path)
    if path.stat().st_size > max_bytes():
        check_pdf_bytes(b" " * (max_bytes() + 1))  # refuse without reading a huge file
    return cached_pdf_text(path.read_bytes())


def cached_pdf_text(data: bytes) -> str:
    """`pdf_text_from_bytes`, kept in the cache by content: `reportqa add` reads a new report's
    text through here, so the index build that follows finds it instead of extracting it again."""
    key = hashlib.sha256(data + EXTRACTOR_VERSION.encode()).hexdigest()
    cached = _cache_dir() / f"{key}.txt"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    text = pdf_text_from_bytes(data)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, cached)
    except OSError:
        pass  # a read-only cache only costs time
    return text
