"""Text for the conflicts list and the adjudication screen (the CLI echoes it)."""

from __future__ import annotations

from review.conflicts import Conflict
from review.decisions import Current
from review.protocol import Protocol
from review.states import Stage

WIDTH = 100


def vote(v: Current) -> str:
    """`alice include` / `bob exclude E-TOPIC`."""
    return f"{v.reviewer} {v.decision}" + (f" {v.reason_code}" if v.reason_code else "")


def conflict_list(found: list[Conflict], stage: str) -> str:
    """One line per open conflict."""
    cli_stage = Stage(stage).cli
    if not found:
        return f"No open conflicts at {cli_stage}."
    lines = [
        f"{len(found)} open conflict(s) at {cli_stage}:",
        f"{'record':>7}  {'conflict':<16} decisions / title",
    ]
    for c in found:
        votes = " | ".join(vote(v) for v in c.votes)
        lines.append(f"{c.work_id:>7}  {c.kind:<16} {votes}")
        lines.append(f"{'':>7}  {'':<16} {_short(c.title or '(no title)', WIDTH - 26)}")
    lines.append(f"Resolve them with `review conflicts resolve --stage {cli_stage} --reviewer NAME`.")
    return "\n".join(lines)


def card_lines(c: Conflict) -> list[str]:
    """Each screener's decision, reason and note (and any standing adjudication), for the card.

    Lines are not wrapped: the terminal wraps them to its width, a line's indent kept.
    """
    lines = ["Screeners' decisions:"]
    for v in c.votes:
        when = v.decided_at.strftime("%Y-%m-%d %H:%M")
        lines.append(f"  {v.reviewer:<14} {v.decision:<8} {v.reason_code or '':<12} {when}  ({v.role})")
        if v.note:
            lines.append(f"      note: {v.note}")
    if c.adjudication:
        lines.append(f"  standing adjudication: {vote(c.adjudication)}")
    return lines


def criteria_help(protocol: Protocol) -> str:
    """The eligibility criteria, shown by `?`."""
    lines = ["Include when:", *(f"  {c.code}: {c.text}" for c in protocol.criteria.include)]
    lines += ["Exclude (e, then the reason's key):"]
    lines += [f"  {n}. {c.code}: {c.text}" for n, c in enumerate(protocol.criteria.exclude, start=1)]
    return "\n".join(lines)


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
