"""`review evidence withdraw`: consent withdrawn; the document leaves every output, the removal logged.

The document's text and its segments' text are erased; its row stays as the log (who withdrew it,
when and why) and keeps the file's sha256, so importing the file again does not bring it back.
Codings of its segments stay as events (codes and coders only) but no output reads them. A
participant's real name is erased from the pseudonym mapping once no document left speaks for them;
the pseudonym itself is kept so it is never given to someone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select, update

from review.db import utcnow
from review.errors import InputError
from review.evidence.pseudonyms import ERASED
from review.models import EvidenceDocument, EvidencePseudonym, EvidenceSegment


@dataclass(frozen=True)
class Withdrawn:
    document_id: int
    title: str
    segments: int
    names_erased: int
    at: datetime


def withdraw(session: Session, document_id: int, who: str, why: str) -> Withdrawn:
    """Withdraw one document: erase its text, log who, when and why."""
    if not why.strip():
        raise InputError("Say why the document is withdrawn (--reason), e.g. 'consent withdrawn by email'.")
    doc = session.get(EvidenceDocument, document_id)
    if doc is None:
        raise InputError(f"No evidence document {document_id}: `review evidence list` shows them.")
    if doc.withdrawn_at is not None:
        raise InputError(
            f"Document {document_id} was already withdrawn on {doc.withdrawn_at:%Y-%m-%d} "
            f"by {doc.withdrawn_by} ({doc.withdrawn_reason})."
        )
    now = utcnow()
    doc.text, doc.withdrawn_at, doc.withdrawn_by, doc.withdrawn_reason = None, now, who, why.strip()
    session.add(doc)
    segments = session.exec(select(EvidenceSegment).where(EvidenceSegment.document_id == document_id)).all()
    speakers = {s.speaker for s in segments if s.speaker}
    session.execute(
        update(EvidenceSegment).where(col(EvidenceSegment.document_id) == document_id).values(text=None)
    )
    session.flush()
    erased = _erase_names(session, {doc.participant, *speakers} - {None})
    return Withdrawn(document_id, doc.title, len(segments), erased, now)


def _erase_names(session: Session, pseudonyms: set[str | None]) -> int:
    """Erase the real names of pseudonyms no document left uses."""
    live = select(EvidenceDocument.id).where(col(EvidenceDocument.withdrawn_at).is_(None))
    still = set(session.exec(select(EvidenceDocument.participant).where(col(EvidenceDocument.id).in_(live))))
    still |= set(
        session.exec(select(EvidenceSegment.speaker).where(col(EvidenceSegment.document_id).in_(live)))
    )
    erased = 0
    for row in session.exec(
        select(EvidencePseudonym).where(col(EvidencePseudonym.pseudonym).in_(pseudonyms))
    ):
        if row.pseudonym not in still:
            row.real_name, row.name_key = ERASED, f"{ERASED} {row.pseudonym}"
            session.add(row)
            erased += 1
    return erased
