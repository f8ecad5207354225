"""Inline cleaning: Markdown and HTML markup out of one line or table cell."""

from __future__ import annotations

import html
import re
from functools import lru_cache

from qa.chunk.patterns import BULLET

_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_MD_EMPHASIS = re.compile(r"(\*\*|\*)(?=\S)(.+?)(?<=\S)\1")


@lru_cache(maxsize=1)
def _soup():
    """BeautifulSoup, imported when markup is first cleaned: answering questions loads the chunker's
    types but never parses HTML, and bs4 takes 0.15 s to import."""
    from bs4 import BeautifulSoup

    return BeautifulSoup


def clean_inline(text: str) -> str:
    """Markup-free text of one line or cell: Markdown emphasis and links, HTML tags, entities."""
    text = _AUTOLINK.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    if "<" in text:
        text = _soup()(text, "html.parser").get_text()
    else:
        text = html.unescape(text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = text.replace("\u00a0", " ").replace("\t", " ")
    return re.sub(r"[ ]{2,}", " ", text).strip()


def _cell_items(cell: str) -> list[str]:
    """A table cell's content as items: paragraphs as they are, list entries prefixed with '• '."""
    items: list[str] = []
    soup = _soup()(cell, "html.parser")
    for node in soup.contents:
        name = getattr(node, "name", None)
        text = node.get_text(" ") if name else str(node)
        text = re.sub(r"\s+", " ", html.unescape(text).replace("\u00a0", " ")).strip()
        if not text:
            continue
        if name in ("ul", "ol") or text.startswith(BULLET):
            # A list's entries; where the bullet glyphs were lost, the list stays one entry.
            items.extend(f"{BULLET} {p.strip()}" for p in text.split(BULLET) if p.strip())
        else:
            items.append(text)
    return items

