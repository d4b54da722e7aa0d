"""Build stores for extraction and report tests: included works, full texts, decisions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session

from review.models import Document, Page
from tests import factories
from tests.factories import add_works


def decide(
    session: Session,
    work_id: int,
    stage: str,
    decision: str,
    reviewer: str = "reviewer1",
    reason: str | None = None,
    role: str = "screener",
) -> None:
    """One screening decision event, as a screener would record it."""
    factories.decide(session, work_id, reviewer, decision, reason, stage=stage, role=role)


def included(session: Session, items: Sequence[dict[str, object]], source: str = "included") -> list[int]:
    """Works included at title/abstract and at full text by one screener."""
    ids = add_works(session, items, source=source)
    for w in ids:
        decide(session, w, "title_abstract", "include")
        decide(session, w, "full_text", "include")
    return ids


def add_fulltext(session: Session, work_id: int, pages: Sequence[str], status: str = "readable") -> int:
    """A document for a work, with one Page row per text."""
    doc = Document(work_id=work_id, origin="manual", url=f"https://example.org/{work_id}.pdf", status=status)
    session.add(doc)
    session.flush()
    assert doc.id is not None
    for i, text in enumerate(pages, start=1):
        session.add(Page(document_id=doc.id, page_no=i, text=text))
    session.flush()
    return doc.id
