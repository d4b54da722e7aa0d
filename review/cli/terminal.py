"""A reusable keyboard loop for deciding on works one at a time (screening, conflict resolution).

Use it with `run_terminal(cards, reasons=..., on_decide=...)`:

- `cards`: an iterable of `Card` (read lazily, one at a time, so a caller can load in batches);
- `reasons`: (code, text) pairs offered by number after `e` (exclude);
- `on_decide(choice)`: called with a `Choice` the moment the user decides; it must store the
  decision at once (commit), so quitting or a crash loses nothing;
- optional `on_undo()`: undo the user's latest decision and return the `Card` to show again
  (or None when there is nothing to undo); without it, `u` is not offered;
- optional `on_note(work_id, text)`: store a note at once; the note also rides on the next decision;
- optional `render_extra(work_id)`: extra context lines under the abstract (for example both
  screeners' decisions when resolving a conflict; never use it to unblind a screener);
- optional `status()`: the progress line shown above each card;
- `criteria_help`: the text shown by `?`; `include_terms` / `exclude_terms`: highlighted in green / red.

Keys: i include, e exclude (then a reason by number), m maybe, u undo, s skip, n note,
? criteria help, q quit (also Ctrl-C, Ctrl-D or end of input).
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import click

KEYS = {"i": "include", "e": "exclude", "m": "maybe"}
QUIT_KEYS = {"q", "", "\x03", "\x04"}


@dataclass(frozen=True)
class Card:
    """One work as the terminal shows it."""

    work_id: int
    title: str
    meta: str  # one line: source, year, type
    abstract: str | None = None
    extra: tuple[str, ...] = ()


@dataclass(frozen=True)
class Choice:
    """A decision made at the keyboard."""

    work_id: int
    decision: str  # include | exclude | maybe
    reason_code: str | None
    note: str | None


@dataclass(frozen=True)
class TerminalResult:
    decided: int
    undone: int
    skipped: int
    finished: bool  # True when every card was decided (not quit)


@dataclass
class _Loop:
    cards: Iterator[Card]
    reasons: Sequence[tuple[str, str]]
    on_decide: Callable[[Choice], None]
    on_undo: Callable[[], Card | None] | None
    on_note: Callable[[int, str], None] | None
    render_extra: Callable[[int], Sequence[str]] | None
    status: Callable[[], str] | None
    criteria_help: str
    include_terms: tuple[str, ...]
    exclude_terms: tuple[str, ...]
    front: deque[Card]
    skipped: list[Card]
    decisions: tuple[str, ...] = ("include", "exclude", "maybe")
    decided: int = 0
    undone: int = 0


def run_terminal(
    cards: Iterable[Card],
    *,
    reasons: Sequence[tuple[str, str]],
    on_decide: Callable[[Choice], None],
    on_undo: Callable[[], Card | None] | None = None,
    on_note: Callable[[int, str], None] | None = None,
    render_extra: Callable[[int], Sequence[str]] | None = None,
    status: Callable[[], str] | None = None,
    criteria_help: str = "",
    include_terms: Sequence[str] = (),
    exclude_terms: Sequence[str] = (),
    decisions: Sequence[str] = ("include", "exclude", "maybe"),
) -> TerminalResult:
    """Show cards one at a time and act on single keys until all are decided or the user quits.

    `decisions` are the choices offered (full-text adjudication has no "maybe").
    """
    loop = _Loop(iter(cards), reasons, on_decide, on_undo, on_note, render_extra, status, criteria_help,
                 tuple(include_terms), tuple(exclude_terms), deque(), [], tuple(decisions))  # fmt: skip
    finished = _run(loop)
    return TerminalResult(loop.decided, loop.undone, len(loop.skipped), finished)


def _next(loop: _Loop) -> Card | None:
    if loop.front:
        return loop.front.popleft()
    card = next(loop.cards, None)
    if card is None and loop.skipped:
        click.echo(f"Back to the {len(loop.skipped)} skipped record(s).")
        loop.front.extend(loop.skipped)
        loop.skipped.clear()
        return loop.front.popleft()
    return card


def _run(loop: _Loop) -> bool:
    card = _next(loop)
    while card is not None:
        _show(loop, card)
        try:
            outcome = _act(loop, card)
        except (click.Abort, KeyboardInterrupt, EOFError):
            outcome = "quit"
        if outcome == "quit":
            return False
        if outcome == "next":
            card = _next(loop)
        elif isinstance(outcome, Card):
            card = outcome
    click.echo("Nothing left to screen in this queue.")
    return True


def _act(loop: _Loop, card: Card) -> str | Card:
    """Read keys until one moves on: 'next', 'quit', or a card to show instead."""
    note: str | None = None
    while True:
        key = read_key().lower()
        if key in QUIT_KEYS:
            return "quit"
        if key.isspace():  # Enter or a stray space: nothing to do
            continue
        if key in KEYS and KEYS[key] in loop.decisions:
            if _decide(loop, card, KEYS[key], note):
                return "next"
            continue
        if key == "s":
            loop.skipped.append(card)
            return "next"
        if key == "u" and loop.on_undo is not None:
            return _undo(loop, card)
        if key == "n" and loop.on_note is not None:
            note = _note(loop, card) or note
        elif key in ("?", "h"):
            click.echo(loop.criteria_help or "No criteria given.")
        else:
            click.echo(_key_help(loop))


def read_key() -> str:
    """One key, without Enter (from standard input when there is no terminal)."""
    try:
        return click.getchar()
    except OSError:  # no terminal (input piped in): read keys from standard input instead
        return sys.stdin.read(1)


def _decide(loop: _Loop, card: Card, decision: str, note: str | None) -> bool:
    reason = None
    if decision == "exclude":
        reason = _reason(loop)
        if reason is None:
            click.echo("Exclude cancelled.")
            return False
    loop.on_decide(Choice(card.work_id, decision, reason, note))
    loop.decided += 1
    click.echo(f"Saved: {decision}{f' ({reason})' if reason else ''} for record {card.work_id}.")
    return True


def _reason(loop: _Loop) -> str | None:
    for number, (code, text) in enumerate(loop.reasons, start=1):
        click.echo(f"  {number}. {code}: {text}")
    number = click.prompt(
        "Reason number (0 to cancel)", type=click.IntRange(0, len(loop.reasons)), prompt_suffix=" "
    )
    return None if number == 0 else loop.reasons[number - 1][0]


def _undo(loop: _Loop, card: Card) -> str | Card:
    assert loop.on_undo is not None
    again = loop.on_undo()
    if again is None:
        click.echo("Nothing to undo.")
        return card
    loop.undone += 1
    loop.decided = max(loop.decided - 1, 0)
    click.echo(f"Undone: your decision on record {again.work_id}. Decide it again.")
    if again.work_id != card.work_id:
        loop.front.appendleft(card)
    return again


def _note(loop: _Loop, card: Card) -> str | None:
    assert loop.on_note is not None
    text = str(click.prompt("Note (Enter to cancel)", default="", show_default=False)).strip()
    if not text:
        return None
    loop.on_note(card.work_id, text)
    click.echo("Note saved.")
    return text


def _key_help(loop: _Loop) -> str:
    keys = [f"{k} {d}" for k, d in KEYS.items() if d in loop.decisions]
    keys += ["u undo"] if loop.on_undo else []
    keys += ["s skip"] + (["n note"] if loop.on_note else []) + ["? criteria", "q quit"]
    return "Keys: " + " | ".join(keys)


def _show(loop: _Loop, card: Card) -> None:
    click.echo("")
    click.echo("─" * 72)
    if loop.status is not None:
        click.echo(click.style(loop.status(), dim=True))
    click.echo(click.style(f"[{card.work_id}] ", bold=True) + highlight(card.title, loop))
    click.echo(card.meta)
    click.echo("")
    click.echo(highlight(card.abstract, loop) if card.abstract else click.style("(no abstract)", dim=True))
    lines = [*card.extra, *(loop.render_extra(card.work_id) if loop.render_extra else [])]
    if lines:
        click.echo("")
        for line in lines:
            click.echo(line)
    click.echo(_key_help(loop))


def highlight(
    text: str, loop: _Loop | None = None, *, include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> str:
    """`text` with include terms in green and exclude terms in red (exclude wins where they overlap)."""
    from review.screen.terms import compile_terms

    inc = loop.include_terms if loop else tuple(include)
    exc = loop.exclude_terms if loop else tuple(exclude)
    colours: list[str | None] = [None] * len(text)
    for terms, colour in ((inc, "green"), (exc, "red")):
        for start, end in compile_terms(terms).spans(text):
            colours[start:end] = [colour] * (end - start)
    out: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and colours[j] == colours[i]:
            j += 1
        fg = colours[i]
        out.append(click.style(text[i:j], fg=fg, bold=True) if fg else text[i:j])
        i = j
    return "".join(out)
