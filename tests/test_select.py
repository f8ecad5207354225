"""How a chosen sentence takes what it leans on (qa.answer.select.with_context): the sentence before
'This ...' or 'However, ...', and after it a qualification; and which of praise or concern the pair
is shown as. Sentences of Dorset's 2021 report (care leavers), with the roles a reader might misread."""

from __future__ import annotations

import numpy as np

from qa.answer.model import Picked
from qa.answer.select import with_context


class OnePassage:
    """An index of one passage, whose sentences are `texts` joined by spaces."""

    def __init__(self, texts: list[str]):
        self.text = " ".join(texts)
        starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
        self.spans = [(i, int(s), int(s) + len(t)) for i, (s, t) in enumerate(zip(starts, texts))]

    def sentences_of(self, row: int):
        return np.arange(len(self.spans)), self.spans

    def picked(self, k: int, concern: bool) -> Picked:
        _, start, end = self.spans[k]
        return Picked(None, 0, start, end, 1.0, self.text[start:end], concern)


PRAISE = "Care leavers are supported well by dedicated personal advisers."
MORE = "This includes those care leavers who are over 21 and, in some cases, over 25."
BUT = "However, this support is not consistently available to those over 21."


def test_a_continuation_is_shown_with_what_it_leans_on_and_as_that_is():
    index = OnePassage([PRAISE, MORE])
    praise, more = index.picked(0, concern=False), index.picked(1, concern=True)  # the second misread
    shown = with_context([more], [praise, more], index)
    assert {p.text for p in shown} == {PRAISE, MORE}
    assert not any(p.concern for p in shown)  # praise is not filed under concerns


def test_a_qualification_after_praise_makes_the_pair_a_concern():
    index = OnePassage([PRAISE, BUT])
    praise, but = index.picked(0, concern=False), index.picked(1, concern=True)
    shown = with_context([praise], [praise, but], index)
    assert {p.text for p in shown} == {PRAISE, BUT} and all(p.concern for p in shown)


def test_a_continuation_read_the_other_way_is_not_joined_after_a_chosen_sentence():
    index = OnePassage([PRAISE, MORE])
    praise, more = index.picked(0, concern=False), index.picked(1, concern=True)
    shown = with_context([praise], [praise, more], index)
    assert [p.text for p in shown] == [PRAISE] and not shown[0].concern


def test_a_sentence_opening_with_however_is_shown_with_the_one_it_answers():
    # Dorset 2025: shown alone under Concerns, the second read as praise filed as a concern
    gap = "PAs often have to be creative to get the services or support that care leavers need."
    mitigation = "However, on an individual basis, care leavers are responded to thoughtfully."
    index = OnePassage([gap, mitigation])
    first, second = index.picked(0, concern=True), index.picked(1, concern=True)
    shown = with_context([second], [first, second], index)
    assert {p.text for p in shown} == {gap, mitigation} and all(p.concern for p in shown)


def test_a_signature_is_a_persons_name_over_a_post_not_a_heading_or_a_council():
    from qa.answer.select import signature

    assert signature("Jane Smith\nDirector for Children's Services")
    assert not signature("Children Services\nExecutive Summary")
    assert not signature("Oxfordshire County Council\nDirector of Children's Services")


def test_a_sentence_opening_with_a_concession_does_not_turn_the_praise_before_it_into_a_concern():
    # Dorset 2025's supervision overview: 'is a strength' shown under Concerns, for the concession after it
    strength = "The quality of supervision for social workers is a strength."
    concession = "Although there is some inconsistency in how this is recorded, social workers value it."
    index = OnePassage([strength, concession])
    first, second = index.picked(0, concern=False), index.picked(1, concern=True)  # the second misread
    shown = with_context([first], [first, second], index)
    assert [p.text for p in shown] == [strength] and not shown[0].concern
