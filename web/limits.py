"""Per-client rate limits on the endpoints that cost real work (`/api/ask`, `/api/search`).

What it does: with Flask-Limiter (in-memory counters, a moving window), limits each client
address to a rate such as "30/minute" (several joined by ";", e.g. "30/minute;300/hour"). A
client over its limit gets 429 with `Retry-After` (seconds) and a JSON error; responses to
limited endpoints carry `X-RateLimit-Limit`, `-Remaining` and `-Reset`.

Counters are in this process's memory, or, with several worker processes (`reportqa serve
--workers`), in one small process they all ask (`SharedCounters`: Flask-Limiter's in-memory
counters served by a `multiprocessing` manager on a Unix socket with a random key, reached through
the `reportqa-shared://` storage), so a client's limit counts its requests to any worker.

What it does not do: tell clients apart behind a reverse proxy unless the proxy is trusted:
`reportqa serve --trusted-proxy` takes the client address from that proxy's `X-Forwarded-For`.
"""

from __future__ import annotations

import os
import tempfile
import threading
from multiprocessing.managers import BaseManager
from urllib.parse import parse_qs, quote, unquote, urlparse

from limits.storage import MemoryStorage, MovingWindowSupport, Storage

from web.settings import RATE_DEFAULT as DEFAULT
from web.settings import RATE_ENV as ENV

OFF = ("", "off", "none", "0")


def parse_rate(value: str | None) -> str | None:
    """A rate limit as Flask-Limiter reads it, or None for no limit; ValueError if malformed."""
    if value is None or value.strip().lower() in OFF:
        return None
    from limits import parse_many

    try:
        parse_many(value)
    except ValueError:
        raise ValueError(f"rate limit {value!r} is not a rate such as '30/minute' or '30/minute;300/hour'") from None
    return value.strip()


def rate_from_env(default: str = DEFAULT) -> str | None:
    return parse_rate(os.environ.get(ENV, default))


def rate_limiter(app, rate: str | None, storage_uri: str = "memory://"):
    """A decorator that limits a view to `rate` per client address (does nothing when rate is None).
    storage_uri: where the counters are ("memory://", or `SharedCounters.uri` for several processes)."""
    rate = parse_rate(rate)
    if rate is None:
        return lambda view: view
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    limiter = Limiter(get_remote_address, app=app, storage_uri=storage_uri, strategy="moving-window",
                      headers_enabled=True)
    app.extensions["reportqa_limiter"] = limiter
    return limiter.limit(rate)


SCHEME = "reportqa-shared"  # SharedStorage registers itself with `limits` for this scheme


class _Manager(BaseManager):
    pass


_COUNTERS: MemoryStorage | None = None


def _counters() -> MemoryStorage:
    """The one counter store, in the manager's process."""
    global _COUNTERS
    if _COUNTERS is None:
        _COUNTERS = MemoryStorage()
    return _COUNTERS


_Manager.register("counters", callable=_counters)


class SharedCounters:
    """The process holding every worker's rate-limit counters; `uri` names it to Flask-Limiter."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="reportqa-limits-")
        self._key = os.urandom(16)
        address = os.path.join(self._folder.name, "counters")
        self._manager = _Manager(address=address, authkey=self._key)
        self._manager.start()
        self.uri = f"{SCHEME}://localhost/?path={quote(address)}&key={self._key.hex()}"

    def stop(self) -> None:
        self._manager.shutdown()
        self._folder.cleanup()


class SharedStorage(Storage, MovingWindowSupport):
    """Flask-Limiter's storage for `reportqa-shared://`: the shared counters, reached from each
    process (and each thread: the proxies keep one connection per thread) when first used."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        query = parse_qs(urlparse(uri).query)
        self._address, self._key = unquote(query["path"][0]), bytes.fromhex(query["key"][0])
        self._remote, self._pid, self._lock = None, None, threading.Lock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def remote(self):
        if self._pid != os.getpid():  # made in this process (not inherited through a fork)
            with self._lock:
                if self._pid != os.getpid():
                    manager = _Manager(address=self._address, authkey=self._key)
                    manager.connect()
                    self._remote, self._pid = manager.counters(), os.getpid()
        return self._remote

    @property
    def base_exceptions(self):
        return (OSError, EOFError)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self.remote.incr(key, expiry, amount)

    def get(self, key: str) -> int:
        return self.remote.get(key)

    def get_expiry(self, key: str) -> float:
        return self.remote.get_expiry(key)

    def check(self) -> bool:
        return self.remote.check()

    def reset(self) -> int | None:
        return self.remote.reset()

    def clear(self, key: str) -> None:
        self.remote.clear(key)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        return self.remote.acquire_entry(key, limit, expiry, amount)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        return self.remote.get_moving_window(key, limit, expiry)
