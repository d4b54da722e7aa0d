"""Full text: documents sought for works, their pages and tables, and the page-text index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from review.models.base import _text


class Document(SQLModel, table=True):
    """A full text sought for a work: where from, whether it came, and whether it could be read."""

    __table_args__ = (UniqueConstraint("work_id", "url", name="uq_document_url"),)

    id: int | None = Field(default=None, primary_key=True)
    work_id: int = Field(foreign_key="work.id", index=True)
    origin: str  # states.Origin: where the address came from
    url: str | None = None
    status: str = "pending"  # states.DocumentStatus
    reason: str | None = _text()  # why not retrieved / unreadable
    sha256: str | None = Field(default=None, index=True)
    path: str | None = None  # relative to the review folder
    content_type: str | None = None
    size: int | None = None
    licence: str | None = None
    version: str | None = None
    pages: int | None = None
    chars: int | None = None
    tables: int | None = None
    fetched_at: datetime | None = None
    read_at: datetime | None = None
    record_id: int | None = Field(default=None, foreign_key="record.id")  # the record the URL came from
    title: str | None = None  # attachment title, or the file name given to `fulltext add`
    attempts: int = 0  # fetch attempts of this URL (a retry adds to them)
    method: str | None = None  # how the text was read: pdfium | pdfplumber | html


class Page(SQLModel, table=True):
    """The text of one page of a document (1-based page numbers)."""

    __table_args__ = (UniqueConstraint("document_id", "page_no", name="uq_page"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    page_no: int
    text: str = Field(sa_column=Column(Text, nullable=False))


class PdfTable(SQLModel, table=True):
    """A table found on a page, as rows of cells."""

    __tablename__ = "pdf_table"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    page_no: int
    table_no: int
    rows: list[list[str | None]] = Field(sa_column=Column(JSON, nullable=False))


# Full-text search over page text (SQLite only; db.init_db runs these). External content: the
# index holds no copy of the text, and the triggers keep it in step with `page`.
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS page_fts USING fts5("
    "text, content='page', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS page_fts_ai AFTER INSERT ON page BEGIN "
    "INSERT INTO page_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS page_fts_ad AFTER DELETE ON page BEGIN "
    "INSERT INTO page_fts(page_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS page_fts_au AFTER UPDATE ON page BEGIN "
    "INSERT INTO page_fts(page_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO page_fts(rowid, text) VALUES (new.id, new.text); END",
)

# PostgreSQL's counterpart: a GIN index over the same expression review.fulltext.search queries,
# so a search reads the index instead of parsing every page's text.
POSTGRES_DDL = ("CREATE INDEX IF NOT EXISTS ix_page_tsv ON page USING GIN (to_tsvector('english', text))",)
