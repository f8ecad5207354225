"""Texts to vectors with the chosen encoder: ONNX Runtime (int8 or fp32) or torch.

What it does: `encode(texts)` gives unit-length float32 vectors, one row per text, by the query
encoder (one batch at a time) or the encoder a build names (batches on every core); the ONNX
encoders are made from the packaged weights on first need (`qa.index.encoder.onnx_export`).

What it does not do: decide what text is embedded (`qa.index.units`) or encode a question with
the glossary's spelled-out acronyms (`qa.retrieve.question_vector`).
"""

from __future__ import annotations

import os
import sys
from functools import lru_cache

import numpy as np

from qa.index.encoder.model import (
    BATCH_TOKENS,
    DIMENSION,
    ENCODERS,
    OnnxEncoder,
    query_encoder,
    torch_encode,
)
from qa.index.encoder.onnx_export import ensure_onnx


@lru_cache(maxsize=4)
def onnx_encoder(encoder: str, threads: int | None = None) -> OnnxEncoder:
    return OnnxEncoder(ensure_onnx(encoder, log=lambda m: print(m, file=sys.stderr)), threads)


def _show_progress(progress: bool | None) -> bool:
    if progress is None:
        return sys.stderr.isatty() and not os.environ.get("CI")
    return progress


QUERY_THREADS = 1  # a question's few tokens gain nothing from a second thread; a server runs several at once


def encode(texts: list[str], *, progress: bool | None = None, batch_size: int | None = None, encoder: str | None = None,
           device: str = "cpu", label: str = "embedding", max_length: int | None = None) -> np.ndarray:
    """Unit-length float32 vectors, one row per text, by an encoder: by default the query encoder
    (one batch at a time), else the one named (batches on every core at once, for builds).
    Texts are cut at `max_length` word pieces (default: the model's window). Batches of texts of
    similar length: 16 for ONNX (faster than 32 or 64 on 2 cores), 32 for torch. A progress bar
    only on a terminal (never under CI)."""
    threads = QUERY_THREADS if encoder is None else None
    encoder = encoder or query_encoder()
    if encoder not in ENCODERS:
        raise ValueError(f"unknown encoder {encoder!r}: choose one of {', '.join(ENCODERS)}")
    progress = _show_progress(progress)
    if not texts:
        return np.zeros((0, DIMENSION), dtype=np.float32)
    if encoder == "torch":
        return torch_encode(texts, batch_size=batch_size or 32, device=device, max_length=max_length, progress=progress)
    model = onnx_encoder(encoder, threads)
    if not progress:
        return model.encode(texts, batch_size=batch_size or 16, batch_tokens=BATCH_TOKENS, max_length=max_length)
    from tqdm import tqdm

    with tqdm(total=len(texts), desc=label, unit=" texts", file=sys.stderr, leave=False) as bar:
        return model.encode(texts, batch_size=batch_size or 16, batch_tokens=BATCH_TOKENS, progress=bar.update,
                            max_length=max_length)

