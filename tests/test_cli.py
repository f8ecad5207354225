"""The `reportqa` command line, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def reportqa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, timeout=600)


def test_chunks_json_lists_every_passage_with_its_fields():
    result = reportqa("--corpus", str(Path(__file__).parent.parent / "corpus"), "chunks", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    per_report = {d: sum(p["doc_id"] == d for p in data) for d in dict.fromkeys(p["doc_id"] for p in data)}
    assert list(per_report.values())[:5] == [65, 7, 14, 23, 24]  # the five seeds, then the Oxfordshire PDFs
    assert per_report["oxfordshire-ilacs-2018"] >= 34 + 8 and per_report["oxfordshire-sif-2014"] >= 131
    assert set(data[0]) == {"id", "doc_id", "label", "section", "text", "source", "start", "end", "tokens", "position",
                            "kind"}
    p41 = next(p for p in data if p["id"] == "ofsted-ilacs-2024#41")
    assert p41["text"].endswith("Care leavers in Oxfordshire are exempt from council tax.")


def test_chunks_of_one_report_reads_well_in_a_terminal():
    result = reportqa("chunks", "ofsted-ilacs-2024")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Inspection of Oxfordshire local authority children's services\nOfsted ILACS 2024")
    assert "\nThe experiences and progress of care leavers: good\n" in out
    assert "\n   33  PAs start direct work with care leavers around their 18th birthdays." in out
    assert max(len(line) for line in out.splitlines()) <= 110
    assert "occ-scrutiny" not in out


def test_an_unknown_report_id_is_a_clear_error_not_a_traceback():
    result = reportqa("chunks", "buckinghamshire-2023")
    assert result.returncode == 2
    assert result.stderr.startswith("reportqa: error: no report with id 'buckinghamshire-2023'")
    assert "Traceback" not in result.stderr


def test_add_then_remove_a_report_updates_the_index_incrementally(tmp_path, index_dir, seed_corpus):
    import shutil

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(seed_corpus, corpus)
    shutil.copytree(index_dir, index, symlinks=True)
    fixtures = Path(__file__).parent / "fixtures" / "pdf"
    added = reportqa("--corpus", str(corpus), "add", str(fixtures / "50276411.pdf"), str(fixtures / "50004178.pdf"),
                     "--index", str(index))
    assert added.returncode == 1  # one file was refused: a script can tell
    assert "] added    " in added.stdout and "dorset-ilacs-2025" in added.stdout
    assert "] refused  " in added.stderr and "50004178.pdf: an HTML page saved with a .pdf name" in added.stderr
    assert "5 report(s) unchanged, 1 to chunk and embed" in added.stderr  # only the new report is embedded
    rows = json.loads(reportqa("--corpus", str(corpus), "judgements", "--json", "--index", str(index)).stdout)
    dorset = next(r for r in rows if r["doc_id"] == "dorset-ilacs-2025")
    assert set(dorset) == {"doc_id", "authority", "file", "published", "inspection_start", "inspection_end",
                           "framework", "lead_inspector", "judgements", "passage_id", "year"}
    assert dorset["passage_id"] == "dorset-ilacs-2025#s2" and dorset["file"] == "dorset-ilacs-2025.pdf"
    assert {"name": "Overall effectiveness", "key": "overall_effectiveness", "grade": "outstanding"} in dorset["judgements"]
    removed = reportqa("--corpus", str(corpus), "remove", "dorset-ilacs-2025", "--index", str(index))
    assert removed.returncode == 0 and "0 to chunk and embed" in removed.stderr
    assert "dorset" not in reportqa("--corpus", str(corpus), "judgements", "--index", str(index)).stdout.lower()
