"""The `reportqa` command line, run as a user runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


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
                            "kind", "sentences"}
    p41 = next(p for p in data if p["id"] == "ofsted-ilacs-2024#41")
    assert p41["text"].endswith("Care leavers in Oxfordshire are exempt from council tax.")
    # each sentence's role, by its offsets into the passage text (issue #18)
    p33 = next(p for p in data if p["id"] == "ofsted-ilacs-2024#33")
    roles = {p33["text"][s["start"]:s["end"]]: s["role"] for s in p33["sentences"]}
    assert roles["However, this is too late and weakens the effectiveness of transition planning."] == "concern"
    assert all(s["role"] in {"strength", "concern", "improvement", "finding", "procedure", "boilerplate", "label"}
               for p in data for s in p["sentences"])
    s1 = next(p for p in data if p["id"] == "ofsted-ilacs-2024#s1")
    assert [s["role"] for s in s1["sentences"]] == ["label", "label"]  # inspection dates, lead inspector


def test_chunks_of_one_report_reads_well_in_a_terminal():
    result = reportqa("chunks", "ofsted-ilacs-2024")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Inspection of Oxfordshire local authority children's services\nOfsted ILACS 2024")
    assert "\nThe experiences and progress of care leavers: good\n" in out
    assert "\n   33  PAs start direct work with care leavers around their 18th birthdays." in out
    assert "weakens the effectiveness of transition planning. [concern]" in " ".join(out.split())  # roles shown
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
    from pdfs import DORSET_2025, HTML_AS_PDF

    added = reportqa("--corpus", str(corpus), "add", str(DORSET_2025), str(HTML_AS_PDF),
                     "--index", str(index))
    assert added.returncode == 1  # one file was refused: a script can tell
    assert "] added    " in added.stdout and "dorset-ilacs-2025" in added.stdout
    assert "] refused  " in added.stderr and "50004178.pdf: an HTML page saved with a .pdf name" in added.stderr
    assert "5 report(s) unchanged, 1 to chunk and embed" in added.stderr  # only the new report is embedded
    rows = json.loads(reportqa("--corpus", str(corpus), "judgements", "--json", "--index", str(index)).stdout)
    dorset = next(r for r in rows if r["doc_id"] == "dorset-ilacs-2025")
    assert set(dorset) == {"doc_id", "authority", "council", "file", "published", "inspection_start", "inspection_end",
                           "framework", "lead_inspector", "judgements", "passage_id", "year", "report_url"}
    assert dorset["passage_id"] == "dorset-ilacs-2025#s2" and dorset["file"] == "dorset-ilacs-2025.pdf"
    overall = next(g for g in dorset["judgements"] if g["key"] == "overall_effectiveness")
    assert (overall["name"], overall["grade"]) == ("Overall effectiveness", "outstanding")
    assert overall["url"].startswith("/reports/dorset-ilacs-2025?mark=s2:")  # its line of the judgement table
    removed = reportqa("--corpus", str(corpus), "remove", "dorset-ilacs-2025", "--index", str(index))
    assert removed.returncode == 0 and "0 to chunk and embed" in removed.stderr
    assert "dorset" not in reportqa("--corpus", str(corpus), "judgements", "--index", str(index)).stdout.lower()


# ------------------------------------------------------------------ absolute links (--base-url, $REPORTQA_BASE_URL)

BASE = "https://reportqa.example.org"
INTERNAL = re.compile(r"\b(s\d+|fn\d+)\b|passage s")


def asked(index_dir, seed_corpus, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "REPORTQA_BASE_URL"} | (env or {})
    return subprocess.run([sys.executable, "-m", "qa.cli", "--corpus", str(seed_corpus), *args, "--index", str(index_dir)],
                          capture_output=True, text=True, timeout=600, env=environment)


def test_search_prints_absolute_links_under_base_url_and_names_passages_as_a_reader_does(index_dir, seed_corpus):
    result = asked(index_dir, seed_corpus, "search", "What needs to improve?", "--doc", "ofsted-ilacs-2024", "-k", "6",
                   "--base-url", BASE + "/")
    assert result.returncode == 0, result.stderr
    links = re.findall(r"^   (\S+)$", result.stdout, re.M)
    assert len(links) == 6 and all(re.fullmatch(re.escape(BASE) + r"/reports/ofsted-ilacs-2024#p[\w.-]+", u) for u in links)
    names = re.findall(r"^\d+\. (.+?)  \(", result.stdout, re.M)
    assert len(names) == 6 and not [n for n in names if INTERNAL.search(n)], names
    assert any(re.fullmatch(r"Oxfordshire: Ofsted ILACS 2024, improvement point [1-4]", n) for n in names), names


def test_the_environment_gives_the_base_url_and_an_empty_option_turns_it_off(index_dir, seed_corpus):
    env = {"REPORTQA_BASE_URL": BASE + "/reportqa"}  # served under a path
    data = json.loads(asked(index_dir, seed_corpus, "search", "council tax", "-k", "3", "--json", env=env).stdout)
    assert [r["url"] for r in data["results"]] == [
        f"{BASE}/reportqa/reports/{r['doc_id']}#p{r['label']}" for r in data["results"]]
    assert all(r["citation"] == f"Oxfordshire: {r['short_title']}, {r['display_label']}" for r in data["results"])
    plain = asked(index_dir, seed_corpus, "search", "council tax", "-k", "3", "--base-url", "", env=env)
    assert plain.returncode == 0 and "https://" not in plain.stdout
    assert re.search(r"^   /reports/ofsted-ilacs-2024#p41$", plain.stdout, re.M)


def test_ask_prints_its_sources_as_absolute_links(index_dir, seed_corpus):
    result = asked(index_dir, seed_corpus, "ask", "Do young people who have left care pay council tax?",
                   env={"REPORTQA_BASE_URL": BASE})
    assert result.returncode == 0, result.stderr
    assert "[1] Oxfordshire: Ofsted ILACS 2024, para 41" in result.stdout
    assert f"\n    {BASE}/reports/ofsted-ilacs-2024#p41" in result.stdout
    assert not re.search(r"^\s+/reports/", result.stdout, re.M)  # no link left relative
    data = json.loads(asked(index_dir, seed_corpus, "ask", "What needs to improve?", "--json",
                            "--base-url", BASE).stdout)
    for item in data["citations"] + data["passages"]:
        assert item["url"] == f"{BASE}/reports/{item['doc_id']}#p{item['label']}"
        assert item["citation"] == f"Oxfordshire: {item['short_title']}, {item['display_label']}"
        assert not INTERNAL.search(item["citation"])


@pytest.mark.parametrize("value, why", [
    ("reportqa.example.org", "it does not start with http:// or https://"),
    ("//reportqa.example.org", "it does not start with http:// or https://"),
    ("localhost:8000", "it does not start with http:// or https://"),
    ("https:reportqa.example.org", "it does not start with http:// or https://"),
    ("https://", "it has no host"),
    ("https://:8000/", "it has no host"),
    ("ftp://reportqa.example.org", "its scheme is 'ftp'"),
    ("https://reportqa.example.org/?page=1", "it has a query or fragment"),
    ("https://reportqa.example.org/#top", "it has a query or fragment"),
    ("https://user:secret@reportqa.example.org", "it holds a user name or password"),
    ("https://reportqa.example.org:port", "its host or port is malformed"),
    ("https://reportqa.example.org:99999", "its host or port is malformed"),
    ("http://[::1", "its host or port is malformed"),
    ("https://reportqa example.org", "white space"),
])
@pytest.mark.parametrize("command", ["search", "ask"])
def test_a_malformed_base_url_is_refused_with_a_reason_and_status_2(capsys, monkeypatch, command, value, why):
    from qa import cli
    from qa.cli import ask, search

    for module in (ask, search):
        monkeypatch.setattr(module, "loaded_index", lambda args: pytest.fail("refused before the index is loaded"))
    assert cli.main([command, "care leavers", "--base-url", value]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"reportqa: error: --base-url must be an absolute http(s) address such as {BASE}, not {value!r}")
    assert why in err and "Traceback" not in err and err.count("\n") == 1


def test_a_malformed_base_url_in_the_environment_is_named_as_such():
    result = subprocess.run([sys.executable, "-m", "qa.cli", "search", "care leavers"], capture_output=True, text=True,
                            timeout=120, env=os.environ | {"REPORTQA_BASE_URL": "reportqa.example.org"})
    assert result.returncode == 2
    assert result.stderr == ("reportqa: error: REPORTQA_BASE_URL must be an absolute http(s) address such as "
                             f"{BASE}, not 'reportqa.example.org': it does not start with http:// or https://\n")


def test_ask_names_improvement_points_with_their_number_in_its_sources(index_dir, seed_corpus):
    result = asked(index_dir, seed_corpus, "ask", "What did Ofsted ask Oxfordshire to improve in 2024?")
    assert result.returncode == 0, result.stderr
    sources = re.findall(r"^\[\d+\] Oxfordshire: Ofsted ILACS 2024, (improvement point.*?) — ", result.stdout, re.M)
    assert sources and sources == [f"improvement point {n}" for n in range(1, len(sources) + 1)], result.stdout


HOSTILE = ("Inspection of Hostile Council\n\n"
           "1. Care leavers are seen\x1b[2J\x1b[31m often\x07 and\x08\x08 early\x1b]0;pwned\x07 by their PAs\x9b31m.\n")


def test_document_text_cannot_clear_recolour_or_retitle_the_terminal(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    (corpus / "catalogue.toml").write_text(
        '[[report]]\nid = "hostile"\ntitle = "Hostile \\u001b[2J title"\nshort_title = "Hostile"\npublisher = "Test"\n'
        'kind = "inspection report"\ndate = "2024"\nabout = "a report whose text holds terminal controls"\n'
        'authority = "Bury"\nfile = "hostile.txt"\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "qa.cli", "--corpus", str(corpus), "chunks"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert not any(c in out for c in "\x1b\x07\x08\x9b")  # stdout is a pipe: no styling of our own either
    assert "␛[2J" in out and "␛[31m" in out and "␇" in out and "␈␈" in out and "<U+009B>31m" in out
    assert "Hostile ␛[2J title" in out


def test_the_terminal_formatter_keeps_text_and_layout_and_shows_only_controls():
    from qa.cli.terminal import format_passage, safe

    assert safe("Line one\n\tindented • item – “quoted” café") == "Line one\n\tindented • item – “quoted” café"
    assert safe("a\x1b[2Jb\rc\x7fd\u202ee") == "a␛[2Jb␍c␡d<U+202E>e"
    assert "\x1b" not in format_passage("3", "x\x1b]0;title\x07y", 60)


def test_search_and_ask_print_document_text_through_the_formatter(monkeypatch, capsys, index):
    from dataclasses import replace

    from qa.answer.model import Answer, Citation
    from qa.cli import ask, main, search
    from qa.retrieve.retriever import Hit

    hostile = replace(index.passages[0], text="Seen\x1b[2J early\x07.", section="Heading\x1b]0;x\x07")
    hit = Hit(hostile, index.reports[hostile.doc_id], 1.0, 1, 1)
    monkeypatch.setattr(search, "loaded_index", lambda args: index)
    monkeypatch.setattr(search.Retriever, "search", lambda self, *a, **k: [hit])
    assert main(["search", "care leavers"]) == 0
    answer = Answer("q", "q", "Seen\x1b[2J early\x07. [1]", False, [Citation(1, hit, "Seen\x1b[2J early\x07.")], [hit])
    monkeypatch.setattr(ask, "loaded_index", lambda args: index)
    monkeypatch.setattr("qa.answer.Answerer.answer", lambda self, *a, **k: answer)
    assert main(["ask", "care leavers"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and out.count("␛[2J") >= 2
