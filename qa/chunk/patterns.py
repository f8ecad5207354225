"""Regular expressions and marks shared by the layouts: numbers, bullets, headings, sentence ends."""

from __future__ import annotations

import re

BULLET = "•"

_INLINE_NUMBER = re.compile(r"^\s*(\d{1,3})\.\s+(?=\S)")
_LONE_NUMBER = re.compile(r"^\s*(\d{1,3})\.\s*$")
_LONE_MARKER = re.compile(r"^\s*(•|\([a-z]\))\s*$")
_BULLET_LINE = re.compile(r"^\s*[-•◼▪●]\s+(?=\S)")
_MD_HEADING = re.compile(r"^\s*#{1,6}\s+")
_SECTION_NUMBER = re.compile(r"^\s*(\d{1,2})\.0\s+(?=\S)")  # '2.0 Experiences and progress ...'
_ROW_LABEL = re.compile(r"^\s*(?:<p>)?\s*(\d{1,2}\.\d{1,2})\s*(?:</p>)?\s*$")
_SIGNATURE = re.compile(r"^[A-Z][A-Z'\-]+(?: [A-Z][A-Z'\-]+){1,3}$")  # 'MEERA SPILLETT'
_DATE_LINE = re.compile(
    r"^(\d{1,2}(st|nd|rd|th)? )?(January|February|March|April|May|June|July|August|September|October|November"
    r"|December) \d{4}$"
)
_KEY_VALUE = re.compile(r"^(\*\*)?[A-Z][\w ()']{0,30}:(\*\*)?\s+\S")  # 'Lead inspector: Nicki Shaw'
_TERMINAL = re.compile(r"[.!?…][\"'”’)]*$")
_ENDS_SENTENCE = re.compile(r"[.!?;:][\"'”’)]*$")
