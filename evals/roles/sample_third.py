"""Draw a third batch of sentences for the sentence-role set: praise the model reads as criticism.

    HF_HUB_OFFLINE=1 PYTHONPATH=$PWD python evals/roles/sample_third.py > /tmp/third.jsonl
    python evals/roles/build.py /tmp/third.jsonl      # + labels.tsv -> the new ids added to dev and test

Why: in the product's answers the worst error of the role model is praise listed under Concerns.
The labelled set is drawn to hold many critical sentences (reports judged inadequate were drawn on
purpose), but most reports are graded good, and in them the model's concern calls are wrong far more
often than cross-validation on the labelled set shows (of Dorset 2025's 21 concern calls, 8 are praise
or neutral fact). This draw samples where that happens, from reports graded mostly good or outstanding:

- **called concern**: sentences the model of the draw (`qa/data/roles.npz` of commit 4ff7750)
  calls concern or improvement — the sentences whose errors are praise shown as criticism;
- **natural**: sentences drawn at random from the same reports' findings, whatever the model says,
  so the batch also shows the model the ordinary mix of praise, criticism and neutral fact.

The model only CHOOSES WHERE to draw from; it decides no role. The readers see the sentence, the one
before it and its section, never the model's call or the stratum (README: labelling guide).

Councils of the test split get their own sentences in test (a measure of this error on councils no
training sentence comes from), every other council's go to dev. One report a council: a seeded choice
among its reports whose judgements are at least three quarters good or outstanding.

Ids continue after the last labelled one (r1941 ...).
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import numpy as np
from sample import findings, labelled, read_archive

from qa.index.encoder.encode import encode
from qa.index.encoder.model import BUILD_ENCODER
from qa.index.roles import ROLES, default_model, features, recurring_in, sentence_key, structure

HERE = Path(__file__).resolve().parent
SEED = 1941
FIRST_ID = 1941
PER_REPORT = {"dev": (4, 2), "test": (5, 3)}  # (called concern, natural) sentences a report
DEV_COUNCILS = 45
GOOD = ("good", "outstanding")


def called(sentences: list[dict]) -> list[str]:
    """The current model's role of each sentence, as a build decides it (a report's own sentences
    have no recurrence across this draw: the archive's stock text is known to the model)."""
    model = default_model()
    texts = [s["sentence"] for s in sentences]
    previous = sorted({s["previous"] for s in sentences if s["previous"]} | set(texts))
    vectors = dict(zip(previous, encode(previous, encoder=BUILD_ENCODER, device="cpu", progress=False)))
    v = np.array([vectors[t] for t in texts])
    p = np.array([vectors[s["previous"]] if s["previous"] else np.zeros_like(v[0]) for s in sentences])
    codes = np.array([structure(s["sentence"], s["kind"], False, s["section"]) for s in sentences], dtype=np.int64)
    keys = np.array([sentence_key(t) for t in texts], dtype=np.int64)
    stock = recurring_in(keys, np.zeros(len(keys), dtype=np.int64), 10**6, model)
    roles = model.decide(features(v, p, codes, stock), codes, model.lexicon.scores(texts))
    return [ROLES[int(r)] for r in roles]


def main() -> None:
    rng = random.Random(SEED)
    held = labelled()
    test_councils = {json.loads(line)["council"] for line in (HERE / "test.jsonl").read_text(encoding="utf-8").splitlines() if line}
    seen = {it["sentence"] for it in held if int(it["id"][1:]) < FIRST_ID}
    reports, spread = read_archive()
    others = sorted(set(reports) - test_councils)
    rng.shuffle(others)
    plan = [("test", c) for c in sorted(test_councils)] + [("dev", c) for c in others[:DEV_COUNCILS]]
    n_id = FIRST_ID
    for split, council in plan:
        good = [r for r in reports.get(council, [])
                if r["grades"] and sum(g in GOOD for g in r["grades"]) >= 0.75 * len(r["grades"])]
        if not good:
            continue
        r = rng.choice(good)
        body = [s for s in findings(r, spread) if s["sentence"] not in seen]
        if not body:
            continue
        roles = called(body)
        concern = [s for s, role in zip(body, roles) if role in ("concern", "improvement")]
        n_concern, n_natural = PER_REPORT[split]
        chosen = [(s, "called concern") for s in rng.sample(concern, min(n_concern, len(concern)))]
        rest = [s for s in body if all(s is not c for c, _ in chosen)]
        chosen += [(s, "natural") for s in rng.sample(rest, min(n_natural, len(rest)))]
        rng.shuffle(chosen)  # the readers cannot tell the strata apart by order
        for s, stratum in chosen:
            if s["sentence"] in seen:
                continue
            seen.add(s["sentence"])
            print(json.dumps(dict(id=f"r{n_id:04d}", split=split, council=council, file=r["file"], year=r["year"],
                                  framework=r["framework"], section=s["section"], passage=s["passage"],
                                  sentence=s["sentence"], previous=s["previous"],
                                  stratum=stratum), ensure_ascii=False))
            n_id += 1
    print(f"{n_id - FIRST_ID} sentences", file=sys.stderr)


if __name__ == "__main__":
    main()
