"""`reportqa ask QUESTION`: an answer made of the reports' own sentences, each point cited."""

from __future__ import annotations

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
from qa.cli.terminal import say
from qa.retrieve.retriever import Retriever


def register(sub, parents) -> None:
    p = sub.add_parser("ask", parents=parents, help="answer a question from the reports, citing each sentence's paragraph")
    p.add_argument("question")
    p.add_argument("--history", action="append", metavar="QUESTION",
                   help="an earlier question of the conversation, oldest first (repeatable)")
    add_filter_options(p)
    p.add_argument("--json", action="store_true", help="print JSON (the same fields as POST /api/ask)")
    add_base_url_option(p)
    add_index_option(p)
    add_store_option(p)
    p.set_defaults(func=run)


def run(args) -> int:
    # the answer stage and the output contract (pydantic) are imported when this command runs, so
    # that every other command starts without them
    from qa.answer import Answerer, format_answer_text
    from qa.output.contract import answer_out, dump, reader_labels

    base = base_url(args)
    index = loaded_index(args)
    store = opened_store(args, index)
    try:
        answer = Answerer(Retriever(index, store=store)).answer(args.question, history=args.history or (), filters=filters(args))
    finally:
        if store is not None:
            store.close()
    labels = reader_labels(index, [c.hit for c in answer.citations] + list(answer.passages))
    if args.json:
        print_json(dump(answer_out(answer, labels, base)))
    else:
        say(format_answer_text(answer, base_url=base, labels=labels))
    return 0
