"""Council names: the ONS-generated list, the ways people write them, and the question matcher."""

from __future__ import annotations

from qa.corpus.places import authorities, find_authority, mentioned, same_council


def test_the_list_is_every_english_childrens_services_authority_from_a_dated_official_source():
    from importlib import resources

    header = resources.files("qa").joinpath("data/authorities.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("# source: ONS") and "dated" in header
    assert len(authorities()) == 153
    assert all(a.code[:3] in ("E06", "E08", "E09", "E10") for a in authorities())


def test_the_ways_councils_are_written_find_the_same_authority():
    assert find_authority("Oxfordshire County Council").name == "Oxfordshire"
    assert find_authority("Leeds City Council").name == "Leeds"
    assert find_authority("London Borough of Brent").name == "Brent"
    assert find_authority("Bournemouth, Christchurch & Poole") == find_authority("BCP")
    assert find_authority("Hull").code == find_authority("Kingston upon Hull City Council").code
    assert find_authority("Narnia") is None
    assert same_council("Oxfordshire County Council", "oxfordshire")


def test_a_question_names_councils_in_order_each_once():
    names = [a.display for a in mentioned("Compare care leavers in Leeds and Manchester, and Leeds again")]
    assert names == ["Leeds", "Manchester"]
    assert [a.display for a in mentioned("what did ofsted say about care leavers in dorset?")] == ["Dorset"]


def test_a_name_that_is_also_a_word_counts_only_when_written_as_a_name():
    assert mentioned("How are children reading in schools?") == []
    assert [a.display for a in mentioned("What did Ofsted say about Reading?")] == ["Reading"]


def test_a_place_in_a_newspapers_title_is_the_paper_not_the_council():
    from qa.corpus.places import mentioned_outside_england

    assert mentioned("What did the Liverpool Echo say about children's services?") == []
    assert mentioned("Did the Manchester Evening News or the Hull Daily Mail report it?") == []
    assert [a.display for a in mentioned("What did the Liverpool Echo say about Knowsley?")] == ["Knowsley"]
    assert [a.display for a in mentioned("How did the Liverpool Echo report on Liverpool's inspection?")] == ["Liverpool"]
    assert mentioned_outside_england("What did the Cardiff Post say?") == []


def test_the_councils_of_wales_scotland_and_northern_ireland_are_known_from_the_same_register():
    from importlib import resources

    from qa.corpus.places import councils_outside_england, mentioned_outside_england

    header = resources.files("qa").joinpath("data/councils_outside_england.csv").read_text(encoding="utf-8")
    assert header.startswith("# source: ONS Local Authority Districts (May 2023)")
    nations = [c.nation for c in councils_outside_england()]
    assert (nations.count("Wales"), nations.count("Scotland"), nations.count("Northern Ireland")) == (22, 32, 11)
    found = mentioned_outside_england("How did Ofsted rate Cardiff Council, Glasgow and Belfast?")
    assert [(c.name, c.nation) for c in found] == [("Cardiff", "Wales"), ("Glasgow City", "Scotland"),
                                                  ("Belfast", "Northern Ireland")]
    assert [c.name for c in mentioned_outside_england("children's services in Derry and Strabane")] == [
        "Derry City and Strabane"]  # written without 'City', as people write it
    assert mentioned_outside_england("What did inspectors say about care leavers in Richmond?") == []
    assert mentioned_outside_england("How did Leeds do?") == []
