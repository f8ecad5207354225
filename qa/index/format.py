"""The index's on-disk format and settings: version, files, build settings, problems, where it lives.

What it does: names the files a build holds (`FILES`) and the format they follow (`FORMAT_VERSION`),
the settings a build is made with (`BuildSettings`), the problems an index can have, each with its
fix (`IndexMissing`, `IndexCorrupt`, `IndexStale`, `EncoderMissing`, `ShrunkReport`), the hash of
the code that decides what is indexed (`pipeline_hash`: an index built by other code is stale) and
the default index folder.

What it does not do: write a build (`qa.index.build`) or read one (`qa.index.load`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from qa.corpus.catalogue import REPO_ROOT

FORMAT_VERSION = 5  # 2: unit vectors stored for reuse, per-report digests; 3: one passage a line, BM25 tokens stored, report rows; 4: sentence roles; 5: their words' scores


FILES = ("manifest.json", "passages.json", "units.faiss", "units.npy", "unit_vectors.npy", "sentences.npy", "sentence_spans.npy",
         "sentence_keys.npy", "sentence_lexical.npy", "sentence_roles.npy", "tokens.npy", "token_offsets.npy")


class IndexProblem(Exception):
    """The index cannot be used as it is; the message names the fix."""


class IndexMissing(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class IndexStale(IndexProblem):
    pass


class EncoderMissing(IndexMissing):
    """The ONNX query encoder is not cached here and torch is not installed to make it."""


class ShrunkReport(IndexProblem):
    """A changed report lost most of its text; the message names it and the override."""


@dataclass(frozen=True)
class BuildSettings:
    index_type: str = "auto"  # flat (exact), hnsw or ivf (approximate), or auto: flat up to HNSW_THRESHOLD units
    context: bool = True  # embed each passage with its report, year and section heading
    window_tokens: int = 200  # word pieces of passage text per window for passages over the limit
    sentence_tokens: int = 0  # sentences embedded cut at this many word pieces (0: the model's window)


# The code that decides what a build holds, relative to qa/: chunking and sentences, the catalogue's
# report records, what is embedded and how, BM25's terms, sentence roles (code and weights), and the build itself.
PIPELINE_CODE = ("chunk/*.py", "corpus/catalogue.py", "corpus/extract.py", "index/format.py", "index/units.py", "index/build.py",
                 "index/lexical.py", "index/bm25/write.py", "index/encoder/*.py", "index/roles.py", "data/roles.npz")


def pipeline_hash() -> str:
    """sha256 of the code that decides what is indexed (chunking, sentences, embedding units):
    when it changes, an index built by older code is stale even if the corpus is not."""
    import hashlib

    package = Path(__file__).resolve().parents[1]  # qa/
    digest = hashlib.sha256()
    for path in sorted(p for pattern in PIPELINE_CODE for p in package.glob(pattern)):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def default_index_dir() -> Path:
    return Path(os.environ.get("REPORTQA_INDEX", REPO_ROOT / "index"))

