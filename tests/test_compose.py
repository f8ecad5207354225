"""How points are written (qa.answer.compose): a marker once per point, " … " where a point leaves
text out, a judgement table as one block under one marker, every citation naming its council
(issue #19). Runs on the session index of the seed reports."""

from __future__ import annotations

import re

from qa.answer.compose import Writer
from qa.answer.model import Picked
from qa.evals.gold import faithfulness_violations, marked_sentences
from qa.retrieve.retriever import Hit, citation_name


def _picks(index, passage_id: str, which: list[int]) -> list[Picked]:
    row = index.by_id[passage_id]
    passage = index.passages[row]
    hit = Hit(passage, index.reports[passage.doc_id], 1.0, 0, 0)
    _, spans = index.sentences_of(row)
    return [Picked(hit, row, int(a), int(b), 1.0, passage.text[int(a):int(b)]) for k, (_, a, b) in enumerate(spans)
            if k in which]


def _passage_with_sentences(index, n: int) -> str:
    return next(p.id for row, p in enumerate(index.passages)
                if p.kind == "paragraph" and len(index.sentences_of(row)[0]) >= n)


def test_two_sentences_that_are_not_adjacent_are_joined_by_an_ellipsis(index):
    pid = _passage_with_sentences(index, 3)
    first, _, third = _picks(index, pid, [0, 1, 2])
    writer = Writer()
    [point] = writer.points([first, third])
    assert point == f"{first.text} … {third.text} [1]"
    [citation] = writer.citations()
    assert citation.quote == f"{first.text} … {third.text}"  # the citation quotes them as the answer does
    [adjacent] = Writer().points(_picks(index, pid, [0, 1]))
    assert " … " not in adjacent and adjacent.count("[1]") == 1


def test_a_judgement_table_is_one_block_with_its_marker_after_its_last_row(answerer):
    a = answerer.answer("How did Ofsted rate Oxfordshire in 2024?")
    markers = re.findall(r"\[(\d+)\]", a.answer)
    assert markers and len(markers) == len(set(markers)), a.answer  # each marker once
    rows = [line for line in a.answer.split("\n") if line.startswith("- ")]
    assert len(rows) >= 4 and not re.search(r"\[\d+\]", rows[0]) and rows[-1].endswith("]")
    assert faithfulness_violations(a) == []
    assert len(marked_sentences(a.answer)) == len(rows)  # every row is checked against the cited table


def test_a_table_row_that_is_not_the_cited_passages_is_a_violation(answerer):
    from dataclasses import replace

    a = answerer.answer("How did Ofsted rate Oxfordshire in 2024?")
    forged = replace(a, answer=a.answer.replace("- ", "- Inadequate in every way\n- ", 1))
    assert any("is not made of sentences" in v for v in faithfulness_violations(forged))


def test_every_citation_names_its_council(index):
    passage = index.passages[index.by_id["ofsted-ilacs-2024#41"]]
    assert citation_name(index.reports[passage.doc_id], passage) == "Oxfordshire: Ofsted ILACS 2024, para 41"


def test_the_first_line_is_a_finding_never_a_field_unless_a_grade_or_a_person_is_asked(index, answerer):
    from dataclasses import replace

    from qa.answer.kinds import fact

    dates_row = next(row for row, p in enumerate(index.passages) if "Inspection dates:" in p.text)
    a, b = next((int(a), int(b)) for _, a, b in index.sentences_of(dates_row)[1]
                if index.passages[dates_row].text[int(a):int(b)].startswith("Inspection dates"))
    passage = index.passages[dates_row]
    field = Picked(Hit(passage, index.reports[passage.doc_id], 1.0, 0, 0), dates_row, a, b, 0.9, passage.text[a:b],
                   role="label")
    [finding] = _picks(index, "ofsted-ilacs-2024#41", [0])
    finding = replace(finding, score=0.85, role="strength")
    query = answerer.analyse("What did inspectors find about care leavers?")
    direct, _ = fact(query, [field, finding], answerer.settings)
    assert direct[0] is finding  # the date scored higher, but a date does not answer this
    dated = answerer.analyse("Who led the inspection?")
    assert fact(dated, [field, finding], answerer.settings)[0][0] is field
