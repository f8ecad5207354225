"""What every `reportqa` command shares: user errors, the corpus and index options, filters, links.

What it does: `UserError` (a problem the user can fix: printed as one line, exit status 2), the
options several commands take (`--index`, `--base-url`, `--device`, the filters), and reading them:
the reports chosen, the index loaded (rebuilt first when the corpus changed), the filters as the
retriever takes them, the base address of links.

What it does not do: print (`qa.cli.terminal`) or run a command (one module each in `qa.cli`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from qa.corpus.catalogue import KINDS, Report, load_catalogue
from qa.index.load import ensure_index
from qa.index.stores.api import STORE_ENV, StoreError, parse_store
from qa.output.links import base_url_problem

BASE_URL_ENV = "REPORTQA_BASE_URL"


class UserError(Exception):
    """A problem the user can fix; printed without a traceback."""


def chosen_reports(args) -> list[Report]:
    reports = load_catalogue(args.corpus)
    if getattr(args, "doc_id", None):
        chosen = [r for r in reports if r.id == args.doc_id]
        if not chosen:
            known = ", ".join(r.id for r in reports)
            raise UserError(f"no report with id {args.doc_id!r}; the corpus has: {known}")
        return chosen
    return reports


def loaded_index(args):
    store_spec(args)  # a malformed --store is reported before any index is read
    return ensure_index(args.index, args.corpus, build_missing=getattr(args, "build_missing", False))


def store_spec(args):
    """The store chosen by --store or $REPORTQA_STORE (local by default)."""
    try:
        return parse_store(getattr(args, "store", None))
    except StoreError as exc:
        raise UserError(str(exc)) from None


def opened_store(args, index):
    """The Qdrant store to search; None for the local store. An in-process shard (this machine's
    own) is brought level with the loaded index first when its reports differ, as a stale local
    index is rebuilt. A server's collection is only read: it is shared (machines writing their own
    partitions with --shard), and `reportqa index`/`add`/`remove` write it."""
    spec = store_spec(args)
    if spec.local:
        return None
    from qa.index.stores.qdrant import QdrantStore
    from qa.index.stores.sync import sync_store

    try:
        store = QdrantStore(spec)
        if spec.kind != "qdrant-edge":
            store.avgdl  # noqa: B018  (a store with no build says so now, with its fix)
            return store
        held = {d: r.digest for d, r in store.reports().items()} if store.exists else {}
    except StoreError as exc:
        raise UserError(str(exc)) from None
    if held != index.manifest.get("report_sha256", {}):
        print(f"reportqa: the store {spec} is not level with the index; updating it ...", file=sys.stderr)
        sync_store(store, index)
    return store


def filters(args) -> dict:
    return {"doc": args.doc or [], "kind": args.kind or [], "year_from": args.year_from, "year_to": args.year_to,
            "authority": args.authority or []}


def base_url(args) -> str:
    """The address the web app is served at, from --base-url or $REPORTQA_BASE_URL ('' for relative
    links): an absolute http(s) URL with a host, perhaps a path ('https://example.org/reportqa')."""
    given = getattr(args, "base_url", None)
    where, value = ("--base-url", given) if given is not None else (BASE_URL_ENV, os.environ.get(BASE_URL_ENV, ""))
    value = value.strip()
    if not value:
        return ""
    why = base_url_problem(value)
    if why:
        raise UserError(f"{where} must be an absolute http(s) address such as https://reportqa.example.org, "
                        f"not {value!r}: {why}")
    return value.rstrip("/")


def print_json(data: object) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    print()


def add_index_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", type=Path, default=None, help="index folder (default: ./index or $REPORTQA_INDEX)")


def add_store_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--store", default=None, metavar="STORE",
                   help="where passages are searched: local (default: the index folder's FAISS + BM25 files), "
                        "qdrant-edge:PATH (Qdrant's engine in this process, a shard folder) or qdrant:URL "
                        f"(a Qdrant server or cluster), either ending #COLLECTION to name it (default ${STORE_ENV})")


def add_shard_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--shard", default=None, metavar="I/N",
                   help="with a Qdrant store: write only the reports of partition I of N (a stable hash of each "
                        "report id), so N machines build one shared store at once, each embedding its own part")


def add_base_url_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base-url", default=None, metavar="URL",
                   help=f"print links as absolute addresses under this one, where the web app is served, e.g. "
                        f"https://reportqa.example.org (default ${BASE_URL_ENV}; '' for relative links)")


def add_device_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                   help="where to embed: cuda (torch on a GPU), cpu (ONNX Runtime, int8), or auto (cuda when a GPU is present)")


def add_filter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--doc", action="append", metavar="ID", help="only this report (repeatable)")
    p.add_argument("--kind", action="append", choices=list(KINDS), help="only this kind of report (repeatable)")
    p.add_argument("--year-from", type=int, metavar="YEAR", help="only reports from this year on")
    p.add_argument("--year-to", type=int, metavar="YEAR", help="only reports up to this year")
    p.add_argument("--authority", action="append", metavar="COUNCIL", help="only reports about this council (repeatable)")
