"""The app served as `reportqa serve` serves it (gunicorn, on a free loopback port): idle connections
do not lock clients out, the server's own errors are JSON, a newly published index is served
without a restart by every worker, clients over their rate limit get 429. Every server here
listens on 127.0.0.1 only, and every test stops what it starts (servers, processes, sockets)."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest


ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def serving(app):
    """The app in a thread on a free loopback port (werkzeug's server), stopped on exit."""
    from web.server import ThreadedServer

    with ThreadedServer(app) as server:
        yield server.port


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def reportqa_serve(corpus, index_dir, *options: str):
    """`reportqa serve` (gunicorn) in a process of its own on a free loopback port: (port, process),
    once it says it is ready; stopped with SIGTERM on exit."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "qa.cli", "--corpus", str(corpus), "serve", "--index",
                               str(index_dir), "--port", str(port), *options],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    try:
        assert "ready" in server.stdout.readline()
        yield port, server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


@pytest.fixture(scope="module")
def served(index_dir, seed_corpus):
    """One `reportqa serve --workers 1` for the tests that only send it requests."""
    with reportqa_serve(seed_corpus, index_dir, "--workers", "1", "--rate-limit", "off") as (port, _):
        yield port


def get(port: int, path: str, timeout: float = 30) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"{}")
    finally:
        conn.close()


@pytest.fixture()
def own_index(index_dir, tmp_path):
    """A private copy of the session's index (its build and `current` link), free to re-publish."""
    build = (index_dir / "current").resolve()
    copy = tmp_path / "index"
    copy.mkdir()
    shutil.copytree(build, copy / build.name)
    (copy / "current").symlink_to(build.name)
    return copy


def publish_copy(index_dir, name: str):
    """What `reportqa index` does at its end: a new build folder, the `current` link swapped to it
    atomically, the older builds deleted (the one the server loaded among them)."""
    from qa.index.folders import publish

    build = (index_dir / "current").resolve()
    shutil.copytree(build, index_dir / name)
    publish(index_dir, index_dir / name)
    assert not build.exists()


def test_a_published_index_is_served_without_a_restart_and_without_a_failed_request(own_index):
    from web.app import create_app

    app = create_app(index_dir=own_index)
    first = (own_index / "current").resolve().name
    results, stop = [], threading.Event()

    def client(path: str):
        while not stop.is_set():
            try:
                status, body = get(port, path)
                results.append(status)
            except Exception as exc:  # a dropped connection counts as a failure too
                results.append(repr(exc))

    with serving(app) as port:
        assert get(port, "/healthz")[1]["index"] == first
        paths = ["/api/search?q=" + quote("care leavers council tax") + "&k=3", "/healthz", "/api/reports",
                 "/api/passages/" + quote("ofsted-ilacs-2024#41", safe="")]
        clients = [threading.Thread(target=client, args=(p,)) for p in paths]
        for t in clients:
            t.start()
        time.sleep(1.0)
        publish_copy(own_index, "build-20990101T000000-1")
        published = time.monotonic()
        while get(port, "/healthz")[1]["index"] != "build-20990101T000000-1":
            assert time.monotonic() - published < 2.0, "the new build was not served within 2 s"
            time.sleep(0.05)
        time.sleep(1.0)  # keep the load on after the swap
        stop.set()
        for t in clients:
            t.join(30)
        health = get(port, "/healthz")[1]
    app.extensions["reportqa"]["live"].stop_watching()
    failures = [r for r in results if r != 200]
    assert len(results) > 20 and failures == [], failures[:5]
    assert health["index"] == "build-20990101T000000-1" and health["passages"] == 133


def test_a_build_that_cannot_be_loaded_is_skipped_and_the_old_one_kept(own_index, caplog):
    from web.app import create_app

    app = create_app(index_dir=own_index)
    live = app.extensions["reportqa"]["live"]
    live.interval = 0.1
    client = app.test_client()
    first = client.get("/healthz").get_json()["index"]

    def point_at(name: str):
        (own_index / ".tmp").symlink_to(name)
        (own_index / ".tmp").replace(own_index / "current")
        time.sleep(0.15)
        assert client.get("/healthz").status_code == 200  # notices the change, loads in the background
        live.wait(10)

    broken = own_index / "build-20990101T000000-2"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    point_at(broken.name)
    for _ in range(3):
        time.sleep(0.15)
        r = client.get("/api/search?q=care+leavers&k=1")
        assert r.status_code == 200 and client.get("/healthz").get_json()["index"] == first
    assert "cannot be loaded" in caplog.text
    shutil.copytree(own_index / first, own_index / "build-20990101T000000-3")
    point_at("build-20990101T000000-3")  # the next good build is taken
    assert client.get("/healthz").get_json()["index"] == "build-20990101T000000-3"
    live.stop_watching()
    live._watcher.join(5)
    assert not live._watcher.is_alive()


def test_an_app_given_an_index_does_not_watch_unless_asked(index):
    from web.app import create_app

    assert create_app(index).extensions["reportqa"]["live"].watch is None
    assert create_app(index, reload=True).extensions["reportqa"]["live"].watch == index.path.parent / "current"


def test_a_client_over_its_rate_limit_gets_429_json_with_retry_after(index):
    from web.app import create_app

    app = create_app(index, rate_limit="3/minute")
    client = app.test_client()
    for _ in range(3):
        r = client.get("/api/search?q=care+leavers&k=1")
        assert r.status_code == 200 and r.headers["X-RateLimit-Limit"] == "3"
    r = client.get("/api/search?q=care+leavers&k=1")
    assert r.status_code == 429 and r.is_json
    assert r.get_json()["error"] == "too many requests: at most 3 per 1 minute per client; retry later"
    assert 0 < int(r.headers["Retry-After"]) <= 60
    assert r.headers["X-Frame-Options"] == "DENY"  # the security headers too
    # another client is not limited by this one; nor are the cheap endpoints; /api/ask counts on its own
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert other.get("/api/search?q=care+leavers&k=1").status_code == 200
    assert client.get("/healthz").status_code == 200 and client.get("/api/reports").status_code == 200
    assert client.post("/api/ask", json={"question": "care leavers"}).status_code == 200


def test_rate_limits_are_off_unless_configured_and_checked_when_they_are(index, monkeypatch):
    from web.app import create_app
    from web.limits import DEFAULT, ENV, parse_rate, rate_from_env

    client = create_app(index).test_client()
    assert all(client.get("/api/search?q=care&k=1").status_code == 200 for _ in range(40))
    assert parse_rate("off") is None and parse_rate(None) is None and parse_rate("10/second;100/hour")
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate("lots")
    monkeypatch.delenv(ENV, raising=False)
    assert rate_from_env() == DEFAULT
    monkeypatch.setenv(ENV, "5/minute")
    assert rate_from_env() == "5/minute"
    monkeypatch.setenv(ENV, "off")
    assert rate_from_env() is None


@contextmanager
def idle_sockets(port: int, n: int):
    """n connections to the server that send nothing (a flood of idle clients), all closed on exit."""
    import socket

    held = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.settimeout(5)
            s.connect(("127.0.0.1", port))  # completes in the kernel's backlog even when not accepted
            held.append(s)
        yield held
    finally:
        for s in held:
            s.close()


ASK = ("/api/search?q=" + quote("Do young people who have left care pay council tax?") + "&k=3")


def test_200_idle_connections_do_not_lock_out_a_client(served):
    with idle_sockets(served, 200):
        started = time.perf_counter()
        status, body = get(served, ASK, timeout=10)
        assert status == 200 and body["results"][0]["id"] == "ofsted-ilacs-2024#41"
        assert time.perf_counter() - started < 5


def test_with_gunicorns_own_worker_the_same_flood_locks_a_client_out(index_dir, seed_corpus):
    """Why `web.server.Worker` exists: gunicorn's threaded worker waits for a new connection's
    first bytes in a thread (up to 5 s each), so a client waits behind the idle sockets."""
    port = free_port()
    env = {"HF_HUB_OFFLINE": "1", "REPORTQA_INDEX": str(index_dir), "REPORTQA_CORPUS": str(seed_corpus),
           "PATH": "/usr/bin:/bin"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "1", "--threads", "4", "--worker-class",
                               "gthread", "--bind", f"127.0.0.1:{port}", "web.app:create_app(watch_now=False)"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                get(port, "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        with idle_sockets(port, 200):
            with pytest.raises((socket.timeout, TimeoutError)):
                get(port, ASK, timeout=3)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def test_idle_connections_beyond_the_limit_are_closed_after_the_channel_timeout(index_dir, seed_corpus):
    with reportqa_serve(seed_corpus, index_dir, "--workers", "1", "--connection-limit", "40",
                        "--channel-timeout", "2", "--rate-limit", "off") as (port, _), idle_sockets(port, 80):
        started = time.perf_counter()
        status, _ = get(port, "/healthz", timeout=60)
        waited = time.perf_counter() - started
    # it waits behind the idle ones until they are closed (2 s, checked about every second), and no
    # longer than a loaded machine takes to do so: were they never closed, it would never be answered
    assert status == 200 and 1.0 < waited < 30.0, waited


def raw(port: int, data: bytes, timeout: float = 5) -> tuple[str, dict, bytes]:
    """Send bytes as they are; the status line, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        got = b""
        try:
            while chunk := s.recv(65536):
                got += chunk
                head, sep, body = got.partition(b"\r\n\r\n")
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if sep and length and len(body) >= int(length.group(1)):
                    break  # the whole answer: the server may keep the connection open for more
        except ConnectionResetError:  # the server closes after an error; the answer came first
            pass
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return lines[0], headers, body


@pytest.mark.parametrize("request_bytes, status, reason", [
    (b"GET /healthz HTTP/1.1\nHost: x\n\n", "400", "bare LF"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\nX: 1\r\n\r\n", "400", "Invalid HTTP Header"),
    (b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "400", "CONTENT-LENGTH"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", "400", "Invalid HTTP Header"),
    (b"GET http://[::1/ HTTP/1.1\r\nHost: x\r\n\r\n", "400", "Invalid HTTP request line"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 70_000 + b"\r\n\r\n", "431", "header fields too large"),
    (b"POST /api/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 300000\r\n\r\n", "413",
     "body too large (at most 256 KB)"),
    (b"POST /api/ask HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "400", "TRANSFER-ENCODING"),
    (b"nonsense\r\n\r\n", "400", "Invalid HTTP request line"),
])
def test_errors_from_the_server_itself_are_json_and_immediate(served, request_bytes, status, reason):
    started = time.perf_counter()
    line, headers, body = raw(served, request_bytes)
    assert time.perf_counter() - started < 3
    assert line.split()[1] == status, line
    assert headers["content-type"] == "application/json" and reason in json.loads(body)["error"]
    assert headers["x-content-type-options"] == "nosniff" and headers["x-frame-options"] == "DENY"


def test_serve_options_reach_gunicorn_and_bad_values_are_refused(capsys):
    from qa.cli import build_parser, main
    from web.settings import ServeSettings

    args = build_parser().parse_args(["serve", "--threads", "2", "--connection-limit", "50", "--channel-timeout", "5",
                                      "--rate-limit", "off", "--trusted-proxy", "127.0.0.1", "--workers", "3"])
    settings = ServeSettings(args.threads, args.connection_limit, args.channel_timeout, args.trusted_proxy, args.workers)
    options = settings.gunicorn("127.0.0.1:8000")
    assert (options["threads"], options["worker_connections"], options["keepalive"], options["workers"]) == (2, 50, 5, 3)
    assert options["worker_class"] == "web.server.Worker" and options["preload_app"] is True
    defaults = build_parser().parse_args(["serve"])
    assert (defaults.threads, defaults.connection_limit, defaults.channel_timeout) == (4, 1000, 15)
    assert main(["serve", "--rate-limit", "lots"]) == 2 and "not a rate" in capsys.readouterr().err
    assert main(["serve", "--threads", "0"]) == 2 and "threads must be at least 1" in capsys.readouterr().err
    assert main(["serve", "--workers", "0"]) == 2 and "workers must be at least 1" in capsys.readouterr().err


def test_a_client_behind_the_trusted_proxy_is_told_apart_and_no_one_else_can_claim_an_address():
    from web.server import TrustedProxy

    seen = []
    app = TrustedProxy(lambda environ, start: seen.append(environ["REMOTE_ADDR"]) or [], "10.0.0.1")
    app({"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7", "wsgi.url_scheme": "http"}, None)
    app({"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "198.51.100.7", "wsgi.url_scheme": "http"}, None)
    assert seen == ["198.51.100.7", "203.0.113.9"]


def test_worker_processes_share_one_socket_and_one_rate_limit_and_stop_together(index_dir, seed_corpus):
    """`reportqa serve --workers 2`: forked workers answer on one port, a client's limit counts its
    requests to any worker, and stopping the server stops every process it started."""
    import signal
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "qa.cli", "--corpus", str(seed_corpus), "serve", "--index",
                               str(index_dir), "--port", str(port), "--workers", "2", "--rate-limit", "4/minute"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                              cwd=Path(__file__).resolve().parent.parent)
    try:
        assert "ready" in server.stdout.readline()
        assert "2 worker processes" in server.stdout.readline()

        def children(pid: int) -> list[int]:
            return [int(c) for task in Path(f"/proc/{pid}/task").glob("*") for c in (task / "children").read_text().split()]

        deadline = time.monotonic() + 30  # the workers are forked once the ready line is out
        while len(children(server.pid)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(children(server.pid)) == 3  # two workers and the counters' process
        statuses = []
        for _ in range(6):  # each on a new connection: the kernel hands them to either worker
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("POST", "/api/ask", body=json.dumps({"question": "Do care leavers pay council tax?"}),
                         headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
            conn.close()
        assert statuses == [200] * 4 + [429] * 2
        started = children(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in started)


def test_every_worker_answers_from_a_rebuild_2_s_after_it_is_published(index_dir, seed_corpus, tmp_path):
    """The watcher loads a published build proactively: a search made 2 s after `reportqa add`
    publishes finds a word only the new build holds, whichever worker answers."""
    from qa.corpus.add import Overrides, add_paths
    from qa.index.build import build_index

    corpus, own = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(seed_corpus, corpus)
    build = (index_dir / "current").resolve()
    own.mkdir()
    shutil.copytree(build, own / build.name)
    (own / "current").symlink_to(build.name)
    report = tmp_path / "new" / "wombat-2026.txt"
    report.parent.mkdir()
    report.write_text("Wombat council scrutiny note\n\n1. The zyzzogeton panel met twice this year to review care "
                      "leavers' accommodation across the county and found it suitable for almost every young person "
                      "it visited, with rent paid on time.\n", encoding="utf-8")
    word = "/api/search?q=zyzzogeton&k=3"
    with reportqa_serve(corpus, own, "--workers", "2", "--rate-limit", "off") as (port, _):
        assert get(port, word)[1]["results"][0]["doc_id"] != "wombat-2026"  # nothing holds the word yet
        [added] = add_paths([report], corpus, Overrides(authority="Oxfordshire", date="2026", kind="council paper"))
        assert added.status == "added", added.detail
        build_index(corpus, own, progress=False)
        time.sleep(2.0)
        workers, found = set(), []
        for _ in range(40):  # new connections: the kernel hands them to either worker
            status, health = get(port, "/healthz")
            workers.add((health["worker"], health["index"]))
            found.append(get(port, word)[1]["results"][0]["doc_id"])
            if len({w for w, _ in workers}) == 2 and len(found) >= 10:
                break
    new = (own / "current").resolve().name
    assert len({w for w, _ in workers}) == 2 and {index for _, index in workers} == {new}
    assert set(found) == {added.doc_id}
