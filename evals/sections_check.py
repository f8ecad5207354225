"""Are an Ofsted report's numbered paragraphs filed under the right heading, and are its improvement
points only the items of its "What needs to improve?" list?

For every PDF under the given folders (default: /work/shared/ilacs/pdf and the whole public
archive), the report is chunked (`qa.chunk.chunk_text`) and its facts read (`qa.corpus.facts`), and
each numbered paragraph is checked against the heading it was filed under:

- "improve": under the improvement list ("What needs to improve?"): a judgement heading after the
  list was not recognised, so findings (praise too) read as things to improve;
- "none": under no heading at all, or only the report's title;
- "fragment": under a "heading" that is not one: a grade alone ("Good"), a piece of a sentence
  ("Framework)", "... is effective. (Recommendation)"), text with a sentence ending inside it, or
  SIF's table header "Key judgement Judgement grade" (the judgement below it was not recognised);
- "not judgement": (ILACS only, whose numbered paragraphs all sit under the four or five judgement
  headings) under a heading that names no judgement.

Improvement points (passages of kind "improvement point", and any other passage filed under the
list, as the answer stage reads them) are checked too: "points" counts reports whose list holds no
item or more than 12, an item after the first numbered paragraph (a bullet of a misfiled finding),
text that is not a list item, or an item that swallowed a judgement heading.

Prints one line per report with a problem, then totals per folder. Goal: 0 misfiled, 0 point problems.

    python evals/sections_check.py                         # both default folders
    python evals/sections_check.py /work/shared/ilacs/pdf  # one folder tree
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.chunk import chunk_text  # noqa: E402
from qa.corpus.extract import UnreadableReport, pdf_text  # noqa: E402
from qa.corpus.facts import read_facts  # noqa: E402
from qa.corpus.catalogue import Report  # noqa: E402

FOLDERS = [Path("/work/shared/ilacs/pdf"), Path("/work/ofsted-archive/export_data/inspection_reports")]
REPORT = Report(id="r", title="t", short_title="t", publisher="Ofsted", kind="inspection report", date="2024",
                about="", authority="x", file="r.pdf")

IMPROVE = re.compile(r"^what needs to improve", re.I)
# Any judgement of any framework, however the heading words it (ILACS "The experiences and progress
# of care leavers: good", SIF "The graded judgement for adoption performance is that it is good",
# "Leadership, management and governance are good", the LSCB's, 2013's "Grade 3 (Adequate)").
JUDGEMENT = re.compile(
    r"experiences?\b.{0,20}\bof\b|impact of leaders|overall effectiveness|graded judge?ment|adoption"
    r"|leadership,? management|children who need help|children looked after|care leavers"
    r"|safeguarding children board|\b[A-Z]?SCB\b|\bgrade \d|outcomes for looked after|capacity to improve", re.I)
GRADE_ALONE = re.compile(r"^(outstanding|good|requires? improvement( to be good)?|inadequate|adequate)\.?$", re.I)
TABLE_HEADER = re.compile(r"^key judgement\s+judgement grade$", re.I)  # SIF's one-row table, not a heading
SENTENCE_INSIDE = re.compile(r"[a-z][.!?][’”)]?\s+[A-Z(]")


def heading_problem(section: str, title: str, framework: str | None) -> str | None:
    """Why a numbered paragraph under this heading is misfiled, or None."""
    if IMPROVE.match(section):
        return "improve"
    if not section.strip() or section == title:
        return "none"
    if (GRADE_ALONE.match(section) or TABLE_HEADER.match(section) or section[:1].islower()
            or not section[:1].isalnum() or SENTENCE_INSIDE.search(section)
            or (re.search(r"[.)]$", section) and not JUDGEMENT.search(section))):
        return "fragment"
    if (framework or "").startswith("ILACS") and not JUDGEMENT.search(section):
        return "not judgement"
    return None


def point_problems(passages, framework: str | None) -> list[str]:
    """What is wrong with the report's improvement list (see the module docstring)."""
    listed = [p for p in passages if p.kind == "improvement point" or (
        IMPROVE.match(p.section or "") and p.kind not in ("judgement table", "facts"))]
    if not (framework or "").startswith("ILACS"):
        return []
    problems = []
    points = [p for p in listed if p.kind == "improvement point"]
    if not 1 <= len(points) <= 12:
        problems.append(f"{len(points)} items")
    first_numbered = next((p.position for p in passages if p.label.isdigit()), None)
    if first_numbered is not None and any(p.position > first_numbered for p in listed):
        problems.append("item after paragraph 1")
    if any(p.kind != "improvement point" for p in listed):
        problems.append("text that is not an item")
    if any(JUDGEMENT.search(p.text) and re.search(r":\s*(outstanding|good|requires|inadequate)", p.text, re.I)
           for p in points):
        problems.append("an item holds a judgement heading")
    return problems


def check(path: Path) -> dict | None:
    try:
        text = pdf_text(path)
    except UnreadableReport:
        return None
    facts = read_facts(text)
    if facts.framework in (None, "focused visit", "monitoring visit"):
        return {"file": path, "skipped": True}
    chunked = chunk_text(REPORT, text)
    title = chunked.headings[0].text if chunked.headings else ""
    misfiled: Counter[str] = Counter()
    numbered = 0
    for p in chunked.passages:
        if p.label.isdigit() and p.kind == "paragraph":
            numbered += 1
            problem = heading_problem(p.section, title, facts.framework)
            if problem:
                misfiled[problem] += 1
    return {"file": path, "skipped": False, "facts": facts, "numbered": numbered, "misfiled": misfiled,
            "points": point_problems(chunked.passages, facts.framework)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, default=FOLDERS)
    parser.add_argument("--quiet", action="store_true", help="totals only")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    for folder in args.folders:
        totals: Counter[str] = Counter()
        reports = numbered = bad_reports = point_reports = 0
        for path in sorted(folder.rglob("*.pdf")):
            row = check(path)
            if row is None or row["skipped"]:
                continue
            reports += 1
            numbered += row["numbered"]
            totals.update(row["misfiled"])
            bad_reports += bool(row["misfiled"])
            point_reports += bool(row["points"])
            if (row["misfiled"] or row["points"]) and not args.quiet:
                f = row["facts"]
                what = ", ".join(f"{k} {n}" for k, n in row["misfiled"].items())
                print(f"  {path.relative_to(folder)} | {f.authority} {f.framework} {f.inspection_end} | "
                      f"misfiled {sum(row['misfiled'].values())}/{row['numbered']} ({what}) | points: "
                      f"{'; '.join(row['points']) or 'ok'}")
        what = ", ".join(f"{k} {n}" for k, n in totals.most_common()) or "none"
        print(f"{folder}: {reports} inspection reports, {numbered} numbered paragraphs; misfiled "
              f"{sum(totals.values())} in {bad_reports} reports ({what}); improvement lists with a problem: "
              f"{point_reports}")
    print(f"time: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
