"""Recording screening decisions, undoing them, and keeping notes (all append-only).

A decision needs the work to be in the reviewer's queue (an `Assignment`); its role follows the
assignment's purpose (a verification or a rule check is a `verifier`'s decision). Undo writes a
`retracted` event that supersedes the undone one. A rule check that includes a work overturns the
rule exclusion (`RuleResult.active` off, `overturned_by` the decision); undoing it, or changing it
to an exclude, puts the rule exclusion back.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from review import tally
from review.db import utcnow
from review.errors import InputError
from review.models import Assignment, RuleResult, ScreeningDecision, ScreeningNote
from review.protocol import Protocol
from review.states import DECISIONS, Role, Stage

VERIFIER_PURPOSES = ("verify", "rule_check")


@dataclass(frozen=True)
class Decided:
    """One decision event as written."""

    event_id: int
    work_id: int
    stage: str
    reviewer: str
    role: str
    decision: str
    reason_code: str | None


def role_for(purpose: str) -> str:
    """The decision role that goes with an assignment's purpose."""
    return Role.VERIFIER if purpose in VERIFIER_PURPOSES else Role.SCREENER


def check_decision(protocol: Protocol, decision: str, reason_code: str | None) -> str | None:
    """The problem with a decision and reason, in words, or None when they are valid."""
    if decision not in DECISIONS:
        return f"decision {decision!r} is not one of {', '.join(DECISIONS)}"
    codes = protocol.reason_codes()
    if decision == "exclude" and not reason_code:
        return f"an exclude needs a reason code ({', '.join(codes)})"
    if decision == "exclude" and reason_code not in codes:
        return f"reason code {reason_code!r} is not an exclusion code in the protocol ({', '.join(codes)})"
    if decision != "exclude" and reason_code:
        return f"reason code {reason_code!r} given for {decision!r}: reason codes are for excludes only"
    return None


def assignment(session: Session, work_id: int, stage: str, reviewer: str) -> Assignment | None:
    """The reviewer's queue entry for a work at a stage, if any."""
    q = select(Assignment).where(
        Assignment.work_id == work_id, Assignment.stage == stage, Assignment.reviewer == reviewer
    )
    return session.exec(q).first()


def record(
    session: Session,
    protocol: Protocol,
    *,
    work_id: int,
    stage: str,
    reviewer: str,
    decision: str,
    reason_code: str | None = None,
    note: str | None = None,
) -> Decided:
    """Write one decision by `reviewer` on a work in their queue; returns the event."""
    problem = check_decision(protocol, decision, reason_code)
    if problem:
        raise InputError(f"Cannot record the decision on work {work_id}: {problem}.")
    queued = assignment(session, work_id, stage, reviewer)
    if queued is None:
        raise InputError(
            f"Work {work_id} is not in {reviewer}'s {Stage(stage).label} queue: "
            "run `review screen assign` first."
        )
    with tally.counting(session):
        row = _write(session, queued, decision, reason_code, note)
    assert row.id is not None
    return Decided(
        event_id=row.id,
        work_id=work_id,
        stage=stage,
        reviewer=reviewer,
        role=row.role,
        decision=decision,
        reason_code=reason_code,
    )


def _write(
    session: Session, queued: Assignment, decision: str, reason_code: str | None, note: str | None
) -> ScreeningDecision:
    """The decision event on a queued work, and what a rule check does to its rule."""
    row = ScreeningDecision(
        work_id=queued.work_id,
        stage=queued.stage,
        reviewer=queued.reviewer,
        role=role_for(queued.purpose),
        decision=decision,
        reason_code=reason_code,
        note=note or None,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    if queued.purpose == "rule_check":
        _rule_check(session, row)
    return row


def _rule_check(session: Session, row: ScreeningDecision) -> None:
    """Overturn the work's rule exclusions on an include/maybe; restore them otherwise."""
    _restore_rules(session, row.work_id, row.stage, row.reviewer)
    if row.decision in ("include", "maybe"):
        session.execute(
            update(RuleResult)
            .where(
                col(RuleResult.work_id) == row.work_id,
                col(RuleResult.stage) == row.stage,
                col(RuleResult.active).is_(True),
            )
            .values(active=False, overturned_by=row.id)
        )


def _restore_rules(session: Session, work_id: int, stage: str, reviewer: str) -> None:
    mine = select(ScreeningDecision.id).where(
        ScreeningDecision.work_id == work_id, ScreeningDecision.reviewer == reviewer
    )
    session.execute(
        update(RuleResult)
        .where(
            col(RuleResult.work_id) == work_id,
            col(RuleResult.stage) == stage,
            col(RuleResult.overturned_by).in_(mine.scalar_subquery()),
        )
        .values(active=True, overturned_by=None)
    )


def last_standing(session: Session, reviewer: str, stage: str) -> ScreeningDecision | None:
    """The reviewer's most recent decision at `stage` that has not been undone or replaced."""
    q = (
        select(ScreeningDecision)
        .where(ScreeningDecision.reviewer == reviewer, ScreeningDecision.stage == stage)
        .where(col(ScreeningDecision.role).in_(("screener", "verifier")))
        .order_by(col(ScreeningDecision.id).desc())
    )
    seen: set[int] = set()
    for event in session.exec(q):
        if event.work_id in seen:
            continue
        if event.decision != "retracted":
            return event
        seen.add(event.work_id)
    return None


def undo(session: Session, reviewer: str, stage: str) -> Decided | None:
    """Retract the reviewer's latest standing decision at `stage`; None when there is none."""
    event = last_standing(session, reviewer, stage)
    if event is None or event.id is None:
        return None
    row = ScreeningDecision(
        work_id=event.work_id,
        stage=stage,
        reviewer=reviewer,
        role=event.role,
        decision="retracted",
        supersedes=event.id,
        created_at=utcnow(),
    )
    with tally.counting(session):
        session.add(row)
        _restore_rules(session, event.work_id, stage, reviewer)
    return Decided(
        event_id=event.id,
        work_id=event.work_id,
        stage=stage,
        reviewer=reviewer,
        role=event.role,
        decision=event.decision,
        reason_code=event.reason_code,
    )


def add_note(session: Session, work_id: int, stage: str, reviewer: str, text: str) -> int:
    """Keep a note the moment it is written; returns its ID."""
    if not text.strip():
        raise InputError("The note is empty: type some text, or press Enter at the prompt to cancel.")
    row = ScreeningNote(
        work_id=work_id, stage=stage, reviewer=reviewer, text=text.strip(), created_at=utcnow()
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def notes(session: Session, stage: str, reviewer: str) -> dict[int, str]:
    """The reviewer's latest note on each work at `stage`."""
    q = (
        select(ScreeningNote.work_id, ScreeningNote.text)
        .where(ScreeningNote.stage == stage, ScreeningNote.reviewer == reviewer)
        .order_by(col(ScreeningNote.id))
    )
    return {work_id: text for work_id, text in session.exec(q)}
