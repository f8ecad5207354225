"""Benchmark of the Qdrant store (its engine in process, qdrant-edge-py) beside the local store
(FAISS + BM25 files), at a synthetic collection: every figure next to the local store's, measured
in the same run on the same passages, vectors and questions.

Run:  .venv/bin/python evals/bench_store.py                    # 100k passages (about 10 minutes, ~6 GB)
      .venv/bin/python evals/bench_store.py --passages 10000   # quick
      .venv/bin/python evals/bench_store.py --passages 1000000 # about 52 minutes, 25 GB at its peak
      .venv/bin/python evals/bench_store.py --out evals/bench_store.md

What it measures (nothing is asserted; `uptime`'s load is printed with it, machines being noisy):
- build: the local store's FAISS HNSW graph + BM25 matrix from given vectors (evals/synthetic.py),
  against writing the same passages into a new Qdrant shard (points, payload indexes, sparse BM25
  vectors, the HNSW graph built by the optimizer) and publishing it;
- hybrid search p50/p95, unfiltered and under three filters (one report; one council, ~1/copies of
  the collection; a year range, about half), the question's vector given (no encoding timed), the
  Qdrant figure being the whole `Retriever.search` with its one engine query;
- dense recall@10 against exact (a numpy scan of every unit, the passage scored by its best unit)
  for the FAISS HNSW graph and Qdrant's, unfiltered and under the council filter; and a bare numpy
  scan's latency as the floor;
- memory (resident growth while building, and after reopening the shard in a fresh process for
  Qdrant) and disk (the local build's files written the way `reportqa index` writes them, against
  the shard folder).

The synthetic collection repeats the seed reports with noise (evals/synthetic.py): each copy is a
report about a council of its own; copy 0 keeps the seeds' ids and councils.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROWS: list[tuple[str, str, str, str]] = []


def row(measure: str, value: str, baseline: str = "", ratio: float | str = "") -> None:
    text = f"{ratio:.2f}×" if isinstance(ratio, float) else ratio
    ROWS.append((measure, value, baseline, text))
    print(f"  {measure}: {value}" + (f" (local store {baseline}, {text})" if baseline else ""), file=sys.stderr, flush=True)


def ms(s: float) -> str:
    return f"{s * 1000:.1f} ms" if s < 1 else f"{s:.1f} s"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20


def seed_index(scratch: Path):
    from qa.evals.harness import gold_index

    return gold_index(scratch / "seed")


def exact_top(big, vector: np.ndarray, allowed_rows: np.ndarray | None, k: int = 10) -> list[int]:
    """The k passages whose best unit is nearest, by a numpy scan of every (allowed) unit."""
    unit_passage = np.asarray(big.unit_passage)
    sims = np.asarray(big.unit_vectors) @ vector
    if allowed_rows is not None:
        sims = np.where(np.isin(unit_passage, allowed_rows), sims, -np.inf)
    order = np.argsort(-sims, kind="stable")
    out: list[int] = []
    for u in order:
        if sims[u] == -np.inf:
            break
        r = int(unit_passage[u])
        if r not in out:
            out.append(r)
            if len(out) == k:
                break
    return out


def faiss_top(big, vector: np.ndarray, allowed_units: np.ndarray | None, k: int = 10) -> list[int]:
    _, ids = big.search_units(vector, 50, allowed_units)
    out: list[int] = []
    for u in ids[ids >= 0]:
        r = int(big.unit_passage[u])
        if r not in out:
            out.append(r)
            if len(out) == k:
                break
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--passages", type=int, default=100_000)
    ap.add_argument("--questions", type=int, default=60, help="gold questions timed per configuration")
    ap.add_argument("--out", type=Path, default=None, help="write the table here (Markdown)")
    ap.add_argument("--keep", type=Path, default=None, help="build the shard here and keep it")
    args = ap.parse_args()

    from evals.synthetic import synthetic_index
    from qa.evals.gold import load_questions
    from qa.index.build import passage_line
    from qa.index.stores.api import HybridQuery, StoreFilter, StoreSpec
    from qa.index.stores.qdrant import QdrantStore
    from qa.index.stores.sync import rebuild_store
    from qa.index.vectors import ef_search
    from qa.retrieve.question_vector import encode_query
    from qa.retrieve.retriever import Filters, Retriever

    scratch = Path(tempfile.mkdtemp(prefix="bench-store-"))
    load = os.getloadavg()[0]
    print(f"load {load:.2f}, {os.cpu_count()} cores; scratch {scratch}", file=sys.stderr)
    seed = seed_index(scratch)
    questions = [q.question for q in load_questions(ROOT / "evals" / "questions.jsonl") if not q.history][: args.questions]
    vectors = [np.asarray(encode_query(q), dtype=np.float32) for q in questions]

    # --- the local store: FAISS HNSW + BM25 over the synthetic collection
    before = rss_mb()
    started = time.perf_counter()
    big = synthetic_index(seed, args.passages, index_type="hnsw")
    local_build = time.perf_counter() - started
    local_rss = rss_mb() - before
    n, units, sentences = len(big.passages), len(big.unit_passage), len(big.sentence_spans)
    print(f"{n:,} passages, {units:,} units, {sentences:,} sentences, {len(big.reports):,} reports", file=sys.stderr)
    # its files as `reportqa index` writes them (vectors, graph, BM25, passages), for their size on disk
    import faiss

    files = scratch / "local"
    files.mkdir()
    faiss.write_index(big.faiss, str(files / "units.faiss"))
    np.save(files / "unit_vectors.npy", np.asarray(big.unit_vectors))
    np.save(files / "sentences.npy", np.asarray(big.sentence_vectors))
    np.save(files / "units.npy", np.asarray(big.unit_passage))
    np.save(files / "sentence_spans.npy", np.asarray(big.sentence_spans))
    big.bm25.save(str(files / "bm25"))
    (files / "passages.json").write_bytes(b",\n".join(passage_line(p) for p in big.passages))
    local_disk = du_mb(files)

    # --- the Qdrant store: the same passages into a new in-process shard
    where = args.keep or scratch / "edge"
    store = QdrantStore(StoreSpec("qdrant-edge", str(where)))
    before = rss_mb()
    started = time.perf_counter()
    rebuild_store(store, big)
    edge_build = time.perf_counter() - started
    edge_rss = rss_mb() - before
    edge_disk = du_mb(where)

    row("collection", f"{n:,} passages ({units:,} units, {sentences:,} sentences, {len(big.reports):,} reports)")
    row("build from given vectors", ms(edge_build), ms(local_build), edge_build / local_build)
    row("disk", f"{edge_disk:,.0f} MB", f"{local_disk:,.0f} MB", edge_disk / local_disk)
    row("resident growth while building", f"{edge_rss:,.0f} MB", f"{local_rss:,.0f} MB", edge_rss / max(local_rss, 1))

    # --- hybrid search, unfiltered and filtered, the question's vector given
    local, edge = Retriever(big), Retriever(big, store=store)
    first = next(iter(big.reports))
    cases = {"hybrid, no filter": None, "hybrid, one report": {"doc": first},
             "hybrid, one council (copy 0)": {"authority": ["Oxfordshire"]},
             "hybrid, years 2020 on": {"year_from": 2020}}
    for name, flt in cases.items():
        for r in (local, edge):  # warm: caches, pages
            r.search(questions[0], k=10, filters=flt, vector=vectors[0])
        t_local, t_edge, overlap = [], [], []
        for q, v in zip(questions, vectors):
            s = time.perf_counter()
            a = local.search(q, k=10, filters=flt, vector=v)
            t_local.append(time.perf_counter() - s)
            s = time.perf_counter()
            b = edge.search(q, k=10, filters=flt, vector=v)
            t_edge.append(time.perf_counter() - s)
            overlap.append(len({h.passage.id for h in a} & {h.passage.id for h in b}) / max(len(a), 1))
        row(f"{name}: p50", ms(pct(t_edge, 0.5)), ms(pct(t_local, 0.5)), pct(t_edge, 0.5) / pct(t_local, 0.5))
        row(f"{name}: p95", ms(pct(t_edge, 0.95)), ms(pct(t_local, 0.95)), pct(t_edge, 0.95) / pct(t_local, 0.95))
        row(f"{name}: top-10 agreement with the local store", f"{statistics.mean(overlap):.2f}")

    # --- dense recall@10 against exact, unfiltered and under the council filter
    ef = ef_search(units)
    council = Filters.from_dict({"authority": ["Oxfordshire"]})
    allowed = local._allowed(council)
    allowed_rows = np.concatenate([np.arange(a, b) for a, b in zip(allowed.starts, allowed.ends)])
    by_id = {p.id: i for i, p in enumerate(big.passages)}
    for label, rows_allowed, units_allowed, sf in (
        ("no filter", None, None, StoreFilter()),
        ("one council", allowed_rows, allowed.units, StoreFilter(councils=("E10000025",)))):
        r_local, r_edge, t_scan, t_edge_exact = [], [], [], []
        for v in vectors:
            s = time.perf_counter()
            truth = set(exact_top(big, v, rows_allowed))
            t_scan.append(time.perf_counter() - s)
            r_local.append(len(truth & set(faiss_top(big, v, units_allowed))) / max(len(truth), 1))
            got = store.search(HybridQuery(v, {}, sf, limit=10, hnsw_ef=ef))
            r_edge.append(len(truth & {by_id[h.passage.id] for h in got}) / max(len(truth), 1))
        row(f"dense recall@10 against exact, {label}", f"{statistics.mean(r_edge):.3f}", f"{statistics.mean(r_local):.3f}")
        row(f"bare numpy scan of every unit, {label}: p50", ms(pct(t_scan, 0.5)))
    store.close()
    dims = big.unit_vectors.shape[1]
    # free this process's copy of the collection first: at 1M passages it and a second process
    # holding the shard would not fit one 24 GB machine together
    del local, edge, big, store
    import gc

    gc.collect()
    print(f"resident after freeing the collection: {rss_mb():,.0f} MB", file=sys.stderr, flush=True)

    # --- memory of a process serving the shard: open it fresh and search once
    probe = ("import os,sys,numpy as np; sys.path.insert(0, %r)\n"
             "def rss():\n  return [int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS')][0]/1024\n"
             "b=rss()\nfrom qa.index.stores.qdrant import QdrantStore\nfrom qa.index.stores.api import StoreSpec, HybridQuery\n"
             "s=QdrantStore(StoreSpec('qdrant-edge', %r)); v=np.ones(%d, dtype=np.float32)/%f\n"
             "s.search(HybridQuery(v, {'care': 1.0}, limit=10)); print(rss()-b, rss())") % (
        str(ROOT), str(where), dims, float(np.sqrt(dims)))
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=600)
    if out.returncode == 0:
        grown, total = map(float, out.stdout.split())
        row("resident memory of a fresh process opening the shard and searching once", f"{grown:,.0f} MB (process {total:,.0f} MB)")
    else:
        print(out.stderr[-2000:], file=sys.stderr)
    print(f"max resident {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB", file=sys.stderr)

    lines = [f"Qdrant edge (qdrant-edge-py) beside the local store, {n:,} synthetic passages; "
             f"load {load:.2f} on {os.cpu_count()} cores at the start.", "",
             "| measure | qdrant-edge | local store, same run | ratio |", "|---|---|---|---|"]
    lines += [f"| {m} | {v} | {b} | {r} |" for m, v, b, r in ROWS]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    if args.keep is None:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
