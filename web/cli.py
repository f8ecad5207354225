"""`reportqa serve`: the chat page and JSON API, registered with the CLI as a plugin.

What it does: adds the `serve` command to `reportqa` through the `reportqa.commands` entry point
(so the core's CLI never imports the web tier), checks its options, and runs the app under
gunicorn (`web.server`): one app loaded, `--workers` processes forked, `--threads` each.

What it does not do: build the app (`web.app`) or answer (`qa`).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from web.settings import RATE_DEFAULT as RATE
from web.settings import RATE_ENV, ServeSettings, default_workers


def register(sub, parents) -> None:
    p = sub.add_parser("serve", parents=parents, help="serve the chat page and JSON API")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serving = ServeSettings()
    p.add_argument("--workers", type=int, default=default_workers(), metavar="N",
                   help=f"processes answering, sharing one index in memory (default: one per core, here {default_workers()})")
    p.add_argument("--threads", type=int, default=serving.threads,
                   help=f"threads running the app in each process (default {serving.threads})")
    p.add_argument("--connection-limit", type=int, default=serving.connection_limit, metavar="N",
                   help=f"open connections at most; beyond it new ones wait (default {serving.connection_limit})")
    p.add_argument("--channel-timeout", type=int, default=serving.channel_timeout, metavar="SECONDS",
                   help=f"close a connection silent this long with no request running (default {serving.channel_timeout})")
    p.add_argument("--rate-limit", default=None, metavar="RATE",
                   help=f"per-client limit on /api/ask and /api/search, e.g. 30/minute;300/hour, or off "
                        f"(default ${RATE_ENV} or {RATE})")
    p.add_argument("--trusted-proxy", default=None, metavar="ADDRESS",
                   help="the reverse proxy's address: take client addresses (for rate limits) from its X-Forwarded-For")
    p.add_argument("--index", type=Path, default=None, help="index folder (default: ./index or $REPORTQA_INDEX)")
    p.add_argument("--store", default=None, metavar="STORE",
                   help="where passages are searched: local (default), qdrant-edge:PATH (one worker only) or "
                        "qdrant:URL (a Qdrant server or cluster shared by every worker and machine); default $REPORTQA_STORE")
    p.set_defaults(func=run)


def run(args) -> int:
    # the web tier is imported here, when serving, so that every other command starts without Flask
    from web.app import create_app
    from web.limits import SharedCounters, parse_rate, rate_from_env
    from qa.index.stores.api import STORE_ENV, parse_store
    from web.server import Application

    try:
        settings = ServeSettings(threads=args.threads, connection_limit=args.connection_limit,
                                 channel_timeout=args.channel_timeout, trusted_proxy=args.trusted_proxy,
                                 workers=args.workers)
        rate = rate_from_env() if args.rate_limit is None else parse_rate(args.rate_limit)
        spec = parse_store(args.store)
        if spec.kind == "qdrant-edge" and args.workers > 1:
            raise ValueError("an in-process Qdrant shard (qdrant-edge) serves one process: use --workers 1, "
                             "or a Qdrant server (--store qdrant:URL) for several workers")
        if args.store is not None:
            os.environ[STORE_ENV] = args.store  # the workers, started after this, open the same store
    except ValueError as exc:
        print(f"reportqa: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    host = f"[{args.host}]" if ":" in args.host else args.host

    def ready(port: int) -> None:
        print(f"reportqa is ready: open http://{host}:{port}/ in a browser (Ctrl+C stops it)\n"
              f"  {settings.workers} worker process{'es' * (settings.workers > 1)} of {settings.threads} threads "
              f"(gunicorn), at most {settings.connection_limit} connections each, idle ones closed after "
              f"{settings.channel_timeout} s, rate limit {rate or 'off'}"
              + (f", client addresses from {settings.trusted_proxy}'s X-Forwarded-For" if settings.trusted_proxy else ""),
              flush=True)

    # the counters are a small process, started before the index is loaded (and forked with it)
    counters = SharedCounters() if rate and settings.workers > 1 else None
    try:
        app = create_app(index_dir=args.index, corpus_dir=args.corpus, rate_limit=rate, watch_now=False,
                         rate_storage=counters.uri if counters else "memory://")
        Application(app, settings, f"{host}:{args.port}", ready=ready).run()
    finally:
        if counters is not None:
            counters.stop()
    return 0
