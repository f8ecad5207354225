"""Shared fixtures: the real corpus, chunked and indexed once per test session.

`index` and its friends hold the five seed reports the gold questions were written over; the
`councils_*` fixtures hold the default corpus's Oxfordshire reports plus two other councils' reports
(Dorset 2025, Blackpool 2026) added as a user adds them; `councils_gold_index` holds the reports
the councils gold set (evals/councils/) was written over."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from qa.chunk import chunk_report
from qa.corpus.catalogue import load_catalogue


@pytest.fixture(scope="session")
def seed_corpus(tmp_path_factory):
    """The five seed reports the gold questions were written over (evals/corpus.txt), copied out of
    the default corpus: the tests written for them keep their meaning as the corpus grows."""
    from qa.evals.harness import gold_corpus

    return gold_corpus(tmp_path_factory.mktemp("seeds") / "corpus")


@pytest.fixture(scope="session", autouse=True)
def _seed_corpus_by_default(seed_corpus):
    """Commands run without --corpus (in process or as `reportqa` subprocesses) use the seed corpus,
    so that no test rebuilds the session index from another corpus (a stale index is rebuilt)."""
    before = os.environ.get("REPORTQA_CORPUS")
    os.environ["REPORTQA_CORPUS"] = str(seed_corpus)
    yield
    if before is None:
        os.environ.pop("REPORTQA_CORPUS", None)
    else:
        os.environ["REPORTQA_CORPUS"] = before


@pytest.fixture(scope="session")
def reports(seed_corpus):
    return {r.id: r for r in load_catalogue(seed_corpus)}


@pytest.fixture(scope="session")
def chunked(reports, seed_corpus):
    return {doc_id: chunk_report(r, seed_corpus) for doc_id, r in reports.items()}


@pytest.fixture(scope="session")
def passages(chunked):
    return {p.id: p for c in chunked.values() for p in c.passages}


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory, seed_corpus):
    """One index of the seed reports, built once for the whole session (the model loads once)."""
    from qa.index.build import build_index

    path = tmp_path_factory.mktemp("index")
    build_index(seed_corpus, path, progress=False)
    return path


@pytest.fixture(scope="session")
def index(index_dir, seed_corpus):
    from qa.index.load import load_index

    return load_index(index_dir, seed_corpus)


@pytest.fixture(scope="session")
def retriever(index):
    from qa.retrieve.retriever import Retriever

    return Retriever(index)


@pytest.fixture(scope="session")
def answerer(retriever):
    from qa.answer import Answerer

    return Answerer(retriever)


@pytest.fixture(scope="session")
def app(index):
    from web.app import create_app

    return create_app(index)


@pytest.fixture()
def client(app):
    return app.test_client()


from pdfs import BLACKPOOL_2026, DORSET_2025  # noqa: E402  (the tests folder is on the path)


@pytest.fixture(scope="session")
def oxfordshire_corpus(tmp_path_factory):
    """A copy of the default corpus holding only its Oxfordshire reports (the five seeds and the 2014
    and 2018 PDFs), made with the product's own `remove_report`: the default corpus also holds other
    councils' reports (evals/councils/corpus.txt), which tests add themselves where they need them.
    Copy it before changing it."""
    import shutil

    from qa.corpus.add import remove_report
    from qa.corpus.catalogue import REPO_ROOT
    from qa.corpus.places import same_council

    dest = tmp_path_factory.mktemp("oxfordshire") / "corpus"
    shutil.copytree(REPO_ROOT / "corpus", dest, ignore=shutil.ignore_patterns(".lock"))
    for report in load_catalogue(dest):
        if not same_council(report.authority, "Oxfordshire"):
            remove_report(report.id, dest)
    return dest


@pytest.fixture(scope="session")
def councils_corpus(tmp_path_factory, index_dir, oxfordshire_corpus):
    """The default corpus's Oxfordshire reports plus two other councils' real reports, added as a
    user adds them, and its index built incrementally from the session index (only the Oxfordshire
    PDFs and the two new reports are embedded)."""
    import shutil
    from pathlib import Path

    from qa.corpus.add import add_paths
    from qa.index.build import build_index

    root = tmp_path_factory.mktemp("councils")
    corpus, index = root / "corpus", root / "index"
    shutil.copytree(oxfordshire_corpus, corpus)  # seeds + 2014, 2018 PDFs
    shutil.copytree(index_dir, index, symlinks=True)
    outcomes = add_paths([Path(DORSET_2025), Path(BLACKPOOL_2026)], corpus)
    assert [o.status for o in outcomes] == ["added", "added"], outcomes
    build_index(corpus, index, progress=False)
    return corpus, index


@pytest.fixture(scope="session")
def councils_index(councils_corpus):
    from qa.index.load import load_index

    corpus, index = councils_corpus
    return load_index(index, corpus)


@pytest.fixture(scope="session")
def councils_answerer(councils_index):
    from qa.answer import Answerer
    from qa.retrieve.retriever import Retriever

    return Answerer(Retriever(councils_index))


COUNCILS_QUESTIONS = os.path.join(os.path.dirname(__file__), "..", "evals", "councils", "questions.jsonl")


@pytest.fixture(scope="session")
def councils_gold_index(tmp_path_factory):
    """The reports the councils gold set was written over (evals/councils/corpus.txt), copied out of
    the default corpus and indexed once for the session, as `reportqa eval` does: the default index's
    vectors are reused where it has them (after `run.sh`), else the six reports are embedded."""
    from qa.corpus.catalogue import REPO_ROOT
    from qa.evals.harness import gold_index

    return gold_index(tmp_path_factory.mktemp("councils-gold"), REPO_ROOT / "corpus", COUNCILS_QUESTIONS)


@pytest.fixture()
def own_corpus_and_index(index_dir, seed_corpus, tmp_path):
    """A private copy of the seed corpus and its index, for a test that changes either."""
    import shutil

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(seed_corpus, corpus)
    shutil.copytree(index_dir, index, symlinks=True)
    return corpus, index
