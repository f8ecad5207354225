"""`reportqa add PATH...` and `reportqa remove ID`: the corpus changed, then the index updated."""

from __future__ import annotations

import sys
from pathlib import Path

from qa.cli.common import (
    add_device_option,
    add_index_option,
    add_shard_option,
    add_store_option,
)
from qa.cli.index import reindex
from qa.cli.terminal import say
from qa.corpus.add import Overrides, add_paths, remove_report
from qa.corpus.catalogue import KINDS


def register(sub, parents) -> None:
    p = sub.add_parser("add", parents=parents, help="add report files (PDF, text, HTML) or folders of them, then update the index")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--kind", choices=list(KINDS), help="the kind, where the file does not show it")
    p.add_argument("--authority", help="the council, where the file does not name it")
    p.add_argument("--date", help="publication date (YYYY, YYYY-MM or YYYY-MM-DD), where the file does not show it")
    p.add_argument("--title", help="the title, where the file's first line is not it")
    p.add_argument("--publisher", help="who published it")
    p.add_argument("--follow-symlinks", action="store_true",
                   help="also add files reached through symbolic links (refused by default)")
    p.add_argument("--no-index", action="store_true", help="do not update the index now")
    add_index_option(p)
    add_device_option(p)
    add_store_option(p)
    add_shard_option(p)
    p.set_defaults(func=run_add)

    p = sub.add_parser("remove", parents=parents, help="take a report out of the corpus and the index")
    p.add_argument("doc_id", metavar="ID")
    p.add_argument("--keep-file", action="store_true", help="leave the report's file in the corpus folder")
    p.add_argument("--no-index", action="store_true", help="do not update the index now")
    add_index_option(p)
    add_store_option(p)
    add_shard_option(p)
    p.set_defaults(func=run_remove)


def run_add(args) -> int:
    fields = {k: v for k, v in (("publisher", args.publisher),) if v}
    overrides = Overrides(kind=args.kind, authority=args.authority, date=args.date, title=args.title, fields=fields)

    def show(o, done: int, total: int) -> None:
        stream = sys.stderr if o.status == "refused" else sys.stdout
        word = {"added": "added", "duplicate": "skipped", "refused": "refused"}[o.status]
        count = f"[{done}/{total}] " if total > 1 else ""
        say(f"{count}{word:8} {o.path}: {o.detail}", file=stream, flush=True)

    outcomes = add_paths(args.paths, args.corpus, overrides, on_outcome=show, follow_symlinks=args.follow_symlinks)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("added", "duplicate", "refused")}
    print(f"{counts['added']} added, {counts['duplicate']} already held, {counts['refused']} refused")
    if counts["added"]:
        reindex(args)
    return 1 if counts["refused"] else 0


def run_remove(args) -> int:
    report = remove_report(args.doc_id, args.corpus, delete_file=not args.keep_file)
    say(f"removed {report.id} ({report.short_title})" + ("" if args.keep_file else f" and its file {report.file}"))
    reindex(args)
    return 0
