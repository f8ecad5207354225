"""Which sentences of the retrieved passages answer the question, and which say something at all.

What it does: scores every sentence of the retrieved passages against the `Query` (its stored
sentence vector, the passage's own score, and how many of the question's concepts it mentions;
a figure question scores a sentence that gives no figure lower), tells a whole sentence that says
something from a heading, a date, a lead-in ending in ":" or a council paper's procedural line,
tells a concern from a strength by inspection language and by structure (an inspection's "What
needs to improve?" points), and adds what a chosen sentence leans on ("However, this ...").

    is_point("November 2015", passage)                           -> False
    is_point("Key strengths:", passage)                          -> False
    is_point("Care leavers are exempt from council tax.", passage) -> True

What it does not do: decide how many sentences an answer takes or in what order (that is
`qa.answer.kinds`), or render them (`qa.answer.compose`).
"""

from __future__ import annotations

import re

from ..chunk import Passage
from ..lexical import stems
from ..retrieve import Hit
from ..sentences import quoted
from .model import AnswerSettings, Picked
from .query import Query

# Inspection language for a shortfall: general evaluative English, not any report's phrases.
CONCERN = re.compile(
    r"\b(however|not (always|yet|consistently|routinely|sufficiently|fully|effectively|enough|been|robust\w*|timely)|"
    r"too (late|long|slow\w*|many|few|high|variable)|delays?|delayed|weak\w*|shortfalls?|shortages?|backlogs?|"
    r"long waits?|waiting lists?|needs? to improve|needs? (further )?development|"
    r"requires? improvement|inadequate|insufficient\w*|drift|gaps?|poor\w*|lack\w*|limited|inconsistent\w*|variable|"
    r"did not|is not|are not|was not|were not|has not|have not|fail\w*|"
    r"still not|with the exception of|yet to be|unregistered|(high|staff) turnover|risk of|concerns? about|vacanc\w+)\b",
    re.IGNORECASE,
)
IMPROVEMENT_SECTION = re.compile(
    r"(areas? for (further )?(development|improvement)|needs? (further )?development|needs? to improve|"
    r"what needs to improve|recommendations)", re.I)
# The sections of a council paper that record procedure, not findings (every council writes them).
PROCEDURAL_SECTION = re.compile(
    r"\b(implications?|recommendations?|background papers?|contact officers?|annex(es)?|appendix|appendices|"
    r"divisions? affected|decision required|purpose of (the )?report)\b", re.I)
# Rows of structured passages are answer points as they stand (one line a row).
ROW_KINDS = frozenset({"judgement table", "action row", "table", "facts", "improvement point"})
TERMINAL = re.compile(r"[.!?;](['’\"”)\]]*)$")
LEANS = re.compile(r"^(however,?\s+)?(this|these|it|they|such)\b", re.I)
MONEY = re.compile(r"£\s?\d|\b\d[\d,.]*\s*(million|billion|m|bn|k|pounds)\b", re.I)
SHARE = re.compile(r"\d+(\.\d+)?\s*(%|per ?cent)|\b(half|a third|a quarter|two thirds|one in \w+)\b", re.I)
# A count, not a year or a date: '14 authorities', '20 social work apprenticeships', 'seven days'.
COUNT = re.compile(
    r"(?<![\d.])\b(?!(19|20)\d\d\b)\d+(,\d{3})*\b(?![.]\d)(?!(st|nd|rd|th)\b)(?! (January|February|March|April|May|June|"
    r"July|August|September|October|November|December))|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|twenty|hundred|thousand|half|a third)\b", re.I)
UNITS = {"week", "day", "month", "year", "hour", "time", "number", "averag", "mani", "much", "long"}
GRADE_LINE = re.compile(r":\s*(outstanding|good|requires improvement( to be good)?|inadequate)\s*$", re.I)


