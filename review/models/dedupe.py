"""Dedupe: works, the candidate pairs between records, and every merge or split."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from review.models.base import _json, _text


class Work(SQLModel, table=True):
    """A deduplicated work: what reviewers screen. Canonical fields are the richest of its records."""

    id: int | None = Field(default=None, primary_key=True)
    title: str | None = _text()
    abstract: str | None = _text()
    authors: list[str] | None = _json()
    year: int | None = Field(default=None, index=True)
    doi: str | None = Field(default=None, index=True)
    journal: str | None = None
    publisher: str | None = None
    doc_type: str | None = None
    language: str | None = None
    url: str | None = None
    countries: list[str] | None = _json()
    publication_date: str | None = None
    issn: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    keywords: list[str] | None = _json()
    created_at: datetime
    updated_at: datetime


# Only pairs waiting for a person: related links (band "related") also have no decision, and stay out.
_OPEN_PAIR = text("band = 'review' AND decision IS NULL AND undone_at IS NULL")
_RELATED_PAIR = text("band = 'related'")


class DedupePair(SQLModel, table=True):
    """A candidate duplicate pair, how it was scored, and what was decided (by rule or person)."""

    __tablename__ = "dedupe_pair"
    __table_args__ = (
        UniqueConstraint("record_a", "record_b", name="uq_dedupe_pair"),
        # The pairs waiting for a person are few among a million scored: `review status` counts them.
        Index(
            "ix_dedupe_pair_open",
            "id",
            "record_a",
            "record_b",
            sqlite_where=_OPEN_PAIR,
            postgresql_where=_OPEN_PAIR,
        ),
        # The few related links among a million scored pairs, from either record: a work's links
        # (review.dedupe.relations) and their counts, without reading the other pairs.
        Index(
            "ix_dedupe_pair_related",
            "record_a",
            "record_b",
            sqlite_where=_RELATED_PAIR,
            postgresql_where=_RELATED_PAIR,
        ),
        Index(
            "ix_dedupe_pair_related_b", "record_b", sqlite_where=_RELATED_PAIR, postgresql_where=_RELATED_PAIR
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    record_a: int = Field(foreign_key="record.id")  # record_a < record_b
    record_b: int = Field(foreign_key="record.id")
    rule: str  # e.g. "doi", "openalex_id", "fuzzy_title+year+authors"
    scores: dict[str, Any] | None = _json()
    band: str  # auto | review | distinct | related (different items about one work, linked)
    relation: str | None = None  # the kind of link when band is "related" (review.dedupe.relations)
    decision: str | None = None  # merge | keep_both | None (pending)
    decided_by: str | None = None  # "automation" or a reviewer name
    decided_at: datetime | None = None
    undone_at: datetime | None = None
    created_at: datetime


class DedupeEvent(SQLModel, table=True):
    """An append-only log of people's dedupe actions (merge, keep_both, skip, undo) on a pair."""

    __tablename__ = "dedupe_event"

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="dedupe_pair.id", index=True)
    action: str  # merge | keep_both | undo
    reviewer: str
    work_id: int | None = None  # the work the records ended up in (merge) or were split from (undo)
    created_at: datetime
