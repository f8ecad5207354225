"""Shared fixtures: the real corpus, chunked once per test session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from qa.chunk import chunk_report  # noqa: E402
from qa.corpus import load_catalogue  # noqa: E402


@pytest.fixture(scope="session")
def reports():
    return {r.id: r for r in load_catalogue()}


@pytest.fixture(scope="session")
def chunked(reports):
    return {doc_id: chunk_report(r) for doc_id, r in reports.items()}


@pytest.fixture(scope="session")
def passages(chunked):
    return {p.id: p for c in chunked.values() for p in c.passages}


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory):
    """One index of the real corpus, built once for the whole session (the model loads once)."""
    from qa.index import build_index

    path = tmp_path_factory.mktemp("index")
    build_index(index_dir=path, progress=False)
    return path


@pytest.fixture(scope="session")
def index(index_dir):
    from qa.index import load_index

    return load_index(index_dir)


@pytest.fixture(scope="session")
def retriever(index):
    from qa.retrieve import Retriever

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
