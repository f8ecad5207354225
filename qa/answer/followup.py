"""Follow-up questions rewritten into standalone ones, without a language model.

What it does: carries the subject of the earlier turn into a follow-up ("And when do their PAs
start?" after "What did inspectors say about care leavers?" -> "When do care leavers' PAs
start?"), repeats the earlier question for "tell me more" or "why?", swaps the year for "And in
2014?", carries "And <council>?" into the earlier question about that council, and writes in every part of the
conversation's scope (council, year, kind of report: `qa.answer.scope`) the follow-up does not state.

What it does not do: retrieve, or decide what the question asks for (that is `qa.answer.query`).
"""

from __future__ import annotations

import re

from qa.answer.scope import (
    FOLLOW_UP_START,
    PRONOUN,
    YEAR,
    Scope,
    pointing_back,
    read_turn,
    restated,
)
from qa.corpus.places import mentions
from qa.retrieve.glossary import matching_terms

TOPIC_TAIL = re.compile(r"\b(?:about|on|for|regarding|of|with|to)\s+((?:the\s+)?[\w'’ -]+?)\s*\??$", re.I)
# Words of the question's frame, not of its subject ('what did the inspectors say about ...').
QUESTION_WORDS = {
    "what", "when", "where", "who", "whom", "which", "why", "how", "do", "does", "did", "is", "are", "was", "were",
    "can", "could", "should", "would", "will", "has", "have", "had", "say", "said", "tell", "me", "about", "the", "a",
    "an", "of", "in", "on", "for", "to", "and", "or", "any", "there", "they", "their", "them", "it", "its", "this",
    "that", "these", "those", "get", "got", "inspectors", "inspector", "ofsted", "report", "reports", "council",
    "think", "find", "found", "anything", "much", "many", "also", "then", "so", "but", "be", "been", "being",
    "with", "at", "by", "from", "as", "if", "not", "no", "yes", "all", "some", "we", "you", "i", "my", "our", "your",
}
def _subject(question: str) -> str | None:
    """The thing a question is about: a glossary term it names, else the phrase after 'about'."""
    terms = matching_terms(question)
    if terms:
        for term in terms:  # the wording the user used, not the canonical name
            for name in sorted(term.names, key=len, reverse=True):
                m = re.search(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", question, re.IGNORECASE)
                if m and (name not in term.acronyms or m.group(0) == name):
                    if all(w.lower() in QUESTION_WORDS for w in m.group(0).split()):
                        break  # 'Ofsted', 'the council': who speaks, not what it is about
                    return m.group(0)
    m = TOPIC_TAIL.search(question.strip())
    if m:
        topic = m.group(1).strip()
        if any(w.lower() not in QUESTION_WORDS for w in re.findall(r"[\w'’-]+", topic)):
            return topic
    return None


QUESTION_START = re.compile(r"^(what|when|where|who|why|how|which|do|does|did|is|are|was|were|can|has|have)\b", re.I)


def content_words(text: str) -> list[str]:
    """The words of a text that are not the frame of a question ('what', 'did', 'say')."""
    return [w for w in re.findall(r"[A-Za-z][\w'’-]*", text) if w.lower() not in QUESTION_WORDS]


MORE = re.compile(
    r"^(tell me more|more|go on|continue|and|so|why|how come|anything else|what else|more details?|expand on that|"
    r"elaborate|who said (that|this|it)|where does it say (that|this)|and then)[\s?.!]*$", re.I)
COURTESY = re.compile(
    r"^(thanks?|thank you|cheers|ok(ay)?|great|good|fine|cool|got it|hello|hi|hey|bye)\b([\s,!.]*(very much|so much|"
    r"a lot|there|you))*[\s!.?]*$", re.I)
YEAR_ONLY = re.compile(
    r"^(?:(?:in|for|during|from|by|back in|about)\s+)?(?:the\s+)?((?:19|20)\d\d)"
    r"(?:\s+(?:report|inspection|paper|plan|assessment|visit|one))?[\s?.!]*$", re.I)
REPORTING = re.compile(r"\s+(say|said|says|find|found|finds|think|thought|report|reported|rate|rated|conclude|concluded)\b", re.I)


def standalone_query(question: str, history: tuple[str, ...] | list[str] = ()) -> str:
    """Rewrite a follow-up so it can be searched on its own: the earlier subject carried into it
    (here), and every part of the conversation's scope it does not state — council, year, kind of
    report — written in (`qa.answer.scope`)."""
    return standalone(question, history)[0]


def standalone(question: str, history: tuple[str, ...] | list[str] = ()) -> tuple[str, Scope]:
    """The question rewritten as `standalone_query` does, and its scope (`qa.answer.scope.read_turn`
    over the conversation's), each turn of the history read once, oldest first."""
    previous, earlier = None, Scope()
    for turn in history:
        previous, earlier = _standalone(turn, previous, earlier)
    return _standalone(question, previous, earlier)


def _standalone(question: str, previous: str | None, earlier: Scope) -> tuple[str, Scope]:
    """One turn rewritten after the previous turn's standalone text, and its scope."""
    question = " ".join(question.split())
    own, alone = read_turn(question, earlier)
    if previous is None or alone:
        return question, own  # a whole question about its own councils: no earlier subject or scope is added
    rewritten = _rewrite(question, previous)
    if COURTESY.match(question):
        return rewritten, own
    return restated(rewritten, own), own


def _other_councils(question: str, previous: str) -> str | None:
    """'And <council>?', 'What about <council A> and <council B>?': the earlier question about these councils
    instead of its own, or None when the question says more than council names."""
    found = mentions(question)
    rest = question
    for start, end, _ in reversed(found):
        rest = rest[:start] + rest[end:]
    if not found or content_words(re.sub(r"\b(in|for|at|of|with)\b", " ", rest, flags=re.I)):
        return None
    names = " and ".join(dict.fromkeys(question[a:b] for a, b, _ in found))
    earlier = _runs(previous, mentions(previous))
    if not earlier:
        return f"{previous.rstrip('?. ')} in {names}?"
    text = previous
    for n, (start, end) in enumerate(reversed(earlier)):
        if n == len(earlier) - 1:  # the first run of earlier councils: the new ones, their possessive mended
            tail = re.sub(r"^['’](?!s\b)", "'" if names.endswith("s") else "'s", text[end:])
            text = text[:start] + names + tail
        else:
            text = text[:start] + text[end:]
    return re.sub(r"\s+(and|,)\s+(?=[?.,]|$)", "", re.sub(r"\s{2,}", " ", text))


RUN_JOINER = re.compile(r"^(?:\s*,\s*|\s+and\s+|\s*&\s*|\s*,\s*and\s+)$", re.I)


def _runs(text: str, found) -> list[tuple[int, int]]:
    """The spans of councils named one after another ('<A>, <B> and <C>') as one span each."""
    runs: list[tuple[int, int]] = []
    for start, end, _ in found:
        if runs and RUN_JOINER.match(text[runs[-1][1]:start]):
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _rewrite(question: str, previous: str) -> str:
    if COURTESY.match(question):
        return question  # 'thanks': nothing new to look for
    stripped = question
    while FOLLOW_UP_START.match(stripped):  # 'and what about ...'
        stripped = FOLLOW_UP_START.sub("", stripped, count=1).strip()
    if MORE.match(question) or MORE.match(stripped) or not stripped.strip(" ?.!,"):
        return previous  # 'tell me more', 'and?', 'why?': the same subject again
    connective = stripped.lower() != question.lower()
    stripped = stripped[:1].upper() + stripped[1:]
    councils = _other_councils(stripped, previous)
    if councils:
        return councils
    when = YEAR_ONLY.match(stripped)
    if when:  # 'And in 2014?', 'What about the 2011 report?': the earlier question, another year
        base = previous.rstrip("?. ")
        base = YEAR.sub(when.group(1), base) if YEAR.search(base) else f"{base} in {when.group(1)}"
        return base + "?"
    subject = _subject(previous)
    own_subject = _subject(stripped) if matching_terms(stripped) else None

    back = pointing_back(stripped)
    possessive = [m for m in back if m.group(0).lower() in ("their", "its")]
    if subject and back and (not own_subject or possessive):
        for m in possessive or back:
            word = m.group(0).lower()
            if word == "there" or REPORTING.match(stripped[m.end():]):
                continue  # 'what did they say': 'they' are the inspectors, not the subject
            if re.match(r"\s+own\b", stripped[m.end():]):
                continue  # 'live on their own': an idiom, not the subject's
            end = m.end()
            if word in ("their", "theirs", "its"):
                new = f"{subject}'" if subject.endswith("s") else f"{subject}'s"
            else:
                new = subject
                noun = re.match(r"\s+([\w'’-]+)", stripped[end:])
                if word in ("this", "that", "these", "those") and noun and noun.group(1).lower() in subject.lower().split():
                    end += noun.end()  # 'those children' after 'children in care': the subject, once
                    new = f"the {subject}"  # 'most of those children': 'most of the children in care'
            replaced = stripped[: m.start()] + new + stripped[end:]
            if not connective or QUESTION_START.match(replaced):
                return replaced
            stripped = replaced  # 'And what about their accommodation?': a new subject, asked as before
            break
    words = content_words(stripped)
    if connective and (len(words) <= 4 or not PRONOUN.search(stripped)) and not QUESTION_START.match(stripped):
        # 'What about children in care?': the earlier question, on this new subject.
        phrase = stripped.rstrip("?. ")
        if subject and subject in previous:
            # the earlier subject with any aspect of it asked ('care leavers' health') gives way to the new one
            said = re.compile(re.escape(subject) + r"(?:['’]s?\s+[\w-]+)?")
            phrase = phrase[:1].lower() + phrase[1:] if phrase[:1].isupper() and not phrase.split()[0].isupper() else phrase
            return said.sub(lambda m: phrase, previous, count=1)
        # the earlier question names no subject to swap: ask about this one (the scope is written in after)
        phrase = re.sub(r"\s+(there|then)$", "", phrase, flags=re.I)
        return f"What did inspectors say about {phrase[:1].lower() + phrase[1:] if not phrase.split()[0].isupper() else phrase}?"
    if subject and len(words) <= 2 and subject.lower() not in stripped.lower() and not _subject(stripped) \
            and not mentions(stripped):  # 'How did Ofsted rate <council>?' is whole: no earlier subject added
        return f"{stripped.rstrip('?. ')} ({subject})?"
    return stripped if connective else question


