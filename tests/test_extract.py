"""PDF text extraction: real reports read, bad files refused with a reason a user can act on."""

from __future__ import annotations

import os

import pytest

from qa.corpus.extract import PAGE_BREAK, UnreadableReport, pdf_text, pdf_text_from_bytes

from pdfs import DORSET_2025, FIXTURES, HTML_AS_PDF

DORSET = DORSET_2025


def test_a_report_comes_back_page_by_page_with_pdfium_marks_normalised():
    text = pdf_text(DORSET)
    pages = text.split(PAGE_BREAK)
    assert len(pages) == 12
    assert pages[0].startswith("Inspection of Dorset local")
    assert "\ufffe" not in text and "\r" not in text
    assert "Inspection dates: 17 March to 21 March 2025" in pages[0]


def test_the_same_bytes_always_give_the_same_text(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTQA_CACHE", str(tmp_path))
    first = pdf_text(DORSET)  # extracted and cached
    assert list(tmp_path.rglob("*.txt"))
    assert pdf_text(DORSET) == first == pdf_text_from_bytes(DORSET.read_bytes())


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda tmp: (HTML_AS_PDF).read_bytes(), "an HTML page saved with a .pdf name"),
        (lambda tmp: DORSET.read_bytes()[: DORSET.stat().st_size // 2], "truncated PDF"),
        (lambda tmp: (FIXTURES / "encrypted.pdf").read_bytes(), "encrypted PDF"),
        (lambda tmp: (FIXTURES / "scanned.pdf").read_bytes(), "no text layer"),
        (lambda tmp: b"", "empty file"),
        (lambda tmp: b"GIF89a" + bytes(200), "not a PDF"),
    ],
    ids=["html-as-pdf", "truncated", "encrypted", "scanned", "empty", "not-a-pdf"],
)
def test_bad_files_are_refused_by_reason(tmp_path, make, reason):
    path = tmp_path / "report.pdf"
    path.write_bytes(make(tmp_path))
    with pytest.raises(UnreadableReport) as refused:
        pdf_text(path)
    assert str(refused.value).startswith(reason)


def test_a_file_over_the_size_limit_is_refused_without_being_read(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTQA_MAX_PDF_MB", "50")
    huge = tmp_path / "huge.pdf"
    with open(huge, "wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: 200 MB on paper, nothing on disk
    with pytest.raises(UnreadableReport, match="over the 50 MB limit"):
        pdf_text(huge)
    assert os.path.getsize(huge) == 200 * 1024 * 1024
