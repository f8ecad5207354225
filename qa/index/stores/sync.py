"""Bringing a Qdrant store level with the published local build.

What it does: `rebuild_store` writes every report of a loaded `Index` into a new shard or
collection and publishes it (the edge shard by the `current` link, a server collection by alias
swap), so readers see the old build until the new one is whole; `sync_store` upserts only the
reports whose digest differs from the store's and deletes those the build no longer has (what
`reportqa add` and `remove` do). Each report's passages go with their unit vectors, sentence
vectors and BM25 stems (the product's tokenizer over the text BM25 indexes).

What it does not do: embed (the local build did), or search.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np

from qa.index.lexical import tokens
from qa.index.stores.qdrant import QdrantStore
from qa.index.units import bm25_text


def _report_parts(index, doc_id: str, term_cache: dict | None = None):
    lo, hi = index.report_rows[doc_id]
    report = index.reports[doc_id]
    passages = index.passages[lo:hi]
    unit_passage = np.asarray(index.unit_passage)
    first, last = np.searchsorted(unit_passage, [lo, hi])
    unit_rows = unit_passage[first:last]
    unit_vectors = np.asarray(index.unit_vectors[first:last])
    units = [unit_vectors[unit_rows == row] for row in range(lo, hi)]
    sentences = []
    for row in range(lo, hi):
        ids, _ = index.sentences_of(row)
        sentences.append(np.asarray(index.sentence_vectors[ids[0]:ids[-1] + 1]) if len(ids) else np.zeros((0, unit_vectors.shape[1])))
    terms = []
    for p in passages:
        text = bm25_text(p, report)
        if term_cache is None:
            terms.append(tokens(text))
        else:
            if text not in term_cache:
                term_cache[text] = tokens(text)
            terms.append(term_cache[text])
    return report, passages, units, sentences, terms


def _digest(index, doc_id: str) -> str:
    return index.manifest.get("report_sha256", {}).get(doc_id, "")


def average_length(index, term_cache: dict | None = None) -> float:
    total = n = 0
    for p in index.passages:
        text = bm25_text(p, index.reports[p.doc_id])
        t = term_cache.setdefault(text, tokens(text)) if term_cache is not None else tokens(text)
        total, n = total + len(t), n + 1
    return total / max(n, 1)


def rebuild_store(store: QdrantStore, index, log=lambda m: None) -> dict:
    """Every report of the index into a new shard/collection, published when complete."""
    started = time.perf_counter()
    cache: dict = {}
    new = store.rebuild(int(index.manifest["dimension"]))
    try:
        new.set_stats(average_length(index, cache), int(index.manifest["dimension"]))
        for n, doc_id in enumerate(index.report_rows, 1):
            report, passages, units, sentences, terms = _report_parts(index, doc_id, cache)
            new.upsert_report(report, _digest(index, doc_id), passages, units, sentences, terms)
            if n % 100 == 0:
                log(f"reportqa: {store.spec}: {n} of {len(index.report_rows)} reports written")
        store.publish_rebuild(new)
    except BaseException:
        store.discard_rebuild(new)
        raise
    return {"reports": len(index.report_rows), "passages": len(index.passages), "seconds": time.perf_counter() - started}


def partition(doc_id: str, parts: int) -> int:
    """The partition of a report among `parts` (a stable hash of its id: every machine agrees)."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=8).digest(), "little") % parts


def parse_shard(text: str) -> tuple[int, int]:
    """'i/n' (0 <= i < n) as (i, n)."""
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise ValueError(f"--shard must be i/n, such as 0/8, not {text!r}") from None
    if not 0 <= i < n:
        raise ValueError(f"--shard {text}: i must be from 0 to n-1")
    return i, n


def sync_store(store: QdrantStore, index, log=lambda m: None, shard: tuple[int, int] | None = None) -> dict:
    """Upsert the reports that are new or changed since the store was written, delete the ones the
    index no longer has; a store with nothing yet is rebuilt. With `shard` (i, n), only the reports
    of partition i are looked at, written or deleted, so n machines, each embedding its own part of
    the collection, write one shared store at once without touching each other's reports."""
    mine = (lambda d: True) if shard is None else (lambda d: partition(d, shard[1]) == shard[0])
    if not store.exists:
        if shard is None:
            return rebuild_store(store, index, log) | {"rebuilt": True}
        new = store.rebuild(int(index.manifest["dimension"]))  # an empty store, its BM25 length from this part
        new.set_stats(average_length(index), int(index.manifest["dimension"]))
        store.publish_rebuild(new)
    held = {doc_id: r.digest for doc_id, r in store.reports().items() if mine(doc_id)}
    changed = [d for d in index.report_rows if mine(d) and (held.get(d) != _digest(index, d) or not _digest(index, d))]
    gone = [d for d in held if d not in index.report_rows]
    for doc_id in gone:
        store.delete_report(doc_id)
    for doc_id in changed:
        store.upsert_report(*_parts_with_digest(index, doc_id))
    return {"upserted": changed, "deleted": gone}


def _parts_with_digest(index, doc_id: str):
    report, passages, units, sentences, terms = _report_parts(index, doc_id)
    return report, _digest(index, doc_id), passages, units, sentences, terms
