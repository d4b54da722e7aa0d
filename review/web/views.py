"""What the templates show, built from the stages' results: highlighted text and the card's lines.

The words are the terminal's (review/cli/screen.py) and the highlights use the same matcher
(review.screen.terms through the terminal's `term_colours`), so both screens mark the same terms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from review.cli.terminal_frame import term_colours
from review.conflicts import Conflict
from review.protocol import Criterion, Protocol
from review.screen.queue import Item
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
    include, exclude = protocol.highlight.include, protocol.highlight.exclude
    venue = f" ({item.venue})" if item.venue else ""
    source = f"Source: {', '.join(item.sources) or '-'}{venue}"
    meta = f"{source} | Year: {item.year or '-'} | Type: {item.doc_type or '-'}"
    lines = [f"Checking a rule exclusion: {d}" for d in item.rule_details]
    if item.stage == Stage.FULL_TEXT:
        lines += _documents(item)
    lines += [
        f'Related: {r.label} work {r.other_work_id} "{r.other_title or "(no title)"}"' for r in item.related
    ]
    return CardView(
        item.work_id,
        highlight(item.title or "(no title)", include, exclude),
        highlight(item.abstract or "(no abstract)", include, exclude),
        meta,
        tuple(lines),
        item.note,
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


def _documents(item: Item) -> list[str]:
    if not item.documents:
        return ["Full text not retrieved: decide from the title and abstract."]
    lines = []
    for d in item.documents:
        pages = f", {d.pages} pages" if d.pages else ""
        lines.append(f"Full text {d.status}{pages}" + (f" ({d.reason})" if d.reason else ""))
    return lines


def reasons(protocol: Protocol) -> list[Reason]:
    from review.cli.terminal import REASON_KEYS

    return [Reason(REASON_KEYS[n], c.code, c.text) for n, c in enumerate(protocol.criteria.exclude)]


def include_criteria(protocol: Protocol) -> tuple[Criterion, ...]:
    return protocol.criteria.include
