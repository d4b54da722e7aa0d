"""Stakeholder evidence: documents beside the bibliographic records, their segments, the coders'
codings, and the pseudonym mapping (the one table that holds real names; never exported)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from review.models.base import _json, _text


class EvidenceDocument(SQLModel, table=True):
    """One piece of stakeholder evidence: a workbook response, a submission, a transcript, a note.

    Its text is pseudonymised at import. Withdrawal (consent withdrawn) erases the text and keeps
    the row as the log of who withdrew it, when and why, so a re-import stays a no-op.
    """

    __tablename__ = "evidence_document"
    __table_args__ = (UniqueConstraint("sha256", "source_row", name="uq_evidence_document_source"),)

    id: int | None = Field(default=None, primary_key=True)
    stream: str  # states.EvidenceStream
    kind: str  # how it was read: xlsx | csv | docx | pdf | txt | vtt | srt
    title: str  # a label without names: "Response 4 (responses.xlsx)", "interview-03.vtt"
    participant: str | None = None  # the pseudonym of the respondent or main participant
    role: str | None = None  # parent, practitioner, expert, ...
    organisation_type: str | None = None
    region: str | None = None
    source_file: str  # the file's name as imported (names in it pseudonymised)
    sha256: str = Field(index=True)
    source_row: int = 0  # spreadsheet row of a response (header = row 1); 0 for a whole file
    text: str | None = _text()  # the pseudonymised text; None once withdrawn
    imported_by: str | None = None
    created_at: datetime
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = _text()


class EvidenceSegment(SQLModel, table=True):
    """One unit coders code: an answer to one question, a paragraph, or one speaker's turn."""

    __tablename__ = "evidence_segment"
    __table_args__ = (UniqueConstraint("document_id", "seq", name="uq_evidence_segment_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="evidence_document.id", index=True)
    seq: int  # order in the document, from 1
    kind: str  # states.SegmentKind
    label: str | None = None  # the question a response answers
    speaker: str | None = None  # the speaker's pseudonym or role label ("Interviewer")
    turn: int | None = None  # the turn's number in a transcript
    start_ms: int | None = None  # transcript times
    end_ms: int | None = None
    start_char: int  # where the segment sits in the document's text (REFI-QDA selections)
    end_char: int
    text: str | None = _text()  # None once the document is withdrawn


class EvidenceCoding(SQLModel, table=True):
    """One coding event (append-only): the whole set of codes a coder gives a segment, with who and when.

    The latest event per segment, coder and role stands; an empty set means "coded: no code applies".
    """

    __tablename__ = "evidence_coding"
    __table_args__ = (Index("ix_evidence_coding_segment", "segment_id", "coder"),)

    id: int | None = Field(default=None, primary_key=True)
    segment_id: int = Field(foreign_key="evidence_segment.id")
    coder: str
    role: str = "coder"  # states.CodingRole
    codes: list[str] | None = _json()
    note: str | None = _text()
    via: str  # sheet | terminal | demo
    created_at: datetime


class EvidencePseudonym(SQLModel, table=True):
    """A real name and the pseudonym that replaces it everywhere: the only place the name is kept."""

    __tablename__ = "evidence_pseudonym"

    id: int | None = Field(default=None, primary_key=True)
    name_key: str = Field(unique=True)  # the name folded for matching (lower case, single spaces)
    real_name: str
    pseudonym: str = Field(index=True)  # one person's several spellings (name, e-mail) share one
    created_at: datetime
