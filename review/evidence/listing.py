"""`review evidence list`: the documents (and their segments) as lines of text, pseudonyms only."""

from __future__ import annotations

from collections.abc import Iterator

from sqlmodel import Session, col, select

from review.models import EvidenceDocument, EvidenceSegment
from review.states import EvidenceStream

PREVIEW = 70  # characters of a segment shown


def lines(
    session: Session, stream: EvidenceStream | None = None, *, segments: bool = False, withdrawn: bool = False
) -> Iterator[str]:
    """One line per document; with `segments`, an indented line per segment."""
    query = select(EvidenceDocument).order_by(col(EvidenceDocument.id))
    if stream:
        query = query.where(EvidenceDocument.stream == stream)
    if not withdrawn:
        query = query.where(col(EvidenceDocument.withdrawn_at).is_(None))
    docs = list(session.exec(query))
    if not docs:
        yield "No evidence documents: `review evidence import FILE` adds them."
        return
    counts = _segment_counts(session, [d.id for d in docs if d.id])
    for doc in docs:
        yield _document(doc, counts.get(doc.id or 0, 0))
        if segments and doc.withdrawn_at is None:
            yield from _segments(session, doc.id or 0)


def _document(doc: EvidenceDocument, count: int) -> str:
    attributes = ", ".join(v for v in (doc.role, doc.organisation_type, doc.region) if v) or "no attributes"
    text = (
        f"{doc.id:>4}  {EvidenceStream(doc.stream).cli:<17} {doc.participant or '-':<6} {doc.title}  "
        f"[{attributes}]  {count} segment(s)"
    )
    if doc.withdrawn_at is not None:
        text += f"  WITHDRAWN {doc.withdrawn_at:%Y-%m-%d} by {doc.withdrawn_by}: {doc.withdrawn_reason}"
    return text


def _segment_counts(session: Session, ids: list[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    for doc_id in session.exec(
        select(EvidenceSegment.document_id).where(col(EvidenceSegment.document_id).in_(ids))
    ):
        found[doc_id] = found.get(doc_id, 0) + 1
    return found


def _segments(session: Session, doc_id: int) -> Iterator[str]:
    query = (
        select(EvidenceSegment)
        .where(EvidenceSegment.document_id == doc_id)
        .order_by(col(EvidenceSegment.seq))
    )
    for seg in session.exec(query):
        who = f"{seg.speaker}: " if seg.speaker else ""
        text = " ".join((seg.text or "").split())
        text = text if len(text) <= PREVIEW else text[: PREVIEW - 3] + "..."
        yield f"        segment {seg.id:>5}  {seg.kind:<9} {who}{text}"
