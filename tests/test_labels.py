"""Passages named as a reader names them: "para 37", "action 2.1", "summary", "improvement point 3".

The parser's labels ("s2", "fn1") are internal: no name a reader sees may show one, and within a
report no two passages may share a name (a citation must lead to one place)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qa.chunk import Passage, chunk_report, chunk_text
from qa.corpus.extract import pdf_text
from qa.corpus.catalogue import Report, load_catalogue
from qa.chunk.labels import passage_label, report_labels

from pdfs import OXFORDSHIRE_2024

CORPUS = Path(__file__).parent.parent / "corpus"
REPORT = Report(id="r", title="t", short_title="t", publisher="Ofsted", kind="inspection report", date="2025",
                about="", authority="x", file="r.pdf")
INTERNAL = re.compile(r"\b(s\d+|fn\d+)\b|passage")


def passage(label: str, kind: str = "paragraph", text: str = "Some text.", position: int = 0, doc: str = "r") -> Passage:
    return Passage(id=f"{doc}#{label}", doc_id=doc, label=label, section="", text=text, source="r.txt", start=0, end=1,
                   tokens=1, position=position, kind=kind)


@pytest.mark.parametrize("p, name", [
    (passage("37"), "para 37"),
    (passage("1.1"), "para 1.1"),
    (passage("37-2"), "para 37 (series 2)"),  # numbering restarted (an annex)
    (passage("2.1", "action row", "Action 2.1 - Recruit more foster carers"), "action 2.1"),
    (passage("2.1", "paragraph", "Action 2.1 - Recruit more foster carers"), "action 2.1"),  # an index built before kinds
    (passage("s3", "summary"), "summary"),
    (passage("s2", "judgement table"), "judgement table"),
    (passage("s1", "facts"), "report facts"),
    (passage("s6", "improvement point"), "improvement point"),
    (passage("3", "improvement point"), "improvement point 3"),  # numbered by the report itself
    (passage("fn4", "footnote"), "footnote 4"),
    (passage("s9", "table"), "table"),
    (passage("s15", "point"), "point"),
    (passage("s4"), "paragraph"),
])
def test_a_passage_alone_is_named_by_its_number_or_its_kind(p, name):
    assert passage_label(p) == name


def test_an_ordinal_counts_the_passages_of_a_kind_in_their_report():
    assert passage_label(passage("s7", "improvement point"), 3) == "improvement point 3"
    assert passage_label(passage("s4", "summary"), 2) == "summary 2"
    assert passage_label(passage("s2"), 2) == "paragraph 2"
    assert passage_label(passage("s2"), 2, numbered_report=True) == "unnumbered paragraph 2"
    assert passage_label(passage("37"), 5) == "para 37"  # a printed number wins over any count


def test_report_labels_number_each_kind_in_reading_order_and_only_when_there_are_several():
    ps = [passage("s1", "facts", position=0), passage("s2", "judgement table", position=1),
          passage("s3", "summary", position=2), passage("s4", "summary", position=3),
          passage("s5", "improvement point", position=4), passage("s6", "improvement point", position=5),
          passage("s7", "improvement point", position=6), passage("1", position=7), passage("s8", position=8),
          passage("fn1", "footnote", position=9)]
    names = report_labels(reversed(ps))  # any order in, reading order counted
    assert [names[p.id] for p in ps] == [
        "report facts", "judgement table", "summary 1", "summary 2", "improvement point 1", "improvement point 2",
        "improvement point 3", "para 1", "unnumbered paragraph", "footnote 1"]
    other = [passage("s1", doc="press", position=0), passage("s2", doc="press", position=1)]
    names = report_labels(other + ps)  # each report counted on its own
    assert names["press#s1"] == "paragraph 1" and names["press#s2"] == "paragraph 2"
    assert names["r#s5"] == "improvement point 1"


def _real_reports():
    reports = [(r.id, chunk_report(r, CORPUS).passages) for r in load_catalogue(CORPUS)]
    # the default corpus holds the other councils' PDFs; the Oxfordshire 2024 PDF is held as seed text
    reports.append((OXFORDSHIRE_2024.name, chunk_text(REPORT, pdf_text(OXFORDSHIRE_2024)).passages))
    return reports


def test_every_real_passage_gets_a_readers_name_unique_in_its_report():
    for doc, passages in _real_reports():
        names = report_labels(passages)
        shown = [names[p.id] for p in passages]
        assert not [n for n in shown if INTERNAL.search(n)], doc
        assert len(set(shown)) == len(shown), (doc, [n for n in shown if shown.count(n) > 1])


def test_the_ofsted_layouts_give_the_names_a_reader_expects():
    ilacs = {p.label: p for p in chunk_text(REPORT, pdf_text(OXFORDSHIRE_2024)).passages}
    names = report_labels(ilacs.values())
    assert names[ilacs["s1"].id] == "report facts" and names[ilacs["s2"].id] == "judgement table"
    points = [names[p.id] for p in ilacs.values() if p.kind == "improvement point"]
    assert points == [f"improvement point {n}" for n in range(1, len(points) + 1)] and len(points) >= 3
    assert names[ilacs["37"].id] == "para 37"
    assert ilacs["s8"].text.startswith("• The quality of direct work with disabled children")
    assert names[ilacs["s8"].id] == f"improvement point {len(points)}"  # the last of the list
    plan = {p.label: p for p in chunk_report(next(r for r in load_catalogue(CORPUS)
                                                  if r.id == "occ-scrutiny-action-plan-2015"), CORPUS).passages}
    assert report_labels(plan.values())[plan["2.1"].id] == "action 2.1"
