"""Sentence roles (qa.index.roles): the mechanism with fixed weights (no model), the roles a build
stores, and the roles of real reports' sentences that readers saw misfiled (issue #18)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.index import roles as R

SHARED_PDFS = Path(__file__).resolve().parents[2] / "shared" / "ilacs" / "pdf"


def test_stock_text_shares_a_key_whatever_its_marker_case_and_spacing_but_not_its_values():
    a = R.sentence_key("• Ofsted produces this report under its power to combine reports.")
    assert a == R.sentence_key("Ofsted  produces this report, under its power to combine reports")
    assert R.sentence_key("Inspection dates: 27 to 31 January 2025") != R.sentence_key("Inspection dates: 3 to 7 May 2019")
    assert 0 <= a < 2 ** 63


def test_the_structure_code_holds_the_passage_kind_and_the_flags():
    code = R.structure("• Lead inspector:", "facts", True, "")
    assert code & 0xF == R.KINDS.index("facts")
    flags = [(code >> (4 + i)) & 1 for i in range(R.STRUCTURE_BITS)]
    assert flags == [1, 1, 1, 1, 1, 0]  # council paper, list item, ends ':', holds ':', short, no list heading
    assert R.structure("Improve the plans.", "paragraph", False, "Areas for improvement") >> (4 + 5) & 1
    assert not R.structure("Improve the plans.", "paragraph", False, "What needs to improve?") >> (4 + 5) & 1
    assert R.structure("x", "no such kind", False) & 0xF == 0


def test_a_sentence_recurs_when_in_enough_distinct_reports_of_the_collection():
    assert R.recurring_threshold(10) == 5 and R.recurring_threshold(1000) == 10
    keys = np.array([7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8])
    report = np.array([0, 0, 0, 1, 2, 3, 0, 1, 2, 3, 4])  # key 7 in 4 reports (6 copies), key 8 in 5
    assert R.recurring(keys, report, 10).tolist() == [False] * 6 + [True] * 5
    model = R.RoleModel(np.zeros((1, len(R.ROLES))), np.zeros(len(R.ROLES)), np.array([7]))
    assert R.recurring_in(keys, report, 10, model).all()  # the training archive's stock text counts too


def test_the_previous_sentence_is_the_one_before_in_the_same_passage():
    assert R.previous_rows(np.array([0, 0, 0, 1, 2, 2])).tolist() == [-1, 0, 1, -1, -1, 4]


def _model(dim: int) -> R.RoleModel:
    """Fixed weights: the sentence's first coordinate says strength, its second concern, the
    previous sentence's second concern too; a recurring sentence is boilerplate."""
    n = 2 * dim + len(R.KINDS) + R.STRUCTURE_BITS + 1
    w = np.zeros((n, len(R.ROLES)), dtype=np.float32)
    w[0, R.ROLE_INDEX["strength"]] = 1.0
    w[1, R.ROLE_INDEX["concern"]] = 1.0
    w[dim + 1, R.ROLE_INDEX["concern"]] = 0.8
    w[n - 1, R.ROLE_INDEX["boilerplate"]] = 5.0
    b = np.zeros(len(R.ROLES), dtype=np.float32)
    b[R.ROLE_INDEX["finding"]] = 0.1
    return R.RoleModel(w, b)


def test_roles_are_decided_from_the_vector_the_previous_sentence_and_recurrence():
    model = _model(3)
    vectors = np.array([[1, 0, 0], [0.6, 0.5, 0], [0, 0, 1], [0.9, 0, 0]], dtype=np.float32)
    passage = np.array([0, 0, 1, 2])
    codes = np.zeros(4, dtype=np.int64)
    got = [R.ROLES[i] for i in R.roles_of(vectors, passage, codes, np.array([0, 0, 0, 1], bool), model=model, batch=3)]
    # 2nd: alone it is praise (0.6 > 0.5), but it follows nothing that leans; 3rd: neither: finding
    assert got == ["strength", "strength", "finding", "boilerplate"]
    lean = np.array([[0, 1, 0], [0.6, 0.5, 0]], dtype=np.float32)  # "... too late." then a sentence leaning on it
    assert [R.ROLES[i] for i in R.roles_of(lean, np.array([0, 0]), np.zeros(2, np.int64), np.zeros(2, bool), model=model)] \
        == ["concern", "concern"]


def test_a_sentence_is_cut_into_its_words_and_word_pairs_as_the_trainer_cuts_it():
    assert R.terms("Too late, not always.") == ["too", "late", "not", "always", "too late", "late not", "not always"]


def _lexicon() -> R.Lexicon:
    """Fixed word weights: 'too late' says concern, 'good' strength; IDF 1 except 'good', 2."""
    vocabulary = np.array(["good", "late", "too", "too late"])
    weights = np.zeros((4, len(R.ROLES)), dtype=np.float32)
    weights[3, R.ROLE_INDEX["concern"]] = 2.0
    weights[0, R.ROLE_INDEX["strength"]] = 1.0
    return R.Lexicon(vocabulary, np.array([2.0, 1.0, 1.0, 1.0], dtype=np.float32), weights)


