"""Measure how the served app holds up: the figures of the README's "Reliability" table.

Run: .venv/bin/python -m tools.probe [flood|threads|rebuild|ratelimit|schema ...] (default: all)
Every server it starts listens on 127.0.0.1 only, on a free port, and is stopped at the end;
the rebuild probe works on a copy of the index in a temporary folder.

  flood      idle connections held open, then one client asks: how long until it is answered,
             under gunicorn's own threaded worker and under `reportqa serve` (web.server.Worker)
  threads    16 clients asking at once: answers per second and latency for 2, 4, 8, 16 threads,
             and how long /healthz takes meanwhile
  rebuild    `reportqa index` run on the served index while 4 clients keep asking: failed
             requests, and how long after the publish /healthz names the new build
  ratelimit  40 searches from one client under the default limit: how many 200s and 429s
  schema     schemathesis against /api/openapi.json with every check: requests and failures
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

QUESTION = "/api/search?q=" + quote("Do young people who have left care pay council tax?") + "&k=3"
ASK = json.dumps({"question": "What did inspectors say about care leavers?"}).encode()


def request(port: int, path: str = "/healthz", body: bytes | None = None, timeout: float = 60) -> tuple[int, dict, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("POST" if body else "GET", path, body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), json.loads(r.read() or b"{}")
    finally:
        conn.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served:
    """`reportqa serve` (gunicorn with `web.server.Worker`) with `options`, or, with options None,
    the app under gunicorn's own threaded worker with its defaults: a process on a free port."""

    def __init__(self, index_dir: Path, corpus_dir: Path, options: list[str] | None):
        self.port = free_port()
        env = os.environ | {"HF_HUB_OFFLINE": "1", "REPORTQA_INDEX": str(index_dir), "REPORTQA_CORPUS": str(corpus_dir)}
        if options is None:
            cmd = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--worker-class", "gthread",
                   "--preload", "--bind", f"127.0.0.1:{self.port}", "web.app:create_app(watch_now=False)"]
        else:
            cmd = [sys.executable, "-m", "qa.cli", "serve", "--port", str(self.port), "--rate-limit", "off", *options]
        self._process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         start_new_session=True)
        deadline = time.monotonic() + 120
        while True:
            try:
                request(self.port, timeout=2)
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.3)

    def stop(self) -> None:
        os.killpg(self._process.pid, signal.SIGTERM)
        self._process.wait(30)


def probe_flood(index_dir: Path, corpus_dir: Path) -> None:
    print("idle-connection flood: time until one more client is answered")
    for label, options in (("gunicorn's own threaded worker (2 workers of 4 threads)", None),
                           ("reportqa serve (2 workers of 4 threads, 1000 connections each, 15 s idle)",
                            ["--workers", "2"])):
        for n in (100, 200, 1200):
            server = Served(index_dir, corpus_dir, options)
            held, unconnected = [], 0
            try:
                for _ in range(n):
                    try:
                        held.append(socket.create_connection(("127.0.0.1", server.port), timeout=2))
                    except OSError:  # the listen backlog is full too
                        unconnected += 1
                started = time.perf_counter()
                try:
                    status = request(server.port, QUESTION, timeout=25)[0]
                    result = f"{status} after {time.perf_counter() - started:.2f} s"
                except (TimeoutError, socket.timeout):
                    result = "no answer within 25 s"
            finally:
                for s in held:
                    s.close()
                server.stop()
            print(f"  {label}, {n} idle{f' ({unconnected} could not connect)' if unconnected else ''}: {result}")


def probe_threads(index_dir: Path, corpus_dir: Path) -> None:
    questions = [json.loads(line)["question"] for line in Path("evals/questions.jsonl").read_text().splitlines()]
    print("16 clients asking at once (/api/ask), 3 different questions each (no two alike in a run)")
    for threads in (2, 4, 8, 16):
        server = Served(index_dir, corpus_dir, ["--workers", "1", "--threads", str(threads)])
        latencies, health = [], []
        try:
            request(server.port, "/api/ask", ASK)  # warm up

            def client(n: int):
                for j in range(3):  # each run asks the questions with other words, so no cache helps
                    body = json.dumps({"question": f"{questions[(n * 3 + j) % len(questions)]} ({threads})"}).encode()
                    t = time.perf_counter()
                    assert request(server.port, "/api/ask", body)[0] == 200
                    latencies.append(time.perf_counter() - t)

            clients = [threading.Thread(target=client, args=(n,)) for n in range(16)]
            started = time.perf_counter()
            for c in clients:
                c.start()
            while any(c.is_alive() for c in clients):
                t = time.perf_counter()
                request(server.port, "/healthz")
                health.append(time.perf_counter() - t)
                time.sleep(0.2)
            elapsed = time.perf_counter() - started
        finally:
            server.stop()
        q = statistics.quantiles(latencies, n=20)
        print(f"  {threads:>2} threads: {len(latencies) / elapsed:.2f} answers/s, p50 {q[9]:.2f} s, p95 {q[18]:.2f} s; "
              f"/healthz meanwhile p50 {statistics.median(health) * 1000:.0f} ms, max {max(health) * 1000:.0f} ms")


