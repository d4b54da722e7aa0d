"""Build store contents directly for stage tests that do not need a real search or dedupe."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from review import tally
from review.db import utcnow
from review.models import Assignment, Record, ScreeningDecision, Work


def add_works(session: Session, items: Sequence[dict[str, Any]], source: str = "test") -> list[int]:
    """One record and one work per item (title, abstract, year, doi, ... as keys); returns work IDs."""
    ids = []
    now = utcnow()
    for i, item in enumerate(items):
        work_fields = {k: v for k, v in item.items() if k in Work.model_fields}
        work = Work(created_at=now, updated_at=now, **work_fields)
        session.add(work)
        session.flush()
        rec_fields = {k: v for k, v in item.items() if k in Record.model_fields}
        rec_fields.setdefault("source_id", f"{source}-{i}")
        session.add(Record(source=source, created_at=now, updated_at=now, work_id=work.id, **rec_fields))
        ids.append(work.id)
    session.flush()
    return [i for i in ids if i is not None]


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
    """Append one screening decision event, as a screener (or adjudicator) would; returns its id."""
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
    tally.refresh(session, [work])
    return row.id


def assign(
    session: Session,
    work: int,
    reviewers: Sequence[str] = ("reviewer1", "reviewer2"),
    *,
    purpose: str = "dual",
    stage: str = "title_abstract",
) -> None:
    """Put `work` in each reviewer's queue."""
    for r in reviewers:
        session.add(Assignment(work_id=work, stage=stage, reviewer=r, purpose=purpose, created_at=utcnow()))
    session.flush()
    tally.refresh(session, [work])
