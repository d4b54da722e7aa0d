"""What the templates show, built from the stages' results: highlighted text and the card's lines.

The card's words come from review.screen.card, as the terminal's do, and the highlights from the same
matcher (review.screen.terms.term_colours): both screens say the same and mark the same terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from review.conflicts import Conflict
from review.protocol import Criterion, Protocol
from review.screen.card import REASON_KEYS, card_text
from review.screen.queue import Item
from review.screen.terms import term_colours
from review.states import Stage

MARK_CLASS = {"green": "term-include", "red": "term-exclude"}


def highlight(text: str | None, include: Sequence[str], exclude: Sequence[str]) -> Markup:
    """`text` escaped, with include terms and exclude terms marked (exclude wins where both)."""
    if not text:
        return Markup("")
    colours = term_colours(text, include, exclude)
    out: list[Markup] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and colours[j] == colours[i]:
            j += 1
        colour = colours[i]
        piece = escape(text[i:j])
        out.append(
            piece
            if colour is None
            else Markup('<mark class="{}">{}</mark>').format(MARK_CLASS[colour], piece)
        )
        i = j
    return Markup("").join(out)


@dataclass(frozen=True)
class Reason:
    key: str  # the key that picks it after `e`: 1-9, then letters, as in the terminal
    code: str
    text: str


@dataclass(frozen=True)
class CardView:
    """One work as the screening page shows it."""

    work_id: int
    title: Markup
    abstract: Markup
    meta: str
    lines: tuple[str, ...]
    note: str | None


def card(item: Item, protocol: Protocol) -> CardView:
    """The screening card: every related work, and no file paths of the server."""
    include, exclude = protocol.highlight.include, protocol.highlight.exclude
    text = card_text(item, paths=False)
    lines = [
        *text.checks,
        *([text.not_retrieved] if text.not_retrieved else []),
        *text.documents,
        *text.related,
    ]
    return CardView(
        item.work_id,
        highlight(text.title, include, exclude),
        highlight(item.abstract or "(no abstract)", include, exclude),
        text.meta,
        tuple(lines),
        text.note,
    )


def conflict_card(conflict: Conflict, lines: Sequence[str], protocol: Protocol, note: str | None) -> CardView:
    """A conflict with its screeners' decisions (`lines`, from review.conflicts.render)."""
    include, exclude = protocol.highlight.include, protocol.highlight.exclude
    meta = f"Conflict at {Stage(conflict.stage).label} ({conflict.kind}) | Year: {conflict.year or '-'}"
    return CardView(
        conflict.work_id,
        highlight(conflict.title or "(no title)", include, exclude),
        highlight(conflict.abstract or "(no abstract)", include, exclude),
        meta,
        tuple(lines),
        note,
    )


def reasons(protocol: Protocol) -> list[Reason]:
    return [Reason(REASON_KEYS[n], c.code, c.text) for n, c in enumerate(protocol.criteria.exclude)]


def include_criteria(protocol: Protocol) -> tuple[Criterion, ...]:
    return protocol.criteria.include
