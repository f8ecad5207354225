"""Benchmark: index load, search and answer cost, as ratios against bare baselines in the same run.

Run: .venv/bin/python evals/bench.py [--repeat N]

Prints figures only (this machine is noisy; nothing here is asserted):
- index load (manifest checks, passage store, FAISS, BM25, sentence vectors) against reading the
  same files' bytes from disk;
- model load, once;
- search and answer per question (query embedding included) against a bare FAISS search of one
  precomputed vector;
- resident memory after loading, against the process before loading.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def main(repeat: int) -> None:
    from qa.index import default_index_dir, ensure_index, load_index

    before = rss_mb()
    ensure_index(build_missing=True)
    path = (default_index_dir() / "current").resolve()
    files = [p for p in path.rglob("*") if p.is_file()]
    raw = statistics.median(timed(lambda: [f.read_bytes() for f in files], repeat))
    load = statistics.median(timed(lambda: load_index(check_stale=False), repeat))
    checked = statistics.median(timed(lambda: load_index(), repeat))
    index = load_index()
    print(f"index: {len(index.passages)} passages, {index.faiss.ntotal} vectors, "
          f"{sum(f.stat().st_size for f in files) / 1e6:.1f} MB on disk")
    print(f"load index           {load * 1000:8.1f} ms   = {load / raw:6.1f} x reading its bytes ({raw * 1000:.1f} ms)")
    print(f"load + stale check   {checked * 1000:8.1f} ms   = {checked / raw:6.1f} x reading its bytes")

    from qa.embed import clear_query_cache, encode, load_model

    started = time.perf_counter()
    load_model()
    print(f"load model (once)    {(time.perf_counter() - started) * 1000:8.1f} ms")
    encode(["warm up"], progress=False)

    from qa.answer import Answerer
    from qa.retrieve import Retriever

    retriever = Retriever(index)
    answerer = Answerer(retriever)
    questions = ["Do young people who have left care pay council tax?", "What did inspectors say about care leavers?",
                 "Did the 2014 action plan on foster carers get done?", "What keeps coming back across inspections?"]
    vector = encode([questions[0]], progress=False)
    bare = statistics.median(timed(lambda: index.faiss.search(vector, 10), repeat * 10))

    def each(fn):
        times = []
        for q in questions:
            for _ in range(repeat):
                clear_query_cache()
                started = time.perf_counter()
                fn(q)
                times.append(time.perf_counter() - started)
        return statistics.median(times)

    search = each(lambda q: retriever.search(q, k=10))
    answer = each(lambda q: answerer.answer(q))
    print(f"bare FAISS search    {bare * 1000:8.3f} ms")
    print(f"search (hybrid)      {search * 1000:8.1f} ms   = {search / bare:8.0f} x bare FAISS search")
    print(f"answer               {answer * 1000:8.1f} ms   = {answer / bare:8.0f} x bare FAISS search")
    print(f"memory               {rss_mb():8.0f} MB peak RSS   ({rss_mb() / before:.1f} x the process before loading, "
          f"{before:.0f} MB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    main(parser.parse_args().repeat)
