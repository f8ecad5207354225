"""Serving from several processes: one listening socket, forked workers each running waitress.

What it does: `serve_workers` binds the address once, loads the app (index, answerer) once, and
forks `workers` processes that each run a waitress `Server` (web.serve, with all its settings) on
that same socket; the kernel hands each new connection to one of them. The index's memory is
shared between the workers: its arrays are mapped files, its Python objects were made before the
fork and are frozen out of the garbage collector so that no worker touches (and copies) their
pages needlessly. A worker that dies is replaced; SIGTERM or SIGINT stops them all. One process
answers one question at a time however many threads it runs (the interpreter lock): on the 2 cores
this project targets, 32 clients at the seeds got 27 answers/s from 1 process of 8 threads and 72/s
from 2 processes of 4 (README, Performance).

Rate limits stay per client across workers: `SharedCounters` runs Flask-Limiter's in-memory
counters in one small process (a `multiprocessing` manager on a Unix socket with a random key)
that every worker's limiter asks through the `reportqa-shared://` storage.

What it does not do: run on Windows (fork), balance by load (the kernel's accept order does),
or share an index reloaded after a rebuild (each worker loads the new build itself).
"""

from __future__ import annotations

import gc
import logging
import os
import signal
import socket
import tempfile
import threading
import time
from multiprocessing.managers import BaseManager
from urllib.parse import parse_qs, quote, unquote, urlparse

from limits.storage import MemoryStorage, MovingWindowSupport, Storage

log = logging.getLogger("reportqa.web")
SCHEME = "reportqa-shared"


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


def fresh_query_encoder() -> None:
    """In a worker just forked: the query encoder made and loaded in this process (ONNX Runtime's
    sessions and thread pools are not carried across a fork)."""
    from qa.index.encoder.encode import onnx_encoder
    from qa.retrieve.question_vector import clear_query_cache, warm_up

    onnx_encoder.cache_clear()
    clear_query_cache()
    warm_up()


def bind(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """The listening socket every worker accepts on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, backlog=backlog)


def serve_workers(app, sock: socket.socket, settings, workers: int, warm=lambda: None) -> None:
    """Fork `workers` processes serving `app` on `sock` with waitress and `settings`; returns when
    SIGTERM or SIGINT has stopped them all. `warm` runs in each worker before it serves (load what
    must not be shared across a fork: ONNX Runtime's sessions)."""
    from web.serve import Server

    gc.freeze()  # the app's objects, made once: no collection in a worker walks (and copies) them
    children: dict[int, int] = {}  # pid -> worker number
    stopping = threading.Event()

    def start(number: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_DFL)
                warm()
                Server(app, settings=settings, sock=sock).run()
                code = 0
            except BaseException:  # noqa: BLE001 - whatever stops a worker is logged; the parent replaces it
                log.exception("worker %d stopped", os.getpid())
            finally:
                os._exit(code)
        children[pid] = number

    def stop(signum, frame) -> None:
        stopping.set()
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for number in range(workers):
        start(number)
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        number = children.pop(pid, None)
        if number is not None and not stopping.is_set():
            log.warning("worker %d ended (status %d); starting another", pid, status)
            time.sleep(0.5)
            start(number)
