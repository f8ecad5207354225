"""Measure what the WSGI server choice means for users: a client's wait behind idle connections.

Run: .venv/bin/python tools/serving_compare.py [INDEX_DIR] [CORPUS_DIR]
Starts the app on 127.0.0.1 under gunicorn (threaded workers, preloaded app, 2 workers of 4 threads,
as `reportqa serve` would) and under `reportqa serve` (waitress in forked workers), opens 200 idle
connections (connected, nothing sent, as a careless or hostile client leaves them), then times one
ordinary GET /healthz. Every server listens on loopback only and is stopped at the end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IDLE = 200


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("server did not start")


def measure(name: str, cmd: list[str], port: int, env: dict) -> None:
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_ready(port)
        started = time.perf_counter()
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=60).read()
        quiet = time.perf_counter() - started
        idle = [socket.create_connection(("127.0.0.1", port)) for _ in range(IDLE)]
        time.sleep(0.5)
        started = time.perf_counter()
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=60).read()
            flooded = f"{time.perf_counter() - started:.2f} s"
        except OSError as exc:
            flooded = f"no answer within 60 s ({exc})"
        for s in idle:
            s.close()
        print(f"{name:10} GET /healthz alone: {quiet * 1000:.1f} ms; behind {IDLE} idle connections: {flooded}", flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)


def main(index_dir: str = "index", corpus_dir: str = "corpus") -> None:
    env = os.environ | {"HF_HUB_OFFLINE": "1", "REPORTQA_INDEX": str(Path(index_dir).resolve()),
                        "REPORTQA_CORPUS": str(Path(corpus_dir).resolve())}
    py = sys.executable
    port = free_port()
    measure("gunicorn", [py, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--worker-class", "gthread",
                         "--preload", "--keep-alive", "15", "--bind", f"127.0.0.1:{port}",
                         "web.app:create_app()"], port, env)
    port = free_port()
    measure("waitress", [py, "-m", "qa.cli", "serve", "--workers", "2", "--port", str(port)], port, env)


if __name__ == "__main__":
    main(*sys.argv[1:])
