"""Refuse to index a report that lost most of its text since the last build.

What it does: compares each changed report's new passages with those the published build holds
for it, and names every report whose text shrank sharply, emptied, or lost most of its numbered
paragraphs (an emptied or truncated file, a PDF replaced by a damaged one). `build_index` raises
`ShrunkReport` before anything is written, so the previous good build stays in use.

    shrunk(old_passages, new_passages)  ->  "its text went from 52,180 to 0 characters"  (or None)

What it does not do: judge a new report (nothing to compare it with), or refuse growth.
"""

from __future__ import annotations

from qa.chunk import Passage

KEEP_TEXT = 0.5  # a report keeping less than half its characters ...
KEEP_NUMBERED = 0.5  # ... or less than half its numbered paragraphs (of at least MIN_NUMBERED) has shrunk
MIN_NUMBERED = 5


def shrunk(old: list[Passage], new: list[Passage]) -> str | None:
    """Why a report's new passages look like a damaged copy of the old, or None if they do not."""
    before, after = sum(len(p.text) for p in old), sum(len(p.text) for p in new)
    if before and not new:
        return f"it has no passages left (it had {len(old)})"
    if before and after < KEEP_TEXT * before:
        return f"its text went from {before:,} to {after:,} characters"
    numbered_before = sum(p.label.isdigit() for p in old)
    numbered_after = sum(p.label.isdigit() for p in new)
    if numbered_before >= MIN_NUMBERED and numbered_after < KEEP_NUMBERED * numbered_before:
        return f"it has {numbered_after} of its {numbered_before} numbered paragraphs left"
    return None
