"""Evaluation: gold questions, their validation, and retrieval and answer metrics.

What it does: loads question files (one JSON object a line: id, question, type, history, gold,
facts), checks them against the corpus (every gold span occurs exactly once; every fact occurs in a
gold passage), resolves gold spans to passage ids, and computes ranking metrics (recall@k, hit@k,
MRR@10, nDCG@10) for a ranked list of passage ids.

What it does not do: run the pipeline itself or print reports (the `reportqa eval` command and
the scripts in `evals/` do that), or tune anything.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from qa.chunk import Passage
from qa.chunk.sentences import quoted, split_sentences

KEYS = {"id", "question", "type", "history", "gold", "facts"}
TYPES = ("fact", "broad", "judgement", "change-over-time", "action-plan", "recurring", "follow-up", "unanswerable", "compare", "overview", "source-kind")


class QuestionFileError(ValueError):
    """A question file that does not follow the format; the message names the line."""


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    type: str
    history: tuple[str, ...] = ()
    gold: tuple[tuple[str, ...], ...] = ()
    facts: tuple[str, ...] = ()

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


@dataclass
class GoldIndex:
    """Gold spans resolved to passage ids, and what is wrong with the question file, if anything."""

    ids: dict[str, list[str]] = field(default_factory=dict)  # question id -> one passage id per gold group
    problems: list[str] = field(default_factory=list)


def load_questions(path: Path | str) -> list[Question]:
    path = Path(path)
    questions: list[Question] = []
    seen: set[str] = set()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name} line {n}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(f"{where}: not JSON ({exc})") from None
        if not isinstance(data, dict) or set(data) != KEYS:
            raise QuestionFileError(f"{where}: needs exactly the keys {sorted(KEYS)}")
        if data["type"] not in TYPES:
            raise QuestionFileError(f"{where}: type {data['type']!r} is not one of {', '.join(TYPES)}")
        if data["id"] in seen:
            raise QuestionFileError(f"{where}: duplicate id {data['id']!r}")
        seen.add(data["id"])
        for key, kind in (("id", str), ("question", str), ("type", str), ("history", list), ("gold", list), ("facts", list)):
            if not isinstance(data[key], kind):
                raise QuestionFileError(f"{where}: {key!r} must be a {'string' if kind is str else 'list'}")
        if not all(isinstance(x, str) for x in (*data["history"], *data["facts"])):
            raise QuestionFileError(f"{where}: 'history' and 'facts' hold strings only")
        gold = data["gold"]
        if not isinstance(gold, list) or not all(isinstance(g, list) and g and all(isinstance(s, str) for s in g) for g in gold):
            raise QuestionFileError(f"{where}: gold must be a list of non-empty lists of spans")
        questions.append(
            Question(
                data["id"], data["question"], data["type"], tuple(data["history"]),
                tuple(tuple(g) for g in gold), tuple(data["facts"]),
            )
        )
    if not questions:
        raise QuestionFileError(f"{path.name} holds no questions")
    return questions


def resolve_gold(questions: list[Question], passages: list[Passage]) -> GoldIndex:
    """Map each gold group to the one passage its spans identify, collecting every problem."""
    out = GoldIndex()
    for q in questions:
        ids: list[str] = []
        for group in q.gold:
            owners: set[str] = set()
            for span in group:
                hits = [(p.id, p.text.count(span)) for p in passages if span in p.text]
                total = sum(count for _, count in hits)
                if total != 1:
                    out.problems.append(f"{q.id}: span occurs {total} times in the corpus, not once: {span!r}")
                owners.update(pid for pid, _ in hits)
            if len(owners) == 1:
                ids.append(owners.pop())
            elif len(owners) > 1:
                out.problems.append(f"{q.id}: the spans of one gold group point at different passages: {sorted(owners)}")
        texts = {p.id: p.text.lower() for p in passages if p.id in ids}
        for fact in q.facts:
            if not any(fact.lower() in t for t in texts.values()):
                out.problems.append(f"{q.id}: fact {fact!r} is in none of its gold passages")
        if q.type == "unanswerable" and (q.gold or q.facts):
            out.problems.append(f"{q.id}: an unanswerable question has no gold passages and no facts")
        if q.type != "unanswerable" and not q.gold:
            out.problems.append(f"{q.id}: an answerable question needs at least one gold passage")
        if q.type == "follow-up" and not q.history:
            out.problems.append(f"{q.id}: a follow-up question needs its history")
        out.ids[q.id] = ids
    return out


def ranking_metrics(ranked: list[str], gold: list[str], ks: tuple[int, ...] = (1, 3, 5, 10)) -> dict[str, float]:
    """recall@k (share of gold passages in the top k), hit@k (any), MRR@10 and nDCG@10."""
    gold_set = set(gold)
    out: dict[str, float] = {}
    for k in ks:
        found = len(gold_set & set(ranked[:k]))
        out[f"recall@{k}"] = found / len(gold_set)
        out[f"hit@{k}"] = float(found > 0)
    first = next((n for n, pid in enumerate(ranked[:10], 1) if pid in gold_set), None)
    out["mrr@10"] = 1.0 / first if first else 0.0
    dcg = sum(1.0 / math.log2(n + 1) for n, pid in enumerate(ranked[:10], 1) if pid in gold_set)
    ideal = sum(1.0 / math.log2(n + 1) for n in range(1, min(len(gold_set), 10) + 1))
    out["ndcg@10"] = dcg / ideal
    return out


def mean(rows: list[dict[str, float]]) -> dict[str, float]:
    if not rows:
        return {}
    return {key: sum(r[key] for r in rows) / len(rows) for key in rows[0]}


_MARKED = re.compile(r"(.+?) \[(\d+)\](?= |$)")


def marked_sentences(answer_text: str) -> list[tuple[str, int]]:
    """(sentence, marker number) for every sentence of an answer that carries a marker, and for each
    list line without one that comes before a marked line (a table's rows share its last row's marker)."""
    out = []
    pending: list[str] = []  # a table's rows before its last, which alone carries the marker
    for line in answer_text.split("\n"):
        item = line.startswith("- ")
        line = line.removeprefix("- ")
        found = [(m.group(1).strip(), int(m.group(2))) for m in _MARKED.finditer(line)]
        if found:
            out.extend((row, found[0][1]) for row in pending)
            out.extend(found)
            pending = []
        elif item and line.strip():
            pending.append(line.strip())
        else:
            pending = []
    return out


def _made_of(point: str, pieces: set[str]) -> bool:
    """Whether a point is one or more whole pieces (sentences, lines) of a passage, joined by spaces
    (or by " … " where the answer leaves text out between them)."""
    if point in pieces:
        return True
    starts = sorted((p for p in pieces if p and point.startswith(p + " ")), key=len, reverse=True)
    return any(_made_of(point[len(p) + 1:].removeprefix("… "), pieces) for p in starts)


def faithfulness_violations(answer) -> list[str]:
    """What breaks 'every marked point is made of verbatim sentences of the passage it cites'
    (a point is one or more sentences of one passage followed by that passage's marker once)."""
    def norm(text: str) -> str:
        return " ".join(text.split())

    problems: list[str] = []
    by_n = {c.n: c for c in answer.citations}
    if sorted(by_n) != list(range(1, len(by_n) + 1)):
        problems.append(f"citations are not numbered 1..{len(by_n)}: {sorted(by_n)}")
    used: set[int] = set()
    for point, n in marked_sentences(answer.answer):
        if n not in by_n:
            problems.append(f"marker [{n}] has no citation")
            continue
        used.add(n)
        passage = by_n[n].hit.passage
        pieces = {norm(quoted(s.text)) for s in split_sentences(passage.text)}
        pieces |= {norm(line) for line in passage.text.split("\n") if line.strip()}  # a table row is a line
        if not _made_of(norm(point), pieces):
            problems.append(f"[{n}] is not made of sentences of {passage.id}: {point!r}")
    if set(by_n) - used:
        problems.append(f"citations never marked in the text: {sorted(set(by_n) - used)}")
    for line in answer.answer.split("\n"):
        if re.search(r"\[\d+\]", line) and not re.search(r"\[\d+\]$", line.rstrip()):
            problems.append(f"a line carries text after its last marker: {line!r}")
    if answer.abstained and answer.citations:
        problems.append("an abstention carries citations")
    return problems
