"""Serving the app with waitress, set for a public deployment (behind a reverse proxy).

What it does: runs waitress with settings measured against floods (README, "Reliability"):
a connection limit far above 100 (waitress's default, which about 100 idle sockets exhaust), a
short channel timeout (waitress keeps a silent connection 2 minutes by default) checked every few
seconds, poll() instead of select() (select cannot watch more than 1024 sockets), smaller header
and body limits, the open-file limit raised to fit, and waitress's own errors in JSON
(`web.channel`). `Server` starts and stops a server in a thread (for tests and scripts).

What it does not do: TLS, per-address connection limits, slow-request (slowloris) defence,
or buffering of slow clients: the reverse proxy in front does those (README, "Deployment").
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

THREADS = 4  # per worker process (web.workers): 2 workers of 4 run as many questions at once as 1 of 8 did
CONNECTION_LIMIT = 1000
CHANNEL_TIMEOUT = 15  # seconds a connection may stay silent, with no request in progress
MAX_HEADER = 64 * 1024
log = logging.getLogger("reportqa.web")


def default_workers() -> int:
    """Worker processes for `reportqa serve`: one per core this process may use, at most 4 (each
    answers one question at a time; web.workers)."""
    import os

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(4, cores))


@dataclass(frozen=True)
class ServeSettings:
    threads: int = THREADS
    connection_limit: int = CONNECTION_LIMIT
    channel_timeout: int = CHANNEL_TIMEOUT
    trusted_proxy: str | None = None  # the reverse proxy's address: take the client's from X-Forwarded-For

    def __post_init__(self):
        for name in ("threads", "connection_limit", "channel_timeout"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1")

    def adjustments(self) -> dict:
        from web.models import MAX_BODY

        adj = {
            "threads": self.threads,
            "connection_limit": self.connection_limit,
            "channel_timeout": self.channel_timeout,
            # how often idle connections are looked for: they close within timeout + interval
            "cleanup_interval": max(1, min(5, self.channel_timeout // 4)),
            "asyncore_use_poll": True,
            "backlog": 2048,
            "max_request_header_size": MAX_HEADER,
            "max_request_body_size": MAX_BODY + 1,  # waitress refuses at >=, Flask above MAX_BODY
            "ident": "reportqa",
        }
        if self.trusted_proxy:
            adj |= {"trusted_proxy": self.trusted_proxy, "trusted_proxy_count": 1,
                    "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
                    "clear_untrusted_proxy_headers": True}
        return adj


def raise_open_file_limit(needed: int) -> int:
    """Raise this process's soft limit on open files towards `needed` (within the hard limit)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
        soft = want
    return soft


class Server:
    """A waitress server for `app` with `settings`; `run()` blocks, `start()`/`stop()` use a thread."""

    def __init__(self, app, host: str = "127.0.0.1", port: int = 0, settings: ServeSettings = ServeSettings(),
                 sock=None):
        """sock: a listening socket bound already (web.workers: one per worker process), instead of host and port."""
        from waitress.server import BaseWSGIServer, create_server

        from web.channel import JsonChannel

        self.settings = settings
        files = raise_open_file_limit(settings.connection_limit + settings.threads + 64)
        if files < settings.connection_limit + 32:
            log.warning("only %d files may be open: fewer connections than --connection-limit %d will fit",
                        files, settings.connection_limit)
        self._map: dict = {}
        where = {"sockets": [sock]} if sock is not None else {"host": host, "port": port}
        self.server = create_server(app, map=self._map, **where, **settings.adjustments())
        for listener in list(self._map.values()):
            if isinstance(listener, BaseWSGIServer):
                listener.channel_class = JsonChannel
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    def run(self) -> None:
        self.server.run()

    def start(self) -> "Server":
        self._thread = threading.Thread(target=self.run, name="reportqa-waitress", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        """Close every socket in the server's own thread (so it leaves its loop), then stop the workers."""
        from waitress import wasyncore

        self.server.trigger.pull_trigger(lambda: wasyncore.close_all(self._map))
        if self._thread is not None:
            self._thread.join(timeout)
        self.server.task_dispatcher.shutdown(cancel_pending=True, timeout=timeout)

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
