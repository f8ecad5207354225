"""Building, storing and loading the index: offline, deterministic, and safe when things go wrong."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.chunk import chunk_report
from qa.corpus.catalogue import corpus_hash
from qa.index.format import IndexCorrupt, IndexMissing, IndexStale
from qa.index.build import build_index
from qa.index.units import embedding_units
from qa.index.load import ensure_index, load_index
from qa.index.format import BuildSettings
from qa.index import vectors
from qa.chunk.sentences import split_sentences

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def test_the_manifest_records_model_corpus_counts_and_versions(index, seed_corpus):
    m = index.manifest
    assert m["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert len(m["model_sha256"]) == 64 and m["dimension"] == 384
    assert m["corpus_sha256"] == corpus_hash(seed_corpus)
    assert (m["reports"], m["passages"]) == (5, 133)
    assert m["units"] > m["passages"]  # long passages have several windows
    assert {"faiss-cpu", "bm25s", "sentence-transformers", "torch"} <= set(m["versions"])
    assert m["built_at"] and m["settings"]["index_type"] == "auto"
    assert m["index_type"] == "flat" and m["faiss"] == {"type": "flat"}  # auto: 138 units are far below the HNSW threshold
    assert [vectors.ef_search(n) for n in (138, 10_000, 100_000, 1_000_000, 10**8)] == [128, 128, 533, 2224, 4096]
    assert m["encoder"] == "onnx-int8" and m["device"] in ("cpu", "cuda")


def test_a_loaded_index_holds_exactly_the_chunked_passages(index, chunked):
    assert [p.to_dict() for p in index.passages] == [p.to_dict() for c in chunked.values() for p in c.passages]
    assert set(index.reports) == set(chunked)


def test_passages_longer_than_the_model_window_are_embedded_in_windows_but_stay_whole(index):
    row = index.by_id["occ-cabinet-unannounced-inspection-2011#17"]
    assert (index.unit_passage == row).sum() >= 2
    assert index.passages[row].text.count("\n• ") >= 9  # the citation is still the whole paragraph


def test_every_sentence_has_a_vector_and_a_verbatim_span(index):
    assert len(index.sentence_vectors) == len(index.sentence_spans)
    norms = np.linalg.norm(index.sentence_vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-4)
    for row, p in enumerate(index.passages):
        ids, spans = index.sentences_of(row)
        assert [p.text[s:e] for _, s, e in spans] == [s.text for s in split_sentences(p.text)]


def test_context_is_part_of_what_is_embedded(index, reports):
    passages = chunk_report(reports["ofsted-ilacs-2024"]).passages
    p33 = next(p for p in passages if p.label == "33")
    (_, text), = embedding_units([p33], reports, BuildSettings())
    assert text.startswith("Ofsted ILACS 2024 (2024). The experiences and progress of care leavers: good. PAs start")
    (_, plain), = embedding_units([p33], reports, BuildSettings(context=False))
    assert plain.startswith("PAs start")


def test_building_twice_gives_the_same_index(index, seed_corpus, tmp_path):
    build_index(seed_corpus, tmp_path, progress=False)
    again = load_index(tmp_path, seed_corpus)
    first = index.faiss.reconstruct_n(0, index.faiss.ntotal)
    second = again.faiss.reconstruct_n(0, again.faiss.ntotal)
    assert np.allclose(first, second, atol=1e-5)
    assert np.array_equal(index.unit_passage, again.unit_passage)
    assert np.array_equal(index.sentence_spans, again.sentence_spans)


def test_a_missing_index_names_the_command_that_builds_it(tmp_path):
    with pytest.raises(IndexMissing, match="run `reportqa index`"):
        load_index(tmp_path)


@pytest.fixture
def private_index(index_dir, tmp_path):
    """A copy of the session index that a test may damage."""
    target = tmp_path / "index"
    shutil.copytree(index_dir, target, symlinks=True)
    return target


def _truncate(path):
    path.write_bytes(path.read_bytes()[:1000])


DAMAGE = {
    "a truncated vector file": (lambda c: _truncate(c / "units.faiss"), "damaged"),
    "an unreadable manifest": (lambda c: (c / "manifest.json").write_text("{not json"), "cannot be read"),
    "a manifest that is not an object": (lambda c: (c / "manifest.json").write_text("[]"), "not an object"),
    "an emptied BM25 file": (lambda c: (c / "bm25" / "indptr.csc.index.npy").write_bytes(b""), "cannot be read"),
    "a vanished build": (lambda c: shutil.rmtree(c.resolve()), "points at a build that is gone"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_index_is_reported_with_its_fix(private_index, damage):
    harm, message = DAMAGE[damage]
    harm(private_index / "current")
    with pytest.raises(IndexCorrupt, match=f"{message}.*run `reportqa index`"):
        load_index(private_index)


def test_a_changed_corpus_is_detected_and_rebuilt_with_a_message(index_dir, seed_corpus, tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(seed_corpus, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, progress=False)
    with open(corpus / "002_43547da56b1b8370.txt", "a", encoding="utf-8") as f:
        f.write("\nA new paragraph about adoption panels added by the council.\n")
    with pytest.raises(IndexStale, match="changed since the index was built.*run `reportqa index`"):
        load_index(index, corpus)
    said: list[str] = []
    rebuilt = ensure_index(index, corpus, log=said.append)
    assert said and "rebuilding" in said[0]
    assert rebuilt.manifest["corpus_sha256"] == corpus_hash(corpus)
    assert any("adoption panels" in p.text for p in rebuilt.passages)


@pytest.mark.parametrize("edit", [
    lambda text: text.replace('authority = "', 'authority = "The ', 1),  # a catalogue entry changed
    lambda text: text + "\n# a comment\n",  # the catalogue file changed, no entry did
])
def test_a_changed_catalogue_is_detected_without_the_index_parsing_it(own_corpus_and_index, edit):
    """The check reads the reports as the index recorded them; the catalogue's bytes still decide."""
    from qa.corpus.catalogue import CATALOGUE_NAME

    corpus, index = own_corpus_and_index
    load_index(index, corpus)
    catalogue = corpus / CATALOGUE_NAME
    catalogue.write_text(edit(catalogue.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(IndexStale, match="changed since the index was built"):
        load_index(index, corpus)


def _rewrite_manifest(index_dir, **fields) -> None:
    """Pretend the published index was built differently (other code, another model)."""
    path = index_dir / "current" / "manifest.json"
    path.write_text(json.dumps(json.loads(path.read_text()) | fields))


def test_an_index_built_by_other_indexing_code_is_stale(private_index):
    _rewrite_manifest(private_index, pipeline_sha256="0" * 64)
    with pytest.raises(IndexStale, match="indexing code changed.*run `reportqa index`"):
        load_index(private_index)


def test_a_crash_during_a_build_leaves_the_published_index_untouched(private_index, monkeypatch):
    before = load_index(private_index, check_stale=False).manifest
    import qa.index.build

    def broken(*args, **kwargs):
        raise RuntimeError("simulated crash while embedding")

    monkeypatch.setattr(qa.index.build, "encode", broken)
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_index(index_dir=private_index, progress=False, incremental=False)
    assert load_index(private_index, check_stale=False).manifest == before
    assert [p.name for p in private_index.glob("build-*")] == [(private_index / "current").resolve().name]


def test_the_cli_reports_a_damaged_index_without_a_traceback(private_index):
    (private_index / "current" / "passages.json").write_text("[]")
    result = subprocess.run(
        [sys.executable, "-m", "qa.cli", "search", "care leavers", "--index", str(private_index)],
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 2
    assert "run `reportqa index`" in result.stderr and "Traceback" not in result.stderr


def test_approximate_index_types_can_be_chosen(tmp_path):
    build_index(index_dir=tmp_path, settings=BuildSettings(index_type="hnsw"), progress=False)
    loaded = load_index(tmp_path)
    assert loaded.manifest["settings"]["index_type"] == "hnsw"
    assert json.loads((tmp_path / "current" / "manifest.json").read_text())["units"] == loaded.faiss.ntotal


def test_above_the_threshold_auto_chooses_hnsw_and_filtered_search_still_works(index_dir, seed_corpus, tmp_path, monkeypatch):
    import qa.index.vectors
    from qa.retrieve.retriever import Retriever

    shutil.copytree(index_dir, tmp_path / "index", symlinks=True)
    monkeypatch.setattr(qa.index.vectors, "HNSW_THRESHOLD", 100)  # the seeds have 138 units
    said: list[str] = []
    build_index(seed_corpus, tmp_path / "index", progress=False, log=said.append)
    assert said[0] == "reportqa: 5 report(s) unchanged, 0 to chunk and embed"  # a new index type re-embeds nothing
    loaded = load_index(tmp_path / "index", seed_corpus)
    assert loaded.manifest["index_type"] == "hnsw" and loaded.manifest["faiss"]["efSearch"] == vectors.ef_search(138) == 128
    hits = Retriever(loaded).search("foster carers", k=5, filters={"doc": ["occ-scrutiny-action-plan-2015"]})
    assert hits and {h.passage.doc_id for h in hits} == {"occ-scrutiny-action-plan-2015"}
    exact = Retriever(load_index(index_dir, seed_corpus)).search("foster carers", k=5)
    assert [h.passage.id for h in Retriever(loaded).search("foster carers", k=5)] == [h.passage.id for h in exact]


@pytest.fixture()
def hnsw_index(index_dir, seed_corpus, tmp_path, monkeypatch):
    import qa.index.vectors

    monkeypatch.setattr(qa.index.vectors, "HNSW_THRESHOLD", 100)
    shutil.copytree(index_dir, tmp_path / "index", symlinks=True)
    build_index(seed_corpus, tmp_path / "index", progress=False)
    return load_index(tmp_path / "index", seed_corpus)


@pytest.mark.parametrize("share", [0.05, 0.5, 1.0])
def test_searching_units_with_a_filter_on_hnsw_finds_what_exact_search_finds(hnsw_index, index, share):
    from qa.retrieve.question_vector import encode_query

    assert hnsw_index.manifest["index_type"] == "hnsw"
    rng = np.random.default_rng(7)
    units = np.flatnonzero(rng.random(hnsw_index.faiss.ntotal) < share) if share < 1 else None
    for question in ("foster carers", "care leavers and their personal advisers", "council tax"):
        q = encode_query(question)
        exact_scores, exact = index.search_units(q, 10, units)
        scores, found = hnsw_index.search_units(q, 10, units)
        assert len(set(found) & set(exact)) >= 9  # recall@10 >= 0.9 on a 138-unit graph
        assert units is None or set(found) <= set(units)
        assert np.all(np.diff(scores) <= 1e-6)


def test_adding_a_report_to_an_hnsw_index_grows_the_graph_and_rebuilds_nothing(seed_corpus, tmp_path, monkeypatch):
    import qa.index.vectors
    from qa.corpus.add import remove_report
    from qa.retrieve.retriever import Retriever

    monkeypatch.setattr(qa.index.vectors, "HNSW_THRESHOLD", 50)
    corpus = tmp_path / "corpus"
    shutil.copytree(seed_corpus, corpus)
    full_catalogue = (corpus / "catalogue.toml").read_text(encoding="utf-8")
    remove_report("occ-scrutiny-action-plan-2015", corpus, delete_file=False)  # the last report
    build_index(corpus, tmp_path / "index", progress=False)
    (corpus / "catalogue.toml").write_text(full_catalogue, encoding="utf-8")
    said: list[str] = []
    build_index(corpus, tmp_path / "index", progress=False, log=said.append)
    grown = load_index(tmp_path / "index", corpus)
    assert said[0] == "reportqa: 4 report(s) unchanged, 1 to chunk and embed"
    assert said[1].startswith("reportqa: HNSW graph of ") and grown.manifest["index_type"] == "hnsw"
    hits = Retriever(grown).search("foster carers action plan", k=5, filters={"doc": ["occ-scrutiny-action-plan-2015"]})
    assert hits and all(h.passage.doc_id == "occ-scrutiny-action-plan-2015" for h in hits)


def test_an_unknown_index_type_is_refused(tmp_path):
    with pytest.raises(ValueError, match="choose one of auto, flat, hnsw, ivf"):
        build_index(index_dir=tmp_path, settings=BuildSettings(index_type="lsh"), progress=False)


def test_an_index_built_with_another_model_is_stale(private_index, seed_corpus):
    from qa.retrieve.retriever import Retriever

    _rewrite_manifest(private_index, model_sha256="f" * 64)
    with pytest.raises(IndexStale, match="embedding model changed"):
        Retriever(load_index(private_index, seed_corpus))


@pytest.mark.parametrize("damage, why", [
    (lambda text: "", "it has no passages left"),
    (lambda text: text[: len(text) // 4], "its text went from"),
])
def test_a_report_that_lost_most_of_its_text_is_refused_and_the_good_build_kept(own_corpus_and_index, damage, why):
    from qa.index.format import ShrunkReport

    corpus, index = own_corpus_and_index
    before = (index / "current").resolve()
    path = corpus / "000_85197bd0036cba22.txt"
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ShrunkReport, match=rf"ofsted-ilacs-2024 \(000_85197bd0036cba22.txt\): {why}.*--allow-shrink"):
        build_index(corpus, index, progress=False)
    assert (index / "current").resolve() == before and len(load_index(index, check_stale=False).passages) == 133
    build_index(corpus, index, progress=False, allow_shrink=True)  # the user says it is intended
    assert len(load_index(index, corpus).passages) < 133


def test_a_build_killed_mid_write_leaves_an_orphan_the_next_build_removes(own_corpus_and_index):
    corpus, index = own_corpus_and_index
    orphan = index / "build-20200101T000000-4194303-1"  # no process has that pid: its writer died
    orphan.mkdir()
    (orphan / "units.npy").write_bytes(b"half written")
    assert load_index(index, corpus).path != orphan  # the published build is still served
    with open(corpus / "002_43547da56b1b8370.txt", "a", encoding="utf-8") as f:
        f.write("\nA new paragraph about adoption panels added by the council.\n")
    build_index(corpus, index, progress=False)
    assert not orphan.exists()
    assert [p.name for p in index.glob("build-*")] == [(index / "current").resolve().name]


def test_an_incremental_build_keeps_the_vectors_of_unchanged_reports_exactly(own_corpus_and_index):
    corpus, index = own_corpus_and_index
    before = load_index(index, corpus)
    with open(corpus / "002_43547da56b1b8370.txt", "a", encoding="utf-8") as f:
        f.write("\nA new paragraph about adoption panels added by the council.\n")
    said: list[str] = []
    build_index(corpus, index, progress=False, log=said.append)
    after = load_index(index, corpus)
    assert said == ["reportqa: 4 report(s) unchanged, 1 to chunk and embed"]
    old_rows, new_rows = before.report_rows, after.report_rows
    for doc_id in ("ofsted-ilacs-2024", "occ-scrutiny-action-plan-2015"):  # before and after the changed report
        (a, b), (c, d) = old_rows[doc_id], new_rows[doc_id]
        assert [p.id for p in before.passages[a:b]] == [p.id for p in after.passages[c:d]]
        old_units = before.unit_vectors[(before.unit_passage >= a) & (before.unit_passage < b)]
        new_units = after.unit_vectors[(after.unit_passage >= c) & (after.unit_passage < d)]
        assert np.array_equal(old_units, new_units)
        old_sent = before.sentence_vectors[(before.sentence_spans[:, 0] >= a) & (before.sentence_spans[:, 0] < b)]
        new_sent = after.sentence_vectors[(after.sentence_spans[:, 0] >= c) & (after.sentence_spans[:, 0] < d)]
        assert np.array_equal(old_sent, new_sent)
    assert any("adoption panels" in p.text for p in after.passages)
