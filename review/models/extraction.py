"""Extraction: every value entered, with its provenance in the full text."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from review.models.base import _json, _text


class ExtractionValue(SQLModel, table=True):
    """One extracted value event (append-only), with its provenance in the full text."""

    __tablename__ = "extraction_value"
    __table_args__ = (Index("ix_extraction_work_field", "work_id", "field"),)

    id: int | None = Field(default=None, primary_key=True)
    work_id: int = Field(foreign_key="work.id")
    reviewer: str
    role: str = "extractor"  # extractor | verifier | consensus | prefill
    field: str  # "section.field" as named in the protocol form
    value: Any = _json()
    document_id: int | None = Field(default=None, foreign_key="document.id")
    page_no: int | None = None
    quote: str | None = _text()
    created_at: datetime
