"""Which sentences of the retrieved passages answer the question, and which say something at all.

What it does: scores every sentence of the retrieved passages against the `Query` (its stored
sentence vector, the passage's own score, and how many of the question's concepts it mentions;
a figure question scores a sentence that gives no figure lower), tells a whole sentence that says
something from a heading or a lead-in ending in ":", reads each sentence's role as the build stored
it (`qa.index.roles`: a concern or an improvement raises a concern; stock text is never a point, a
council paper's procedure only for a question about procedure, a field or date only for a question
about it), and adds what a chosen sentence leans on ("However, this ...").

    is_point("November 2015", passage)                           -> False
    is_point("Key strengths:", passage)                          -> False
    is_point("Care leavers are exempt from council tax.", passage) -> True
    is_point("Lead inspector: Jane Smith, HMI", passage)           -> True   (a field and its value)
    is_point("Officers responsible are:\n• A - Manager", passage)  -> True   (a lead-in with its list)

What it does not do: decide how many sentences an answer takes or in what order (that is
`qa.answer.kinds`), or render them (`qa.answer.compose`).
"""

from __future__ import annotations

import re

from qa.answer.model import AnswerSettings, Picked
from qa.answer.query import Query
from qa.chunk import Passage
from qa.chunk.sentences import quoted
from qa.corpus.places import mentioned
from qa.index.lexical import STOPWORDS, stems
from qa.retrieve.retriever import Hit

# The roles (decided at build, qa.index.roles) of sentences that raise a concern, and of those
# that are never a point: the publisher's stock text, and a council paper's procedure unless asked.
CONCERN_ROLES = frozenset({"concern", "improvement"})
NEVER_POINT = frozenset({"boilerplate"})
# Rows of structured passages are answer points as they stand (one line a row).
ROW_KINDS = frozenset({"judgement table", "action row", "table", "facts", "improvement point"})
TERMINAL = re.compile(r"[.!?;](['’\"”)\]]*)$")
LEANS = re.compile(r"^(however\b|(however,?\s+)?(this|these|it|they|such)\b)", re.I)  # 'However, on an individual basis ...' too
# A sentence turning against the one before it ('However, this is too late'). Not one opening with a
# concession ('Although there is some inconsistency in how this is recorded, staff feel supported'):
# it weighs both sides itself, and its main clause, not the sentence before, says which way it leans.
CONTRAST = re.compile(r"^(however|but|yet|nevertheless|nonetheless)\b", re.I)
MONEY = re.compile(r"£\s?\d|\b\d[\d,.]*\s*(million|billion|m|bn|k|pounds)\b", re.I)
SHARE = re.compile(r"\d+(\.\d+)?\s*(%|per ?cent)|\b(half|a third|a quarter|two thirds|one in \w+)\b", re.I)
# A count, not a year or a date: '14 authorities', '20 social work apprenticeships', 'seven days'.
COUNT = re.compile(
    r"(?<![\d.])\b(?!(19|20)\d\d\b)\d+(,\d{3})*\b(?![.]\d)(?!(st|nd|rd|th)\b)(?! (January|February|March|April|May|June|"
    r"July|August|September|October|November|December))|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|twenty|hundred|thousand|half|a third)\b", re.I)
UNITS = {"week", "day", "month", "year", "hour", "time", "number", "averag", "mani", "much", "long"}
# A list item ('• ', '- ', '(a) ', '3. ') and a labelled field ('Lead inspector: <name>').
LIST_ITEM = re.compile(r"^\s*([•▪◦*–-]|\(?[a-z0-9]{1,3}[).])\s+\S")
# A signature: a name on its own line, then the post held ('<FORENAME SURNAME>' / 'Director for Children, ...'),
# as council papers are signed: one point, the answer to 'who put that report ...?'.
SIGNATURE = re.compile(r"^(?P<name>[A-Z][A-Za-z’'-]+(?: [A-Z][A-Za-z’'-]+){1,3})\n(?P<post>(?:Director|Deputy|Assistant|"
                       r"Chief|Head|Executive|Strategic|Corporate|Cabinet Member|Leader|Service Manager|Principal)\b[^\n]*)$")
