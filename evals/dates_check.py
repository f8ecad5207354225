"""How well `qa.corpus.facts` reads a report's dates: publication date known, and near the reference's;
inspection start and end as the reference CSVs have them.

For every PDF under the folders (default: /work/shared/ilacs/pdf and the whole public archive), the
facts are read as `reportqa add` reads them (`read_facts(text, created=pdf_created(bytes))`: the date
the report prints, else the creation date in the PDF's metadata) and compared with the reference CSV
of that folder (the archive's `ofsted_csc_ilacs_history.csv`, shared/ilacs's `reference.csv`):

- published: the share of readable PDFs with a publication date, by source ("document",
  "pdf metadata"); of those the CSV dates, how many are within 14 days of its publication date;
- inspection dates: how many starts and ends equal the CSV's, and every disagreement (file, ours,
  the CSV's). The CSV is NOT ground truth: each disagreement is to be settled in the PDF's text.

    python evals/dates_check.py                 # both default folders, with their CSVs
    python evals/dates_check.py --list          # also print every publication date off by > 14 days
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.corpus.extract import UnreadableReport, pdf_created, pdf_text  # noqa: E402
from qa.corpus.facts import read_facts  # noqa: E402

from ingest_check import reference_rows  # noqa: E402  (evals/: the reference CSVs read once, one way)

PAIRS = [  # (folder of PDFs, its reference CSV)
    (Path("/work/shared/ilacs/pdf"), Path("/work/shared/ilacs/reference.csv")),
    (Path("/work/ofsted-archive/export_data/inspection_reports"), Path("/work/ofsted-archive/ofsted_csc_ilacs_history.csv")),
]
NEAR_DAYS = 14


def _days(a: str, b: str) -> int:
    return abs((date.fromisoformat(a) - date.fromisoformat(b)).days)


def check(folder: Path, csv_path: Path, show: bool) -> None:
    ref = reference_rows(csv_path, folder) if csv_path.is_file() else {}
    read = 0
    sources: Counter[str] = Counter()
    near: Counter[str] = Counter()
    compared: Counter[str] = Counter()
    far, disagreements = [], []
    agreed = Counter()
    for path in sorted(folder.rglob("*.pdf")):
        try:
            text = pdf_text(path)
        except UnreadableReport:
            continue
        read += 1
        facts = read_facts(text, pdf_created(path.read_bytes()))
        sources[facts.published_source or "unknown"] += 1
        row = ref.get(path)
        if not row:
            continue
        if facts.published and row["published"]:
            compared[facts.published_source] += 1
            if _days(facts.published, row["published"]) <= NEAR_DAYS:
                near[facts.published_source] += 1
            else:
                far.append((path.relative_to(folder), facts.published_source, facts.published, row["published"]))
        for field, ours in (("start", facts.inspection_start), ("end", facts.inspection_end)):
            if row[field]:
                agreed[f"{field} compared"] += 1
                if ours == row[field]:
                    agreed[field] += 1
                else:
                    disagreements.append((path.relative_to(folder), field, ours, row[field]))
    known = read - sources["unknown"]
    print(f"{folder}: {read} readable PDFs; published known for {known} ({100 * known / max(read, 1):.1f}%): "
          + ", ".join(f"{s} {n}" for s, n in sources.most_common()))
    for source in ("document", "pdf metadata"):
        if compared[source]:
            print(f"  {source}: within {NEAR_DAYS} days of {csv_path.name}'s publication date "
                  f"{near[source]}/{compared[source]}")
    total_near, total = sum(near.values()), sum(compared.values())
    print(f"  all: within {NEAR_DAYS} days {total_near}/{total} ({100 * total_near / max(total, 1):.1f}%)")
    if show:
        for file, source, ours, theirs in far:
            print(f"    far: {file} | {source} {ours} | csv {theirs}")
    for field in ("start", "end"):
        print(f"  inspection {field} equal to the CSV's: {agreed[field]}/{agreed[field + ' compared']}")
    for file, field, ours, theirs in disagreements:
        print(f"    {file} | {field} | ours: {ours} | csv: {theirs}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folder", type=Path, help="one folder of PDFs (with --csv) instead of the defaults")
    parser.add_argument("--csv", type=Path, help="the reference CSV of --folder (either shape)")
    parser.add_argument("--list", action="store_true", help="print every publication date off by more than 14 days")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    pairs = [(args.folder, args.csv or Path("/nonexistent"))] if args.folder else PAIRS
    for folder, csv_path in pairs:
        check(folder, csv_path, args.list)
    print(f"time: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