def test_a_sentences_words_score_by_their_sublinear_tf_idf_of_unit_length():
    got = _lexicon().scores(["Good, good work.", "It was too late.", "Nothing known here.", ""])
    # 'good' twice: (1 + ln 2) * 2, alone in the vector: unit length 1 -> strength 1.0
    assert got[0, R.ROLE_INDEX["strength"]] == pytest.approx(1.0)
    # 'too', 'late', 'too late' once each with IDF 1: each 1/sqrt(3) -> concern 2/sqrt(3)
    assert got[1, R.ROLE_INDEX["concern"]] == pytest.approx(2 / np.sqrt(3))
    assert not got[2:].any()  # no known word: no share


def test_a_sentences_words_can_turn_its_role():
    model = R.RoleModel(_model(3).weights, _model(3).bias, lexicon=_lexicon())
    vectors = np.array([[0.6, 0.5, 0]], dtype=np.float32)  # leans to praise by its vector alone
    args = (vectors, np.array([0]), np.zeros(1, np.int64), np.zeros(1, bool))
    assert R.ROLES[R.roles_of(*args, model=model)[0]] == "strength"
    words = model.lexicon.scores(["However, this is too late."])
    assert R.ROLES[R.roles_of(*args, words, model=model)[0]] == "concern"


def test_the_weights_round_trip_and_refuse_other_roles(tmp_path):
    model = _model(2)
    model = R.RoleModel(model.weights, model.bias, np.array([5, 3]), _lexicon())
    model.save(tmp_path / "m.npz")
    again = R.RoleModel.load(tmp_path / "m.npz")
    assert np.array_equal(again.weights, model.weights) and again.stock_keys.tolist() == [3, 5]
    assert np.array_equal(again.lexicon.scores(["too late"]), model.lexicon.scores(["too late"]))
    np.savez(tmp_path / "bad.npz", weights=model.weights, bias=model.bias, stock_keys=np.zeros(0), roles=np.array(["x"]),
             kinds=np.array(R.KINDS))
    with pytest.raises(ValueError):
        R.RoleModel.load(tmp_path / "bad.npz")


def test_the_shipped_model_fits_the_features():
    model = R.default_model()
    assert model.weights.shape == (2 * 384 + len(R.KINDS) + R.STRUCTURE_BITS + 1, len(R.ROLES))
    assert len(model.stock_keys) > 100
    assert len(model.lexicon.vocabulary) == len(model.lexicon.idf) == len(model.lexicon.weights) > 1000


def _role(index, text: str) -> str:
    for row, p in enumerate(index.passages):
        ids, spans = index.sentences_of(row)
        for i, (_, a, b) in zip(ids, spans):
            if p.text[a:b] == text:
                return index.role_of(int(i))
    raise AssertionError(f"no sentence {text!r}")


def test_the_build_stores_a_role_for_every_sentence(index):
    assert len(index.sentence_roles) == len(index.sentence_spans)
    assert _role(index, "However, this is too late and weakens the effectiveness of transition planning.") == "concern"
    assert _role(index, "Lead inspector: Nicki Shaw, His Majesty's Inspector") == "label"
    assert _role(index, "Inspection dates: 12 to 23 February 2024") == "label"
    assert index.manifest["recurring_threshold"] == 5


def _report(name: str):
    """A report of shared/ilacs found by its text (skipped where that folder is absent)."""
    from qa.chunk import chunk_text
    from qa.corpus.catalogue import Report
    from qa.corpus.extract import UnreadableReport, pdf_text

    if not SHARED_PDFS.is_dir():
        pytest.skip("shared/ilacs/pdf is not here")
    for pdf in sorted(SHARED_PDFS.glob("*.pdf")):
        try:
            text = pdf_text(pdf)
        except UnreadableReport:
            continue
        if name in text:
            stub = Report(id="r", title="t", short_title="t", publisher="Ofsted", kind="inspection report",
                          date="2025", about="", authority="x", file=pdf.name)
            return chunk_text(stub, text).passages
    pytest.skip(f"no report of shared/ilacs holds {name!r}")


def test_praise_under_a_wrapped_improvement_heading_is_a_strength():
    """Sunderland 2025 files judgement paragraphs under "What needs to improve?"; its answer once
    listed this praise among concerns."""
    passages = _report("Domestic abuse referrals are screened together with the police")
    praise = "Domestic abuse referrals are screened together with the police, enabling social workers to make " \
             "risk-informed decisions to keep children safer."
    [passage] = [p for p in passages if praise in p.text]
    roles = {p.text[a:b]: role for p, found in zip([passage], R.decide_passages([passage], {})) for a, b, role in found}
    assert roles[praise] == "strength"


def test_an_incremental_build_reuses_the_keys_and_decides_the_same_roles(tmp_path, index_dir, seed_corpus, index):
    """Nothing changed: every report's sentence keys are taken from the published build, and the
    roles, decided again over the whole, come out the same."""
    import shutil

    from qa.index.build import build_index
    from qa.index.load import load_index

    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy, symlinks=True)
    build_index(seed_corpus, copy, progress=False)
    again = load_index(copy, seed_corpus)
    assert again.manifest["embedded_reports"] == 0
    assert np.array_equal(np.load(again.path / "sentence_keys.npy"), np.load(index.path / "sentence_keys.npy"))
    assert np.array_equal(again.sentence_roles, index.sentence_roles)
