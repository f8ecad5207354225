"""The chat page's lead, example questions and council menu, made from the collection held
(qa.output.welcome), never describing a council the collection does not hold (issue #19)."""

from __future__ import annotations

from qa.corpus.catalogue import Report
from qa.output.welcome import welcome


def _report(rid: str, authority: str, date: str, kind: str = "inspection report") -> Report:
    return Report(id=rid, title=rid, short_title=rid, publisher="Ofsted", kind=kind, date=date, about="",
                  authority=authority, file=f"{rid}.pdf")


def test_one_council_with_its_papers_is_described_as_such(seed_corpus):
    from qa.corpus.catalogue import load_catalogue

    w = welcome(load_catalogue(seed_corpus))
    assert w.lead.startswith("Ask about Ofsted's inspections of Oxfordshire's children's services")
    assert "council papers" in w.lead and w.councils == ("Oxfordshire",)
    assert all("Oxfordshire" in q for q in w.examples)


def test_many_councils_are_counted_and_each_example_names_a_held_council():
    reports = [_report("leeds-2015", "Leeds City Council", "2015-03-01"), _report("leeds-2025", "Leeds", "2025-02-01"),
               _report("dorset-2025", "Dorset Council", "2025-06-01"), _report("kent-2026", "Kent", "2026-02-01")]
    w = welcome(reports)
    assert w.lead.startswith("Ask about 4 Ofsted inspection reports of 3 councils' children's services (2015 to 2026).")
    assert w.councils == ("Dorset", "Kent", "Leeds")
    assert "How did Ofsted rate Kent?" in w.examples  # the latest inspection
    assert "How has Leeds's help and protection changed since 2015?" in w.examples  # inspected twice
    assert "Which councils were judged inadequate in 2026?" in w.examples
    assert not any("Oxfordshire" in q or "paper" in q for q in w.examples)
