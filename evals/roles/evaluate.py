"""Measure the sentence-role model on the test set against the section-only rule (issue #18).

    HF_HUB_OFFLINE=1 PYTHONPATH=$PWD python evals/roles/evaluate.py [--split test|dev]

Prints, for the model (qa/data/roles.npz, trained on dev by train.py) and for the section-only rule,
the precision and recall of each role, the overall accuracy, and the accuracy over the sentences
that are strength or concern (how often such a sentence gets its own role, the issue's measure).

The section-only rule gives a sentence the role its place implies: a front-matter or judgement-table
passage -> label; an improvement point, or a section headed "What needs to improve?", "Areas for
improvement" or "Recommendations" -> improvement; a section whose heading grades it good or
outstanding -> strength, requires improvement or inadequate -> concern; a council paper's
recommendation, decision or action-plan row -> procedure; anything else -> finding.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from data import labelled, matrix  # noqa: E402

from qa.index.roles import ROLES, default_model  # noqa: E402

IMPROVE = re.compile(r"(areas? for (further )?(development|improvement)|needs? to improve|recommendations)", re.I)
GRADE = re.compile(r":\s*(outstanding|good|requires improvement( to be good)?|inadequate)\s*$", re.I)
PROCEDURE = re.compile(r"\b(recommendations?|decision|purpose of (the )?report)\b", re.I)


def section_rule(it: dict) -> str:
    section = it["section"] or ""
    if it["kind"] in ("facts", "judgement table"):
        return "label"
    if it["council_paper"] and (it["kind"] == "action row" or PROCEDURE.search(section)):
        return "procedure"
    if it["kind"] == "improvement point" or IMPROVE.search(section):
        return "improvement"
    grade = GRADE.search(section)
    if grade:
        return "strength" if grade.group(1).lower() in ("good", "outstanding") else "concern"
    return "finding"


GOOD_REPORTS_FROM = 1941  # ids of the third draw (sample_third.py): reports graded mostly good or outstanding


def praise_as_concern(truth: np.ndarray, pred: np.ndarray) -> str:
    """How many of the sentences called concern or improvement are praise or neutral fact: the error a
    reader sees as praise under Concerns."""
    called = np.isin(pred, ("concern", "improvement"))
    wrong = called & np.isin(truth, ("strength", "finding"))
    return f"{int(wrong.sum())} of {int(called.sum())} concern calls ({int((called & (truth == 'strength')).sum())} praise)"


def table(name: str, truth: np.ndarray, pred: np.ndarray) -> list[str]:
    out = [f"### {name}", "", "| role | n | precision | recall |", "|---|---|---|---|"]
    for role in ROLES:
        n = int(np.sum(truth == role))
        said = pred == role
        precision = f"{np.mean(truth[said] == role):.2f}" if said.any() else "–"
        recall = f"{np.mean(pred[truth == role] == role):.2f}" if n else "–"
        out.append(f"| {role} | {n} | {precision} | {recall} |")
    evaluative = np.isin(truth, ("strength", "concern"))
    out += ["", f"accuracy {np.mean(pred == truth):.3f} over {len(truth)}; strength/concern accuracy "
                f"{np.mean(pred[evaluative] == truth[evaluative]):.3f} over {int(evaluative.sum())} "
                f"(strength {np.mean(pred[truth == 'strength'] == 'strength'):.3f}, "
                f"concern {np.mean(pred[truth == 'concern'] == 'concern'):.3f})", ""]
    return out


def main() -> None:
    split = sys.argv[sys.argv.index("--split") + 1] if "--split" in sys.argv else "test"
    items = labelled(split)
    truth = np.array([it["role"] for it in items])
    role_model = default_model()
    lexical = role_model.lexicon.scores([it["sentence"] for it in items])
    model = np.array([ROLES[i] for i in role_model.decide(matrix(items), np.array([it["code"] for it in items]), lexical)])
    rule = np.array([section_rule(it) for it in items])
    print("\n".join(table(f"Model ({split})", truth, model) + table(f"Section-only rule ({split})", truth, rule)))
    good = np.array([int(it["id"][1:]) >= GOOD_REPORTS_FROM for it in items])
    if good.any():  # the third draw: reports graded mostly good, where praise was shown as criticism
        print("\n".join(table(f"Model on the sentences of reports graded mostly good ({split}, r{GOOD_REPORTS_FROM} on)",
                               truth[good], model[good])))
        print(f"praise or fact called concern there: {praise_as_concern(truth[good], model[good])}")
    wrapped = np.array([bool(IMPROVE.search(it["section"] or "")) and it["kind"] == "paragraph" for it in items])
    if wrapped.any():
        print(f"Paragraphs filed under an improvement heading ({int(wrapped.sum())}): model right on "
              f"{np.mean(model[wrapped] == truth[wrapped]):.2f}, section rule on {np.mean(rule[wrapped] == truth[wrapped]):.2f}")


if __name__ == "__main__":
    main()
