"""Benchmark: one table, each figure beside a bare baseline measured in the same run.

Run:  .venv/bin/python evals/bench.py            # the README's table (several minutes; 1M vectors: ~2 GB)
      .venv/bin/python evals/bench.py --quick    # CI-sized: fewer requests, 1k and 10k vectors only
      .venv/bin/python evals/bench.py --archive-corpus /tmp/arch --archive-index /tmp/arch-index

What it measures (nothing is asserted; machines are noisy, so `uptime`'s load is printed with it):
- a question's encode: the product's ONNX encoder against one bare torch encode (sentence-transformers);
- ask p50 / p95 in process (unique questions, no cache) against one bare torch query encode;
- ask p50 at a synthetic 100k-passage index (the seeds repeated with noise, evals/synthetic.py;
  10k with --quick) against ask p50 at the seeds in the same run;
- hybrid search against a bare FAISS search of a precomputed vector;
- index load against reading the same files' bytes;
- `reportqa ask` from the shell against starting a bare Python;
- the real server (`reportqa serve`, rate limit off) with 1, 8 and 32 clients each asking unique
  questions: answers/s, p50, p95, errors; its resident memory against a bare Python's;
- building the seeds' index from nothing, and adding one report to it, against the bare torch
  encode of the same texts;
- search latency over 1k, 10k, 100k and 1M vectors (the index's own vectors repeated with a little
  noise), exact (flat) against HNSW, with HNSW's recall@10 against exact;
- with --archive-*: ask and throughput on the whole archive's index, and its build time as recorded
  in that index's manifest.

Every server it starts listens on 127.0.0.1 on a free port and is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROWS: list[tuple[str, str, str, str, str]] = []  # measure, value, baseline, ratio, goal


def row(measure: str, value: str, baseline: str = "", ratio: float | str = "", goal: str = "") -> None:
    ratio_text = f"{ratio:.2f}×" if isinstance(ratio, float) else ratio
    ROWS.append((measure, value, baseline, ratio_text, goal))
    print(f"  {measure}: {value}" + (f" (baseline {baseline}, {ratio_text})" if baseline else ""), file=sys.stderr, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def questions() -> list[str]:
    from qa.evals.gold import load_questions

    return [q.question for q in load_questions(ROOT / "evals" / "questions.jsonl") if not q.history]


def unique(n: int) -> str:
    qs = questions()
    return f"{qs[n % len(qs)]} ({n})"  # a text never asked before: no cache helps


# ----------------------------------------------------------------------------- encode, ask, search, load


def bare_torch_encode(repeat: int) -> float:
    from qa.index.encoder.model import load_model

    model = load_model("cpu")
    model.encode(["warm up"], normalize_embeddings=True, show_progress_bar=False)
    qs = questions()
    return statistics.median(timed(lambda: model.encode([qs[int(time.perf_counter_ns()) % len(qs)]],
                                                        normalize_embeddings=True, show_progress_bar=False), repeat))


def in_process(index, label: str, torch_encode: float, repeat: int) -> None:
    from qa.retrieve.question_vector import clear_query_cache, encode_query
    from qa.index.encoder.encode import onnx_encoder
    from qa.index.encoder.model import query_encoder
    from qa.retrieve.retriever import Retriever

    encode_query("warm up")
    encoder = onnx_encoder(query_encoder(), 1)
    qs = questions()
    onnx = statistics.median(timed(lambda: encoder.encode([qs[int(time.perf_counter_ns()) % len(qs)]]), repeat))
    if label == "seeds":
        row(f"question encode, {query_encoder()} (ONNX Runtime)", ms(onnx), f"torch encode {ms(torch_encode)}", onnx / torch_encode)
    retriever = Retriever(index)
    times = ask_times(index, repeat)
    row(f"ask p50, in process ({label})", ms(p(times, 0.5)), f"torch encode {ms(torch_encode)}", p(times, 0.5) / torch_encode, "≤ 2×")
    row(f"ask p95, in process ({label})", ms(p(times, 0.95)), f"torch encode {ms(torch_encode)}", p(times, 0.95) / torch_encode)
    n = [0]
    vector = encode_query(qs[0]).reshape(1, -1)
    bare = statistics.median(timed(lambda: index.faiss.search(vector, 10), repeat * 5))

    def search():
        n[0] += 1
        clear_query_cache()
        retriever.search(unique(n[0]), k=10)

    s = statistics.median(timed(search, repeat))
    row(f"hybrid search p50 ({label})", ms(s), f"bare FAISS search {bare * 1000:.3f} ms", s / bare)


def ask_times(index, repeat: int) -> list[float]:
    """Seconds per answer of `repeat` questions never asked before (three first, not counted)."""
    from qa.answer import Answerer
    from qa.retrieve.question_vector import clear_query_cache
    from qa.retrieve.retriever import Retriever

    answerer = Answerer(Retriever(index))
    n = [0]

    def ask():
        n[0] += 1
        clear_query_cache()
        answerer.answer(unique(n[0]))

    for _ in range(3):
        ask()
    return timed(ask, repeat)


def at_scale(index, passages: int, repeat: int) -> None:
    """Ask p50 at a synthetic index of `passages` passages (the seeds repeated: evals/synthetic.py)
    against ask p50 at the seeds, measured again beside it: the cost of the collection's size."""
    from evals.synthetic import synthetic_index

    started = time.perf_counter()
    big = synthetic_index(index, passages)
    made = time.perf_counter() - started
    seeds, large = p(ask_times(index, repeat), 0.5), p(ask_times(big, repeat), 0.5)
    seeds = min(seeds, p(ask_times(index, repeat), 0.5))  # the seeds once more, after: the machine's load moves
    row(f"ask p50, in process, synthetic index of {len(big.passages):,} passages (the seeds repeated, "
        f"{big.faiss.ntotal:,} units in HNSW, {len(big.sentence_vectors):,} sentences; made in {made:.0f} s)",
        ms(large), f"ask p50 at the seeds {ms(seeds)}", large / seeds, "≤ 2×")


