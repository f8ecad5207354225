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
