"""One screenful of the screening terminal: a card laid out to fit the terminal's rows and columns.

From the top: the header (who, stage, progress, order), a rule, "Work N: title", the meta line,
the context lines (pinned while they leave room), then a page of the body (the abstract, the
criteria or the exclusion reasons), the page line, messages and keys. The header, ID and title
are never paged away; words are wrapped whole and colour codes never count towards a width.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass

import click

from review.cli.terminal_layout import pages, tidy, wrap, wrap_all

MIN_BODY = 4  # rows kept for the abstract before context lines are paged with it


@dataclass(frozen=True)
class Card:
    """One work as the terminal shows it."""

    work_id: int
    title: str
    meta: str  # one line: source, year, type
    abstract: str | None = None
    extra: tuple[str, ...] = ()


@dataclass
class View:
    """What the terminal shows of a card now."""

    card: Card
    panel: str = "card"  # card (the abstract) | help (the criteria) | reasons (after `e`)
    page: int = 0
    note: str | None = None  # typed for this card; rides on its decision


@dataclass(frozen=True)
class Content:
    """The rest of a frame, from the loop: header, context, the panel's lines, keys and messages."""

    header: str
    extra: Sequence[str]
    panel_lines: Sequence[str]  # the body when the panel is not the abstract
    keys: str
    messages: Sequence[str] = ()
    include_terms: Sequence[str] = ()
    exclude_terms: Sequence[str] = ()


def frame(view: View, content: Content, width: int, rows: int | None) -> list[str]:
    """The lines to draw: at most `rows` of at most `width` cells.

    With rows None (no terminal: output piped or logged) every line is printed whole, unwrapped.
    """
    fold = width if rows is not None else sys.maxsize
    top = [*_header(content.header, fold), "─" * width, *_title(view.card, content, fold)]
    top += wrap(view.card.meta, fold)
    extra = wrap_all(content.extra, fold)
    if view.panel == "card":
        body = _abstract(view.card, content, fold)
    else:
        body = wrap_all(content.panel_lines, fold)
    footer = [click.style(line, fg="yellow") for m in content.messages for line in wrap(m, fold)]
    footer += wrap(content.keys, fold)
    if rows is None:
        return [*top, *extra, "", *body, *footer]
    return _fit(view, (top, extra, body, footer), width, rows)


def _fit(view: View, parts: tuple[list[str], ...], width: int, rows: int) -> list[str]:
    top, extra, body, footer = parts
    if len(top) + len(extra) + 1 + len(footer) + MIN_BODY > rows and extra:
        body, extra = [*extra, "", *body], []  # too much context to pin: page it with the abstract
    top = top[: max(rows - len(footer) - 2, 1)]  # only on a tiny screen: keep the header and ID line
    room = max(rows - len(top) - len(extra) - 1 - len(footer), 1)
    if len(body) > room:
        room = max(room - 1, 1)  # a row for the page line
    chunks = pages(body, room)
    view.page = min(max(view.page, 0), len(chunks) - 1)
    page = chunks[view.page] + [""] * (room - len(chunks[view.page]))  # keys stay on the bottom rows
    more = [_page_line(view.page, len(chunks), width)] if len(chunks) > 1 else []
    return [*top, *extra, "", *page, *more, *footer][:rows]


def _page_line(page: int, count: int, width: int) -> str:
    keys = ["space next"] if page + 1 < count else []
    keys += ["b back"] if page else []
    return click.style(wrap(f"Page {page + 1}/{count}: {', '.join(keys)}", width)[0], dim=True)


def _header(text: str, width: int) -> list[str]:
    return [click.style(line, fg="cyan", bold=True) for line in wrap(text, width)] if text else []


def _title(card: Card, content: Content, width: int) -> list[str]:
    from review.screen.terms import term_colours

    text = tidy(f"Work {card.work_id}: {card.title}")
    colours = term_colours(text, content.include_terms, content.exclude_terms)
    head = len(f"Work {card.work_id}:")
    colours[:head] = ["bold"] * head
    return wrap(text, width, style=lambda t, s, e: styled(t, colours, s, e))


def _abstract(card: Card, content: Content, width: int) -> list[str]:
    if not card.abstract or not card.abstract.strip():
        return [click.style("(no abstract)", dim=True)]
    from review.screen.terms import term_colours

    text = tidy(card.abstract)
    colours = term_colours(text, content.include_terms, content.exclude_terms)
    return wrap(text, width, style=lambda t, s, e: styled(t, colours, s, e))


def styled(text: str, colours: Sequence[str | None], start: int, end: int) -> str:
    """`text[start:end]` with its colours ("bold" is bold without a colour)."""
    out: list[str] = []
    i = start
    while i < end:
        j = i
        while j < end and colours[j] == colours[i]:
            j += 1
        colour = colours[i]
        if colour is None:
            out.append(text[i:j])
        else:
            out.append(click.style(text[i:j], fg=None if colour == "bold" else colour, bold=True))
        i = j
    return "".join(out)


def highlight(text: str, *, include: Sequence[str] = (), exclude: Sequence[str] = ()) -> str:
    """`text` with include terms in green and exclude terms in red (exclude wins where they overlap)."""
    from review.screen.terms import term_colours

    return styled(text, term_colours(text, include, exclude), 0, len(text))
