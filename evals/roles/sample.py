"""Draw the sentences of the hand-labelled sentence-role set (issue #18), reproducibly.

Run from the repository root (the archive at /work/ofsted-archive, or REPORTQA_ARCHIVE):

    HF_HUB_OFFLINE=1 PYTHONPATH=$PWD python evals/roles/sample.py > /tmp/candidates.jsonl

It only PRESENTS sentences for a person to read: the product's chunker cuts each report into
passages and the product's splitter cuts passages into sentences; a seeded random draw picks
councils, reports and sentences.  The strata below decide where sentences are drawn from (so that
front matter, improvement lists and stock text are represented), never what role a sentence gets:
the roles in labels.tsv were decided by reading each sentence.  build.py joins the two.
"""

from __future__ import annotations

import collections
import json
import os
import random
import re
import sys
from pathlib import Path

from qa.chunk import chunk_text, chunk_report
from qa.corpus.extract import pdf_text
from qa.corpus.facts import read_facts
from qa.corpus.catalogue import Report, load_catalogue
from qa.chunk.sentences import split_sentences

SEED = 18
ARCHIVE = Path(os.environ.get("REPORTQA_ARCHIVE", "/work/ofsted-archive")) / "export_data" / "inspection_reports"
CORPUS = Path(__file__).resolve().parents[2] / "corpus"
STUB = Report(id="r", title="t", short_title="t", publisher="Ofsted", kind="inspection report", date="2024",
              about="", authority="x", file="r.pdf")

# Councils whose split is fixed before the draw: the reports with a wrapped heading that files
# judgement paragraphs under "What needs to improve?" go to test; Oxfordshire (the default corpus:
# council papers, news article) to dev, so the classifier sees procedure text; one council with a
# 2013 looked-after-children inspection on each side; one 2026-framework council on each side.
FORCED_TEST = ["liverpool", "sunderland", "middlesbrough", "luton", "sandwell"]
FORCED_DEV = ["oxfordshire", "norfolk", "trafford"]
# Reports that must be drawn for a forced council (else two reports of each council are drawn).
FORCED_REPORTS = {
    "liverpool": "07 july 2026", "sunderland": "11 march 2025", "middlesbrough": "28 july 2026",
    "luton": "10 march 2026", "sandwell": "02 august 2013", "norfolk": "16 august 2013", "trafford": "03 august 2026",
}
N_DEV, N_TEST = 27, 18  # councils, forced ones included
BODY = {"dev": 5, "test": 8}  # body sentences drawn a report
MISFILED_EXTRA = 5  # more from the misfiled "What needs to improve?" paragraphs of the forced test reports
P_IMPROVE, P_LABEL, P_STOCK = 0.75, 0.5, 0.9
STOCK_MIN = 8  # a sentence found in at least this many reports of the archive is drawn as stock-text candidate
IMPROVE_SECTION = re.compile(r"^(What needs to improve|Areas for improvement|Recommendations)", re.I)


def council_of(folder: str) -> str:
    return folder.split("_", 1)[1]


def framework_of(facts, text: str) -> str:
    fw = facts.framework or ""
    if fw == "looked after children inspection":
        return "LAC 2013"
    if fw.startswith("ILACS") and (facts.inspection_start or "") >= "2026-04-01":
        return "ILACS 2026"  # the four-judgement set, no overall effectiveness
    return fw


def words(s: str) -> int:
    return len(re.findall(r"[A-Za-z]{2,}", s))


def findings(report: dict, spread) -> list[dict]:
    """A report's sentences of findings: in a paragraph, summary or point, at least four words,
    not stock text (in fewer than STOCK_MIN reports), not an item of an improvement list."""
    return [s for s in report["sentences"] if s["kind"] in ("paragraph", "summary", "point") and words(s["sentence"]) >= 4
            and spread[s["sentence"]] < STOCK_MIN and not IMPROVE_SECTION.match(s["section"])]


def read_report(path: Path) -> dict | None:
    try:
        text = pdf_text(path)
    except Exception:
        return None
    facts = read_facts(text)
    passages = chunk_text(STUB, text).passages
    year = int((facts.inspection_start or facts.published or re.search(r"(20\d\d)", path.name).group(1))[:4])
    sents = []
    for p in passages:
        prev = ""
        for s in split_sentences(p.text):
            sents.append(dict(section=p.section, passage=p.label, kind=p.kind, sentence=s.text, previous=prev))
            prev = s.text
    return dict(file=str(path.relative_to(ARCHIVE)), framework=framework_of(facts, text), year=year, sentences=sents,
                grades=[j.grade for j in facts.judgements])


