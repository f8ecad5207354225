"""The passages of a loaded index, each made a `Passage` only when it is first read.

What it does: `StoredPassages(rows)` holds the passage store's rows as `json.loads` gave them and
behaves as the list of `Passage`s (index, slice, iterate, compare); `reportqa ask` reads a few
dozen of the whole archive's 56k passages, and making all of them up front took 0.4 to 0.9 s (a
frozen dataclass checks each field it sets). `field_of(passages, "doc_id")` reads one field of
every passage without making any. A row is let go once its `Passage` is made, so a server that
reads them all holds each passage once.

`read_store(path)` parses the store with the garbage collector paused: its 56k objects at the
whole archive set off collections that find nothing (0.1 s of 0.35 s).

What it does not do: write the store or check it (`qa.index`), or change a passage.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

from qa.chunk.model import Passage

_FIELDS = frozenset(f.name for f in fields(Passage))


def make_passage(row: dict) -> Passage:
    """A stored row as a `Passage`: set directly when the row has every field (as the index writes
    it), through the dataclass otherwise (its defaults then fill what is missing)."""
    if row.keys() != _FIELDS:
        return Passage(**(row | {"spans": tuple(map(tuple, row.get("spans", ())))}))
    passage = object.__new__(Passage)
    passage.__dict__.update(row)
    passage.__dict__["spans"] = tuple(map(tuple, row["spans"]))
    return passage


class StoredPassages(Sequence):
    """A read-only list of the index's passages, made on first read (threads may race to make the
    same one: both make an equal `Passage`, one is kept)."""

    def __init__(self, rows: list[dict]) -> None:
        self._rows: list[dict | None] = rows
        self._made: list[Passage | None] = [None] * len(rows)

    def __len__(self) -> int:
        return len(self._made)

    def __getitem__(self, key):
        if isinstance(key, slice):
            return [self[i] for i in range(*key.indices(len(self._made)))]
        passage = self._made[key]
        if passage is None:
            row = self._rows[key]
            passage = self._made[key] = make_passage(row) if row is not None else self._made[key]
            self._rows[key] = None
        return passage

    def __iter__(self):
        for i in range(len(self._made)):
            yield self[i]

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def field(self, name: str) -> list:
        """One field of every passage, read from the rows (or the passage, once made)."""
        return [row[name] if row is not None else getattr(made, name) for row, made in zip(self._rows, self._made)]


def field_of(passages, name: str) -> list:
    """One field of every passage of a list or a `StoredPassages`, making no `Passage`."""
    if isinstance(passages, StoredPassages):
        return passages.field(name)
    return [getattr(p, name) for p in passages]


def read_store(path: Path):
    """The passage store's JSON, parsed with the cyclic garbage collector paused."""
    import gc

    text = path.read_text(encoding="utf-8")
    paused = gc.isenabled()
    gc.disable()
    try:
        return json.loads(text)
    finally:
        if paused:
            gc.enable()
