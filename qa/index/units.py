"""What is embedded and what BM25 reads of each passage.

What it does: the context a passage is embedded with (report, year, section heading), the BM25
text of a passage, and the embedding units of a list of passages: each whole passage, or, for a
passage longer than the model's window, overlapping windows of its sentences.

    embedding_units([para 37 of Leeds 2025], ...) -> [(0, "Leeds ILACS (2025). The experiences and progress of care leavers: good. Care leavers ...")]

What it does not do: encode the texts (`qa.index.encoder`) or tokenize them for BM25 (`qa.index.lexical`).
"""

from __future__ import annotations

from qa.chunk import Passage
from qa.chunk.sentences import split_sentences
from qa.corpus.catalogue import Report
from qa.index.encoder.model import max_tokens, token_lengths
from qa.index.format import BuildSettings


def context_prefix(report: Report, section: str) -> str:
    return f"{report.short_title} ({report.year}). {section}." if section else f"{report.short_title} ({report.year})."


def bm25_text(passage: Passage, report: Report) -> str:
    return f"{report.short_title}. {passage.section}.\n{passage.text}"


def embedding_units(passages: list[Passage], reports: dict[str, Report], settings: BuildSettings) -> list[tuple[int, str]]:
    """(passage row, text to embed): the whole passage, or overlapping windows of its sentences.
    Lengths are counted in two batches (whole texts, then the long passages' sentences), not text
    by text."""
    limit = max_tokens()
    prefixes = [context_prefix(reports[p.doc_id], p.section) + " " if settings.context else "" for p in passages]
    whole = token_lengths([prefix + p.text for prefix, p in zip(prefixes, passages)])
    long = {row: [s.text for s in split_sentences(passages[row].text)] for row, n in enumerate(whole) if n > limit}
    counted = iter(token_lengths([text for row, sentences in long.items() for text in (prefixes[row], *sentences)]))
    units: list[tuple[int, str]] = []
    for row, p in enumerate(passages):
        prefix = prefixes[row]
        if row not in long:
            units.append((row, prefix + p.text))
            continue
        sentences = long[row]
        budget = min(settings.window_tokens, limit - next(counted) - 2)
        lengths = [next(counted) - 2 for _ in sentences]
        start = 0
        while start < len(sentences):
            end, used = start, 0
            while end < len(sentences) and (end == start or used + lengths[end] <= budget):
                used += lengths[end]
                end += 1
            units.append((row, prefix + " ".join(sentences[start:end])))
            if end >= len(sentences):
                break
            start = max(start + 1, end - 1)  # one sentence of overlap between windows
    return units

