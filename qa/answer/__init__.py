"""Cited answers made of the reports' own sentences, and follow-up questions in a conversation.

The pipeline, one module a concern, data flowing one way:

    followup  "And their PAs?" -> "When do care leavers' PAs start?"
    query     the question analysed once: intent, scope, glossary terms, concepts, vector (`Query`)
    guards    a council, name or year the collection does not hold -> a decline naming it
    select    sentences of the retrieved passages scored; whole sentences only; concerns told
    kinds     one composition per intent: fact, yes/no, broad, definition, summary, change
    themes    concerns that recur across inspections
    compose   the direct answer first, then one group per report; a marker once per point
    answerer  `Answerer.answer(question, history, filters) -> Answer`

Every marked point is verbatim text of the passage it cites; leads and headings carry no marker
and say nothing beyond catalogue metadata. Nothing here names a report, a council or a phrase of
any particular report: places come from the catalogue and `qa/data/authorities.csv`.

What it does not do: generate or paraphrase text, or retrieve on its own (that is `qa.retrieve`).
"""

from qa.answer.answerer import Answerer
from qa.answer.compose import format_answer_text, named
from qa.answer.followup import standalone_query
from qa.answer.model import Answer, AnswerSettings, Citation
from qa.answer.query import Query

__all__ = ["Answer", "AnswerSettings", "Answerer", "Citation", "Query", "format_answer_text", "named",
           "standalone_query"]
