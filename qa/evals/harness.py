"""The evaluation harness: the real pipeline over a question file, configurations side by side.

What it does: for each configuration (BM25 only, dense only, hybrid, and the product's hybrid with
context and glossary) it answers every question of a file in the gold format, then reports,
overall, per question type and per report: retrieval recall@1/3/5/10, hit@k, MRR@10, nDCG@10
(the passages the answer pipeline retrieved: follow-ups by their standalone rewrite, report
references such as "the 2024 inspection" resolved to their reports), answer fact coverage, the share of citations
that are gold passages, the median answer length in words, faithfulness violations, abstention accuracy on unanswerable questions,
the false-abstention rate on answerable ones, and p50/p95 answer latency. It writes the tables
as Markdown, a PNG chart and JSON.

What it does not do: tune anything, or decide pass/fail (the CI gate in `tests/test_evals.py`
compares these figures with `evals/thresholds.json`).
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from qa.answer import Answerer
from qa.corpus.add import remove_report
from qa.corpus.catalogue import REPO_ROOT, default_corpus_dir, load_catalogue
from qa.evals.gold import (
    Question,
    faithfulness_violations,
    load_questions,
    mean,
    ranking_metrics,
    resolve_gold,
)
from qa.index.build import build_index
from qa.index.format import BuildSettings, default_index_dir
from qa.index.load import Index, load_index
from qa.retrieve.question_vector import clear_query_cache
from qa.retrieve.retriever import Retriever, SearchSettings

RETRIEVAL_KEYS = ("recall@1", "recall@3", "recall@5", "recall@10", "hit@1", "hit@3", "hit@5", "hit@10", "mrr@10", "ndcg@10")


@dataclass(frozen=True)
class Config:
    name: str
    search: SearchSettings
    context: bool  # whether passages are embedded with report, year and section


CONFIGS = (
    Config("BM25 only", SearchSettings(mode="bm25", glossary=False), context=False),
    Config("dense only", SearchSettings(mode="dense", glossary=False), context=False),
    Config("hybrid", SearchSettings(glossary=False), context=False),
    Config("hybrid + context + glossary", SearchSettings(), context=True),
)
PRODUCT = CONFIGS[-1].name


@dataclass
class QuestionResult:
    question: Question
    retrieval: dict[str, float] | None
    facts_found: int
    citations: int
    gold_citations: int
    violations: list[str]
    abstained: bool
    seconds: float
    reports: list[str] = field(default_factory=list)
    words: int = 0  # the answer's length in words (0 when it declined)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarise(results: list[QuestionResult]) -> dict[str, float]:
    """The figures of one configuration over a set of questions."""
    answerable = [r for r in results if r.question.answerable]
    unanswerable = [r for r in results if not r.question.answerable]
    out: dict[str, float] = {"questions": len(results)}
    out |= mean([r.retrieval for r in answerable if r.retrieval]) or {k: 0.0 for k in RETRIEVAL_KEYS}
    facts = sum(len(r.question.facts) for r in answerable)
    out["fact coverage"] = sum(r.facts_found for r in answerable) / facts if facts else 0.0
    cited = sum(r.citations for r in answerable)
    out["gold citations"] = sum(r.gold_citations for r in answerable) / cited if cited else 0.0
    given = [r.words for r in answerable if not r.abstained]
    out["answer words"] = _percentile(given, 0.5)  # median length of the answers given
    out["faithfulness violations"] = sum(len(r.violations) for r in results)
    out["abstention accuracy"] = (sum(r.abstained for r in unanswerable) / len(unanswerable)) if unanswerable else float("nan")
    out["false abstention"] = (sum(r.abstained for r in answerable) / len(answerable)) if answerable else float("nan")
    times = [r.seconds * 1000 for r in results]
    out["p50 ms"] = _percentile(times, 0.5)
    out["p95 ms"] = _percentile(times, 0.95)
    return out


def run_config(index: Index, config: Config, questions: list[Question], gold_ids: dict[str, list[str]],
               store=None) -> list[QuestionResult]:
    """Answer every question with one configuration; `store`: a Qdrant store searched instead of
    the index's own files (qa.index.stores)."""
    clear_query_cache()  # each configuration pays for its own query embeddings in its latency
    retriever = Retriever(index, config.search, store=store)
    answerer = Answerer(retriever)
    by_id = {p.id: p for p in index.passages}
    results = []
    for q in questions:
        gold = gold_ids.get(q.id, [])
        started = time.perf_counter()
        answer = answerer.answer(q.question, history=q.history)
        seconds = time.perf_counter() - started
        retrieval = None
        if gold:  # the passages the answer pipeline retrieved, in its order
            retrieval = ranking_metrics([h.passage.id for h in answer.passages], gold)
        text = answer.answer.lower() if not answer.abstained else ""
        results.append(QuestionResult(
            question=q,
            retrieval=retrieval,
            facts_found=sum(1 for f in q.facts if f.lower() in text),
            citations=len(answer.citations),
            gold_citations=sum(1 for c in answer.citations if c.hit.passage.id in gold),
            violations=faithfulness_violations(answer),
            abstained=answer.abstained,
            seconds=seconds,
            reports=sorted({by_id[g].doc_id for g in gold}),
            words=0 if answer.abstained else len(answer.answer.split()),
        ))
    return results


