"""Text laid out to fit a terminal: words wrapped whole, widths in cells (colour codes never count).

Wrapping works on plain text and returns (start, end) offsets, so a caller colours each line
afterwards from spans found on the whole text: a highlighted phrase survives a line break.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

Span = tuple[int, int]
_WORD = re.compile(r"\S+")


def tidy(text: str) -> str:
    """`text` with each run of spaces or tabs as one space; line breaks kept (at most one blank line)."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def cell_width(text: str) -> int:
    """How many terminal cells `text` takes: wide (East Asian) characters 2, combining marks 0."""
    return sum(_char_width(c) for c in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def line_spans(text: str, width: int) -> list[Span]:
    """Where each wrapped line of `text` starts and ends: whole words, never wider than `width`.

    Only a single word wider than the line (a long URL) is cut, as it fits nowhere whole.
    `text` should be `tidy`: words one space apart.
    """
    spans: list[Span] = []
    start = 0
    for line in text.split("\n"):
        spans += _paragraph_spans(text, start, start + len(line), max(width, 1))
        start += len(line) + 1
    return spans


def _paragraph_spans(text: str, begin: int, end: int, width: int) -> list[Span]:
    spans: list[Span] = []
    line: Span | None = None
    for word in _WORD.finditer(text, begin, end):
        if line is not None and cell_width(text[line[0] : word.end()]) <= width:
            line = (line[0], word.end())
            continue
        if line is not None:
            spans.append(line)
        pieces = _cut(text, word.start(), word.end(), width)
        spans += pieces[:-1]
        line = pieces[-1]
    return [*spans, line] if line is not None else [*spans, (begin, begin)]


def _cut(text: str, start: int, end: int, width: int) -> list[Span]:
    """A word in pieces of at most `width` cells (one piece when it fits)."""
    pieces, used, at = [], 0, start
    for i in range(start, end):
        w = _char_width(text[i])
        if used + w > width and i > at:
            pieces.append((at, i))
            at, used = i, 0
        used += w
    return [*pieces, (at, end)]


def wrap(text: str, width: int, *, style: Callable[[str, int, int], str] | None = None) -> list[str]:
    """`text` tidied and wrapped to `width`; `style(tidied, start, end)` colours each line.

    `tidy` is idempotent, so a caller that colours by offsets tidies first and colours that text.
    """
    text = tidy(text)
    return [style(text, s, e) if style else text[s:e] for s, e in line_spans(text, width)]


def wrap_indented(line: str, width: int) -> list[str]:
    """One line wrapped to `width`, its leading spaces the indent of every continuation line."""
    indent = len(line) - len(line.lstrip(" "))
    indent = indent if width - indent >= 20 else 0  # a narrow terminal has no room to indent
    return [" " * indent + part for part in wrap(line, width - indent)]


def wrap_all(lines: Sequence[str], width: int) -> list[str]:
    """Each line wrapped to `width`, indent kept."""
    return [out for line in lines for out in wrap_indented(line, width)]


def pages(lines: Sequence[str], rows: int) -> list[list[str]]:
    """`lines` in pages of `rows` lines (at least one page, perhaps empty)."""
    rows = max(rows, 1)
    return [list(lines[i : i + rows]) for i in range(0, len(lines), rows)] or [[]]
