"""A question's vector: glossary acronyms spelled out, encoded once, cached by text.

What it does: `encode_query(text)` spells out the glossary's acronyms ('LADO (local authority
designated officer)') and encodes the question with the query encoder (ONNX Runtime: no torch),
caching vectors by text so that every stage asking for the same question pays once; `warm_up`
loads the encoder before the first question.

What it does not do: encode passages (`qa.index.encoder.encode`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from qa.index.encoder.encode import QUERY_THREADS, encode, onnx_encoder
from qa.index.encoder.model import query_encoder
from qa.retrieve.glossary import spell_out


@lru_cache(maxsize=512)
def _query_vector(text: str, encoder: str) -> bytes:
    if encoder == "torch":
        return encode([text], progress=False, encoder="torch")[0].tobytes()
    return onnx_encoder(encoder, QUERY_THREADS).encode([text])[0].tobytes()


def encode_query(text: str) -> np.ndarray:
    """One query's vector, computed once however many stages ask for it (cached by text), by the
    query encoder (ONNX Runtime: no torch). Glossary acronyms are spelled out first
    ('LADO (local authority designated officer)')."""
    return np.frombuffer(_query_vector(spell_out(text), query_encoder()), dtype=np.float32)


def warm_up() -> None:
    """Load the query encoder now, not on the first question."""
    _query_vector.__wrapped__("warm up", query_encoder())


def clear_query_cache() -> None:
    """Forget cached query vectors (a benchmark measuring the whole cost of a question needs this)."""
    _query_vector.cache_clear()

