"""Per-client rate limits on the endpoints that cost real work (`/api/ask`, `/api/search`).

What it does: with Flask-Limiter (in-memory counters, a moving window), limits each client
address to a rate such as "30/minute" (several joined by ";", e.g. "30/minute;300/hour"). A
client over its limit gets 429 with `Retry-After` (seconds) and a JSON error; responses to
limited endpoints carry `X-RateLimit-Limit`, `-Remaining` and `-Reset`.

Counters are in this process's memory, or, with several worker processes (`reportqa serve
--workers`), in one process they all ask (`web.workers.SharedCounters`).

What it does not do: tell clients apart behind a reverse proxy unless the proxy is trusted:
`reportqa serve --trusted-proxy` makes waitress take the client address from `X-Forwarded-For`.
"""

from __future__ import annotations

import os

ENV = "REPORTQA_RATE_LIMIT"
DEFAULT = "30/minute;300/hour"  # what `reportqa serve` applies unless told otherwise
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
    storage_uri: where the counters are; `web.workers` gives its shared ones to several processes."""
    rate = parse_rate(rate)
    if rate is None:
        return lambda view: view
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    if storage_uri.startswith("reportqa-shared:"):
        import importlib

        importlib.import_module("web.workers")  # registers its storage scheme with `limits`
    limiter = Limiter(get_remote_address, app=app, storage_uri=storage_uri, strategy="moving-window",
                      headers_enabled=True)
    app.extensions["reportqa_limiter"] = limiter
    return limiter.limit(rate)
