"""Text for a terminal: document text shown harmlessly, styles only on a terminal, wrapping.

What it does: `safe(text)` shows every control character a document may hold (ESC, BEL, backspace,
carriage return, the C1 controls such as CSI, DEL, and the bidirectional overrides) as a visible
stand-in instead of sending it to the terminal, so a paragraph holding `ESC[2J` cannot clear,
recolour or retitle the terminal of whoever runs `reportqa chunks`, `ask` or `search`; newlines and
tabs stay. `say` prints through it; `style` adds bold or underline only when the stream is a
terminal, around text already made safe.

    safe("Care leavers\x1b[2J are\x07 seen") -> "Care leavers␛[2J are␇ seen"

What it does not do: escape JSON (`--json` output is JSON-escaped by `json.dump`) or HTML (the web
app's templates do).
"""

from __future__ import annotations

import re
import shutil
import sys
import textwrap

# C0 controls but newline and tab, DEL, the C1 controls, and the bidirectional embeddings, overrides
# and isolates (which reorder what a terminal shows)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _picture(match: re.Match) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ .. ␟: the Unicode control pictures
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<U+{code:04X}>"


def safe(text: str) -> str:
    """The text with each control character replaced by a visible stand-in (newlines and tabs kept)."""
    return _CONTROL.sub(_picture, text)


def say(*parts: object, file=None, flush: bool = False) -> None:
    """print() for document text: every part shown through `safe`."""
    print(*(safe(str(p)) for p in parts), file=file or sys.stdout, flush=flush)


def style(text: str, code: str, stream=None) -> str:
    """Text (made safe) in an SGR style such as "1" (bold), only when the stream is a terminal."""
    text = safe(text)
    return f"\033[{code}m{text}\033[0m" if (stream or sys.stdout).isatty() else text


def width() -> int:
    return max(40, min(100, shutil.get_terminal_size((100, 24)).columns))


def with_roles(text: str, roles) -> str:
    """The text with each sentence's role after it: 'PAs start at 18. [finding] However, ... [concern]'."""
    for _, end, role in sorted(roles, reverse=True):
        text = f"{text[:end]} [{role}]{text[end:]}"
    return text


def format_passage(label: str, text: str, columns: int, roles=()) -> str:
    """A paragraph as a terminal shows it: its number in a gutter, text wrapped beside it, each
    sentence followed by its role where `roles` ((start, end, role) in the text) are given."""
    gutter = 7
    out: list[str] = []
    for k, line in enumerate(safe(with_roles(text, roles)).split("\n")):
        hang = "  " if line.startswith(("• ", "(")) else ""
        first = f"{safe(label):>{gutter - 2}}  " if k == 0 else " " * gutter
        out.extend(
            textwrap.wrap(line, columns, initial_indent=first, subsequent_indent=" " * gutter + hang)
            or [first.rstrip()]
        )
    return "\n".join(out)
