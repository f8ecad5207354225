"""`reportqa search QUERY`: the passages that best match a query, named and linked for a reader."""

from __future__ import annotations

import textwrap

from qa.cli.common import (
    add_base_url_option,
    add_filter_options,
    add_index_option,
    add_store_option,
    base_url,
    filters,
    loaded_index,
    opened_store,
    print_json,
)
from qa.cli.terminal import safe, say, style, width
from qa.retrieve.retriever import Retriever, SearchSettings


def register(sub, parents) -> None:
    p = sub.add_parser("search", parents=parents, help="find the passages that best match a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=10, help="how many passages (default 10)")
    add_filter_options(p)
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid", help="retrieval mode")
    p.add_argument("--json", action="store_true", help="print JSON")
    add_base_url_option(p)
    add_index_option(p)
    add_store_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    # the answer stage and the output contract (pydantic) are imported when this command runs, so
    # that every other command starts without them
    from qa.output.contract import dump, hit_out, reader_labels, search_out

    base = base_url(args)
    index = loaded_index(args)
    store = opened_store(args, index)
    try:
        hits = Retriever(index, SearchSettings(mode=args.mode), store=store).search(args.query, k=args.k, filters=filters(args))
    finally:
        if store is not None:
            store.close()  # an in-process shard is free for the next command at once
    labels = reader_labels(index, hits)
    if args.json:
        print_json(dump(search_out(args.query, hits, labels, base)))
        return 0
    if not hits:
        print("No passages match.")
    columns = width()
    for n, hit in enumerate(hits, 1):
        h = hit_out(hit, labels, base)
        ranks = ", ".join(f"{name} #{rank}" for name, rank in (("dense", h.dense_rank), ("bm25", h.bm25_rank)) if rank)
        ranks = ranks or (f"{store.spec.kind}, fused in the engine" if store is not None else "")
        print(style(f"{n}. {h.citation}", "1") + safe(f"  ({h.kind}, {h.date}" + (f"; {ranks})" if ranks else ")")))
        if h.section:
            say(f"   {h.section}")
        print(textwrap.fill(safe(h.text.replace("\n", " ")), columns, initial_indent="   ", subsequent_indent="   "))
        say(f"   {h.url}")
        print()
    return 0
