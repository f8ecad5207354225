"""`reportqa add` and `remove`: reports in, bad files out by name and reason, nothing held lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.corpus.add import add_paths, remove_report
from qa.corpus.catalogue import CatalogueError, load_catalogue
from qa.corpus.extract import pdf_text

from pdfs import BLACKPOOL_2026, DORSET_2025, FIXTURES, HTML_AS_PDF, OXFORDSHIRE_2024

DORSET = DORSET_2025


@pytest.fixture()
def corpus(tmp_path, oxfordshire_corpus):
    """A copy of the default corpus's Oxfordshire reports: the five seeds and the 2014 and 2018 PDFs
    (the default corpus also holds Dorset 2025 and Blackpool 2026, which these tests add)."""
    path = tmp_path / "corpus"
    shutil.copytree(oxfordshire_corpus, path)
    return path


def snapshot(corpus: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in corpus.iterdir() if p.is_file() and p.name != ".lock"}


def test_a_pdf_gets_a_catalogue_entry_with_the_facts_it_prints(corpus):
    [outcome] = add_paths([DORSET], corpus)
    assert outcome.status == "added" and outcome.doc_id == "dorset-ilacs-2025"
    report = next(r for r in load_catalogue(corpus) if r.id == "dorset-ilacs-2025")
    assert (report.authority, report.framework, report.kind, report.publisher) == (
        "Dorset", "ILACS short", "inspection report", "Ofsted")
    assert (report.inspection_start, report.inspection_end, report.lead_inspector) == ("2025-03-17", "2025-03-21", "Sarah Canto")
    # the PDF prints no publication date: its creation date (Ofsted published it on 9 May 2025) stands for
    # it, said so, and the entry's date keeps only its year
    assert (report.date, report.published, report.published_source) == ("2025", "2025-05-07", "pdf metadata")
    assert dict(report.judgements)["The experiences and progress of care leavers"] == "good"
    assert dict(report.judgements)["Overall effectiveness"] == "outstanding"
    assert (corpus / report.file).read_bytes() == DORSET.read_bytes()


def test_the_entry_stays_editable_and_earlier_entries_are_untouched(corpus):
    before = (corpus / "catalogue.toml").read_text(encoding="utf-8")
    add_paths([DORSET], corpus)
    after = (corpus / "catalogue.toml").read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))
    edited = after.replace('lead_inspector = "Sarah Canto"', 'lead_inspector = "S. Canto"')
    (corpus / "catalogue.toml").write_text(edited, encoding="utf-8")
    assert next(r for r in load_catalogue(corpus) if r.id == "dorset-ilacs-2025").lead_inspector == "S. Canto"


def test_the_same_report_is_recognised_by_content_whatever_its_name_or_format(corpus, tmp_path):
    copy = tmp_path / "renamed.pdf"
    shutil.copyfile(DORSET, copy)
    first, again = add_paths([DORSET], corpus), add_paths([copy], corpus)
    assert first[0].status == "added"
    assert again[0].status == "duplicate" and again[0].detail == "already in the collection as dorset-ilacs-2025"
    # seed 000 is the text of the Oxfordshire 2024 PDF: the PDF is that report, held once
    [seed] = add_paths([OXFORDSHIRE_2024], corpus)
    assert seed.status == "duplicate" and seed.doc_id == "ofsted-ilacs-2024"
    assert len([r for r in load_catalogue(corpus) if r.year == 2024 and r.kind == "inspection report"]) == 1


def test_bad_files_are_refused_by_name_and_reason_and_the_rest_still_go_in(corpus, tmp_path):
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(DORSET.read_bytes()[:50_000])
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    before = snapshot(corpus)
    outcomes = add_paths([HTML_AS_PDF, truncated, FIXTURES / "encrypted.pdf", FIXTURES / "scanned.pdf",
                          empty, tmp_path / "missing.pdf", DORSET], corpus)
    status = {Path(o.path).name: (o.status, o.detail) for o in outcomes}
    assert status[HTML_AS_PDF.name] == ("refused", "an HTML page saved with a .pdf name, not a PDF (download the report again)")
    assert status["truncated.pdf"][1].startswith("truncated PDF")
    assert status["encrypted.pdf"][1].startswith("encrypted PDF")
    assert status["scanned.pdf"][1].startswith("no text layer")
    assert status["empty.pdf"] == ("refused", "empty file")
    assert status["missing.pdf"] == ("refused", "no such file or folder")
    assert status[DORSET.name][0] == "added"
    after = snapshot(corpus)
    assert {k: v for k, v in after.items() if k in before and k != "catalogue.toml"} == {
        k: v for k, v in before.items() if k != "catalogue.toml"}
    assert set(after) - set(before) == {"dorset-ilacs-2025.pdf"}


def test_a_folder_adds_every_report_file_under_it(corpus, tmp_path):
    folder = tmp_path / "downloads" / "nested"
    folder.mkdir(parents=True)
    shutil.copyfile(DORSET, folder / "a.pdf")
    shutil.copyfile(BLACKPOOL_2026, folder / "b.pdf")
    (folder / "notes.docx").write_bytes(b"not a report")
    outcomes = add_paths([tmp_path / "downloads"], corpus)
    assert sorted(o.doc_id for o in outcomes) == ["blackpool-ilacs-2026", "dorset-ilacs-2025"]


def test_text_and_html_files_need_the_council_and_date_they_do_not_state(corpus, tmp_path):
    page = tmp_path / "cabinet.html"
    page.write_text("<html><body><h1>Cabinet report on children's services</h1>"
                    + "<p>The council's children's services improved in the year, and the cabinet noted the "
                    "progress made against the inspection action plan, including the recruitment of foster carers.</p>"
                    * 2 + "</body></html>", encoding="utf-8")
    [refused] = add_paths([page], corpus)
    assert refused.status == "refused" and "--authority" in refused.detail
    from qa.corpus.add import Overrides

    [added] = add_paths([page], corpus, Overrides(authority="Oxfordshire County Council", date="2016-02"))
    report = next(r for r in load_catalogue(corpus) if r.id == added.doc_id)
    assert report.kind == "council paper" and report.file.endswith(".txt")
    assert "<p>" not in (corpus / report.file).read_text(encoding="utf-8")


def test_remove_takes_out_the_entry_and_its_file_only(corpus):
    add_paths([DORSET], corpus)
    before = snapshot(corpus)
    removed = remove_report("dorset-ilacs-2025", corpus)
    assert removed.authority == "Dorset"
    after = snapshot(corpus)
    assert set(before) - set(after) == {"dorset-ilacs-2025.pdf"}
    assert "dorset-ilacs-2025" not in [r.id for r in load_catalogue(corpus)]
    assert "dorset" not in (corpus / "catalogue.toml").read_text(encoding="utf-8").lower()
    with pytest.raises(CatalogueError, match="no report with id 'dorset-ilacs-2025'"):
        remove_report("dorset-ilacs-2025", corpus)


def test_the_same_words_about_another_council_are_that_councils_report(corpus, tmp_path):
    """Joint inspections print near-identical reports for two councils (North and West
    Northamptonshire, 2022): matching words alone do not make a report a duplicate."""
    from qa.corpus.add import Overrides

    seed = next(r for r in load_catalogue(corpus) if r.id == "ofsted-ilacs-2024")
    copy = tmp_path / "joint.txt"
    copy.write_text((corpus / seed.file).read_text(encoding="utf-8"), encoding="utf-8")
    [again] = add_paths([copy], corpus, Overrides(authority="Oxfordshire", date="2024"))
    assert again.status == "duplicate"
    [other] = add_paths([copy], corpus, Overrides(authority="Buckinghamshire", date="2024"))
    assert other.status == "added"


SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "ilacs" / "pdf"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/ilacs is not beside this checkout")
def test_every_pdf_of_the_shared_collection_is_added_or_refused_with_a_reason(corpus):
    outcomes = add_paths([SHARED], corpus)
    assert len(outcomes) == len(list(SHARED.glob("*.pdf"))) == 95
    refused = {Path(o.path).name: o.detail for o in outcomes if o.status == "refused"}
    assert set(refused.values()) == {"an HTML page saved with a .pdf name, not a PDF (download the report again)"}
    assert len(refused) == 4  # the 2012 error pages
    held = sorted(o.doc_id for o in outcomes if o.status == "duplicate")
    assert held == ["ofsted-ilacs-2024", "oxfordshire-ilacs-2018", "oxfordshire-sif-2014"]
    added = [r for r in load_catalogue(corpus) if r.id not in {"ofsted-ilacs-2024"} and r.judgements]
    assert len(added) == 2 + 88 and all(r.framework and r.inspection_start for r in added)


def test_remove_reads_table_headers_written_any_valid_way_and_never_deletes_a_file_it_cannot_unlist(corpus):
    path = corpus / "catalogue.toml"
    path.write_text(path.read_text(encoding="utf-8").replace("[[report]]\nid = \"oxfordshire-sif-2014\"",
                                                             "[[ report ]]  # a note\nid = \"oxfordshire-sif-2014\""),
                    encoding="utf-8")
    remove_report("oxfordshire-sif-2014", corpus)
    assert [r.id for r in load_catalogue(corpus)][-1] == "oxfordshire-ilacs-2018"
    assert not (corpus / "oxfordshire-sif-2014.pdf").exists()
    # the same entries written as one inline array cannot be cut apart: nothing changes, no file goes
    import tomllib

    from qa.corpus.add import _toml_string

    entries = tomllib.loads(path.read_text(encoding="utf-8"))["report"]
    inline = lambda e: "{ " + ", ".join(f"{k} = {_toml_string(v)}" for k, v in e.items() if k != "judgements") + " }"  # noqa: E731
    path.write_text("report = [\n" + ",\n".join(inline(e) for e in entries) + ",\n]\n", encoding="utf-8")
    before = snapshot(corpus)
    with pytest.raises(CatalogueError, match="could not be rewritten safely"):
        remove_report("occ-scrutiny-action-plan-2015", corpus)
    assert snapshot(corpus) == before


def test_a_title_that_cannot_be_written_is_refused_and_leaves_nothing_behind(corpus, tmp_path):
    from qa.corpus.add import Overrides

    page = tmp_path / "odd name é.txt"
    page.write_text("The council's children's services improved, the cabinet was told. " * 5, encoding="utf-8")
    before = snapshot(corpus)
    [surrogate] = add_paths([page], corpus, Overrides(authority="Bury", date="2024", title="bad \udcff byte"))
    assert surrogate.status == "refused" and surrogate.detail.startswith("could not be added")
    assert snapshot(corpus) == before and not list(corpus.glob(".catalogue.toml.*"))
    [delete] = add_paths([page], corpus, Overrides(authority="Bury", date="2024", title="odd \x7f title"))
    assert delete.status == "added"
    assert next(r for r in load_catalogue(corpus) if r.id == delete.doc_id).title == "odd \x7f title"


def test_after_the_first_report_each_new_entry_is_checked_alone_unless_the_catalogue_changed_meanwhile(corpus, tmp_path, monkeypatch):
    import qa.corpus.add

    checked: list[int] = []
    real = qa.corpus.add.catalogue_from_text
    monkeypatch.setattr(qa.corpus.add, "catalogue_from_text", lambda text, where: checked.append(len(real(text, where))) or real(text, where))
    outcomes = add_paths([DORSET, BLACKPOOL_2026], corpus)
    assert [o.status for o in outcomes] == ["added", "added"]
    assert checked == [len(load_catalogue(corpus)) - 1, 1]  # the whole catalogue once, then the new table alone
    assert [r.id for r in load_catalogue(corpus)][-2:] == ["dorset-ilacs-2025", "blackpool-ilacs-2026"]

    def hand_edit(outcome, done, total):  # someone edits the catalogue between two reports
        if done == 1:
            with open(corpus / "catalogue.toml", "a", encoding="utf-8") as f:
                f.write('\n[[report]]\nid = "half-written"\n')
    copies = [tmp_path / "a.txt", tmp_path / "b.txt"]
    for n, path in enumerate(copies):
        path.write_text(f"Minutes of the Bury cabinet meeting number {n} on children's services. " * 5, encoding="utf-8")
    first, second = add_paths(copies, corpus, qa.corpus.add.Overrides(authority="Bury", date="2024"), on_outcome=hand_edit)
    assert first.status == "added"
    assert second.status == "refused" and "would not load" in second.detail  # checked whole again, not appended to


def _secret(tmp_path: Path) -> Path:
    """A file outside any folder being added, as /etc/passwd is: text that would pass as a report."""
    secret = tmp_path / "elsewhere" / "passwd.txt"
    secret.parent.mkdir()
    secret.write_text("Inspection of Nowhere\n\n1. root:x:0:0:root:/root:/bin/bash is a line of a secret file.\n",
                      encoding="utf-8")
    return secret


def test_a_symbolic_link_given_directly_is_refused_by_name_and_nothing_is_copied(corpus, tmp_path):
    link = tmp_path / "report.txt"
    link.symlink_to(_secret(tmp_path))
    before = snapshot(corpus)
    [outcome] = add_paths([link], corpus, on_outcome=lambda *a: None)
    assert outcome.status == "refused" and outcome.path == str(link)
    assert "symbolic link" in outcome.detail and "passwd.txt" in outcome.detail and "--follow-symlinks" in outcome.detail
    assert snapshot(corpus) == before


def test_a_link_inside_a_folder_is_refused_and_the_folders_real_files_still_go_in(corpus, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(DORSET, folder / "dorset.pdf")
    (folder / "innocent.txt").symlink_to(_secret(tmp_path))
    (folder / "sub").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    outcomes = add_paths([folder], corpus)
    assert sorted((Path(o.path).name, o.status) for o in outcomes) == [
        ("dorset.pdf", "added"), ("innocent.txt", "refused"), ("sub", "refused")]
    assert not any("root:x" in p.read_text(errors="ignore") for p in corpus.iterdir() if p.suffix == ".txt")


def test_follow_symlinks_takes_links_within_the_folder_but_never_one_leading_out_of_it(corpus, tmp_path):
    folder = tmp_path / "downloads"
    (folder / "real").mkdir(parents=True)
    shutil.copy(DORSET, folder / "real" / "dorset.pdf")
    (folder / "latest.pdf").symlink_to(folder / "real" / "dorset.pdf")
    (folder / "innocent.txt").symlink_to(_secret(tmp_path))
    outcomes = add_paths([folder], corpus, follow_symlinks=True)
    by_name = {Path(o.path).name: o for o in outcomes}
    assert by_name["innocent.txt"].status == "refused" and "outside the folder being added" in by_name["innocent.txt"].detail
    assert sorted(o.status for n, o in by_name.items() if n != "innocent.txt") == ["added", "duplicate"]  # one report, twice


def test_an_inspection_in_two_parts_is_described_part_by_part(corpus):
    """Devon 2025 (shared/ilacs, found by its words): 30 September to 11 October 2024, then 13 to
    16 January 2025; the entry's span runs to the last day on site and its description names both parts."""
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "ilacs" / "pdf"
    devon = next((p for p in sorted(shared.glob("*.pdf")) if b"%PDF" in p.read_bytes()[:1024]
                  and "Inspection of Devon local authority" in pdf_text(p)[:200]
                  and "January 2025" in pdf_text(p)[:400]), None) if shared.is_dir() else None
    if devon is None:
        pytest.skip("Devon 2025 (shared/ilacs) is not beside this checkout")
    [outcome] = add_paths([devon], corpus)
    report = next(r for r in load_catalogue(corpus) if r.id == outcome.doc_id)
    assert (report.inspection_start, report.inspection_end) == ("2024-09-30", "2025-01-16")
    assert report.about == "Ofsted ILACS standard inspection, 2024-09-30 to 2024-10-11 and 2025-01-13 to 2025-01-16"
    assert report.published_source == "pdf metadata"
