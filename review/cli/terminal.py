"""A reusable keyboard loop for deciding on works one at a time (screening, conflict resolution).

Use it with `run_terminal(cards, reasons=..., on_decide=...)`:

- `cards`: an iterable of `Card` (read lazily, one at a time, so a caller can load in batches);
- `reasons`: (code, text) pairs offered by key (1-9, then letters) after `e` (exclude);
- `on_decide(choice)`: called with a `Choice` the moment the user decides; it must store the
  decision at once (commit), so quitting or a crash loses nothing;
- optional `on_undo()`: undo the user's latest decision and return the `Card` to show again
  (or None when there is nothing to undo); without it, `u` is not offered;
- optional `on_note(work_id, text)`: store a note at once; the note also rides on the next decision;
- optional `render_extra(work_id)`: extra context lines under the meta line (for example both
  screeners' decisions when resolving a conflict; never use it to unblind a screener);
- optional `status()`: the header line shown at the top of each card (who, stage, progress, order);
- `criteria_help`: the text shown by `?`; `include_terms` / `exclude_terms`: highlighted in green / red.

Keys: i include, e exclude (then one key for the reason), m maybe, u undo, s skip, n note,
? criteria, space / b next / previous page, q quit (also Ctrl-C, Ctrl-D or end of input).

At a terminal each card is drawn on a cleared screen to fit it (see `terminal_frame`): the header,
ID and title always show and the abstract is paged. Keys typed while the next card is prepared
are kept and applied to it (see `terminal_keys`). Without a terminal (piped input) each card is
printed whole, once, and messages follow it line by line.
"""

from __future__ import annotations

import shutil
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import click

from review.cli.terminal_frame import Card, Content, View, frame, highlight
from review.cli.terminal_keys import IGNORED, Keys, StreamKeys, open_keys
from review.screen.card import Choice  # the browser sends the same (review.web.sitting)

KEYS = {"i": "include", "e": "exclude", "m": "maybe"}
QUIT_KEYS = {"q", "", "\x03", "\x04"}
CANCEL_KEYS = {"0", "\x1b", "\x7f", "\x08"}  # 0, Esc, Backspace
NEXT_PAGE = {" ", "down", "page-down"}
PREVIOUS_PAGE = {"b", "up", "page-up"}
Outcome = str | Card | None  # "next", "quit", a card to show instead, or None to stay
__all__ = ["Card", "Choice", "TerminalResult", "highlight", "read_key", "run_terminal"]


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
    decisions: tuple[str, ...] = ("include", "exclude", "maybe")
    keys: Keys = field(default_factory=StreamKeys)
    front: deque[Card] = field(default_factory=deque)
    skipped: list[Card] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # shown on the next card drawn (terminal only)
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
                 tuple(include_terms), tuple(exclude_terms), tuple(decisions))  # fmt: skip
    with open_keys() as keys:
        loop.keys = keys
        finished = _run(loop)
    return TerminalResult(loop.decided, loop.undone, len(loop.skipped), finished)


def _next(loop: _Loop) -> Card | None:
    if loop.front:
        return loop.front.popleft()
    card = next(loop.cards, None)
    if card is None and loop.skipped:
        _say(loop, f"Back to the {len(loop.skipped)} skipped record(s).")
        loop.front.extend(loop.skipped)
        loop.skipped.clear()
        return loop.front.popleft()
    return card


def _run(loop: _Loop) -> bool:
    try:
        card = _next(loop)
        while card is not None:
            outcome = _act(loop, card)
            if outcome == "quit":
                return False
            card = outcome if isinstance(outcome, Card) else _next(loop)
    except (click.Abort, KeyboardInterrupt, EOFError):  # Ctrl-C, even while a card loads
        return False
    finally:
        _close(loop)
    click.echo("Nothing left to screen in this queue.")
    return True


def _close(loop: _Loop) -> None:
    """At a terminal, leave a clear screen with the last messages (the last card is decided)."""
    if loop.keys.tty:
        click.clear()
        for message in loop.messages:
            click.echo(message)


def _act(loop: _Loop, card: Card) -> str | Card:
    """Draw the card, then read keys until one moves on: 'next', 'quit', or a card to show instead."""
    view = View(card)
    _draw(loop, view)
    while True:
        key = loop.keys.read()
        outcome = _on_key(loop, view, key.lower() if len(key) == 1 else key)
        if outcome is not None:
            return outcome
        if loop.keys.tty:
            _draw(loop, view)


def _on_key(loop: _Loop, view: View, key: str) -> Outcome:
    if key in QUIT_KEYS:
        return "quit"
    if view.panel == "reasons":
        return _on_reason_key(loop, view, key)
    if key in NEXT_PAGE or key in PREVIOUS_PAGE:
        view.page += 1 if key in NEXT_PAGE else -1
    elif key.isspace() or key == IGNORED:  # Enter, or a key without a meaning here
        pass
    elif key in KEYS and KEYS[key] in loop.decisions:
        return _choose(loop, view, KEYS[key])
    elif key == "s":
        loop.skipped.append(view.card)
        return "next"
    elif key == "u" and loop.on_undo is not None:
        return _undo(loop, view.card)
    else:
        _on_other_key(loop, view, key)
    return None


def _on_other_key(loop: _Loop, view: View, key: str) -> None:
    if key == "n" and loop.on_note is not None:
        view.note = _note(loop, view) or view.note
    elif key in ("?", "h"):
        _show_panel(loop, view, "card" if view.panel == "help" else "help")
    else:
        _say(loop, _key_help(loop))