def probe_rebuild(index_dir: Path, corpus_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "index"
        copy.mkdir()
        build = (index_dir / "current").resolve()
        shutil.copytree(build, copy / build.name)
        (copy / "current").symlink_to(build.name)
        server = Served(copy, corpus_dir, ["--workers", "2"])
        results, stop = Counter(), threading.Event()

        def client(path, body=None):
            while not stop.is_set():
                try:
                    results[request(server.port, path, body)[0]] += 1
                except Exception as exc:  # noqa: BLE001 - a failure of any kind is counted
                    results[type(exc).__name__] += 1

        paths = [(QUESTION, None), ("/api/ask", ASK), ("/healthz", None), ("/api/reports", None)]
        clients = [threading.Thread(target=client, args=p) for p in paths]
        try:
            for c in clients:
                c.start()
            started = time.perf_counter()
            rebuild = subprocess.Popen([sys.executable, "-m", "qa.cli", "--corpus", str(corpus_dir), "index", "--index",
                                        str(copy)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       env=os.environ | {"PYTHONPATH": os.getcwd()})
            while os.readlink(copy / "current") == build.name:  # the moment the rebuild publishes
                time.sleep(0.005)
            published = time.perf_counter()
            new = os.readlink(copy / "current")
            while request(server.port)[2]["index"] != new:
                time.sleep(0.01)
            seen = time.perf_counter()
            assert rebuild.wait(120) == 0
            time.sleep(1)
        finally:
            stop.set()
            for c in clients:
                c.join(60)
            server.stop()
        ok = results.pop(200, 0)
        print(f"rebuild under load: {ok} requests answered 200 during a {published - started:.0f} s rebuild, "
              f"failures {dict(results) or 0}; the new build served {seen - published:.2f} s after the publish")


def probe_ratelimit(index) -> None:
    from web.app import create_app
    from web.limits import DEFAULT

    client = create_app(index, rate_limit=DEFAULT).test_client()
    statuses = Counter()
    retry = None
    for _ in range(40):
        r = client.get(QUESTION)
        statuses[r.status_code] += 1
        retry = r.headers.get("Retry-After", retry)
    print(f"rate limit {DEFAULT}: 40 searches from one client -> {dict(statuses)}, Retry-After {retry} s")


def schemathesis_run(app, max_examples: int = 100) -> dict:
    """Schemathesis with every check against the app in-process; what it sent and what failed."""
    import schemathesis
    from schemathesis.config import SchemathesisConfig
    from schemathesis.engine import Status, events, from_schema

    config = SchemathesisConfig.from_dict({
        "generation": {"max-examples": max_examples, "deterministic": True},
        "checks": {"enabled": True},
        "continue-on-failure": True,
    })
    from hypothesis.configuration import set_hypothesis_home_dir

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app, config=config)
    started = time.perf_counter()
    requests, checks, failures, errors, operations = 0, Counter(), Counter(), [], set()
    with tempfile.TemporaryDirectory(prefix="reportqa-hypothesis-") as home:
        set_hypothesis_home_dir(home)  # hypothesis's caches go here, not into the working tree
        try:
            events_seen = list(from_schema(schema).execute())
        finally:
            set_hypothesis_home_dir(None)
    for event in events_seen:
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.label)
            requests += len(event.recorder.cases)
            for case_id, nodes in event.recorder.checks.items():
                for node in nodes:
                    checks[node.name] += 1
                    if node.status == Status.FAILURE:
                        case = event.recorder.cases[case_id].value
                        failures[(event.label, node.name, str(node.failure_info.failure).strip()[:300],
                                  f"{case.method} {case.path} query={case.query} body={str(case.body)[:200]}")] += 1
        elif isinstance(event, (events.NonFatalError, events.FatalError)):
            errors.append(repr(getattr(event, "__dict__", event)))
    return {"requests": requests, "checks": checks, "failures": failures, "errors": errors,
            "operations": operations, "seconds": time.perf_counter() - started}


def probe_schema(app) -> None:
    run = schemathesis_run(app)
    print(f"schemathesis: {run['requests']} requests to {len(run['operations'])} operations, "
          f"{sum(run['checks'].values())} checks of {len(run['checks'])} kinds, "
          f"{sum(run['failures'].values())} failures, {len(run['errors'])} errors, {run['seconds']:.0f} s")


def main(which: list[str]) -> None:
    import logging

    from qa.corpus.catalogue import default_corpus_dir
    from qa.index.format import default_index_dir
    from qa.index.load import load_index

    from web.app import create_app

    logging.basicConfig(level=logging.ERROR)
    which = which or ["flood", "threads", "rebuild", "ratelimit", "schema"]
    index = load_index()
    app = create_app(index)
    from qa.index.encoder.encode import encode

    encode(["warm up"], progress=False)
    print(f"{os.cpu_count()} CPU cores")
    for name in which:
        folders = (default_index_dir().resolve(), default_corpus_dir().resolve())
        {"flood": lambda: probe_flood(*folders), "threads": lambda: probe_threads(*folders),
         "rebuild": lambda: probe_rebuild(*folders), "ratelimit": lambda: probe_ratelimit(index),
         "schema": lambda: probe_schema(app)}[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
