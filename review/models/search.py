"""Search and import: one run per search or file, the records it brought, and their hits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from review.models.base import _json, _text


class SearchRun(SQLModel, table=True):
    """One execution of one search (or one file import): the PRISMA-S log entry."""

    __tablename__ = "search_run"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True)  # "openalex", "govuk", or an import's --source name
    search_name: str = Field(index=True)  # the protocol search's name, or the imported file name
    arm: str = "databases"  # PRISMA arm: "databases" (OpenAlex, RIS exports) or "other"
    platform: str = ""  # e.g. "OpenAlex API via pyalex 0.21", "GOV.UK Search API"
    request: str | None = _text()  # the exact request as sent (first page URL, or the file path)
    strategy: str | None = _text()  # an import's search strategy as typed at the database, verbatim
    searched_on: date | None = None  # the day an imported export was searched at its database
    holder: str | None = None  # "host pid" of the process harvesting it now (running runs only)
    heartbeat_at: datetime | None = None  # when that process last stored a page
    filters: dict[str, Any] | None = _json()
    started_at: datetime
    finished_at: datetime | None = None
    tool_version: str
    total_reported: int | None = None  # the source's own count (OpenAlex meta.count, GOV.UK total)
    retrieved: int = 0  # records received in this run (before any dedupe)
    refused: int = 0  # records of an imported file not stored: bad entries skipped, blank records
    refusals: list[dict[str, Any]] | None = _json()  # each refused record: {"line", "reason"}
    pages: int = 0
    status: str = "running"  # running | complete | interrupted | budget_exhausted | failed
    message: str | None = _text()
    resume_state: dict[str, Any] | None = _json()  # cursor/offset to resume from
    cost_usd: float = 0.0
    raw_path: str | None = None  # sources/<...>.jsonl.gz, relative to the review folder
    raw_sha256: str | None = None
    protocol_hash: str | None = None


class Record(SQLModel, table=True):
    """One source record as harvested or imported; many records may describe one work."""

    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_record_source"),
        Index("ix_record_doi", "doi"),
        Index("ix_record_work", "work_id"),
        # The few records a re-import changed, for dedupe and `review status` (never a scan).
        Index(
            "ix_record_recompare",
            "id",
            sqlite_where=text("recompare = 1"),
            postgresql_where=text("recompare"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    source_id: str  # the source's own ID: OpenAlex W-id, GOV.UK base path, RIS ID, CSV id column
    title: str | None = _text()
    other_titles: list[str] | None = _json()  # short, translated or original-language titles
    abstract: str | None = _text()
    authors: list[str] | None = _json()  # "Surname, Given" strings, in order
    year: int | None = None
    publication_date: str | None = None  # ISO date as given
    doi: str | None = None  # normalised: lower case, no prefix
    journal: str | None = None
    journal_abbrev: str | None = None
    issn: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    publisher: str | None = None  # publisher or issuing organisation(s), "; "-joined
    doc_type: str | None = None  # OpenAlex type, GOV.UK content_store_document_type, RIS TY
    language: str | None = None
    url: str | None = None  # landing page
    openalex_id: str | None = None  # bare "W123"
    pmid: str | None = None
    govuk_base_path: str | None = None
    govuk_content_id: str | None = None
    countries: list[str] | None = _json()  # ISO alpha-2 from affiliations
    keywords: list[str] | None = _json()
    other_ids: dict[str, str] | None = _json()  # databases' own IDs: scopus, wos, embase, pmcid, isbn...
    extra: dict[str, Any] | None = _json()  # connector-specific: locations, attachments, OA info
    first_run_id: int | None = Field(default=None, foreign_key="search_run.id")
    created_at: datetime
    updated_at: datetime
    # Set when a re-import changed the record after it had a work: dedupe compares it again.
    recompare: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    work_id: int | None = Field(default=None, foreign_key="work.id")


class RecordHit(SQLModel, table=True):
    """A record returned by a search run (a record found by three searches has three hits)."""

    __tablename__ = "record_hit"

    record_id: int = Field(foreign_key="record.id", primary_key=True)
    search_run_id: int = Field(foreign_key="search_run.id", primary_key=True, index=True)
    rank: int | None = None
