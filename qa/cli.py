"""The `reportqa` command line: one subcommand per stage of the pipeline.

What it does: parses arguments, calls the core (`qa.corpus`, `qa.chunk`, ...), and prints either
readable text for a terminal or JSON for scripts; `search` and `ask` name passages as a reader
does ("para 37", "improvement point 3") and print absolute links under `--base-url` or
$REPORTQA_BASE_URL when one is given. Errors the user can fix (a bad catalogue, an unknown report
id, a malformed base URL) are printed as one clear line on stderr with exit status 2, never a
traceback.

What it does not do: any parsing, ranking or answering of its own.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sys
import textwrap
from pathlib import Path

from .corpus import CatalogueError, Report, load_catalogue
from .evaluate import QuestionFileError
from .index import IndexProblem
from .links import base_url_problem, hit_json, reader_labels
from .retrieve import QueryError


class UserError(Exception):
    """A problem the user can fix; printed without a traceback."""


def _style(text: str, code: str, stream=sys.stdout) -> str:
    return f"\033[{code}m{text}\033[0m" if stream.isatty() else text


def _width() -> int:
    return max(40, min(100, shutil.get_terminal_size((100, 24)).columns))


def _reports(args) -> list[Report]:
    reports = load_catalogue(args.corpus)
    if getattr(args, "doc_id", None):
        chosen = [r for r in reports if r.id == args.doc_id]
        if not chosen:
            known = ", ".join(r.id for r in reports)
            raise UserError(f"no report with id {args.doc_id!r}; the corpus has: {known}")
        return chosen
    return reports


def format_passage(label: str, text: str, width: int) -> str:
    """A paragraph as a terminal shows it: its number in a gutter, text wrapped beside it."""
    gutter = 7
    out: list[str] = []
    for k, line in enumerate(text.split("\n")):
        hang = "  " if line.startswith(("• ", "(")) else ""
        first = f"{label:>{gutter - 2}}  " if k == 0 else " " * gutter
        out.extend(
            textwrap.wrap(line, width, initial_indent=first, subsequent_indent=" " * gutter + hang)
            or [first.rstrip()]
        )
    return "\n".join(out)


def cmd_chunks(args) -> int:
    from .chunk import chunk_report

    reports = _reports(args)
    chunked = [chunk_report(r, args.corpus) for r in reports]
    if args.json:
        json.dump([p.to_dict() for c in chunked for p in c.passages], sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    width = _width()
    for c in chunked:
        r = c.report
        print(_style(r.title, "1"))
        print(f"{r.short_title} · {r.publisher} · {r.kind} · {r.date} · id {r.id}")
        print(f"About: {r.about}")
        print(f"{len(c.passages)} passages, {sum(p.tokens for p in c.passages)} tokens")
        section = None
        for p in c.passages:
            if p.section != section:
                section = p.section
                if section:
                    print()
                    print(_style(section, "1;4"))
            print()
            print(format_passage(p.label, p.text, width))
        print()
    return 0


def _index(args):
    from .index import ensure_index

    return ensure_index(args.index, args.corpus, build_missing=getattr(args, "build_missing", False))


def cmd_index(args) -> int:
    import time

    from .index import BuildSettings, IndexProblem, build_index, load_index

    if args.if_missing:
        try:
            load_index(args.index, args.corpus)
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
    return 0


def _filters(args) -> dict:
    return {"doc": args.doc or [], "kind": args.kind or [], "year_from": args.year_from, "year_to": args.year_to,
            "authority": args.authority or []}


def _reindex(args) -> None:
    """After the corpus changed: an incremental build that embeds only what is new."""
    import time

    from .index import build_index

    if args.no_index:
        print("reportqa: the index was not updated (--no-index): run `reportqa index`", file=sys.stderr)
        return
    started = time.time()
    build = build_index(args.corpus, args.index, device=getattr(args, "device", "auto"), log=lambda m: print(m, file=sys.stderr))
    m = json.loads((build / "manifest.json").read_text(encoding="utf-8"))  # not the whole index loaded again
    print(f"Index updated: {m['passages']} passages of {m['reports']} reports; "
          f"{m['embedded_reports']} report(s) embedded in {time.time() - started:.1f} s")


def cmd_add(args) -> int:
    from .add import Overrides, add_paths

    fields = {k: v for k, v in (("publisher", args.publisher),) if v}
    overrides = Overrides(kind=args.kind, authority=args.authority, date=args.date, title=args.title, fields=fields)
    def show(o, done: int, total: int) -> None:
        stream = sys.stderr if o.status == "refused" else sys.stdout
        word = {"added": "added", "duplicate": "skipped", "refused": "refused"}[o.status]
        count = f"[{done}/{total}] " if total > 1 else ""
        print(f"{count}{word:8} {o.path}: {o.detail}", file=stream, flush=True)

    outcomes = add_paths(args.paths, args.corpus, overrides, on_outcome=show)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("added", "duplicate", "refused")}
    print(f"{counts['added']} added, {counts['duplicate']} already held, {counts['refused']} refused")
    if counts["added"]:
        _reindex(args)
    return 1 if counts["refused"] else 0


def cmd_remove(args) -> int:
    from .add import remove_report

    report = remove_report(args.doc_id, args.corpus, delete_file=not args.keep_file)
    print(f"removed {report.id} ({report.short_title})" + ("" if args.keep_file else f" and its file {report.file}"))
    _reindex(args)
    return 0


def cmd_judgements(args) -> int:
    from .judgements import judgement_rows

    rows = judgement_rows(_index(args), args.authority, args.year_from, args.year_to)
    if args.json:
        json.dump([r.to_dict() for r in rows], sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    if not rows:
        print("No report with judgements matches.")
    for r in rows:
        dates = f"{r.inspection_start} to {r.inspection_end}" if r.inspection_start else str(r.year)
        print(_style(f"{r.authority} · {r.framework or 'inspection'} · {dates}", "1") + f"  ({r.doc_id})")
        for g in r.judgements:
            print(f"   {g.grade:<22} {g.name}")
        if r.passage_id:
            print(f"   cited: {r.passage_id}")
    return 0


BASE_URL_ENV = "REPORTQA_BASE_URL"


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


def cmd_search(args) -> int:
    from .retrieve import Retriever, SearchSettings, citation_name, passage_url

    base = base_url(args)
    index = _index(args)
    retriever = Retriever(index, SearchSettings(mode=args.mode))
    hits = retriever.search(args.query, k=args.k, filters=_filters(args))
    labels = reader_labels(index, hits)
    if args.json:
        json.dump({"query": args.query, "results": [hit_json(h, labels, base) for h in hits]}, sys.stdout,
                  ensure_ascii=False, indent=2)
        print()
        return 0
    if not hits:
        print("No passages match.")
    width = _width()
    for n, h in enumerate(hits, 1):
        ranks = ", ".join(f"{name} #{rank}" for name, rank in (("dense", h.dense_rank), ("bm25", h.bm25_rank)) if rank)
        name = citation_name(h.report, h.passage, labels.get(h.passage.id))
        print(_style(f"{n}. {name}", "1") + f"  ({h.report.kind}, {h.report.date}; {ranks})")
        if h.passage.section:
            print(f"   {h.passage.section}")
        print(textwrap.fill(h.passage.text.replace("\n", " "), width, initial_indent="   ", subsequent_indent="   "))
        print(f"   {passage_url(h.passage, base)}")
        print()
    return 0


def cmd_ask(args) -> int:
    from .answer import Answerer, format_answer_text
    from .retrieve import Retriever

    base = base_url(args)
    index = _index(args)
    answerer = Answerer(Retriever(index))
    answer = answerer.answer(args.question, history=args.history or (), filters=_filters(args))
    cited = [c.hit for c in answer.citations]
    labels = reader_labels(index, cited + list(answer.passages))
    if args.json:
        data = answer.to_dict()
        for item, hit in zip(data["citations"], cited):
            hit_json(hit, labels, base, item)
        for item, hit in zip(data["passages"], answer.passages):
            hit_json(hit, labels, base, item)
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print(format_answer_text(answer, base_url=base, labels=labels))
    return 0


def cmd_serve(args) -> int:
    import logging

    from web.limits import parse_rate, rate_from_env
    from web.serve import Server, ServeSettings

    try:
        settings = ServeSettings(threads=args.threads, connection_limit=args.connection_limit,
                                 channel_timeout=args.channel_timeout, trusted_proxy=args.trusted_proxy)
        rate = rate_from_env() if args.rate_limit is None else parse_rate(args.rate_limit)
        if args.workers < 1:
            raise ValueError("workers must be at least 1")
    except ValueError as exc:
        raise UserError(str(exc)) from None

    from web.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)
    host = f"[{args.host}]" if ":" in args.host else args.host

    def ready(port: int) -> None:
        print(f"reportqa is ready: open http://{host}:{port}/ in a browser (Ctrl+C stops it)\n"
              f"  {args.workers} worker process{'es' * (args.workers > 1)} of {settings.threads} threads, at most "
              f"{settings.connection_limit} connections each, idle ones closed after "
              f"{settings.channel_timeout} s, rate limit {rate or 'off'}"
              + (f", client addresses from {settings.trusted_proxy}'s X-Forwarded-For" if settings.trusted_proxy else ""),
              flush=True)

    if args.workers == 1:
        app = create_app(index_dir=args.index, corpus_dir=args.corpus, rate_limit=rate)
        from .embed import warm_up

        warm_up()  # load the model now, not on the first question
        server = Server(app, args.host, args.port, settings)
        ready(server.port)
        server.run()
        return 0

    from web.workers import SharedCounters, bind, fresh_query_encoder, serve_workers

    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{args.port}: {exc.strerror or exc}") from None
    counters = SharedCounters() if rate else None  # started before the index is loaded: a small process
    try:
        app = create_app(index_dir=args.index, corpus_dir=args.corpus, rate_limit=rate,
                         rate_storage=counters.uri if counters else "memory://")
        ready(sock.getsockname()[1])
        serve_workers(app, sock, settings, args.workers, warm=fresh_query_encoder)
    finally:
        if counters is not None:
            counters.stop()
    return 0


def cmd_eval(args) -> int:
    import tempfile

    from .harness import format_side_by_side, gold_index, run_eval, write_outputs

    questions = args.questions
    if not questions.is_file():
        raise UserError(f"no question file at {questions}")
    scratch = tempfile.TemporaryDirectory()
    # by default, score on the reports the gold set was written over (the corpus.txt beside the question file)
    index = gold_index(scratch.name, args.corpus, questions) if args.index is None else _index(args)
    try:
        result = run_eval(questions, index, progress=lambda m: print(f"reportqa: {m}", file=sys.stderr))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if args.json:
        json.dump(result, sys.stdout, indent=2, default=lambda v: None)
        print()
    else:
        print(format_side_by_side(result))
    if args.out:
        for path in write_outputs(result, args.out):
            print(f"wrote {path}", file=sys.stderr)
    return 0


def _add_index_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", type=Path, default=None, help="index folder (default: ./index or $REPORTQA_INDEX)")


def _add_base_url_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base-url", default=None, metavar="URL",
                   help=f"print links as absolute addresses under this one, where the web app is served, e.g. "
                        f"https://reportqa.example.org (default ${BASE_URL_ENV}; '' for relative links)")


def _add_device_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                   help="where to embed: cuda (torch on a GPU), cpu (ONNX Runtime, int8), or auto (cuda when a GPU is present)")


def _add_filter_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--doc", action="append", metavar="ID", help="only this report (repeatable)")
    p.add_argument("--kind", action="append", choices=["inspection report", "council paper", "news article"],
                   help="only this kind of report (repeatable)")
    p.add_argument("--year-from", type=int, metavar="YEAR", help="only reports from this year on")
    p.add_argument("--year-to", type=int, metavar="YEAR", help="only reports up to this year")
    p.add_argument("--authority", action="append", metavar="COUNCIL", help="only reports about this council (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reportqa",
        description="Answers questions about long public reports, citing the paragraph of each statement.",
    )
    parser.add_argument("--corpus", type=Path, default=None, help="corpus folder (default: ./corpus or $REPORTQA_CORPUS)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    corpus_option = argparse.ArgumentParser(add_help=False)
    corpus_option.add_argument("--corpus", type=Path, default=argparse.SUPPRESS, help="corpus folder")

    p = sub.add_parser("chunks", parents=[corpus_option], help="list the passages the reports are cut into")
    p.add_argument("doc_id", nargs="?", help="one report id (default: all reports)")
    p.add_argument("--json", action="store_true", help="print a JSON list of passage objects")
    p.set_defaults(func=cmd_chunks)

    p = sub.add_parser("index", parents=[corpus_option], help="build the search index from the corpus")
    _add_index_options(p)
    p.add_argument("--index-type", choices=["auto", "flat", "hnsw", "ivf"], default="auto",
                   help="FAISS index: flat is exact; hnsw or ivf are approximate, for large corpora; "
                        "auto (default) is flat up to 20,000 embedding units, hnsw above")
    _add_device_option(p)
    p.add_argument("--no-context", action="store_true", help="embed passages without report and section context")
    p.add_argument("--if-missing", action="store_true", help="build only when the index is missing or out of date")
    p.add_argument("--allow-shrink", action="store_true",
                   help="index reports even if they lost most of their text since the last build")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("add", parents=[corpus_option], help="add report files (PDF, text, HTML) or folders of them, then update the index")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--kind", choices=["inspection report", "council paper", "news article"], help="the kind, where the file does not show it")
    p.add_argument("--authority", help="the council, where the file does not name it")
    p.add_argument("--date", help="publication date (YYYY, YYYY-MM or YYYY-MM-DD), where the file does not show it")
    p.add_argument("--title", help="the title, where the file's first line is not it")
    p.add_argument("--publisher", help="who published it")
    p.add_argument("--no-index", action="store_true", help="do not update the index now")
    _add_index_options(p)
    _add_device_option(p)
    p.set_defaults(func=cmd_add)

    p = sub.add_parser("remove", parents=[corpus_option], help="take a report out of the corpus and the index")
    p.add_argument("doc_id", metavar="ID")
    p.add_argument("--keep-file", action="store_true", help="leave the report's file in the corpus folder")
    p.add_argument("--no-index", action="store_true", help="do not update the index now")
    _add_index_options(p)
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("judgements", parents=[corpus_option], help="every report's judgements and grades, each cited")
    p.add_argument("--authority", help="only this council")
    p.add_argument("--year-from", type=int, metavar="YEAR", help="only inspections from this year on")
    p.add_argument("--year-to", type=int, metavar="YEAR", help="only inspections up to this year")
    p.add_argument("--json", action="store_true", help="print JSON rows")
    _add_index_options(p)
    p.set_defaults(func=cmd_judgements)

    p = sub.add_parser("search", parents=[corpus_option], help="find the passages that best match a query")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=10, help="how many passages (default 10)")
    _add_filter_options(p)
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid", help="retrieval mode")
    p.add_argument("--json", action="store_true", help="print JSON")
    _add_base_url_option(p)
    _add_index_options(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", parents=[corpus_option], help="answer a question from the reports, citing each sentence's paragraph")
    p.add_argument("question")
    p.add_argument("--history", action="append", metavar="QUESTION",
                   help="an earlier question of the conversation, oldest first (repeatable)")
    _add_filter_options(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    _add_base_url_option(p)
    _add_index_options(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("serve", parents=[corpus_option], help="serve the chat page and JSON API (waitress)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    from web.limits import DEFAULT as RATE, ENV as RATE_ENV
    from web.serve import ServeSettings

    serving = ServeSettings()
    from web.serve import default_workers

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
    _add_index_options(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("eval", parents=[corpus_option], help="score retrieval and answers on gold questions, configurations side by side")
    p.add_argument("--questions", type=Path, default=Path("evals/questions.jsonl"),
                   help="question file in the gold format (default evals/questions.jsonl)")
    p.add_argument("--json", action="store_true", help="print all figures as JSON")
    p.add_argument("--out", type=Path, default=None, help="write results.md, results.png and results.json here")
    _add_index_options(p)
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
        # The command is done and the process ends: the collector's passes at exit over the
        # objects still alive (the index's passages: 0.35 s at the whole archive) find nothing.
        gc.freeze()
        return code
    except (UserError, CatalogueError, IndexProblem, QueryError, QuestionFileError) as exc:
        print(f"reportqa: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `reportqa chunks | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
