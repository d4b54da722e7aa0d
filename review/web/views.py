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
from review.screen.curve import Curve
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


# The includes-found chart: a small inline SVG (no script; styled by classes in style.css, as the
# page's content security policy allows no inline style).
CHART_WIDTH, CHART_HEIGHT = 420, 220
CHART_LEFT, CHART_BOTTOM, CHART_TOP, CHART_RIGHT = 48, 34, 12, 16


def curve_chart(c: Curve) -> Markup:
    """Includes found against works screened, the x axis running to every work in scope, with a
    dashed line at the estimated total (found + the estimate of those unseen) once there is one."""
    e = c.estimate
    total = None if e.unseen_estimate is None else c.found + e.unseen_estimate
    top = max(c.found, total or 0, 1)
    inner_w, inner_h = CHART_WIDTH - CHART_LEFT - CHART_RIGHT, CHART_HEIGHT - CHART_TOP - CHART_BOTTOM

    def x(screened: float) -> float:
        return CHART_LEFT + inner_w * screened / max(c.population, c.screened, 1)

    def y(found: float) -> float:
        return CHART_TOP + inner_h * (1 - found / top)

    label = Stage(c.stage).label
    svg = '<svg class="curve" id="curve-{0}" viewBox="0 0 {1} {2}" width="{1}" height="{2}" role="img" '
    parts = [
        Markup(svg + 'aria-labelledby="curve-{0}-title">').format(c.stage, CHART_WIDTH, CHART_HEIGHT),
        Markup('<title id="curve-{}-title">Includes found against works screened at {}</title>').format(
            c.stage, label
        ),
        _line("axis", x(0), y(0), x(c.population), y(0)),
        _line("axis", x(0), y(0), x(0), y(top)),
        _text("tick", x(0), y(0) + 16, "middle", "0"),
        _text("tick", x(c.population), y(0) + 16, "end", str(c.population)),
        _text("tick", x(0) - 6, y(top) + 4, "end", f"{top:.0f}"),
        _text("caption", x(c.population / 2), CHART_HEIGHT - 4, "middle", "works screened"),
        _text("caption", x(0) + 6, y(top) + 12, "start", "includes found"),
    ]
    if total is not None:
        parts += [
            _line("estimate", x(0), y(total), x(c.population), y(total)),
            _text("estimate-label", x(c.population), y(total) - 4, "end", f"about {total:.0f} in all"),
        ]
    points = " ".join(f"{x(n):.1f},{y(found):.1f}" for n, found in c.points)
    parts += [
        Markup('<polyline class="found" points="{}"/>').format(points),
        _found_label(x(c.screened), y(c.found), c.screened > c.population / 2, c.found),
        Markup("</svg>"),
    ]
    return Markup("").join(parts)


def _line(kind: str, x1: float, y1: float, x2: float, y2: float) -> Markup:
    return Markup('<line class="{}" x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}"/>').format(
        kind, x1, y1, x2, y2
    )


def _text(kind: str, x: float, y: float, anchor: str, words: str) -> Markup:
    return Markup('<text class="{}" x="{:.1f}" y="{:.1f}" text-anchor="{}">{}</text>').format(
        kind, x, y, anchor, words
    )


def _found_label(x: float, y: float, right_half: bool, found: int) -> Markup:
    """`N found` under the curve's end: left of it in the chart's right half, so it stays inside."""
    if right_half:
        return _text("found-label", x - 4, y + 14, "end", f"{found} found")
    return _text("found-label", x + 4, y + 14, "start", f"{found} found")