def load_cost(index_dir: Path, corpus: Path, label: str, repeat: int) -> None:
    from qa.index.load import load_index

    path = (index_dir / "current").resolve()
    files = [f for f in path.rglob("*") if f.is_file()]
    raw = statistics.median(timed(lambda: [f.read_bytes() for f in files], repeat))
    load = statistics.median(timed(lambda: load_index(index_dir, corpus), repeat))
    row(f"index load ({label}, {sum(f.stat().st_size for f in files) / 1e6:.0f} MB)", ms(load), f"reading its files {ms(raw)}", load / raw)


def shell_ask(index_dir: Path, corpus: Path, label: str) -> None:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    bare = min(timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True, env=env), 3))
    cmd = [sys.executable, "-m", "qa.cli", "--corpus", str(corpus), "ask", "What did inspectors say about care leavers?",
           "--index", str(index_dir)]
    subprocess.run(cmd, check=True, capture_output=True, env=env)  # files into the page cache
    took = statistics.median(timed(lambda: subprocess.run(cmd, check=True, capture_output=True, env=env), 3))
    row(f"`reportqa ask` from the shell ({label})", ms(took), f"bare `python -c pass` {ms(bare)}", took / bare, "≤ 1.5 s")


# ----------------------------------------------------------------------------- the real server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(pid: int) -> list[int]:
    """The process and all its descendants (a server's workers and its counters' process)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return out


def rss_mb(pid: int, field: str = "Pss") -> float:
    """Memory of a process and its descendants: the sum of their proportional set sizes (a page
    shared by n processes counts 1/n in each: forked workers sharing the index count it once)."""
    total = 0
    for p in tree(pid):
        try:
            rollup = Path(f"/proc/{p}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        total += sum(int(line.split()[1]) for line in rollup if line.startswith(f"{field}:"))
    return total / 1024


def post(port: int, body: bytes) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/api/ask", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def serve(index_dir: Path, corpus: Path, label: str, clients: list[int], per_client: int, torch_encode: float,
          options: tuple[str, ...] = ()) -> None:
    port = free_port()
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "qa.cli", "--corpus", str(corpus), "serve", "--index", str(index_dir),
                               "--port", str(port), "--rate-limit", "off", *options], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, env=env, text=True)
    try:
        server.stdout.readline()  # "reportqa is ready ..."
        label = f"{label}; {server.stdout.readline().strip().split(',')[0]}"  # "2 worker processes of 4 threads"
        bare = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3)"])
        time.sleep(1)
        bare_rss = rss_mb(bare.pid)
        bare.wait()
        counter = [10_000 * len(label) + 1_000_000 * len(options)]
        lock = threading.Lock()
        for n_clients in clients:
            times, errors = [], []

            def client():
                for _ in range(per_client):
                    with lock:
                        counter[0] += 1
                        body = json.dumps({"question": unique(counter[0])}).encode()
                    started = time.perf_counter()
                    try:
                        status = post(port, body)
                    except Exception as exc:  # noqa: BLE001 - a failure of any kind is counted
                        status = type(exc).__name__
                    took = time.perf_counter() - started
                    with lock:
                        (times.append(took) if status == 200 else errors.append(status))

            post(port, json.dumps({"question": "warm up"}).encode())
            threads = [threading.Thread(target=client) for _ in range(n_clients)]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            wall = time.perf_counter() - started
            rate = len(times) / wall
            goal = ("≥ 150/s, p95 ≤ 400 ms, 0 errors" if label.startswith("seeds") else "≥ 100/s, p95 ≤ 400 ms, 0 errors") if n_clients == 32 else "0 errors"
            row(f"server, {n_clients} client{'s' * (n_clients > 1)} ({label})",
                f"{rate:.1f} answers/s, p50 {ms(p(times, 0.5))}, p95 {ms(p(times, 0.95))}, {len(errors)} errors of {len(times) + len(errors)}",
                f"one torch encode: {1 / torch_encode:.0f}/s", rate * torch_encode, goal)
        rss = rss_mb(server.pid)
        row(f"server memory after the load, all its processes' PSS ({label}; RSS summed: {rss_mb(server.pid, 'Rss'):.0f} MB)",
            f"{rss:.0f} MB", f"bare Python {bare_rss:.0f} MB", rss / bare_rss, "≤ 450 MB" if label.startswith("seeds") else "")
    finally:
        server.terminate()
        server.wait(30)


# ----------------------------------------------------------------------------- builds


def builds(seed_corpus: Path, tmp: Path) -> tuple[Path, Path]:
    """Build the seeds' index from nothing, then add one report to a four-report index."""
    from qa.corpus.add import remove_report
    from qa.chunk import chunk_report
    from qa.corpus.catalogue import load_catalogue
    from qa.index.encoder.model import load_model
    from qa.index.format import BuildSettings
    from qa.index.build import build_index
    from qa.index.units import embedding_units
    from qa.index.load import load_index
    from qa.chunk.sentences import split_sentences

    reports = load_catalogue(seed_corpus)
    by_id = {r.id: r for r in reports}

    def texts(rs):
        ps = [p for r in rs for p in chunk_report(r, seed_corpus).passages]
        return [t for _, t in embedding_units(ps, by_id, BuildSettings())] + [s.text for q in ps for s in split_sentences(q.text)]

    model = load_model("cpu")
    all_texts = texts(reports)
    model.encode(all_texts[:16], show_progress_bar=False)
    bare_all = min(timed(lambda: model.encode(all_texts, normalize_embeddings=True, show_progress_bar=False), 1))
    index_dir = tmp / "seeds-index"
    build = min(timed(lambda: build_index(seed_corpus, index_dir, progress=False, incremental=False), 1))
    row(f"build the seeds' index from nothing ({len(reports)} reports, {len(all_texts)} texts)", ms(build),
        f"bare torch encode of its texts {ms(bare_all)}", build / bare_all)

    last = reports[-1]
    four = tmp / "four"
    shutil.copytree(seed_corpus, four)
    full = (four / "catalogue.toml").read_text(encoding="utf-8")
    remove_report(last.id, four, delete_file=False)
    build_index(four, tmp / "four-index", progress=False)
    (four / "catalogue.toml").write_text(full, encoding="utf-8")
    one = texts([last])
    bare_one = min(timed(lambda: model.encode(one, normalize_embeddings=True, show_progress_bar=False), 1))
    add = min(timed(lambda: build_index(four, tmp / "four-index", progress=False), 1))
    assert load_index(tmp / "four-index", four).manifest["embedded_reports"] == 1
    row(f"add one report to the seeds' index ({len(one)} texts)", ms(add), f"bare torch encode of its texts {ms(bare_one)}",
        add / bare_one, "≤ 10 s (whole archive)")
    return index_dir, seed_corpus


