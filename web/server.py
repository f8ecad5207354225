"""Serving the app with gunicorn, set for a public deployment behind a reverse proxy.

What it does: runs the app under gunicorn's arbiter with its threaded workers: the app (index,
answerer) is loaded once and shared by fork (`preload_app`; the loaded objects frozen out of the
collector so that no worker copies their pages), each worker runs `threads` threads and holds at
most `connection_limit` connections, a connection silent for `channel_timeout` seconds is closed,
a worker that dies is replaced, SIGTERM stops them all gracefully. After the fork each worker loads
its own query encoder (ONNX Runtime's sessions do not survive a fork) and starts watching the
index's `current` link, so a published rebuild is loaded proactively in every worker (`web.live`).

Two things are our own, each measured (docs/reliability.md; `tools/probe.py flood`):
- `Worker` waits for a new connection's first bytes in gunicorn's poller, as gunicorn already does
  for kept-alive ones, instead of in a thread: with gunicorn's own worker a client waited 54.5 s
  behind 200 idle connections (each holds a thread up to 5 s), with this one 0.02 s;
- errors gunicorn answers itself, before the app (a malformed request line or header, headers too
  large), are `{"error": "..."}` with the app's security headers, like every other error.

Client addresses (for rate limits) are taken from the trusted reverse proxy's X-Forwarded-For only
when the connection comes from it (`TrustedProxy`). `ThreadedServer` runs the app in a thread on a
free port for tests and tools (werkzeug's server: not for deployment).

What it does not do: TLS, slow-request (slowloris) defence beyond the timeouts, or buffering of
slow clients: the reverse proxy in front does those (docs/deployment.md).
"""

from __future__ import annotations

import errno
import gc
import json
import logging
import selectors
import threading
import time
from functools import partial

from gunicorn import util
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import TConn, ThreadWorker
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import make_server

from web.security import HEADERS
from web.settings import ServeSettings

log = logging.getLogger("reportqa.web")


# ----------------------------------------------------------------------------- gunicorn's worker


def json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's error response (`gunicorn.util.write_error`), as JSON with the security headers."""
    body = json.dumps({"error": f"{reason.lower()}: {mesg}"}).encode("utf-8")
    head = [f"HTTP/1.1 {status_int} {reason}", "Connection: close", "Content-Type: application/json",
            f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in HEADERS)]
    util.write_nonblock(sock, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


class Worker(ThreadWorker):
    """gunicorn's threaded worker; a new connection waits for its first bytes in the poller (no
    thread held by a silent client) and errors before the app are JSON."""

    def init_process(self):
        util.write_error = json_error  # in this worker process only: the arbiter's module is untouched
        super().init_process()

    def accept(self, listener):
        try:
            client, address = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, client, address, listener.getsockname())  # non-blocking until it is read
        conn.timeout = time.monotonic() + self.cfg.keepalive  # closed by murder_pending when silent so long
        self.pending_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))


# ----------------------------------------------------------------------------- the application


class TrustedProxy:
    """Client addresses from X-Forwarded-For, only on connections from the trusted proxy."""

    def __init__(self, app, proxy: str | None):
        self.app, self.proxy, self.fixed = app, proxy, ProxyFix(app, x_for=1, x_proto=1)

    def __call__(self, environ, start_response):
        if self.proxy and environ.get("REMOTE_ADDR") == self.proxy:
            return self.fixed(environ, start_response)
        environ.pop("HTTP_X_FORWARDED_FOR", None)
        return self.app(environ, start_response)


def _worker_started(server, worker) -> None:
    """In each worker just forked: its own query encoder, and the index watched."""
    from qa.index.encoder.encode import onnx_encoder
    from qa.retrieve.question_vector import clear_query_cache, warm_up

    onnx_encoder.cache_clear()
    clear_query_cache()
    warm_up()
    live = server.app.flask.extensions["reportqa"]["live"]
    live.reopen_store()
    live.start_watching()


class Application(BaseApplication):
    """The app under gunicorn with `settings`; `ready(port)` is called once it listens."""

    def __init__(self, flask_app, settings: ServeSettings, bind: str, ready=lambda port: None, on_exit=lambda: None):
        self.flask = flask_app
        self.wrapped = TrustedProxy(flask_app, settings.trusted_proxy)
        self.options = settings.gunicorn(bind) | {
            "when_ready": lambda server: ready(server.LISTENERS[0].sock.getsockname()[1]),
            "pre_fork": lambda server, worker: gc.freeze(),  # the app's objects: no worker's collector walks them
            "post_fork": _worker_started,
            "on_exit": lambda server: on_exit(),
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.wrapped


# ----------------------------------------------------------------------------- tests and tools


class ThreadedServer:
    """The app on a free loopback port in a thread (werkzeug's server), for tests and tools."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0):
        self.server = make_server(host, port, app, threaded=True)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def start(self) -> "ThreadedServer":
        self._thread = threading.Thread(target=self.server.serve_forever, name="reportqa-test-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        if self._thread is not None:
            self._thread.join(10)
        self.server.server_close()

    def __enter__(self) -> "ThreadedServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
