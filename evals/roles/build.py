"""Write dev.jsonl and test.jsonl from the drawn sentences and the hand-decided roles.

    HF_HUB_OFFLINE=1 PYTHONPATH=$PWD python evals/roles/sample_more.py > /tmp/more.jsonl
    python evals/roles/build.py /tmp/more.jsonl

A sentence already in dev.jsonl or test.jsonl keeps its record: the first draw (`sample.py`) was cut
by the chunker of commit 3ad5048, and the chunker has changed since, so that draw is reproduced only
there (`git worktree add /tmp/draw1 3ad5048`, then `sample.py` and this script in it). The draws
given here add their labelled ids to the split they name.

labels.tsv holds one line a sentence: id, role, mixed (1 or 0) and the sentence itself, so that a
changed draw (a changed chunker or splitter) is caught here instead of silently mislabelling.
The roles were decided by a person reading each sentence; nothing here decides a role.
"""

from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
ROLES = {"strength", "concern", "improvement", "finding", "procedure", "boilerplate", "label"}
FIELDS = ["id", "council", "file", "year", "framework", "section", "passage", "sentence", "previous", "role", "mixed"]


def main(candidates: Path) -> None:
    labels = {}
    for line in (HERE / "labels.tsv").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        rid, role, mixed, sentence = line.split("\t")
        assert role in ROLES, (rid, role)
        labels[rid] = (role, mixed == "1", sentence)
    out = collections.defaultdict(list)
    for split in ("dev", "test"):
        path = HERE / f"{split}.jsonl"
        if path.exists():
            out[split] = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    held = {r["id"] for rs in out.values() for r in rs}
    seen = {r["sentence"] for rs in out.values() for r in rs}
    rows = [json.loads(line) for line in candidates.read_text(encoding="utf-8").splitlines()]
    for row in rows:
        if row["id"] in held:
            continue
        if row["id"] not in labels:
            continue  # drawn but not (yet) labelled
        role, mixed, sentence = labels[row["id"]]
        if sentence != row["sentence"]:
            sys.exit(f"{row['id']}: the draw gives a different sentence than was labelled:\n  {row['sentence']!r}\n  {sentence!r}")
        assert row["sentence"] not in seen, row["id"]
        seen.add(row["sentence"])
        out[row["split"]].append({**{k: row[k] for k in FIELDS if k in row}, "role": role, "mixed": mixed})
    councils = {split: {r["council"] for r in rs} for split, rs in out.items()}
    assert not (councils.get("dev", set()) & councils.get("test", set())), "a council in both splits"
    for split, rs in out.items():
        with open(HERE / f"{split}.jsonl", "w", encoding="utf-8") as f:
            for r in rs:
                f.write(json.dumps({k: r[k] for k in FIELDS}, ensure_ascii=False) + "\n")
        print(split, len(rs), dict(collections.Counter(r["role"] for r in rs)))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