def read_archive() -> tuple[dict[str, list[dict]], dict[str, int]]:
    """Every readable report of the archive (`read_report`), by council, and in how many reports
    each sentence occurs (stock text is found in many)."""
    reports: dict[str, list[dict]] = {}
    spread: dict[str, int] = {}
    for f in sorted(d.name for d in ARCHIVE.iterdir() if d.is_dir()):
        for pdf in sorted((ARCHIVE / f).glob("*.pdf")):
            r = read_report(pdf)
            if r and r["sentences"] and r["framework"]:
                reports.setdefault(council_of(f), []).append(r)
                for s in {x["sentence"] for x in r["sentences"]}:
                    spread[s] = spread.get(s, 0) + 1
    return reports, spread


def labelled() -> list[dict]:
    """The labelled records of both splits (dev.jsonl, test.jsonl)."""
    here = Path(__file__).resolve().parent
    return [json.loads(line) for split in ("dev", "test")
            for line in (here / f"{split}.jsonl").read_text(encoding="utf-8").splitlines() if line]


def main() -> None:
    rng = random.Random(SEED)
    folders = sorted(d.name for d in ARCHIVE.iterdir() if d.is_dir())
    by_council = {council_of(f): f for f in folders}
    rest = sorted(set(by_council) - set(FORCED_TEST) - set(FORCED_DEV))
    rng.shuffle(rest)
    dev = FORCED_DEV + rest[: N_DEV - len(FORCED_DEV)]
    test = FORCED_TEST + rest[N_DEV - len(FORCED_DEV): N_DEV - len(FORCED_DEV) + N_TEST - len(FORCED_TEST)]

    # every readable report of the archive: for stock-text counts and for the draw
    reports = {}
    for f in folders:
        for pdf in sorted((ARCHIVE / f).glob("*.pdf")):
            r = read_report(pdf)
            if r and r["sentences"] and r["framework"]:
                reports.setdefault(council_of(f), []).append(r)
    spread = collections.Counter()
    for rs in reports.values():
        for r in rs:
            for s in {x["sentence"] for x in r["sentences"]}:
                spread[s] += 1

    seen: set[str] = set()
    out = []

    def take(split, council, r, s, stratum):
        if s["sentence"] in seen:
            return False
        seen.add(s["sentence"])
        out.append(dict(split=split, council=council, file=r["file"], year=r["year"], framework=r["framework"],
                        section=s["section"], passage=s["passage"], sentence=s["sentence"], previous=s["previous"],
                        stratum=stratum))
        return True

    for split, councils in (("dev", dev), ("test", test)):
        for council in councils:
            rs = reports.get(council, [])
            forced = [r for r in rs if council in FORCED_REPORTS and FORCED_REPORTS[council] in r["file"]]
            others = [r for r in rs if r not in forced]
            rng.shuffle(others)
            # two reports a council, preferring two different frameworks
            chosen = forced[:]
            for r in others:
                if len(chosen) >= 2:
                    break
                if not chosen or r["framework"] != chosen[0]["framework"] or len(others) == 1:
                    chosen.append(r)
            for r in chosen:
                ss = r["sentences"]
                label = [s for s in ss if s["kind"] in ("facts", "judgement table") and words(s["sentence"]) >= 1]
                improve = [s for s in ss if s["kind"] == "improvement point"
                           or (r["framework"] in ("SIF", "LAC 2013") and IMPROVE_SECTION.match(s["section"]))]
                stock = [s for s in ss if s not in label and spread[s["sentence"]] >= STOCK_MIN and words(s["sentence"]) >= 4]
                body = [s for s in ss if s not in label and s not in improve and s not in stock and words(s["sentence"]) >= 4]
                for pool, p, stratum in ((improve, P_IMPROVE, "improvement list"), (label, P_LABEL, "front matter"),
                                         (stock, P_STOCK, "stock text")):
                    fresh = [s for s in pool if s["sentence"] not in seen]
                    if fresh and rng.random() < p:
                        take(split, council, r, rng.choice(fresh), stratum)
                n = 0
                for s in rng.sample(body, len(body)):
                    if n >= BODY[split]:
                        break
                    n += take(split, council, r, s, "body")
                if council in FORCED_REPORTS and r in forced and split == "test":
                    misfiled = [s for s in body if s["section"].startswith("What needs to improve") and s["passage"].isdigit()]
                    n = 0
                    for s in rng.sample(misfiled, len(misfiled)):
                        if n >= MISFILED_EXTRA:
                            break
                        n += take(split, council, r, s, "misfiled section")

    # the default corpus's council papers and news article (Oxfordshire, dev): every sentence of
    # at least four words, a seeded draw of them
    catalogue = {r.file: r for r in load_catalogue(CORPUS)}
    kinds = {"001": "council paper", "002": "news article", "003": "council paper", "004": "council paper"}
    per_file = {"001": 8, "002": 8, "003": 9, "004": 12}
    for prefix, n_take in per_file.items():
        rep = next(r for f, r in catalogue.items() if f.startswith(prefix + "_"))
        sents = []
        for p in chunk_report(rep, CORPUS).passages:
            prev = ""
            for s in split_sentences(p.text):
                if words(s.text) >= 3:
                    sents.append(dict(section=p.section, passage=p.label, kind=p.kind, sentence=s.text, previous=prev))
                prev = s.text
        r = dict(file=f"corpus/{rep.file}", year=rep.year, framework=kinds[prefix])
        n = 0
        for s in rng.sample(sents, len(sents)):
            if n >= n_take:
                break
            n += take("dev", "oxfordshire", r, s, "default corpus")

    # a second draw from the council papers' decision text (their RECOMMENDATION and Purpose
    # sections and the action plan), so that council decisions are represented: a random draw over
    # the whole papers gives too few of them
    decisions = []
    for prefix in ("001", "003", "004"):
        rep = next(r for f, r in catalogue.items() if f.startswith(prefix + "_"))
        for p in chunk_report(rep, CORPUS).passages:
            if p.kind == "action row" or p.section in ("Purpose", "RECOMMENDATION") or p.section.startswith("Ofsted Inspection Action Plan"):
                prev = ""
                for s in split_sentences(p.text):
                    if words(s.text) >= 3:
                        decisions.append((rep, dict(section=p.section, passage=p.label, kind=p.kind, sentence=s.text, previous=prev)))
                    prev = s.text
    n = 0
    for rep, s in rng.sample(decisions, len(decisions)):
        if n >= 14:
            break
        r = dict(file=f"corpus/{rep.file}", year=rep.year, framework="council paper")
        n += take("dev", "oxfordshire", r, s, "council decisions")

    # a third draw, for criticism: most reports are graded good, so the draws above give about three
    # praising sentences to one critical; body sentences from further reports of the same councils
    # whose judgements are at least half 'inadequate' (the split stays by council)
    drawn = {row["file"] for row in out}
    for split, councils, n_reports, per_report in (("dev", dev, 9, 10), ("test", test, 7, 8)):
        weak = [(c, r) for c in councils for r in reports.get(c, [])
                if r["file"] not in drawn and r["grades"] and 2 * r["grades"].count("inadequate") >= len(r["grades"])]
        for council, r in rng.sample(weak, min(n_reports, len(weak))):
            body = findings(r, spread)
            n = 0
            for s in rng.sample(body, len(body)):
                if n >= per_report:
                    break
                n += take(split, council, r, s, "weak report")

    # a fourth draw, for the publisher's stock text and for neutral context: sentences found in
    # many reports, and the SIF reports' context sections (the area's data, local leadership,
    # other inspections), from the reports already drawn for each split
    context = re.compile(r"^(Children (and young people )?living in|Child protection in|Children looked after in|"
                         r"Local leadership|Previous Ofsted|Other Ofsted|Other information about)", re.I)
    for split, n_stock, n_context in (("dev", 6, 10), ("test", 12, 12)):
        files = {row["file"] for row in out if row["split"] == split and not row["file"].startswith("corpus/")}
        pool_stock, pool_context = [], []
        for council, rs in reports.items():
            for r in rs:
                if r["file"] in files:
                    for s in r["sentences"]:
                        if s["kind"] in ("facts", "judgement table") or words(s["sentence"]) < 4:
                            continue
                        if spread[s["sentence"]] >= STOCK_MIN:
                            pool_stock.append((council, r, s))
                        elif context.match(s["section"]):
                            pool_context.append((council, r, s))
        for pool, n_take, stratum in ((pool_stock, n_stock, "stock text 2"), (pool_context, n_context, "context section")):
            n = 0
            for council, r, s in rng.sample(pool, len(pool)):
                if n >= n_take:
                    break
                n += take(split, council, r, s, stratum)

    for i, row in enumerate(out, 1):
        row = {"id": f"r{i:04d}", **row}
        print(json.dumps(row, ensure_ascii=False))
    print(f"dev councils {sorted(dev)}\ntest councils {sorted(test)}\n{len(out)} sentences", file=sys.stderr)


if __name__ == "__main__":
    main()
