"""The corpus catalogue: what it holds, and the clear errors it gives when an entry is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.corpus.catalogue import CatalogueError, corpus_hash, load_catalogue, read_source

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"
ILACS = Path(__file__).resolve().parent.parent.parent / "shared" / "ilacs" / "pdf"


OTHER_COUNCILS = {  # the other councils' inspections in the default corpus (evals/councils/corpus.txt): Ofsted's files
    "leeds-sif-2015": "50004291.pdf",
    "leeds-ilacs-2018": "50045174.pdf",
    "leeds-ilacs-2025": "50284438.pdf",
    "manchester-sif-2017": "50004408.pdf",
    "dorset-ilacs-2025": "50276411.pdf",
    "blackpool-ilacs-2026": "50308110.pdf",
}


def test_the_catalogue_describes_the_five_seed_reports_in_order_then_the_oxfordshire_pdfs():
    reports = load_catalogue(CORPUS)
    assert [r.id for r in reports[5:7]] == ["oxfordshire-sif-2014", "oxfordshire-ilacs-2018"]
    assert [r.id for r in reports[7:]] == list(OTHER_COUNCILS)  # then other councils' inspections
    assert {r.authority for r in reports[7:]} == {"Leeds", "Manchester", "Dorset", "Blackpool"}
    assert all(r.kind == "inspection report" and r.framework and r.judgements for r in reports[5:])
    reports = reports[:5]
    assert [r.id for r in reports] == [
        "ofsted-ilacs-2024",
        "occ-inspection-outcome-2014",
        "press-ofsted-good-2024",
        "occ-cabinet-unannounced-inspection-2011",
        "occ-scrutiny-action-plan-2015",
    ]
    kinds = {r.id: r.kind for r in reports}
    assert kinds["ofsted-ilacs-2024"] == "inspection report"
    assert kinds["press-ofsted-good-2024"] == "news article"
    assert {r.year for r in reports} == {2024, 2014, 2011, 2015}
    assert all(r.authority == "Oxfordshire County Council" for r in reports)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the shared seeds folder is not beside this checkout")
def test_corpus_files_are_the_seeds_byte_for_byte():
    for report in load_catalogue(CORPUS)[:5]:
        assert (CORPUS / report.file).read_bytes() == (SEEDS / report.file).read_bytes()


@pytest.mark.skipif(not ILACS.is_dir(), reason="the shared ilacs folder is not beside this checkout")
def test_the_default_corpus_pdfs_are_ofsteds_files_byte_for_byte():
    by_file = {r.file: r for r in load_catalogue(CORPUS)}
    assert (CORPUS / "oxfordshire-sif-2014.pdf").read_bytes() == (ILACS / "2762428.pdf").read_bytes()
    assert (CORPUS / "oxfordshire-ilacs-2018.pdf").read_bytes() == (ILACS / "50004449.pdf").read_bytes()
    assert by_file["oxfordshire-sif-2014.pdf"].framework == "SIF"
    assert by_file["oxfordshire-ilacs-2018.pdf"].lead_inspector == "Donna Marriott"
    for doc_id, name in OTHER_COUNCILS.items():
        assert (CORPUS / f"{doc_id}.pdf").read_bytes() == (ILACS / name).read_bytes(), doc_id
        assert by_file[f"{doc_id}.pdf"].id == doc_id


def test_read_source_returns_the_exact_text():
    report = load_catalogue(CORPUS)[0]
    assert read_source(report, CORPUS) == (CORPUS / report.file).read_bytes().decode("utf-8")


@pytest.fixture
def corpus_copy(tmp_path):
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def _edit(corpus: Path, old: str, new: str) -> None:
    path = corpus / "catalogue.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_missing_source_file_names_the_entry(corpus_copy):
    (corpus_copy / "002_43547da56b1b8370.txt").unlink()
    with pytest.raises(CatalogueError, match=r"entry 3 \('press-ofsted-good-2024'\).*not found"):
        load_catalogue(corpus_copy)


def test_a_duplicate_id_names_the_entry(corpus_copy):
    _edit(corpus_copy, 'id = "press-ofsted-good-2024"', 'id = "ofsted-ilacs-2024"')
    with pytest.raises(CatalogueError, match=r"entry 3 .*duplicate id 'ofsted-ilacs-2024'"):
        load_catalogue(corpus_copy)


@pytest.mark.parametrize("bad", ["2015-13-05", "5 November 2015", "2015-02-30"])
def test_a_bad_date_names_the_entry_and_the_value(corpus_copy, bad):
    _edit(corpus_copy, 'date = "2015-11-05"', f'date = "{bad}"')
    with pytest.raises(CatalogueError, match=rf"entry 5 \('occ-scrutiny-action-plan-2015'\): date '{bad}'"):
        load_catalogue(corpus_copy)


def test_missing_fields_and_unknown_kinds_are_refused(corpus_copy):
    _edit(corpus_copy, 'publisher = "Ofsted"\n', "")
    with pytest.raises(CatalogueError, match=r"entry 1 .*missing or empty field\(s\): publisher"):
        load_catalogue(corpus_copy)
    shutil.copy(CORPUS / "catalogue.toml", corpus_copy / "catalogue.toml")
    _edit(corpus_copy, 'kind = "news article"', 'kind = "blog"')
    with pytest.raises(CatalogueError, match=r"kind 'blog' is not one of"):
        load_catalogue(corpus_copy)


def test_a_catalogue_that_is_not_toml_is_reported(corpus_copy):
    (corpus_copy / "catalogue.toml").write_text("[[report]\nid = ")
    with pytest.raises(CatalogueError, match="not valid TOML"):
        load_catalogue(corpus_copy)


def test_the_corpus_hash_changes_when_a_report_changes(corpus_copy):
    before = corpus_hash(corpus_copy)
    assert corpus_hash(corpus_copy) == before
    with open(corpus_copy / "001_8db22efc5dcc6b81.txt", "a") as f:
        f.write("\nOne more line.\n")
    assert corpus_hash(corpus_copy) != before


def test_published_source_is_optional_and_checked(corpus_copy):
    """Where `published` was read ("document" or "pdf metadata"): an old entry without it loads and
    keeps its digest (its dict has no such key); a value that is not a source, or one without a
    publication date, is refused naming the entry."""
    old = {r.id: r for r in load_catalogue(corpus_copy)}
    assert old["oxfordshire-sif-2014"].published_source == "" and "published_source" not in old["oxfordshire-sif-2014"].to_dict()
    _edit(corpus_copy, 'published = "2014-06-30"\n', 'published = "2014-06-30"\npublished_source = "document"\n')
    report = next(r for r in load_catalogue(corpus_copy) if r.id == "oxfordshire-sif-2014")
    assert (report.published, report.published_source) == ("2014-06-30", "document")
    assert report.to_dict()["published_source"] == "document"
    _edit(corpus_copy, 'published_source = "document"', 'published_source = "guess"')
    with pytest.raises(CatalogueError, match=r"'oxfordshire-sif-2014'\): published_source 'guess' is not one of"):
        load_catalogue(corpus_copy)
    _edit(corpus_copy, 'published = "2014-06-30"\npublished_source = "guess"', 'published_source = "pdf metadata"')
    with pytest.raises(CatalogueError, match=r"published_source is given but published is not"):
        load_catalogue(corpus_copy)


def _inspection(date: str, start: str, end: str, published: str):
    from qa.corpus.catalogue import Report

    return Report(id="r", title="t", short_title="t", publisher="Ofsted", kind="inspection report", date=date,
                  about="", authority="Knowsley", file="r.pdf", inspection_start=start, inspection_end=end,
                  published=published)


def test_a_report_is_named_by_the_years_it_was_inspected_and_published():
    """People name a report by its publication year as often as by its inspection's: an inspection
    on site in late 2024 and published in January 2025 is 'the 2025 report' and 'the 2024 inspection'."""
    report = _inspection("2025", "2024-11-25", "2024-12-06", "2025-01-27")
    assert report.years == {2024, 2025}
    assert report.in_years(2025, 2025) and report.in_years(2024, 2024) and report.in_years(None, 2024)
    assert not report.in_years(2026, None) and not report.in_years(2019, 2023)
    assert _inspection("2014", "", "", "").years == {2014}  # a paper with only its date


def test_year_filters_and_judgement_rows_match_either_year(index):
    from dataclasses import replace

    from qa.retrieve.judgements import judgement_rows
    from qa.retrieve.retriever import Filters

    report = _inspection("2025", "2024-11-25", "2024-12-06", "2025-01-27")
    assert Filters(year_from=2025, year_to=2025).allows(report) and Filters(year_to=2024).allows(report)
    assert not Filters(year_from=2026).allows(report)
    dorset = index.reports.get("dorset-ilacs-2025") or next(r for r in index.reports.values() if r.judgements)
    published_later = replace(dorset, published=f"{dorset.year + 1}-01-20")
    shifted = replace(index, reports=index.reports | {dorset.id: published_later})
    rows = judgement_rows(shifted, year_from=dorset.year + 1, year_to=dorset.year + 1)
    assert [r.doc_id for r in rows] == [dorset.id]
