"""Draw more training sentences for the sentence-role set (issue #18): strength against concern.

    HF_HUB_OFFLINE=1 PYTHONPATH=$PWD python evals/roles/sample_more.py > /tmp/more.jsonl
    python evals/roles/build.py /tmp/more.jsonl      # + labels.tsv -> the new ids added to dev.jsonl

The role model's weakest call is strength against concern, and the first draw (`sample.py`) gave it
343 training sentences. This draw adds body sentences of councils in neither split, all to dev, so
the test part stays as it was. Like `sample.py` it only PRESENTS sentences (the product's chunker and
splitter, a seeded draw); a person decides each role by reading it.

- Councils: every council of the archive in neither dev nor test, in a seeded shuffle, the first
  `COUNCILS` of them.
- One report a council: a seeded choice for every other council, the weakest report (most
  judgements requires improvement or inadequate) for the rest, since most reports are graded good
  and the first draw held two praising sentences to one critical.
- `PER_REPORT` body sentences a report (a passage of findings, at least four words, not stock text
  found in 8 or more reports, not an improvement list), none already labelled.

Ids continue after the last labelled one (r0933 ...).
"""

from __future__ import annotations

import json
import random
import sys

from sample import ARCHIVE, council_of, findings, labelled, read_archive

SEED = 1818
COUNCILS, PER_REPORT = 72, 14
FIRST_ID = 933


def main() -> None:
    rng = random.Random(SEED)
    held = [it for it in labelled() if int(it["id"][1:]) < FIRST_ID]  # the first draw's: this draw's own ids excluded, so it repeats
    taken_councils = {it["council"] for it in held}
    seen = {it["sentence"] for it in held}
    folders = sorted(d.name for d in ARCHIVE.iterdir() if d.is_dir())
    councils = sorted({council_of(f) for f in folders} - taken_councils)
    rng.shuffle(councils)
    reports, spread = read_archive()
    n_id = FIRST_ID
    for n_council, council in enumerate(councils[:COUNCILS]):
        rs = reports.get(council, [])
        if not rs:
            continue
        if n_council % 2:
            r = max(rs, key=lambda r: sum(g in ("inadequate", "requires improvement") for g in r["grades"]))
        else:
            r = rng.choice(rs)
        body = findings(r, spread)
        n = 0
        for s in rng.sample(body, len(body)):
            if n >= PER_REPORT:
                break
            if s["sentence"] in seen:
                continue
            seen.add(s["sentence"])
            print(json.dumps(dict(id=f"r{n_id:04d}", split="dev", council=council, file=r["file"], year=r["year"],
                                  framework=r["framework"], section=s["section"], passage=s["passage"],
                                  sentence=s["sentence"], previous=s["previous"], stratum="more training"),
                             ensure_ascii=False))
            n_id += 1
            n += 1
    print(f"{n_id - FIRST_ID} sentences from {min(COUNCILS, len(councils))} councils", file=sys.stderr)


if __name__ == "__main__":
    main()
