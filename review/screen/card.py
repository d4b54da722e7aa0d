"""A screening card in words, for any screen: the title, the meta line and the context lines, and
the decision a screen sends back for it (`Choice`).

The keyboard screen (review.cli.screen) prints them and the browser (review.web.views) escapes
them into HTML, so both say the same things. Each screen says how much it has room for: the
terminal clips related titles and lists at most a few related works; the browser lists them all
and leaves out the server's file paths.
"""

from __future__ import annotations

from dataclasses import dataclass

from review.screen.queue import Item
from review.states import Stage

# One key per exclusion reason, after `e`: digits first, then letters (never b, the terminal's
# page-back key, or q, quit). The browser offers the same keys.
REASON_KEYS = "123456789acdefghijklmnoprstuvwxyz"
NO_TITLE = "(no title)"
NOT_RETRIEVED = "Full text not retrieved: decide from the title and abstract."


@dataclass(frozen=True)
class Choice:
    """A decision as a screen sends it (a key at the terminal, a form in the browser)."""

    work_id: int
    decision: str  # include | exclude | maybe
    reason_code: str | None
    note: str | None


@dataclass(frozen=True)
class CardText:
    """What a card says about one work, line by line."""

    work_id: int
    title: str
    meta: str  # one line: source, year, type
    checks: tuple[str, ...]  # rule exclusions the reviewer was given to check
    not_retrieved: str | None  # at full text with no document sought: decide from the abstract
    documents: tuple[str, ...]  # at full text: each document sought, its state and pages
    note: str | None  # the reviewer's own latest note
    related: tuple[str, ...]  # works linked to it (an erratum, a series): context, not a second queue


def card_text(
    item: Item, *, paths: bool = True, most_related: int | None = None, title_width: int | None = None
) -> CardText:
    """The card's lines for `item`.

    `paths`: say where each full text is stored; `most_related`: list at most this many related
    works (the last line then says how many more); `title_width`: clip related titles to it.
    """
    full_text = item.stage == Stage.FULL_TEXT
    return CardText(
        work_id=item.work_id,
        title=item.title or NO_TITLE,
        meta=meta_line(item),
        checks=tuple(f"Checking a rule exclusion: {d}" for d in item.rule_details),
        not_retrieved=NOT_RETRIEVED if full_text and not item.documents else None,
        documents=tuple(document_lines(item, paths=paths)) if full_text else (),
        note=item.note,
        related=tuple(related_lines(item, most=most_related, title_width=title_width)),
    )


def meta_line(item: Item) -> str:
    """`Source: openalex, scopus (Journal) | Year: 2021 | Type: article`."""
    venue = f" ({item.venue})" if item.venue else ""
    source = f"Source: {', '.join(item.sources) or '-'}{venue}"
    return f"{source} | Year: {item.year or '-'} | Type: {item.doc_type or '-'}"


def document_lines(item: Item, *, paths: bool = True) -> list[str]:
    """`Full text readable, 12 pages: fulltext/a.pdf`, one line per full text sought."""
    lines = []
    for d in item.documents:
        pages = f", {d.pages} pages" if d.pages else ""
        where = f": {d.path}" if paths and d.path else ""
        why = f" ({d.reason})" if d.reason else ""
        lines.append(f"Full text {d.status}{pages}{where}{why}")
    return lines


def related_lines(item: Item, *, most: int | None = None, title_width: int | None = None) -> list[str]:
    """`Related: erratum or correction of work 40 "Title"`; with `most`, at most that many lines
    (the last says how many more)."""
    links = item.related
    shown = links if most is None or len(links) <= most else links[: most - 1]
    lines = [
        f'Related: {r.label} work {r.other_work_id} "{clip(r.other_title or NO_TITLE, title_width)}"'
        for r in shown
    ]
    return lines + ([f"Related: +{len(links) - len(shown)} more"] if len(shown) < len(links) else [])


def clip(title: str, width: int | None) -> str:
    """`title` cut to `width` characters with an ellipsis (whole when `width` is None)."""
    if width is None or len(title) <= width:
        return title
    return title[: width - 1].rstrip() + "…"
