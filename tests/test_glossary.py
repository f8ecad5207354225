"""The glossary: children's social care terms, and how it widens a question's words."""

from __future__ import annotations

from collections import Counter

from qa.retrieve.glossary import expansion, load_glossary, matching_terms


def test_the_glossary_covers_the_core_acronyms_once_each():
    terms = load_glossary()
    assert len(terms) >= 55
    acronyms = Counter(a for t in terms for a in t.acronyms)
    assert [a for a, n in acronyms.items() if n > 1] == []
    for needed in ("PA", "LAC", "CLA", "CiN", "LADO", "PLO", "IRO", "NEET", "EHE", "UASC", "CAMHS", "DCS", "MASH", "SEND"):
        assert needed in acronyms, needed
    assert all(t.definition for t in terms)


def test_everyday_words_find_the_official_term():
    assert "care leavers" in expansion("Do young people who have left care pay council tax?")
    assert "elective home education" in expansion("what checks are there on home schooling?")
    assert "personal adviser" in expansion("When do PAs start?")
    assert "independent living" in expansion("What do they do to get care leavers ready to live on their own?")


def test_acronyms_match_as_written_and_words_do_not_match_inside_others():
    assert [t.term for t in matching_terms("when do PAs start")] == ["personal adviser"]
    assert matching_terms("the pa system was loud") == []
    assert matching_terms("PAST reports") == []


def test_names_already_in_the_question_are_not_added_again():
    added = expansion("What about care leavers and their personal adviser?")
    assert "care leavers" not in added and "personal adviser" not in added


def test_the_front_door_is_any_council_s_first_point_of_contact_not_only_a_mash():
    # Sunderland 2025 calls its front door the 'Initial Contact & Referral Team'; Leeds has a MASH
    front_door = next(t for t in matching_terms("What did inspectors find at the front door?") if t.term == "front door")
    names = [n.lower() for n in front_door.names]
    assert "initial contact" in names and "multi-agency safeguarding hub" in names
    assert [t.term for t in matching_terms("What is a MASH?")] == ["multi-agency safeguarding hub"]
