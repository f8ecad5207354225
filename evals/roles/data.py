"""The labelled sentences with what the product's role model sees of them (issue #18).

Shared by `train.py` and `evaluate.py`: each sentence of dev/test.jsonl with its passage kind (from
cutting its report again with the product's chunker), whether its report is a council paper,
whether it recurs across the archive (`qa.index.roles.recurring`, the build's own rule, over every
readable report of the archive), and the vectors of it and of the sentence before it (the build's
encoder). The archive is read once and cached under /tmp (its PDF texts are cached by the product).
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import numpy as np

from qa.chunk import chunk_report, chunk_text
from qa.chunk.sentences import split_sentences
from qa.corpus.catalogue import Report, load_catalogue
from qa.corpus.extract import pdf_text
from qa.index.encoder.encode import encode
from qa.index.encoder.model import BUILD_ENCODER
from qa.index.roles import recurring, sentence_key, structure

HERE = Path(__file__).resolve().parent
ARCHIVE = Path(os.environ.get("REPORTQA_ARCHIVE", "/work/ofsted-archive")) / "export_data" / "inspection_reports"
CORPUS = HERE.parents[1] / "corpus"
CACHE = Path(os.environ.get("REPORTQA_ROLES_CACHE", "/tmp/reportqa-roles-archive.pkl"))
STUB = Report(id="r", title="t", short_title="t", publisher="Ofsted", kind="inspection report", date="2024",
              about="", authority="x", file="r.pdf")


def archive() -> dict[str, dict]:
    """file -> {kind, rows: [(passage label, section, passage kind, sentence)]}: every readable
    report of the archive and the default corpus."""
    if CACHE.exists():
        return pickle.loads(CACHE.read_bytes())
    reports = {}
    for pdf in sorted(ARCHIVE.glob("*/*.pdf")):
        try:
            passages = chunk_text(STUB, pdf_text(pdf)).passages
        except Exception:
            continue
        rows = [(p.label, p.section, p.kind, s.text) for p in passages for s in split_sentences(p.text)]
        reports[str(pdf.relative_to(ARCHIVE))] = {"kind": "inspection report", "rows": rows}
    for r in load_catalogue(CORPUS):
        passages = chunk_report(r, CORPUS).passages
        reports["corpus/" + r.file] = {"kind": r.kind, "rows": [(p.label, p.section, p.kind, s.text)
                                                                 for p in passages for s in split_sentences(p.text)]}
    CACHE.write_bytes(pickle.dumps(reports))
    return reports


def stock_keys() -> np.ndarray:
    """The keys of the sentences that recur across the archive's inspection reports (the build's rule)."""
    reports = archive()
    inspections = [f for f in reports if not f.startswith("corpus/")]
    keys, owner = [], []
    for n, f in enumerate(inspections):
        for k in {sentence_key(row[3]) for row in reports[f]["rows"]}:
            keys.append(k)
            owner.append(n)
    keys_a = np.array(keys, dtype=np.int64)
    return np.unique(keys_a[recurring(keys_a, np.array(owner), len(inspections))])


def labelled(split: str) -> list[dict]:
    """The split's sentences, each with kind, council_paper, recurring, code, vector, previous_vector."""
    items = [json.loads(line) for line in (HERE / f"{split}.jsonl").read_text(encoding="utf-8").splitlines() if line]
    reports = archive()
    stock = set(stock_keys().tolist())
    for it in items:
        report = reports.get(it["file"], {"kind": "inspection report", "rows": []})
        kinds = [k for label, _, k, text in report["rows"] if text == it["sentence"] and label == it["passage"]]
        it["kind"] = kinds[0] if kinds else "paragraph"
        it["council_paper"] = report["kind"] == "council paper"
        it["recurring"] = sentence_key(it["sentence"]) in stock
        it["code"] = structure(it["sentence"], it["kind"], it["council_paper"], it["section"])
    texts = sorted({t for it in items for t in (it["sentence"], it["previous"]) if t})
    vectors = dict(zip(texts, encode(texts, encoder=BUILD_ENCODER, device="cpu", progress=False)))
    for it in items:
        it["vector"] = vectors[it["sentence"]]
        it["previous_vector"] = vectors[it["previous"]] if it["previous"] else np.zeros_like(it["vector"])
    return items


def matrix(items: list[dict]) -> np.ndarray:
    from qa.index.roles import features

    return features(np.array([it["vector"] for it in items]), np.array([it["previous_vector"] for it in items]),
                    np.array([it["code"] for it in items]), np.array([it["recurring"] for it in items]))
