"""The evaluation: the gold questions are valid, the harness reports, and quality can only go up."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from qa.answer import Answer, Citation
from qa.evals.gold import TYPES, faithfulness_violations, load_questions, ranking_metrics, resolve_gold
from qa.evals.harness import (
    CONFIGS, PRODUCT, check_gate, gold_ids_file, read_ids, run_config, run_eval, summarise, to_markdown, write_outputs,
)

EVALS = Path(__file__).resolve().parent.parent / "evals"
COUNCILS = EVALS / "councils"  # the councils gold set: other councils' reports (issue #10)


@pytest.mark.parametrize("name", ["questions.jsonl", "dev.jsonl"])
def test_question_files_match_the_corpus(index, name):
    questions = load_questions(EVALS / name)
    gold = resolve_gold(questions, index.passages)
    assert gold.problems == []


# Kinds written for the national gold set (evals/national): questions over many councils' reports,
# which the earlier sets, over a few reports, do not ask.
NATIONAL_TYPES = {"compare", "overview", "source-kind"}


def test_the_gold_set_covers_every_report_and_kind_of_question(index):
    questions = load_questions(EVALS / "questions.jsonl")
    assert len(questions) >= 80
    types = Counter(q.type for q in questions)
    assert types["unanswerable"] >= 8 and types["follow-up"] >= 1
    assert set(types) == set(TYPES) - NATIONAL_TYPES
    gold = resolve_gold(questions, index.passages)
    by_id = {p.id: p for p in index.passages}
    covered = {by_id[pid].doc_id for ids in gold.ids.values() for pid in ids}
    assert covered == set(index.reports)
    dev = {q.question for q in load_questions(EVALS / "dev.jsonl")}
    assert not dev & {q.question for q in questions}, "dev and gold questions are distinct"


def test_a_question_files_gold_corpus_is_the_corpus_txt_beside_it(tmp_path):
    assert gold_ids_file(EVALS / "questions.jsonl") == EVALS / "corpus.txt"
    assert gold_ids_file(EVALS / "dev.jsonl") == EVALS / "corpus.txt"
    assert gold_ids_file(COUNCILS / "questions.jsonl") == COUNCILS / "corpus.txt"
    assert gold_ids_file(tmp_path / "mine.jsonl") is None  # none beside it: the whole corpus
    assert not set(read_ids(EVALS / "corpus.txt")) & set(read_ids(COUNCILS / "corpus.txt"))


@pytest.mark.parametrize("name", ["questions.jsonl", "dev.jsonl"])
def test_councils_question_files_match_their_corpus(councils_gold_index, name):
    assert sorted(councils_gold_index.reports) == sorted(read_ids(COUNCILS / "corpus.txt"))
    questions = load_questions(COUNCILS / name)
    gold = resolve_gold(questions, councils_gold_index.passages)
    assert gold.problems == []


def test_the_councils_gold_set_covers_every_report_and_kind_of_question(councils_gold_index):
    questions = load_questions(COUNCILS / "questions.jsonl")
    dev = load_questions(COUNCILS / "dev.jsonl")
    assert len(questions) >= 45 and len(dev) >= 12
    types = Counter(q.type for q in questions)
    assert set(types) == set(TYPES) - NATIONAL_TYPES
    assert types["unanswerable"] >= 8 and types["follow-up"] >= 3 and types["change-over-time"] >= 3
    assert all(n >= 3 for n in types.values()), types
    gold = resolve_gold(questions, councils_gold_index.passages)
    by_id = {p.id: p for p in councils_gold_index.passages}
    covered = {by_id[pid].doc_id for ids in gold.ids.values() for pid in ids}
    assert covered == set(councils_gold_index.reports)
    # change over time: at least three questions have gold passages in several inspections of one council
    spread = [q.id for q in questions if q.type == "change-over-time"
              and len({by_id[pid].doc_id for pid in gold.ids[q.id]}) >= 2]
    assert len(spread) >= 3, spread
    # questions are unique, and dev (the only set to tune on) is disjoint from the test set and the old sets
    for qs in (questions, dev):
        assert len({q.question.lower() for q in qs}) == len(qs)
    assert not {q.question for q in dev} & {q.question for q in questions}, "dev and gold questions are distinct"
    assert not {q.id for q in dev} & {q.id for q in questions}
    seeds = {q.question for name in ("questions.jsonl", "dev.jsonl") for q in load_questions(EVALS / name)}
    assert not seeds & {q.question for q in questions + dev}


def test_ranking_metrics_follow_their_definitions():
    m = ranking_metrics(["a", "x", "b", "y", "z"], ["a", "b", "c"])
    assert m["recall@1"] == pytest.approx(1 / 3) and m["recall@3"] == pytest.approx(2 / 3)
    assert m["hit@1"] == 1.0 and m["mrr@10"] == 1.0
    assert 0 < m["ndcg@10"] < 1
    assert ranking_metrics(["x"], ["a"])["mrr@10"] == 0.0


def test_the_faithfulness_check_catches_an_altered_quote(answerer):
    good = answerer.answer("Do young people who have left care pay council tax?")
    assert faithfulness_violations(good) == []
    altered = Answer(good.question, good.standalone_query, good.answer.replace("exempt from", "liable for"),
                     False, good.citations, good.passages)
    assert faithfulness_violations(altered)
    unmarked_lead = Answer(good.question, good.standalone_query, "A lead [1]\n" + good.answer, False,
                           good.citations, good.passages)
    assert any("lead" in v for v in faithfulness_violations(unmarked_lead))
    extra = Answer(good.question, good.standalone_query, good.answer, False,
                   good.citations + [Citation(2, good.citations[0].hit, "x")], good.passages)
    assert any("never marked" in v for v in faithfulness_violations(extra))


def test_the_ci_gate_holds_for_the_product_configuration(index):
    """Fails when hybrid recall@5 or fact coverage fall below evals/thresholds.json, or any
    faithfulness violation appears."""
    questions = load_questions(EVALS / "questions.jsonl")
    gold = resolve_gold(questions, index.passages)
    product = next(c for c in CONFIGS if c.name == PRODUCT)
    results = run_config(index, product, questions, gold.ids)
    figures = summarise(results)
    thresholds = json.loads((EVALS / "thresholds.json").read_text())
    violations = [f"{r.question.id}: {v}" for r in results for v in r.violations]
    assert violations == []
    assert check_gate(figures, thresholds) == [], figures


def test_the_gate_fails_on_a_regression():
    thresholds = json.loads((EVALS / "thresholds.json").read_text())
    ok = {"recall@5": 0.9, "fact coverage": 0.9, "abstention accuracy": 1.0, "faithfulness violations": 0,
          "false abstention": 0.0}
    assert check_gate(ok, thresholds) == []
    worse = ok | {"recall@5": thresholds["min"]["recall@5"] - 0.01, "faithfulness violations": 1}
    failures = check_gate(worse, thresholds)
    assert len(failures) == 2 and failures[0].startswith("recall@5") and "faithfulness violations" in failures[1]


@pytest.fixture(scope="module")
def small_questions(tmp_path_factory):
    lines = (EVALS / "questions.jsonl").read_text().splitlines()
    chosen = [line for line in lines if json.loads(line)["id"] in {"q001", "q027", "q038", "q054", "q071", "q080"}]
    path = tmp_path_factory.mktemp("q") / "small.jsonl"
    path.write_text("\n".join(chosen) + "\n")
    return path


def test_the_harness_compares_configurations_and_writes_tables_and_a_chart(index, small_questions, tmp_path):
    result = run_eval(small_questions, index, configs=CONFIGS[2:], plain_index=index)
    assert list(result["configs"]) == [c.name for c in CONFIGS[2:]]
    product = result["configs"][PRODUCT]
    assert product["overall"]["questions"] == 6
    assert {"broad", "fact", "judgement", "action-plan", "follow-up", "unanswerable"} == set(product["by type"])
    assert product["overall"]["abstention accuracy"] == 1.0
    assert product["overall"]["p95 ms"] >= product["overall"]["p50 ms"] > 0
    markdown = to_markdown(result)
    assert "## Overall" in markdown and "| hybrid + context + glossary |" in markdown and "## By report" in markdown
    paths = write_outputs(result, tmp_path)
    assert [p.name for p in paths] == ["results.md", "results.png", "results.json"]
    assert paths[1].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reportqa_eval_runs_on_any_file_in_the_format(index_dir, seed_corpus, small_questions):
    result = subprocess.run([sys.executable, "-m", "qa.cli", "--corpus", str(seed_corpus), "eval", "--questions",
                             str(small_questions), "--json", "--index", str(index_dir)],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data["configs"]) == {c.name for c in CONFIGS}
    bad = subprocess.run([sys.executable, "-m", "qa.cli", "eval", "--questions", "nope.jsonl", "--index",
                          str(index_dir)], capture_output=True, text=True, timeout=600)
    assert bad.returncode == 2 and "no question file" in bad.stderr


def test_a_question_file_with_wrong_types_names_the_line(tmp_path):
    from qa.evals.gold import QuestionFileError

    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"id": "x", "question": "q", "type": "fact", "history": 5, "gold": [], "facts": []}) + "\n")
    with pytest.raises(QuestionFileError, match="bad.jsonl line 1: 'history' must be a list"):
        load_questions(path)