FIELD = re.compile(r"^[A-Z][\w'’()/&,-]*( [\w'’()/&,-]+){0,4}: \S+( \S+)+$")
# A person named: two or more capitalised words running ('<Forename Surname>', '<Forename Surname> - Principal'),
# not an organisation, a title, a date or a council ('<Name> County Council', 'His Majesty's').
CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:[’'][a-z]+)?(?: [A-Z][a-z]+(?:[’'][a-z]+)?)+\b")
NOT_A_PERSON = re.compile(
    r"\b(Council|Councils|County|Borough|City|Board|Boards|Service|Services|Partnership|Team|Trust|Court|Agency|"
    r"School|Schools|Department|Committee|Cabinet|Office|Officer|Inspector|Inspectors|His|Her|Majesty|Children|"
    r"Act|Framework|Plan|Report|Panel|Group|Centre|Network|Hub|Unit|Health|Care|Social|Local|National|Authority|"
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
GRADE_LINE = re.compile(r":\s*(outstanding|good|requires improvement( to be good)?|inadequate)\s*$", re.I)


def signature(text: str) -> bool:
    """Whether a text is a name line and the post under it, the name a person's: not an organisation,
    a heading ('<Service> Services / Executive Summary') or a council."""
    m = SIGNATURE.match(text)
    return m is not None and not NOT_A_PERSON.search(m.group("name")) and not mentioned(m.group("name"))


def is_point(text: str, passage: Passage) -> bool:
    """Whether a sentence can stand as an answer point: a whole sentence that says something, or a
    row of a structured passage (a judgement table line, an action-plan row, an improvement point)."""
    text = quoted(text.strip())
    if passage.kind in ROW_KINDS:
        return len(text.split()) >= 2 and not text.endswith(":")
    if signature(text):
        return True
    if "\n" in text:  # a lead-in and its list (see `point_spans`)
        lead, *items = text.split("\n")
        return lead.endswith(":") and len(lead.split()) >= 4 and bool(items) and all(LIST_ITEM.match(i) for i in items)
    if FIELD.match(text) and not GRADE_LINE.search(text):
        return True
    if text.endswith(":") or len(text.split()) < 4 or not TERMINAL.search(text):
        return False
    if not (text[:1].isupper() or text[:1].isdigit() or text[:1] in "'‘\"“("):
        return False  # a fragment left by a page or a false sentence break
    letters = [c for c in text if c.isalpha()]
    return sum(c.isupper() for c in letters) <= 0.6 * len(letters)  # not a heading in capitals


def point_spans(index, row: int) -> list[tuple[list[int], int, int]]:
    """A passage's sentences as candidate points: (sentence rows, start, end). A lead-in ending in
    ':' and the list items after it are one point when the items do not stand alone (names,
    fragments: 'are: • A - Principal Social Worker • B - Strategy Manager'); items that are whole
    sentences stay points of their own. A name line and the post under it (a signature) are one
    point. Every other sentence is its own."""
    passage = index.passages[row]
    text = passage.text
    ids, spans = index.sentences_of(row)
    out: list[tuple[list[int], int, int]] = []
    k = 0
    while k < len(ids):
        sids, start, end = [int(ids[k])], int(spans[k][1]), int(spans[k][2])
        if text[start:end].rstrip().endswith(":"):
            j = k
            while j + 1 < len(ids) and LIST_ITEM.match(text[int(spans[j + 1][1]):int(spans[j + 1][2])]):
                j += 1
            items = [text[int(s):int(e)] for _, s, e in spans[k + 1:j + 1]]
            if items and not any(is_point(item, passage) for item in items):
                sids += [int(i) for i in ids[k + 1:j + 1]]
                end = int(spans[j][2])
                k = j
        elif k + 1 < len(ids) and signature(text[start:int(spans[k + 1][2])]):
            sids.append(int(ids[k + 1]))  # a name line and the post under it: one signature
            end = int(spans[k + 1][2])
            k += 1
        out.append((sids, start, end))
        k += 1
    return out


def names_person(text: str) -> bool:
    """Whether a sentence names a person: 'A short presentation will be given by <Forename Surname>.'"""
    if signature(text):
        return True
    for m in CAPITALISED_RUN.finditer(text):
        words = m.group(0).split()
        while words and words[0].lower() in STOPWORDS:  # 'This Inspection', 'The Board'
            words.pop(0)
        name = " ".join(words)
        if len(words) >= 2 and not NOT_A_PERSON.search(name) and not mentioned(name):
            return True
    return False


def names_role(text: str, role: str) -> bool:
    """Whether a sentence names the role a 'who' question asks for, by its last word ('lead
    councillor': 'councillor'); any sentence does where none is asked."""
    return not role or stems(role.split()[-1]) <= stems(text)


def offered(role: str, query: Query, passage: Passage) -> bool:
    """Whether a sentence of this role may answer the question: never stock text; a council paper's
    procedure only for a question about procedure, or as an action-plan row's action (the row is
    quoted whole, its action with its progress: what was done about it)."""
    return role not in NEVER_POINT and (role != "procedure" or query.about_procedure or passage.kind == "action row")


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
        row = index.by_id[passage.id]
        heading = section_stems.setdefault(passage.section, stems(passage.section))
        ids, _ = index.sentences_of(row)
        sims = dict(zip(ids.tolist(), (index.sentence_vectors[ids] @ query.vector).tolist()))
        for k, (sids, s, e) in enumerate(point_spans(index, row)):
            text = passage.text[s:e]
            role = index.role_of(sids[0])
            if not offered(role, query, passage) or not is_point(text, passage):
                continue
            sim = max(sims[i] for i in sids)  # a lead-in and its list answer by their best line
            words = stems(text) | heading  # a sentence also says what its section heading says
            lexical = 0.0
            if query.concepts:  # 'LADO' is matched by 'local authority designated officer' in full
                lexical = sum(any(alt <= words for alt in alts) for alts in query.concepts) / len(query.concepts)
            score = 0.5 * sim + 0.5 * hit.dense_score + settings.lexical_weight * min(lexical, 1.0)
            if (query.broad or query.intent == "change") and k == 0:
                score += settings.topic_sentence_bonus
            if query.asks_grade and GRADE_LINE.search(text):
                score += settings.grade_line_bonus  # in a rating question a grade is the answer
            if query.figure and not gives_figure(text, query):
                score -= settings.figure_penalty
            if role == "label" and not (query.asks_grade or query.asks_who):
                score -= settings.label_penalty  # a date or a field answers only a question about it
            out.append(Picked(hit, row, s, e, score, text, role in CONCERN_ROLES, sids[0], role))
    if query.asks_who:  # 'who presented ...?' is answered by a name, where any sentence gives one
        named = [names_person(p.text) for p in out]
        if any(named):
            for p, has in zip(out, named):
                p.score -= 0.0 if has else settings.person_penalty
        for p, has in zip(out, named):  # 'who was the director?': a sentence naming one ('<NAME> / Director for ...')
            if not names_role(p.text, query.role):
                p.score -= settings.person_penalty
            elif query.role and has:
                p.score += settings.role_bonus
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
            if CONTRAST.match(p.text):
                before.concern = before.concern or p.concern  # 'However, this ...': the pair is a concern
            else:
                p.concern = before.concern  # 'This includes ...' says more of what it leans on, praise or concern
            keep[before.key] = before
        if after is not None and after.concern and CONTRAST.match(after.text):
            p.concern = True  # 'PAs start at 18. However, this is too late': one finding, a concern
            keep[after.key] = after
        elif after is not None and LEANS.match(after.text) and after.concern == p.concern:
            keep[after.key] = after  # 'This means ...' saying more of the same; a continuation read the other
            # way ('Care leavers are supported well. This includes ...' with the second misread) is not joined
    return list(keep.values())
