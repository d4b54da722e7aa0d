"""Versions of a review: each closed version freezes the counts, includes and outputs as they stood.

Everything stored after a version's `closed_at` (search runs, records, works, decisions) belongs
to the next version; `review update` re-runs the searches for what is new since (review.versions).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from review.models.base import _json, _text


class ReviewVersion(SQLModel, table=True):
    """One closed version of the review: when, by whom, and its counts and includes at that moment."""

    __tablename__ = "review_version"
    __table_args__ = (UniqueConstraint("name", name="uq_review_version_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str
    closed_at: datetime
    closed_by: str
    protocol_hash: str | None = None
    tool_version: str
    counts: dict[str, Any] | None = _json()  # the PRISMA boxes and store totals at closing (JSON)
    includes: list[dict[str, Any]] | None = _json()  # the included studies: work id, title, year, doi
    out_dir: str  # where its outputs were written, relative to the review folder
    note: str | None = _text()