def is_point(text: str, passage: Passage) -> bool:
    """Whether a sentence can stand as an answer point: a whole sentence that says something, or a
    row of a structured passage (a judgement table line, an action-plan row, an improvement point)."""
    text = quoted(text.strip())
    if passage.kind in ROW_KINDS:
        return len(text.split()) >= 2 and not text.endswith(":")
    if text.endswith(":") or len(text.split()) < 4 or not TERMINAL.search(text):
        return False
    if not (text[:1].isupper() or text[:1].isdigit() or text[:1] in "'‘\"“("):
        return False  # a fragment left by a page or a false sentence break
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) <= 0.6 * len(letters)  # not a heading in capitals


def procedural(passage: Passage, report_kind: str) -> bool:
    return report_kind == "council paper" and bool(PROCEDURAL_SECTION.search(passage.section or ""))


def is_concern(text: str, passage: Passage) -> bool:
    """An improvement point, anything under an improvement heading, an action plan's action (it
    answers an area for improvement), or a sentence in the language of a shortfall."""
    action = passage.kind == "action row" and passage.text.startswith(text)
    return (passage.kind == "improvement point" or action or bool(IMPROVEMENT_SECTION.search(passage.section or ""))
            or bool(CONCERN.search(text)))


def gives_figure(text: str, query: Query) -> bool:
    if query.figure == "money":
        return bool(MONEY.search(text))
    if query.figure == "share":
        return bool(SHARE.search(text))
    asked = set(query.tokens) - UNITS  # '4 week inspection' does not answer 'a wait in weeks'
    for m in COUNT.finditer(text):
        before, after = text[max(0, m.start() - 1):m.start()], text[m.end():m.end() + 1]
        if "/" in (before, after) or (before, after) == ("(", ")"):
            continue  # '24/7', '1/4ly', '(4)': not a count
        if stems(" ".join(text[m.end():].split()[:3])) & asked:
            return True
    return False


def score_sentences(query: Query, hits: list[Hit], index, settings: AnswerSettings) -> list[Picked]:
    """Every point-worthy sentence of the hits, scored against the question."""
    out: list[Picked] = []
    section_stems: dict[str, frozenset[str]] = {}
    for hit in hits:
        passage = hit.passage
        if procedural(passage, hit.report.kind):
            continue
        row = index.by_id[passage.id]
        ids, spans = index.sentences_of(row)
        sims = index.sentence_vectors[ids] @ query.vector
        heading = section_stems.setdefault(passage.section, stems(passage.section))
        for k, ((_, s, e), sim, sid) in enumerate(zip(spans, sims, ids)):
            text = passage.text[int(s):int(e)]
            if not is_point(text, passage):
                continue
            words = stems(text) | heading  # a sentence also says what its section heading says
            lexical = 0.0
            if query.concepts:  # 'LADO' is matched by 'local authority designated officer' in full
                lexical = sum(any(alt <= words for alt in alts) for alts in query.concepts) / len(query.concepts)
            score = 0.5 * float(sim) + 0.5 * hit.dense_score + settings.lexical_weight * min(lexical, 1.0)
            if query.broad and k == 0:
                score += settings.topic_sentence_bonus
            if query.asks_grade and GRADE_LINE.search(text):
                score += settings.grade_line_bonus  # in a rating question a grade is the answer
            if query.figure and not gives_figure(text, query):
                score -= settings.figure_penalty
            out.append(Picked(hit, row, int(s), int(e), score, text, is_concern(text, passage), int(sid)))
    return out


def with_context(chosen: list[Picked], scored: list[Picked], index) -> list[Picked]:
    """Add what a chosen sentence leans on: the sentence before 'However, this ...', and the one
    after it when that one qualifies it ('PAs start at 18. However, this is too late': one finding)."""
    by_key = {p.key: p for p in scored}
    keep = {p.key: p for p in chosen}
    for p in list(chosen):
        _, spans = index.sentences_of(p.row)
        starts = [int(s) for _, s, _ in spans]
        k = starts.index(p.start)
        before = by_key.get((p.row, starts[k - 1])) if k > 0 else None
        after = by_key.get((p.row, starts[k + 1])) if k + 1 < len(starts) else None
        if before is not None and LEANS.match(p.text):
            before.concern = before.concern or p.concern
            keep[before.key] = before
        if after is not None and (LEANS.match(after.text) or after.text.lower().startswith("however")) and after.concern:
            p.concern = True
            keep[after.key] = after
    return list(keep.values())
