"""The framework matrix: themes against streams and participant roles, computed from the store.

A cell counts the documents and segments whose final codes (review/evidence/coding.py) fall under
the theme (a sub-theme counts under its theme), and the voices: documents, with each campaign of
near-identical call-for-evidence responses counted once. Each theme gets representative quotes
with their provenance, and sits beside the literature: the included works whose extraction field
`codebook.literature_field` names it. Withdrawn documents are in none of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from review.evidence.campaign import Campaign, campaigns, voice_of
from review.evidence.coding import codebook, final_codes
from review.evidence.imports import active_documents
from review.models import EvidenceDocument, EvidenceSegment, ExtractionValue
from review.protocol import Protocol
from review.states import EvidenceStream, ExtractionRole, SegmentKind

QUOTES_PER_THEME = 3
QUOTE_LENGTH = 220  # characters a representative quote aims at: a sentence or two
NO_ROLE = "(role not given)"


@dataclass(frozen=True)
class Quote:
    text: str
    provenance: str
    segment_id: int
    document_id: int


@dataclass
class Cell:
    documents: set[int] = field(default_factory=set)
    segments: set[int] = field(default_factory=set)
    voices: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class ThemeRow:
    code: str
    label: str
    definition: str
    by_stream: dict[str, Cell]
    by_role: dict[str, Cell]
    quotes: tuple[Quote, ...]
    literature: tuple[int, ...]  # work IDs of included works the literature field codes with it

    @property
    def stakeholder_documents(self) -> int:
        return len(set().union(*(c.documents for c in self.by_stream.values())))

    @property
    def convergence(self) -> str:
        """Whether literature and stakeholders both raise the theme, or only one of them."""
        lit, voice = bool(self.literature), bool(self.stakeholder_documents)
        if lit and voice:
            return "convergent: raised in the literature and by stakeholders"
        if lit:
            return "divergent: raised in the literature only"
        if voice:
            return "divergent: raised by stakeholders only"
        return "not raised"


@dataclass(frozen=True)
class Matrix:
    themes: tuple[ThemeRow, ...]
    streams: tuple[str, ...]
    roles: tuple[str, ...]
    documents: int  # documents not withdrawn
    coded_segments: int
    campaigns: tuple[Campaign, ...]
    literature_field: str | None


def build(session: Session, protocol: Protocol) -> Matrix:
    """The matrix of the store as it is now."""
    book = codebook(protocol)
    docs = {d.id: d for d in active_documents(session) if d.id is not None}
    segments = _segments(session, docs)
    final = final_codes(session, segments)
    found = campaigns(_answers(docs, segments.values()), book.campaign_threshold)
    voice = voice_of(found)
    theme_of = book.codes()
    cells: dict[str, tuple[dict[str, Cell], dict[str, Cell]]] = {t.code: ({}, {}) for t in book.themes}
    chosen: dict[str, list[EvidenceSegment]] = {t.code: [] for t in book.themes}
    for seg_id, codes in final.items():
        seg = segments[seg_id]
        doc = docs[seg.document_id]
        for theme in sorted({theme_of[c] for c in codes if c in theme_of}):
            for cell in (
                cells[theme][0].setdefault(doc.stream, Cell()),
                cells[theme][1].setdefault(doc.role or NO_ROLE, Cell()),
            ):
                cell.documents.add(seg.document_id)
                cell.segments.add(seg_id)
                cell.voices.add(voice.get(seg.document_id, seg.document_id))
            if voice.get(seg.document_id, seg.document_id) == seg.document_id:  # a campaign quoted once
                chosen[theme].append(seg)
    literature = _literature(session, protocol)
    rows = tuple(
        ThemeRow(
            t.code,
            t.label,
            t.definition,
            *cells[t.code],
            _quotes(chosen[t.code], docs),
            tuple(sorted(literature.get(t.code, ()))),
        )
        for t in book.themes
    )
    roles = sorted({d.role or NO_ROLE for d in docs.values()})
    return Matrix(
        rows,
        tuple(s.value for s in EvidenceStream),
        tuple(roles),
        len(docs),
        len(final),
        tuple(found),
        book.literature_field,
    )


def _segments(session: Session, docs: dict[int, EvidenceDocument]) -> dict[int, EvidenceSegment]:
    query = select(EvidenceSegment).where(col(EvidenceSegment.document_id).in_(list(docs)))
    return {s.id: s for s in session.exec(query) if s.id is not None}


def _answers(docs: dict[int, EvidenceDocument], segments: Iterable[EvidenceSegment]) -> dict[int, str]:
    found: dict[int, list[str]] = {}
    for seg in sorted(segments, key=lambda s: (s.document_id, s.seq)):
        if (
            seg.kind == SegmentKind.ANSWER
            and docs[seg.document_id].stream == EvidenceStream.CALL_FOR_EVIDENCE
        ):
            found.setdefault(seg.document_id, []).append(seg.text or "")
    return {d: " ".join(texts) for d, texts in found.items()}


def _quotes(segments: list[EvidenceSegment], docs: dict[int, EvidenceDocument]) -> tuple[Quote, ...]:
    """Quotes near a readable length, from as many streams and documents as there are."""
    ranked = sorted(segments, key=lambda s: (abs(len(s.text or "") - QUOTE_LENGTH), s.id or 0))
    picked: list[EvidenceSegment] = []
    for rule in ("new stream", "new document", "any"):
        for seg in ranked:
            if len(picked) < QUOTES_PER_THEME and seg not in picked and _fits(rule, seg, picked, docs):
                picked.append(seg)
    return tuple(
        Quote(_clip(s.text or ""), provenance(s, docs[s.document_id]), s.id or 0, s.document_id)
        for s in picked
    )


def _fits(
    rule: str, seg: EvidenceSegment, picked: list[EvidenceSegment], docs: dict[int, EvidenceDocument]
) -> bool:
    if rule == "new stream":
        return docs[seg.document_id].stream not in {docs[p.document_id].stream for p in picked}
    if rule == "new document":
        return seg.document_id not in {p.document_id for p in picked}
    return True


def _clip(text: str, limit: int = 2 * QUOTE_LENGTH) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."


def provenance(seg: EvidenceSegment, doc: EvidenceDocument) -> str:
    """Where a quote comes from: who (pseudonym), which stream, file, row or turn and time."""
    who = doc.participant or seg.speaker or "anonymous"
    where = (
        f"row {doc.source_row}"
        if doc.source_row
        else f"turn {seg.turn}"
        if seg.turn
        else f"paragraph {seg.seq}"
    )
    if seg.start_ms is not None:
        minutes, seconds = divmod(seg.start_ms // 1000, 60)
        where += f" at {minutes:02d}:{seconds:02d}"
    role = f", {doc.role}" if doc.role else ""
    stream = EvidenceStream(doc.stream).label
    return f"{who}{role}; {stream}; {doc.source_file}, {where}; document {doc.id}, segment {seg.id}"


def _literature(session: Session, protocol: Protocol) -> dict[str, set[int]]:
    """Per theme, the works whose literature field (latest value, not a prefill) names it."""
    book = codebook(protocol)
    if not book.literature_field:
        return {}
    query = (
        select(ExtractionValue)
        .where(ExtractionValue.field == book.literature_field, ExtractionValue.role != ExtractionRole.PREFILL)
        .order_by(col(ExtractionValue.id))
    )
    latest = {v.work_id: v.value for v in session.exec(query)}
    found: dict[str, set[int]] = {}
    for theme in book.themes:
        wanted = {w.lower() for w in (theme.literature or (theme.label,))}
        for work_id, value in latest.items():
            values = value if isinstance(value, list) else [value]
            if wanted & {str(v).lower() for v in values if v is not None}:
                found.setdefault(theme.code, set()).add(work_id)
    return found
