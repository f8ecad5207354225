"""The records an answer is made of: settings, the sentences picked, citations, the answer.

What it does: defines `AnswerSettings` (every threshold of composition, with where it was
calibrated), `Picked` (one sentence of one passage, with its span, score and whether it raises a
concern), `Citation` (a cited passage with the spans of the sentences quoted from it) and `Answer`.

What it does not do: choose or render anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.retrieve.retriever import Hit


@dataclass(frozen=True)
class AnswerSettings:
    candidates: int = 12  # passages whose sentences are considered
    candidates_broad: int = 20  # broad questions look deeper: their answer draws on every relevant paragraph
    topic_sentence_bonus: float = 0.05  # broad answers favour a paragraph's opening (topic) sentence
    # A 'who' question scores a sentence naming nobody this much lower, when another names someone.
    person_penalty: float = 0.3
    role_bonus: float = 0.3  # a person named with the post a who-question asks for is its answer ('<NAME> / Director ...')
    grade_line_bonus: float = 0.3  # rating questions favour judgement-table rows ('... care leavers: Good')
    # Calibrated by evals/calibrate.py on evals/dev.jsonl: see the README's figures.
    min_relevance: float = 0.41  # below this best sentence score the reports do not cover the question
    # A question asking for a figure (an amount, a share, a count) scores a sentence that gives none
    # this much lower: the calibrated threshold then decides, not a rule.
    figure_penalty: float = 0.5
    label_penalty: float = 0.3  # a field or date line ('Inspection dates: ...') answers only a question about it
    keep_within: float = 0.12  # a sentence is kept when it scores within this of the best (narrow questions)
    broad_floor: float = 0.30  # broad questions keep no sentence scoring below this
    broad_passage_within: float = 0.07  # broad questions draw on passages this close to the best (dev: 0.1 cited more off-topic paragraphs)
    max_sentences: int = 5  # on dev 5 keeps the facts of 6 with fewer citations; 4 cost the gold set 0.03 of fact coverage
    per_passage_broad: int = 3  # sentences one paragraph may give a broad answer (besides its concerns)
    max_sentences_broad: int = 12  # on dev 12 and 6 keep the facts of 16 and 8 with fewer citations
    max_concerns_broad: int = 6
    lexical_weight: float = 0.35
    direct: int = 2  # sentences that lead an answer as its direct reply
    max_improvements: int = 12  # points an answer listing what a report asks to improve shows
    summary_sentences: int = 8  # a summary of a report without its own summary: one per section, at most
    change_per_year: int = 2  # sentences each year of a change-over-time (or yes/no) answer gives at least
    change_points: int = 10  # sentences a change answer's years share (kinds.per_year): 5 each for two inspections; national dev 45 -> 49 of 71 change facts, median words 187 -> 254
    theme_similarity: float = 0.45  # concerns from two inspections this similar (and sharing a word) are one theme
    # Words in more than this share of passages are too common to tie a theme (see the commit that set it).
    theme_generic_share: float = 0.12
    theme_candidates: int = 60  # concern sentences nearest the question a theme is looked for among
    max_themes: int = 5
    overview_min_councils: int = 5  # a topic asked of no council is an overview only in a collection of this many
    overview_candidates: int = 40  # passages an overview's points are drawn from
    overview_points: int = 4  # strengths, and concerns, an overview gives: each from a different council
    overview_similarity: float = 0.6  # two councils' sentences this similar (cosine) say the same thing
    # A council's question naming no year is answered from its latest inspection (and its papers and press):
    # with the filter on Sunderland, "What did inspectors find at the front door?" gave 2015-2021 findings and left
    # out the 2025 report. National dev: 90 -> 89 facts of 188 (one follow-up whose gold is an older report).
    prefer_latest: bool = True
    compare_points: int = 3  # sentences each council gives a comparison
    headlines: int = 4  # a rating answer of at most this many inspections quotes each one's verdict sentence too


@dataclass
class Picked:
    """One sentence of one retrieved passage, as composition sees it."""

    hit: Hit
    row: int  # passage row in the index
    start: int  # span of the sentence in the passage text
    end: int
    score: float
    text: str
    concern: bool = False
    sentence: int = -1  # row of index.sentence_vectors, where known
    role: str = ""  # the sentence's role as the build stored it (qa.index.roles), where known

    @property
    def key(self) -> tuple[int, int]:
        return (self.row, self.start)


@dataclass(frozen=True)
class Citation:
    n: int
    hit: Hit
    quote: str
    spans: tuple[tuple[int, int], ...] = ()  # where each quoted sentence stands in the passage text


@dataclass
class Answer:
    question: str
    standalone_query: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    passages: list[Hit] = field(default_factory=list)
    reason: str = ""
    intent: str = ""

