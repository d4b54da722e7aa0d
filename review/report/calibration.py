"""The methods text's account of pilot calibration and of protocol changes during screening.

Every pilot batch is reported, failed ones too, with what the gate decided on it at the time (the
logged verdicts: statistic, value, threshold, rule) and each later verdict after a protocol change;
a batch the gate has not yet judged is worked out now and said to be. Changes of the screening
protocol after screening started come from `review.protocol_log`. Nothing here is typed by hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session

from review import protocol_log
from review.protocol import Protocol

if TYPE_CHECKING:
    from review.agreement import Verdict

LABELS = {"po": "observed agreement", "kappa": "Cohen's kappa", "pabak": "PABAK", "ac1": "Gwet's AC1"}


def design_rule(protocol: Protocol, stage: str) -> str:
    """How the gate treats a batch kappa cannot judge, for the design sentence ("" if it never can't)."""
    d = protocol.stage_design(stage)
    if d.agreement_statistic != "kappa":
        return ""
    if d.pilot_degenerate == "fallback_statistic":
        how = f"was judged by {LABELS[d.pilot_fallback_statistic]} against the same threshold"
    else:
        how = "passed only if the screeners agreed on every record"
    return f" (a batch kappa cannot judge, because a screener never included or never excluded, {how})"


def pilot_batches(session: Session, protocol: Protocol, stage: str, label: str) -> str:
    """Every pilot batch at `stage` and what the gate decided on it; "" without a pilot."""
    from review.agreement import pilot_history

    history = pilot_history(session, protocol, stage)
    if not history:
        return ""
    said = []
    for h in history:
        b = h.batch
        head = f"batch {b.number} ({_count(len(b.works), 'record')}; {' and '.join(b.reviewers)})"
        said.append(f"{head}: {_judged(h.verdicts, h.waiting)}")
    total = sum(len(h.batch.works) for h in history)
    return (
        f"Pilot calibration at {label} took {_count(len(history), 'batch', 'batches')} "
        f"({_count(total, 'record')}): {'; '.join(said)}."
    )


def _judged(verdicts: tuple[Verdict, ...], waiting: int) -> str:
    if not verdicts:
        if not waiting:
            return "not screened by two people"
        return f"still being screened ({_count(waiting, 'record')} {'waits' if waiting == 1 else 'wait'})"
    said = [_verdict(verdicts[0])]
    said += [f"judged again on {_day(v.at)}: {_verdict(v)}" for v in verdicts[1:]]
    if verdicts[-1].at is None:
        said[-1] += " (worked out for this report: the gate has not acted on this batch yet)"
    return "; ".join(said)


def _verdict(v: Verdict) -> str:
    """One verdict in the past tense: the statistic, its value, the rule, and the outcome."""
    outcome, against = ("passed", "≥") if v.passed else ("not passed", "<")
    shown = f"{LABELS[v.statistic]} {_num(v.value)}"
    if v.rule == "threshold":
        return f"{shown} {against} {v.threshold:.2f}, {outcome}"
    rule = f'the protocol\'s rule for degenerate batches (pilot_degenerate = "{v.rule}")'
    if v.rule == "fallback_statistic":
        judged = f"{LABELS[v.decided_by]} {_num(v.decided_value)} {against} {v.threshold:.2f}"
        return f"{shown} ({v.degenerate}), so judged by {judged} under {rule}, {outcome}"
    agreed = f"{v.n - v.disagreements} of {v.n} records agreed"
    return f"{shown} ({v.degenerate}); under {rule} it needed perfect agreement ({agreed}), {outcome}"


def protocol_changes(session: Session) -> str:
    """Each change of the screening protocol after screening started, with when; "" if none."""
    found = protocol_log.history(session)
    if not found:
        return ""
    said = [f"on {_day(c.at)} ({c.when()}): {'; '.join(c.changes)}" for c in found]
    return f"The screening protocol changed after screening began: {'; '.join(said)}."


def _day(at: datetime | None) -> str:
    return at.strftime("%-d %B %Y") if at else "an unrecorded date"


def _num(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f}"


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"
