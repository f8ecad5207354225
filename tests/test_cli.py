"""The `reportqa` command line, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys


def reportqa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], capture_output=True, text=True, timeout=600)


def test_chunks_json_lists_every_passage_with_its_fields():
    result = reportqa("chunks", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert len(data) == 65 + 7 + 14 + 23 + 24
    assert set(data[0]) == {"id", "doc_id", "label", "section", "text", "source", "start", "end", "tokens", "position"}
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
