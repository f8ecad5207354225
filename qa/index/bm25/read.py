"""The BM25 index as `reportqa index` saved it (bm25s's files), read without importing bm25s.

What it does: `load_bm25(folder)` maps the saved score matrix (CSC: a column of per-passage
scores for each stem) and reads the vocabulary and parameters, giving an object with what
answering reads of a `bm25s.BM25` (`vocab_dict`, `scores`, `k1`, `b`, `method`,
`nonoccurrence_array`, `get_scores`). Importing bm25s pulls in scipy (0.3 s of every `reportqa
ask`); reading the files needs numpy only. Scorings that add a score for absent words (BM25L,
BM25+) are loaded by bm25s itself.

What it does not do: build, change or save an index (`qa.index` does, with bm25s).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

NEEDS_BM25S = ("bm25l", "bm25+")  # scorings with a non-occurrence term: left to bm25s


class StoredBM25:
    """A saved bm25s index, memory-mapped: its vocabulary, parameters and score matrix."""

    def __init__(self, folder: Path | str) -> None:
        folder = Path(folder)
        params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        self.vocab_dict: dict[str, int] = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        self.k1, self.b, self.delta = params["k1"], params["b"], params.get("delta")
        self.method, self.idf_method = params["method"], params.get("idf_method")
        self.dtype, self.int_dtype = params.get("dtype", "float32"), params.get("int_dtype", "int32")
        self.nonoccurrence_array = None
        self.scores = {name: np.load(folder / f"{name}.csc.index.npy", mmap_mode="r") for name in ("data", "indices", "indptr")}
        self.scores["num_docs"] = int(params["num_docs"])
        if len(self.scores["data"]) != len(self.scores["indices"]) or len(self.scores["indptr"]) < 1:
            raise ValueError("the BM25 score matrix's arrays do not match")

    def get_scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 of every passage for the given stems, as bm25s.BM25.get_scores computes it."""
        scores = np.zeros(self.scores["num_docs"], dtype=self.dtype)
        ptr, rows, data = self.scores["indptr"], self.scores["indices"], self.scores["data"]
        for token in query_tokens:
            i = self.vocab_dict.get(token)
            if i is not None and i < len(ptr) - 1:
                np.add.at(scores, rows[ptr[i]:ptr[i + 1]], data[ptr[i]:ptr[i + 1]])
        return scores


def load_bm25(folder: Path | str):
    """The saved BM25 index in `folder`: read here, or by bm25s for the scorings it alone knows."""
    params = json.loads((Path(folder) / "params.index.json").read_text(encoding="utf-8"))
    if params.get("method") in NEEDS_BM25S:
        import bm25s

        return bm25s.BM25.load(str(folder), show_progress=False, mmap=True)
    return StoredBM25(folder)
