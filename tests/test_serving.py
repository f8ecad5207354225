"""The app served by a real waitress server on a free loopback port: a newly published index is
served without a restart. Every server here listens on 127.0.0.1 only and stops itself."""

from __future__ import annotations

import http.client
import json
import shutil
import threading
import time
from contextlib import contextmanager
from urllib.parse import quote

import pytest


@contextmanager
def serving(app, **adjustments):
    """A waitress server for `app` on a free loopback port, stopped (every socket closed) on exit."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, **adjustments)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield server.effective_port
    finally:  # every socket is closed in the server's own thread, which then leaves its loop
        from waitress import wasyncore

        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(10)
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)


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
    from qa.index import _publish

    build = (index_dir / "current").resolve()
    shutil.copytree(build, index_dir / name)
    _publish(index_dir, index_dir / name)
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

    with serving(app, threads=4) as port:
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
