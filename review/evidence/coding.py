"""Codings: the codes coders give segments, kept as append-only events with who and when.

Each event holds the whole set of codes one coder (or the adjudicator) gives one segment; the latest
per segment, coder and role stands, and an empty set means "coded: no code applies". A segment's
final codes are the adjudicator's set when there is one; else the one coder's set; else the codes
every coder of it gave (what they disagree on waits for adjudication: `review evidence agreement`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from review.db import utcnow
from review.errors import InputError, ProtocolError
from review.models import EvidenceCoding, EvidenceDocument, EvidenceSegment
from review.protocol import Codebook, Protocol
from review.states import CodingRole

SEPARATOR = ";"


@dataclass(frozen=True)
class Standing:
    """A coder's standing codes on a segment."""

    segment_id: int
    coder: str
    role: str
    codes: frozenset[str]
    note: str | None


def codebook(protocol: Protocol) -> Codebook:
    """The protocol's codebook, or an error saying how to add one."""
    if protocol.codebook is None:
        raise ProtocolError(
            f"{protocol.path or 'The protocol'} has no [codebook]: add the themes coders apply "
            "(see the [codebook] example in the template `review init` writes)."
        )
    return protocol.codebook


def parse_codes(text: str, book: Codebook) -> tuple[frozenset[str] | None, str | None]:
    """The codes written in a cell (`governance; funding`, or `none`), or None and what is wrong.

    A blank cell is None with no problem: the segment is not coded yet.
    """
    words = [w.strip().lower() for w in text.replace(",", SEPARATOR).split(SEPARATOR) if w.strip()]
    if not words:
        return None, None
    if words == ["none"]:
        return frozenset(), None
    unknown = [w for w in words if w not in book.codes()]
    if unknown:
        return None, f"unknown code(s) {', '.join(unknown)}: use codes of the [codebook] or `none`"
    return frozenset(words), None


def standing(session: Session, segment_ids: Iterable[int] | None = None) -> list[Standing]:
    """The standing codings: the latest event per segment, coder and role."""
    query = select(EvidenceCoding).order_by(col(EvidenceCoding.id))
    if segment_ids is not None:
        query = query.where(col(EvidenceCoding.segment_id).in_(list(segment_ids)))
    latest: dict[tuple[int, str, str], EvidenceCoding] = {}
    for event in session.exec(query):
        latest[event.segment_id, event.coder, event.role] = event
    return [
        Standing(e.segment_id, e.coder, e.role, frozenset(e.codes or ()), e.note) for e in latest.values()
    ]


def seen_by(session: Session, segment_id: int, coder: str) -> tuple[Standing | None, tuple[Standing, ...]]:
    """A coder's own standing codes on a segment, and the others' they may see (blinded coding).

    Nothing of the others' until the coder has coded the segment too: agreement compares only
    segments both coded, so what each gave must be their own. Once they have, every other coder's
    standing codes and any adjudicator's.
    """
    found = standing(session, [segment_id])
    mine = next((s for s in found if s.coder == coder and s.role == CodingRole.CODER), None)
    others = tuple(s for s in found if s is not mine) if mine is not None else ()
    return mine, others


def record(
    session: Session,
    segment_id: int,
    coder: str,
    codes: frozenset[str],
    *,
    role: str = CodingRole.CODER,
    via: str = "terminal",
    note: str | None = None,
) -> bool:
    """Append a coding event unless it matches the coder's standing one; True if one was written."""
    mine = [s for s in standing(session, [segment_id]) if s.coder == coder and s.role == role]
    if mine and mine[0].codes == codes and mine[0].note == note:
        return False
    session.add(
        EvidenceCoding(
            segment_id=segment_id,
            coder=coder,
            role=role,
            codes=sorted(codes),
            note=note,
            via=via,
            created_at=utcnow(),
        )
    )
    return True


def check_segment(session: Session, segment_id: int) -> EvidenceSegment:
    """The segment, or an error when there is none or its document was withdrawn."""
    found = session.exec(
        select(EvidenceSegment, EvidenceDocument)
        .join(EvidenceDocument, col(EvidenceDocument.id) == EvidenceSegment.document_id)
        .where(EvidenceSegment.id == segment_id)
    ).first()
    if found is None:
        raise InputError(f"No segment {segment_id}: `review evidence list --segments` shows them.")
    segment, document = found
    if document.withdrawn_at is not None:
        raise InputError(f"Segment {segment_id} belongs to document {document.id}, which was withdrawn.")
    return segment


def final_codes(session: Session, segment_ids: Iterable[int] | None = None) -> dict[int, frozenset[str]]:
    """Each coded segment's final codes (see the module docstring)."""
    adjudicated: dict[int, frozenset[str]] = {}
    coders: dict[int, list[frozenset[str]]] = {}
    for s in standing(session, segment_ids):
        if s.role == CodingRole.ADJUDICATOR:
            adjudicated[s.segment_id] = s.codes
        else:
            coders.setdefault(s.segment_id, []).append(s.codes)
    final = {seg: frozenset.intersection(*sets) for seg, sets in coders.items()}
    final.update(adjudicated)
    return final


def disagreements(session: Session) -> dict[int, dict[str, frozenset[str]]]:
    """Segments two or more coders coded differently and no adjudicator has settled: coder -> codes."""
    by_segment: dict[int, dict[str, frozenset[str]]] = {}
    settled = set()
    for s in standing(session):
        if s.role == CodingRole.ADJUDICATOR:
            settled.add(s.segment_id)
        else:
            by_segment.setdefault(s.segment_id, {})[s.coder] = s.codes
    return {
        seg: sets
        for seg, sets in by_segment.items()
        if seg not in settled and len(sets) > 1 and len(set(sets.values())) > 1
    }
