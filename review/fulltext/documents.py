"""Document rows: reading stored files into pages and tables, and the state of each work's search."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlmodel import Session, SQLModel, col, select

from review.db import utcnow
from review.fulltext.batch import WORKERS, read_many
from review.fulltext.read import ReadResult
from review.fulltext.store import resolve
from review.models import Document

GOOD = ("retrieved", "readable")  # a work holding one of these needs no more fetching
HELD = ("retrieved", "readable", "unreadable")  # the file is in the store


@dataclass(frozen=True)
class ReadCounts:
    """What one reading batch gave."""

    readable: int
    unreadable: int
    pages: int
    tables: int


def read_documents(
    session: Session, root: Path, doc_ids: Iterable[int], *, workers: int = WORKERS
) -> ReadCounts:
    """Read stored documents into pages and tables (re-reading replaces what was there)."""
    docs = list(session.exec(select(Document).where(col(Document.id).in_(list(doc_ids)))))
    docs = [d for d in docs if d.path and d.status in HELD]
    results = read_many([str(resolve(root, d.path or "")) for d in docs], workers=workers)
    save_readings(session, list(zip(docs, results, strict=True)))
    readable = [r for r in results if r.status == "readable"]
    return ReadCounts(
        len(readable),
        len(results) - len(readable),
        sum(len(r.pages) for r in readable),
        sum(len(r.tables) for r in readable),
    )


def save_readings(session: Session, pairs: list[tuple[Document, ReadResult]]) -> None:
    """Replace the pages and tables of each document with a reading's, in bulk, and set its status."""
    ids = [d.id for d, _ in pairs]
    if not ids:
        return
    page_t, table_t, doc_t = (SQLModel.metadata.tables[n] for n in ("page", "pdf_table", "document"))
    session.execute(delete(page_t).where(page_t.c.document_id.in_(ids)))
    session.execute(delete(table_t).where(table_t.c.document_id.in_(ids)))
    pages = [
        {"document_id": d.id, "page_no": n, "text": text}
        for d, r in pairs
        for n, text in enumerate(r.pages, start=1)
    ]
    tables = [
        {"document_id": d.id, "page_no": t.page_no, "table_no": t.table_no, "rows": t.rows}
        for d, r in pairs
        for t in r.tables
    ]
    if pages:
        session.execute(insert(page_t), pages)
    if tables:
        session.execute(insert(table_t), tables)
    session.execute(update(doc_t).where(doc_t.c.id == bindparam("doc_id")), _doc_updates(pairs))
    session.expire_all()


def _doc_updates(pairs: list[tuple[Document, ReadResult]]) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "doc_id": d.id,
            "status": r.status,
            "reason": r.reason if r.status == "unreadable" else r.note,
            "method": r.method,
            "pages": len(r.pages) if r.status == "readable" else None,
            "chars": r.chars if r.status == "readable" else None,
            "tables": len(r.tables) if r.status == "readable" else None,
            "read_at": now,
        }
        for d, r in pairs
    ]


def unread(session: Session, work_ids: list[int]) -> list[int]:
    """Documents fetched but not yet read (an interrupted run leaves these)."""
    q = select(Document.id).where(col(Document.work_id).in_(work_ids), Document.status == "retrieved")
    return [i for i in session.exec(q) if i is not None]


def good_works(session: Session, work_ids: list[int] | None = None) -> set[int]:
    """Works holding a retrieved or readable document."""
    q = select(Document.work_id).where(col(Document.status).in_(GOOD))
    if work_ids is not None:
        q = q.where(col(Document.work_id).in_(work_ids))
    return set(session.exec(q))
