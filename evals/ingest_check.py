"""How well `qa.corpus.facts` reads report facts, against another tool's extraction of the same PDFs.

For every PDF under --archive: the text (`pdf_text`; refusals counted by reason) and its facts
(`read_facts`). Each file that the reference CSV lists is compared with it: the grades (only those
the CSV has: not data_unreadable / inspection_pre_dates_judgement / not_reported_post_reform / empty),
the inspection start and end dates, the lead inspector, the framework and the authority. Prints the
share that agree and every disagreement (file, field, ours, the CSV's). The CSV is NOT ground truth:
each disagreement is to be settled in the PDF's text.

Two CSV shapes are read (told apart by their header):
- the archive's `ofsted_csc_ilacs_history.csv` (urn, local_authority, pdf_filename, ..., *_grade):
  file = <archive>/<urn>_<local_authority>/<pdf_filename>;
- `shared/ilacs/reference.csv` (file, authority, ..., overall_effectiveness, ...): file = <archive>/<name of file>.

    python evals/ingest_check.py                    # the public archive (497 PDFs)
    python evals/ingest_check.py --archive /work/shared/ilacs/pdf --csv /work/shared/ilacs/reference.csv
    python evals/ingest_check.py --json rows.json   # also write one row per file
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.corpus.extract import UnreadableReport, pdf_text
from qa.corpus.facts import read_facts

ARCHIVE = Path("/tmp/archive/export_data/inspection_reports")
CSV = Path("/tmp/archive/ofsted_csc_ilacs_history.csv")
KEYS = ("overall_effectiveness", "impact_of_leaders", "help_and_protection", "children_in_care", "care_leavers")
NOT_A_GRADE = {"", "data_unreadable", "inspection_pre_dates_judgement", "not_reported_post_reform"}
# the archive CSV's columns for KEYS
ARCHIVE_GRADES = ("overall_effectiveness_grade", "impact_of_leaders_grade", "help_and_protection_grade",
                  "in_care_grade", "care_leavers_grade")


def _iso(value: str) -> str | None:
    for fmt in ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value.strip(), fmt).date().isoformat()
        except ValueError:
            pass
    return None


def reference_rows(csv_path: Path, archive: Path) -> dict[Path, dict]:
    """file -> {authority, framework, published, start, end, inspector, grades{key: grade}} for either
    CSV shape (the archive's, and shared/ilacs/reference.csv)."""
    out = {}
    with open(csv_path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if "urn" in row:
                path = archive / f"{row['urn']}_{row['local_authority']}" / row["pdf_filename"]
                fields = ("local_authority", "inspection_framework", "inspection_start_date",
                          "inspection_end_date", "inspector_name", ARCHIVE_GRADES)
            else:
                path = archive / Path(row["file"]).name
                fields = ("authority", "framework", "inspection_start", "inspection_end", "lead_inspector", KEYS)
            authority, kind, start, end, inspector, grades = fields
            out[path] = {
                "authority": row[authority], "framework": row[kind], "published": _iso(row["publication_date"]),
                "start": _iso(row[start]),
                "end": _iso(row[end]), "inspector": row[inspector].strip(),
                "grades": {key: row[col].strip().lower() for key, col in zip(KEYS, grades)},
            }
    return out


def _plain(value: str | None) -> str:
    text = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9 ]", " ", text.replace("&", " and ")).split())


def _place(value: str | None) -> str:
    words = _plain(value).split()
    return " ".join(w for w in words if w not in {"the", "city", "of", "county", "council", "borough"})


def _framework(ours: str | None) -> str:
    return {"ILACS standard": "standard", "ILACS short": "short", "SIF": "sif"}.get(ours or "", ours or "")


def compare(facts, ref: dict) -> list[tuple[str, str | None, str]]:
    """(field, ours, the CSV's) for each compared field; a field the CSV lacks is not compared."""
    pairs = [(f"grade:{key}", facts.grade(key), ref["grades"][key]) for key in KEYS
             if ref["grades"][key] not in NOT_A_GRADE]
    pairs += [(field, ours, ref[field]) for field, ours in (("start", facts.inspection_start),
                                                             ("end", facts.inspection_end)) if ref[field]]
    if ref["inspector"]:
        pairs.append(("inspector", facts.lead_inspector, ref["inspector"]))
    if ref["framework"]:
        pairs.append(("framework", facts.framework, ref["framework"]))
    pairs.append(("authority", facts.authority, ref["authority"]))
    return pairs


def agrees(field: str, ours: str | None, theirs: str) -> bool:
    if field == "inspector":
        return _plain(theirs) in _plain(ours).split(" and ") or _plain(ours) == _plain(theirs)
    if field == "framework":
        return _framework(ours) == theirs.lower()
    if field == "authority":
        return _place(ours) == _place(theirs)
    return ours == theirs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--archive", type=Path, default=ARCHIVE, help="folder of PDFs (searched recursively)")
    parser.add_argument("--csv", type=Path, default=CSV, help="the reference CSV (either shape)")
    parser.add_argument("--json", type=Path, help="write one row per file here")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    reference = reference_rows(args.csv, args.archive)
    refused: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    agreed: Counter[str] = Counter()
    rows, disagreements = [], []
    files = sorted(args.archive.rglob("*.pdf"))
    for path in files:
        row = {"file": str(path.relative_to(args.archive)), "reference": reference.get(path)}
        try:
            facts = read_facts(pdf_text(path))
        except UnreadableReport as exc:
            refused[str(exc)] += 1
            rows.append({**row, "refused": str(exc)})
            continue
        row["facts"] = asdict(facts)
        if path in reference:
            row["disagreements"] = []
            for field, ours, theirs in compare(facts, reference[path]):
                group = "grade" if field.startswith("grade:") else field
                ok = agrees(field, ours, theirs)
                for name in {group, field}:
                    totals[name] += 1
                    agreed[name] += ok
                if not ok:
                    row["disagreements"].append([field, ours, theirs])
                    disagreements.append((row["file"], field, ours, theirs))
        rows.append(row)

    read = len(files) - sum(refused.values())
    print(f"{len(files)} files: {read} read, {sum(refused.values())} refused; "
          f"{sum(p in reference for p in files)} listed in {args.csv.name} "
          f"({sum(not p.exists() for p in reference)} listed files missing)")
    for reason, count in refused.most_common():
        print(f"  refused {count}: {reason}")
    print("agreement with the CSV (only values the CSV has):")
    order = ["grade", *(f"grade:{k}" for k in KEYS), "start", "end", "inspector", "framework", "authority"]
    for name in order:
        if totals[name]:
            print(f"  {name:28} {agreed[name]:4}/{totals[name]:<4} {100 * agreed[name] / totals[name]:6.1f}%")
    print(f"disagreements ({len(disagreements)}):")
    for file, field, ours, theirs in disagreements:
        print(f"  {file} | {field} | ours: {ours} | csv: {theirs}")
    print(f"time: {time.perf_counter() - started:.1f} s")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
