"""Screening: queues, decisions, rule results, notes and the stopping log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from review.models.base import _json, _text


class Assignment(SQLModel, table=True):
    """A work put in a reviewer's queue for a stage, and why (design)."""

    __table_args__ = (
        UniqueConstraint("work_id", "stage", "reviewer", name="uq_assignment"),
        # Covers a reviewer's queue and its counts (screen.queue): chosen with EXPLAIN at 1M works.
        Index("ix_assignment_queue", "reviewer", "stage", "purpose", "work_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    work_id: int = Field(foreign_key="work.id", index=True)
    stage: str
    reviewer: str
    purpose: str  # dual | pilot | single | verify | rule_check | adjudicate
    created_at: datetime


class ScreeningDecision(SQLModel, table=True):
    """An append-only decision event. A change of mind is a new row; nothing is updated."""

    __tablename__ = "screening_decision"
    __table_args__ = (Index("ix_decision_work_stage", "work_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    work_id: int = Field(foreign_key="work.id")
    stage: str
    reviewer: str = Field(index=True)
    role: str = "screener"  # screener | adjudicator | verifier
    decision: str  # include | exclude | maybe | retracted (an undo)
    reason_code: str | None = None
    note: str | None = _text()
    supersedes: int | None = Field(default=None, foreign_key="screening_decision.id")
    created_at: datetime


class RuleResult(SQLModel, table=True):
    """An exclusion by a protocol rule: automation, never a person's decision."""

    __tablename__ = "rule_result"
    __table_args__ = (
        UniqueConstraint("work_id", "stage", "rule", name="uq_rule_result"),
        # Lets queue counts start from the (few) active rules, not from every queued work.
        Index("ix_rule_result_active", "stage", "active", "work_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    work_id: int = Field(foreign_key="work.id", index=True)
    stage: str
    rule: str  # date_range | language | document_type | setting | required_terms | excluded_terms
    reason_code: str
    detail: str | None = _text()
    active: bool = True  # false once a person overturns it, or the protocol no longer fires it
    created_at: datetime
    # The decision (a rule check's include) that overturned it; re-running the rules keeps it off.
    overturned_by: int | None = Field(default=None, foreign_key="screening_decision.id")


class ScreeningNote(SQLModel, table=True):
    """A reviewer's note on a work at a stage, kept the moment it is typed (append-only)."""

    __tablename__ = "screening_note"
    __table_args__ = (Index("ix_note_work_stage", "work_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    work_id: int = Field(foreign_key="work.id")
    stage: str
    reviewer: str = Field(index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime


class StoppingLog(SQLModel, table=True):
    """A team's decision to stop screening, with the estimate and its statistical basis."""

    __tablename__ = "stopping_log"

    id: int | None = Field(default=None, primary_key=True)
    stage: str
    reviewer: str
    screened: int
    remaining: int
    estimate: dict[str, Any] | None = _json()
    method: str
    created_at: datetime