def read_key() -> str:
    """One key, without Enter (from standard input when there is no terminal)."""
    try:
        return click.getchar()
    except OSError:  # no terminal (input piped in): read keys from standard input instead
        return sys.stdin.read(1)


def _choose(loop: _Loop, view: View, decision: str) -> Outcome:
    if decision != "exclude":
        return _decide(loop, view, decision, None)
    _show_panel(loop, view, "reasons")
    return None


def _on_reason_key(loop: _Loop, view: View, key: str) -> Outcome:
    """A reason's key decides "exclude"; 0, Esc or Backspace cancels; space / b page the list."""
    keys = _reason_keys(loop)
    if key in CANCEL_KEYS:
        view.panel = "card"
        _say(loop, "Exclude cancelled.")
    elif len(key) == 1 and key in keys:
        return _decide(loop, view, "exclude", loop.reasons[keys.index(key)][0])
    elif key in NEXT_PAGE or key in PREVIOUS_PAGE:
        view.page += 1 if key in NEXT_PAGE else -1
    elif not key.isspace() and key != IGNORED:
        _say(loop, f"Press a reason's key ({_key_range(keys)}), or 0 to cancel the exclude.")
    return None


def _key_range(keys: str) -> str:
    return keys if len(keys) <= 2 else f"{keys[0]}-{keys[-1]}"


def _decide(loop: _Loop, view: View, decision: str, reason: str | None) -> Outcome:
    loop.on_decide(Choice(view.card.work_id, decision, reason, view.note))
    loop.decided += 1
    _say(loop, f"Saved: {decision}{f' ({reason})' if reason else ''} for record {view.card.work_id}.")
    return "next"


def _undo(loop: _Loop, card: Card) -> Outcome:
    assert loop.on_undo is not None
    again = loop.on_undo()
    if again is None:
        _say(loop, "Nothing to undo.")
        return None
    loop.undone += 1
    loop.decided = max(loop.decided - 1, 0)
    _say(loop, f"Undone: your decision on record {again.work_id}. Decide it again.")
    if again.work_id != card.work_id:
        loop.front.appendleft(card)
    return again


def _note(loop: _Loop, view: View) -> str | None:
    assert loop.on_note is not None
    if loop.keys.tty:  # the card stays in view above the prompt, on the screen's last row
        _draw(loop, view, prompt=True)
    with loop.keys.line_mode():
        text = str(click.prompt("Note (Enter to cancel)", default="", show_default=False)).strip()
    if not text:
        return None
    loop.on_note(view.card.work_id, text)
    _say(loop, "Note saved.")
    return text


def _say(loop: _Loop, text: str) -> None:
    """A message: on the next card drawn at a terminal, else printed now."""
    if loop.keys.tty:
        loop.messages.append(text)
    else:
        click.echo(text)


def _show_panel(loop: _Loop, view: View, panel: str) -> None:
    """Switch what fills the body (at a terminal); without one, print the panel once."""
    view.panel, view.page = panel, 0
    if loop.keys.tty:
        return
    if panel == "help":
        view.panel = "card"
        click.echo(loop.criteria_help or "No criteria given.")
    elif panel == "reasons":
        click.echo("\n".join(_reason_lines(loop)))
        click.echo(f"Reason: press its key ({_key_range(_reason_keys(loop))}), 0 to cancel.")


def _reason_keys(loop: _Loop) -> str:
    """The key of each reason, in order (review.screen.card.REASON_KEYS: the browser's keys too)."""
    from review.screen.card import REASON_KEYS  # loads the store's models: not for `--help`

    return REASON_KEYS[: len(loop.reasons)]


def _reason_lines(loop: _Loop) -> list[str]:
    return [
        f"  {key}. {code}: {text}"
        for key, (code, text) in zip(_reason_keys(loop), loop.reasons, strict=False)
    ]


def _key_help(loop: _Loop) -> str:
    keys = [f"{k} {d}" for k, d in KEYS.items() if d in loop.decisions]
    keys += ["u undo"] if loop.on_undo else []
    keys += ["s skip"] + (["n note"] if loop.on_note else []) + ["? criteria", "q quit"]
    return "Keys: " + ", ".join(keys)


def _draw(loop: _Loop, view: View, *, prompt: bool = False) -> None:
    """The card on a cleared screen, fitted to it (at a terminal); without one, printed whole."""
    width, rows = shutil.get_terminal_size()
    content = _content(loop, view)
    lines = frame(view, content, width, rows - int(prompt) if loop.keys.tty else None)
    if not loop.keys.tty:
        click.echo("\n" + "\n".join(lines))
        return
    loop.messages.clear()
    click.clear()
    # No newline after the last row: one would scroll the header off a full screen.
    click.echo("\n".join(lines), nl=prompt)


def _content(loop: _Loop, view: View) -> Content:
    extra = [*view.card.extra, *(loop.render_extra(view.card.work_id) if loop.render_extra else [])]
    if view.panel == "reasons":
        keys = _reason_keys(loop)
        panel = ["Exclude: why?", *_reason_lines(loop)]
        help_line = f"Keys: {_key_range(keys)} the reason, 0 or Esc cancels the exclude, q quit"
    else:
        panel = (loop.criteria_help or "No criteria given.").split("\n")
        help_line = _key_help(loop).replace("? criteria", "? back" if view.panel == "help" else "? criteria")
    header = loop.status() if loop.status else ""
    return Content(header, extra, panel, help_line, tuple(loop.messages), loop.include_terms,
                   loop.exclude_terms)  # fmt: skip