# ----------------------------------------------------------------------------- search at size


def synthetic(base: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """n unit vectors: the base vectors repeated, each copy moved by a little noise (cosine ~0.93
    to its original), so that repetitions are not exact ties."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        chunk = base[np.arange(start, stop) % len(base)] + rng.normal(0, 0.02, (stop - start, base.shape[1])).astype(np.float32)
        out[start:stop] = chunk / np.linalg.norm(chunk, axis=1, keepdims=True)
    return out


def at_size(index, sizes: list[int], repeat: int, label: str) -> None:
    """Search latency at each size; the vectors are the index's own (units and sentences) repeated
    with noise, so the fewer there are, the more near-duplicates each size holds (the seeds' 665
    vectors make 1,500 copies of each at 1M: a hard case for any approximate index)."""
    import faiss

    from qa.retrieve.question_vector import encode_query
    from qa.index.vectors import faiss_index

    base = np.concatenate([np.asarray(index.unit_vectors), index.sentence_vectors])
    queries = np.stack([encode_query(q) for q in questions()[:50]])
    for n in sizes:
        vectors = synthetic(base, n)
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(vectors)
        _, exact = flat.search(queries, 10)
        flat_t = statistics.median([t for q in queries for t in timed(lambda: flat.search(q[None], 10), 1)][: repeat * 10])
        started = time.perf_counter()
        hnsw = faiss_index(vectors, "hnsw")
        built = time.perf_counter() - started
        _, found = hnsw.search(queries, 10)
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, found)]))
        hnsw_t = statistics.median([t for q in queries for t in timed(lambda: hnsw.search(q[None], 10), 1)])
        goal = "≤ 10 ms, recall@10 ≥ 0.95" if n >= 1_000_000 else ""
        row(f"search top 10 of {n:,} vectors ({label}): HNSW (M 32, efSearch {hnsw.hnsw.efSearch})",
            f"{hnsw_t * 1000:.2f} ms, recall@10 {recall:.3f} (graph built in {built:.0f} s)",
            f"exact (flat) {flat_t * 1000:.2f} ms", hnsw_t / flat_t, goal)


# ----------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized: few requests, 1k and 10k vectors")
    parser.add_argument("--sizes", default=None, help="comma-separated vector counts (default 1000,10000,100000,1000000)")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: build,ask,scale,server,size")
    parser.add_argument("--per-client", type=int, default=None, help="questions each server client asks (default 12; 3 with --quick)")
    parser.add_argument("--serve", action="append", default=None, metavar="OPTIONS",
                        help="`reportqa serve` options to measure the server with, e.g. '--workers 1 --threads 8' "
                             "(repeatable; default: its defaults)")
    parser.add_argument("--archive-corpus", type=Path, default=None)
    parser.add_argument("--archive-index", type=Path, default=None)
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    repeat = 10 if args.quick else 40
    clients, per_client = ([1, 8, 32], 3) if args.quick else ([1, 8, 32], 12)
    per_client = args.per_client or per_client
    sizes = [int(s) for s in (args.sizes or ("1000,10000" if args.quick else "1000,10000,100000,1000000")).split(",")]
    load_before = os.getloadavg()
    print(f"{os.cpu_count()} CPU cores; load average before {load_before[0]:.2f}", file=sys.stderr)

    from qa.evals.harness import gold_corpus
    from qa.index.build import build_index
    from qa.index.load import load_index

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        corpus = gold_corpus(tmp / "seeds")
        torch_encode = bare_torch_encode(repeat)
        if "build" not in skip:
            index_dir, corpus = builds(corpus, tmp)
        else:
            index_dir = tmp / "seeds-index"
            build_index(corpus, index_dir, progress=False)
        index = load_index(index_dir, corpus)
        if "ask" not in skip:
            in_process(index, "seeds", torch_encode, repeat)
            load_cost(index_dir, corpus, "seeds", repeat)
            shell_ask(index_dir, corpus, "seeds")
        if "scale" not in skip:
            at_scale(index, 10_000 if args.quick else 100_000, repeat)
        if "server" not in skip:
            for options in args.serve or [""]:
                serve(index_dir, corpus, "seeds", clients, per_client, torch_encode, tuple(options.split()))
        archive = None
        if args.archive_index:
            archive = load_index(args.archive_index, args.archive_corpus, check_stale=False)
            m = archive.manifest
            label = f"whole archive, {m['passages']:,} passages"
            if "ask" not in skip:
                in_process(archive, label, torch_encode, repeat)
                load_cost(args.archive_index, args.archive_corpus, label, max(3, repeat // 10))
                shell_ask(args.archive_index, args.archive_corpus, label)
            if "server" not in skip:
                for options in args.serve or [""]:
                    serve(args.archive_index, args.archive_corpus, label, [32], per_client, torch_encode, tuple(options.split()))
            row(f"build the whole archive's index ({m['reports']} reports, {m['units']:,} units, {m['sentences']:,} sentences)",
                f"{m['build_seconds'] / 60:.1f} min (its last build, from its manifest: whole or incremental)", "", "", "≤ 15 min")
        if "size" not in skip:
            if archive is not None:
                at_size(archive, sizes, repeat, f"the archive's {archive.faiss.ntotal + len(archive.sentence_vectors):,} vectors repeated")
            else:
                at_size(index, sizes, repeat, f"the seeds' {index.faiss.ntotal + len(index.sentence_vectors):,} vectors repeated")

    load_after = os.getloadavg()
    print(f"\n{os.cpu_count()} CPU cores; load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
          f"{time.strftime('%Y-%m-%d %H:%M')}\n")
    print("| measure | value | bare baseline, same run | ratio | goal |")
    print("|---|---|---|---|---|")
    for r in ROWS:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
