"""Build screening states for the conflicts, agreement and audit tests."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from review.db import utcnow
from review.models import Assignment, ScreeningDecision

A, B, ADJ = "reviewer1", "reviewer2", "adjudicator"


def decide(
    session: Session,
    work: int,
    reviewer: str,
    decision: str,
    reason: str | None = None,
    *,
    stage: str = "title_abstract",
    role: str = "screener",
    note: str | None = None,
) -> int:
    """Append one decision event; returns its id."""
    row = ScreeningDecision(
        work_id=work,
        stage=stage,
        reviewer=reviewer,
        role=role,
        decision=decision,
        reason_code=reason,
        note=note,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    assert row.id is not None
    return row.id


def assign(
    session: Session,
    work: int,
    reviewers: tuple[str, ...] = (A, B),
    *,
    purpose: str = "dual",
    stage: str = "title_abstract",
) -> None:
    """Give `work` to each reviewer."""
    for r in reviewers:
        session.add(Assignment(work_id=work, stage=stage, reviewer=r, purpose=purpose, created_at=utcnow()))
    session.flush()


def set_protocol(review_dir: Path, old: str, new: str) -> None:
    """Edit the review folder's protocol copy."""
    path = review_dir / "protocol" / "protocol.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
