"""`reportqa index`: build the search index from the corpus (incremental, published atomically)."""

from __future__ import annotations

import json
import sys
import time

from qa.cli.common import (
    UserError,
    add_device_option,
    add_index_option,
    add_shard_option,
    add_store_option,
    store_spec,
)
from qa.index.build import build_index
from qa.index.format import BuildSettings, IndexProblem
from qa.index.load import load_index
from qa.index.vectors import HNSW_THRESHOLD, INDEX_TYPES


def register(sub, parents) -> None:
    p = sub.add_parser("index", parents=parents, help="build the search index from the corpus")
    add_index_option(p)
    p.add_argument("--index-type", choices=list(INDEX_TYPES), default="auto",
                   help="FAISS index: flat is exact; hnsw or ivf are approximate, for large corpora; "
                        f"auto (default) is flat up to {HNSW_THRESHOLD:,} embedding units, hnsw above")
    add_device_option(p)
    p.add_argument("--no-context", action="store_true", help="embed passages without report and section context")
    p.add_argument("--if-missing", action="store_true", help="build only when the index is missing or out of date")
    p.add_argument("--allow-shrink", action="store_true",
                   help="index reports even if they lost most of their text since the last build")
    add_store_option(p)
    add_shard_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    spec = store_spec(args)
    if getattr(args, "shard", None) and spec.local:
        raise UserError("--shard writes a part of a Qdrant store: give --store qdrant:URL too")
    if args.if_missing:
        try:
            index = load_index(args.index, args.corpus)
            if not spec.local:
                update_store(args, index)
            print("reportqa: the index is present and up to date; nothing to do")
            return 0
        except IndexProblem as exc:
            print(f"reportqa: {str(exc).split(': run')[0]}; building ...", file=sys.stderr)
    started = time.time()
    settings = BuildSettings(index_type=args.index_type, context=not args.no_context)
    build = build_index(args.corpus, args.index, settings, allow_shrink=args.allow_shrink, device=args.device,
                        log=lambda m: print(m, file=sys.stderr))
    m = json.loads((build / "manifest.json").read_text(encoding="utf-8"))  # not the whole index loaded again
    print(
        f"Indexed {m['passages']} passages of {m['reports']} reports "
        f"({m['units']} embedding units, {m['sentences']} sentences, {m['dimension']}-d, {m['index_type']}) "
        f"in {time.time() - started:.1f} s -> {build}"
    )
    if not spec.local:  # a full rebuild, published whole; with --shard, only this machine's part, in place
        update_store(args, load_index(args.index, args.corpus, check_stale=False), full=not getattr(args, "shard", None))
    return 0


def update_store(args, index, full: bool = False) -> None:
    """A Qdrant store brought level with the published build: all of it into a new shard or
    collection, published by link or alias swap (`full`), or only the reports that changed."""
    from qa.index.stores.api import StoreError
    from qa.index.stores.qdrant import QdrantStore
    from qa.index.stores.sync import parse_shard, rebuild_store, sync_store

    spec = store_spec(args)
    started = time.time()
    try:
        shard = parse_shard(args.shard) if getattr(args, "shard", None) else None
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if shard and spec.local:
        raise UserError("--shard writes a part of a Qdrant store: give --store qdrant:URL too")
    try:
        store = QdrantStore(spec)
        if full:
            done = rebuild_store(store, index, log=lambda m: print(m, file=sys.stderr))
            print(f"Store {spec}: {done['passages']} passages of {done['reports']} reports written to a new "
                  f"collection and published in {time.time() - started:.1f} s")
        else:
            done = sync_store(store, index, shard=shard)
            if done.get("rebuilt"):
                print(f"Store {spec}: built, {done['passages']} passages of {done['reports']} reports")
            else:
                print(f"Store {spec}: {len(done['upserted'])} report(s) upserted, {len(done['deleted'])} deleted "
                      f"in {time.time() - started:.1f} s")
        store.close()
    except StoreError as exc:
        raise UserError(str(exc)) from None


def reindex(args) -> None:
    """After the corpus changed: an incremental build that embeds only what is new."""
    if args.no_index:
        print("reportqa: the index was not updated (--no-index): run `reportqa index`", file=sys.stderr)
        return
    started = time.time()
    build = build_index(args.corpus, args.index, device=getattr(args, "device", "auto"), log=lambda m: print(m, file=sys.stderr))
    m = json.loads((build / "manifest.json").read_text(encoding="utf-8"))  # not the whole index loaded again
    print(f"Index updated: {m['passages']} passages of {m['reports']} reports; "
          f"{m['embedded_reports']} report(s) embedded in {time.time() - started:.1f} s")
    if not store_spec(args).local:
        update_store(args, load_index(args.index, args.corpus, check_stale=False))
