"""How `reportqa serve` serves: workers, threads, connection limits and timeouts, rate limits.

What it does: the settings and their defaults, checked (`ServeSettings`), and gunicorn's options
for them. Read without importing Flask or gunicorn, so that the CLI can offer `serve`'s options
while its other commands never load the web tier.

What it does not do: serve (`web.server`) or limit rates (`web.limits`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

RATE_ENV = "REPORTQA_RATE_LIMIT"
RATE_DEFAULT = "30/minute;300/hour"  # what `reportqa serve` applies unless told otherwise
THREADS = 4  # per worker process: 2 workers of 4 run as many questions at once as 1 of 8 did
CONNECTION_LIMIT = 1000
CHANNEL_TIMEOUT = 15  # seconds a connection may stay silent, with no request in progress
MAX_HEADER_FIELD = 8190  # bytes in one header line (gunicorn's ceiling)


def default_workers() -> int:
    """Worker processes for `reportqa serve`: one per core this process may use, at most 4 (each
    answers one question at a time: the interpreter lock)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(4, cores))


@dataclass(frozen=True)
class ServeSettings:
    threads: int = THREADS
    connection_limit: int = CONNECTION_LIMIT
    channel_timeout: int = CHANNEL_TIMEOUT
    trusted_proxy: str | None = None  # the reverse proxy's address: take the client's from X-Forwarded-For
    workers: int = 1

    def __post_init__(self):
        for name in ("threads", "connection_limit", "channel_timeout", "workers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name.replace('_', '-')} must be at least 1")

    def gunicorn(self, bind: str) -> dict:
        """gunicorn's settings for these."""
        return {
            "bind": [bind],
            "workers": self.workers,
            "worker_class": "web.server.Worker",
            "threads": self.threads,
            "worker_connections": self.connection_limit,
            "keepalive": self.channel_timeout,
            "timeout": 120,  # a worker silent this long (stuck) is replaced
            "graceful_timeout": 10,
            "preload_app": True,
            "backlog": 2048,
            "limit_request_field_size": MAX_HEADER_FIELD,
            "forwarded_allow_ips": self.trusted_proxy or "127.0.0.1",
            "accesslog": None,
            "loglevel": "warning",
        }