GOLD_CORPUS_IDS = REPO_ROOT / "evals" / "corpus.txt"


def gold_ids_file(questions_file: Path | str) -> Path | None:
    """The reports a question file was written over: the `corpus.txt` beside it (one report id a
    line, `#` comments), or None when there is none (the file is then scored on the whole corpus)."""
    beside = Path(questions_file).resolve().parent / "corpus.txt"
    return beside if beside.is_file() else None


def read_ids(ids_file: Path | str) -> list[str]:
    return [line.strip() for line in Path(ids_file).read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def gold_corpus(dest: Path | str, corpus_dir: Path | str | None = None, ids_file: Path | str | None = GOLD_CORPUS_IDS) -> Path:
    """A copy of the corpus holding only the reports the gold questions were written over (the ids
    in `ids_file`; all of them when it is None), made with the product's own `remove_report`, so the
    gold set keeps measuring what it was written for."""
    import shutil


    dest = Path(dest)
    shutil.copytree(Path(corpus_dir) if corpus_dir else default_corpus_dir(), dest,
                    ignore=shutil.ignore_patterns(".lock"), dirs_exist_ok=True)
    if ids_file is None:
        return dest
    wanted = read_ids(ids_file)
    held = [r.id for r in load_catalogue(dest)]
    missing = sorted(set(wanted) - set(held))
    if missing:
        raise ValueError(f"the gold corpus needs report(s) the corpus does not hold: {', '.join(missing)}")
    for doc_id in held:
        if doc_id not in wanted:
            remove_report(doc_id, dest)
    return dest


def gold_index(scratch: Path | str, corpus_dir: Path | str | None = None, questions_file: Path | str | None = None,
               *, seed_index: Path | str | None = None) -> Index:
    """An index of the gold corpus in `scratch`: the reports of `evals/corpus.txt`, or, given a
    question file, of the `corpus.txt` beside it (see `gold_ids_file`). It reuses the vectors of
    `seed_index` (default: the default index) where it has them: then nothing is embedded again,
    only FAISS and BM25 are rebuilt."""
    import shutil


    scratch = Path(scratch)
    ids_file = GOLD_CORPUS_IDS if questions_file is None else gold_ids_file(questions_file)
    corpus = gold_corpus(scratch / "corpus", corpus_dir, ids_file)
    seed = Path(seed_index) if seed_index is not None else default_index_dir()
    if (seed / "current").exists():
        shutil.copytree(seed, scratch / "index", symlinks=True)
    build_index(corpus, scratch / "index", progress=False)
    return load_index(scratch / "index", corpus)


def run_eval(questions_file: Path | str, index: Index, *, configs=CONFIGS, plain_index: Index | None = None,
             progress=lambda message: None, store=None) -> dict:
    """Run every configuration; returns {"configs": {name: {...}}, "questions": n, ...} as plain data.
    With `store` (a Qdrant store holding `index`), the product's configuration is also run over it,
    beside the same configuration over the local files."""
    questions = load_questions(questions_file)
    gold = resolve_gold(questions, index.passages)
    if gold.problems:
        raise ValueError("the question file does not match the corpus:\n" + "\n".join(gold.problems))
    out: dict = {"questions_file": str(questions_file), "questions": len(questions), "configs": {}}
    with tempfile.TemporaryDirectory() as tmp:
        if plain_index is None and any(not c.context for c in configs):
            progress("building an index without passage context for the comparison ...")
            build_index(index.manifest["corpus_dir"], Path(tmp), BuildSettings(context=False), progress=False)
            plain_index = load_index(Path(tmp), check_stale=False)
        runs = [(c, None) for c in configs]
        if store is not None:
            runs.append((Config(f"{PRODUCT} ({store.spec.kind})", CONFIGS[-1].search, context=True), store))
        for config, searched in runs:
            progress(f"running {config.name} ...")
            results = run_config(index if config.context else plain_index, config, questions, gold.ids, store=searched)
            types = sorted({r.question.type for r in results})
            reports = sorted({d for r in results for d in r.reports})
            out["configs"][config.name] = {
                "overall": summarise(results),
                "by type": {t: summarise([r for r in results if r.question.type == t]) for t in types},
                "by report": {d: summarise([r for r in results if d in r.reports]) for d in reports},
                "violations": [f"{r.question.id}: {v}" for r in results for v in r.violations],
                "misses": [r.question.id for r in results if r.retrieval and r.retrieval["recall@5"] < 1.0],
            }
    return out


# ----------------------------------------------------------------------------- reporting

OVERALL_COLUMNS = ("recall@1", "recall@3", "recall@5", "recall@10", "hit@5", "mrr@10", "ndcg@10", "fact coverage",
                   "gold citations", "answer words", "faithfulness violations", "abstention accuracy", "false abstention",
                   "p50 ms", "p95 ms")
DETAIL_COLUMNS = ("questions", "recall@5", "mrr@10", "fact coverage", "gold citations", "answer words", "abstention accuracy",
                  "false abstention")


def _cell(value: float, key: str) -> str:
    if isinstance(value, float) and value != value:  # NaN: no such questions
        return "–"
    if key in ("questions", "faithfulness violations"):
        return str(int(value))
    if key.endswith("ms") or key == "answer words":
        return f"{value:.0f}"
    return f"{value:.3f}"


def _table(rows: dict[str, dict[str, float]], columns, first: str) -> list[str]:
    lines = [f"| {first} | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    for name, figures in rows.items():
        lines.append(f"| {name} | " + " | ".join(_cell(figures.get(c, float('nan')), c) for c in columns) + " |")
    return lines


def to_markdown(result: dict) -> str:
    configs = result["configs"]
    lines = [
        "# Evaluation results",
        "",
        f"`reportqa eval` on `{result['questions_file']}` ({result['questions']} questions): the real pipeline, "
        "each configuration side by side. Retrieval figures are over answerable questions and rank the passages the "
        "answer pipeline retrieved (follow-ups by their standalone rewrite, report references resolved); fact coverage is the share of gold facts found in the answer text; gold "
        "citations is the share of citations that are gold passages; abstention accuracy is over unanswerable "
        "questions, false abstention over answerable ones.",
        "",
        "## Overall",
        "",
        *_table({name: c["overall"] for name, c in configs.items()}, OVERALL_COLUMNS, "configuration"),
        "",
        f"## By question type ({PRODUCT if PRODUCT in configs else next(iter(configs))})",
        "",
    ]
    main = configs.get(PRODUCT) or next(iter(configs.values()))
    lines += _table(main["by type"], DETAIL_COLUMNS, "type")
    lines += ["", "## Recall@5 by question type, configurations side by side", ""]
    types = sorted({t for c in configs.values() for t in c["by type"]} - {"unanswerable"})
    lines += _table({t: {name: c["by type"].get(t, {}).get("recall@5", float("nan")) for name, c in configs.items()}
                     for t in types}, tuple(configs), "type")
    lines += ["", f"## By report ({PRODUCT if PRODUCT in configs else next(iter(configs))})", ""]
    lines += _table(main["by report"], DETAIL_COLUMNS, "report")
    if main["violations"]:
        lines += ["", "## Faithfulness violations", ""] + [f"- {v}" for v in main["violations"]]
    lines += ["", f"Questions whose gold passages are not all in the top 5 ({PRODUCT}): "
              + (", ".join(main["misses"]) or "none") + "."]
    return "\n".join(lines) + "\n"


def write_chart(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    configs = result["configs"]
    metrics = ("recall@1", "recall@5", "recall@10", "mrr@10", "fact coverage", "gold citations")
    fig, ax = plt.subplots(figsize=(10, 4.5), dpi=110)
    width = 0.8 / len(configs)
    for k, (name, c) in enumerate(configs.items()):
        xs = [m + k * width for m in range(len(metrics))]
        bars = ax.bar(xs, [c["overall"][m] for m in metrics], width, label=name)
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
    ax.set_xticks([m + width * (len(configs) - 1) / 2 for m in range(len(metrics))], metrics)
    ax.set_ylim(0, 1.08)
    ax.set_ylabel("score")
    ax.set_title(f"reportqa evaluation: {result['questions']} questions, configurations side by side")
    ax.legend(fontsize=8, loc="upper left", ncols=2)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_outputs(result: dict, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "results.md", out_dir / "results.png", out_dir / "results.json"]
    paths[0].write_text(to_markdown(result), encoding="utf-8")
    write_chart(result, paths[1])
    paths[2].write_text(json.dumps(result, indent=2, default=lambda v: None), encoding="utf-8")
    return paths


def format_side_by_side(result: dict) -> str:
    """The overall table for a terminal."""
    configs = result["configs"]
    columns = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "fact coverage", "gold citations", "answer words",
               "faithfulness violations", "abstention accuracy", "false abstention", "p50 ms", "p95 ms")
    short = {"faithfulness violations": "violations", "abstention accuracy": "abstain ok", "false abstention": "false abst",
             "fact coverage": "facts", "gold citations": "gold cites", "answer words": "words"}
    width = max(len(n) for n in configs) + 2
    head = f"{'configuration':{width}}" + "".join(f"{short.get(c, c):>12}" for c in columns)
    lines = [f"{result['questions']} questions from {result['questions_file']}", "", head]
    for name, c in configs.items():
        lines.append(f"{name:{width}}" + "".join(f"{_cell(c['overall'][k], k):>12}" for k in columns))
    main = configs.get(PRODUCT) or next(iter(configs.values()))
    lines += ["", f"by question type ({PRODUCT}):"]
    for t, f in main["by type"].items():
        lines.append(f"  {t:18} n={int(f['questions']):>3}  recall@5 {_cell(f['recall@5'], 'x'):>6}  "
                     f"facts {_cell(f['fact coverage'], 'x'):>6}  abstain ok {_cell(f['abstention accuracy'], 'x'):>6}  "
                     f"false abst {_cell(f['false abstention'], 'x'):>6}")
    return "\n".join(lines)


def check_gate(figures: dict[str, float], thresholds: dict) -> list[str]:
    """What falls short of the gate: each a line naming the figure, its value and its bound."""
    failures = []
    for key, bound in thresholds.get("min", {}).items():
        if not figures.get(key, float("-inf")) >= bound:
            failures.append(f"{key} {figures.get(key)} is below the gate's {bound}")
    for key, bound in thresholds.get("max", {}).items():
        if not figures.get(key, float("inf")) <= bound:
            failures.append(f"{key} {figures.get(key)} is above the gate's {bound}")
    return failures
