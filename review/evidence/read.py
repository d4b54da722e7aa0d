"""Read evidence files into documents and segments, names still in them (pure: no store).

- A response workbook (XLSX/CSV from Citizen Space, Microsoft Forms, Smart Survey): one document per
  row, one `answer` segment per non-empty question column. Name and e-mail columns give the
  respondent's name (pseudonymised later); role, organisation type and region columns give the
  participant's attributes; IDs, times and consent columns are left out.
- A transcript (VTT, SRT; TXT or DOCX with `Name: text` lines): one `turn` segment per speaker turn.
- A submission or note (DOCX, PDF, TXT without speakers): one `paragraph` segment per paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from review.errors import InputError
from review.evidence import transcripts
from review.formats import sheet
from review.states import EvidenceStream, SegmentKind

KINDS = ("xlsx", "csv", "docx", "pdf", "txt", "vtt", "srt")
TRANSCRIBED = (EvidenceStream.INTERVIEW, EvidenceStream.FOCUS_GROUP)
_NAME = re.compile(r"\b(name|surname|forename|e-?mail)\b")
_ROLE = re.compile(r"\b(role|capacity|responding as|are you)\b")
_ORG_TYPE = re.compile(r"\b(organi[sz]ation type|type of organi[sz]ation|sector)\b")
_REGION = re.compile(r"\b(region|area of england|where do you)\b")
_SKIP = re.compile(
    r"^(id|response id|respondent id|ref|reference)$|\b(time|date|consent|organi[sz]ation name)\b"
)


@dataclass(frozen=True)
class Attributes:
    """What is known of the participant: from workbook columns, a sidecar row or the command line."""

    stream: EvidenceStream | None = None
    role: str | None = None
    organisation_type: str | None = None
    region: str | None = None
    names: tuple[str, ...] = ()  # real names known to appear in the file's text

    def over(self, base: Attributes) -> Attributes:
        """These attributes, each missing one taken from `base`."""
        return Attributes(
            self.stream or base.stream,
            self.role or base.role,
            self.organisation_type or base.organisation_type,
            self.region or base.region,
            (*self.names, *base.names),
        )


@dataclass(frozen=True)
class RawSegment:
    kind: SegmentKind
    text: str
    label: str | None = None
    speaker: str | None = None  # as labelled in the file (a real name, before pseudonyms)
    turn: int | None = None
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass(frozen=True)
class RawDocument:
    kind: str
    stream: EvidenceStream
    title: str
    attributes: Attributes
    segments: tuple[RawSegment, ...]
    source_row: int = 0
    respondent: str | None = None  # the respondent's real name (workbook name or e-mail columns)
    names: tuple[str, ...] = field(default=())  # every real name to replace in the text


def kind_of(path: Path) -> str:
    """The file's kind from its suffix, or an error listing the kinds that can be read."""
    kind = path.suffix.lower().lstrip(".")
    if kind not in KINDS:
        raise InputError(
            f"{path}: cannot read a .{kind or '(no suffix)'} file as evidence; give one of "
            f"{', '.join('.' + k for k in KINDS)}."
        )
    return kind


def read(path: Path, given: Attributes) -> list[RawDocument]:
    """The documents in one evidence file, attributes from `given` where the file has none."""
    kind = kind_of(path)
    if kind in ("xlsx", "csv"):
        return _workbook(path, kind, given)
    stream = given.stream or (EvidenceStream.INTERVIEW if kind in ("vtt", "srt") else None)
    if stream is None:
        raise InputError(
            f"{path}: which stream is it? Give --stream (call-for-evidence, interview, focus-group or "
            "family-voice), or a `stream` column for this file in the --attributes sheet."
        )
    segments = _segments(path, kind, stream)
    if not segments:
        raise InputError(
            f"{path}: no text found in the file; nothing was imported. Check it is the right file."
        )
    speakers = tuple(sorted({s.speaker for s in segments if s.speaker}))
    return [RawDocument(kind, stream, path.name, given, tuple(segments), names=(*given.names, *speakers))]


def _segments(path: Path, kind: str, stream: EvidenceStream) -> list[RawSegment]:
    if kind in ("vtt", "srt"):
        text = _text_file(path)
        turns = (
            transcripts.parse_vtt(text, str(path))
            if kind == "vtt"
            else transcripts.parse_srt(text, str(path))
        )
        return _turns(turns)
    lines = _docx_paragraphs(path) if kind == "docx" else _pdf_paragraphs(path) if kind == "pdf" else None
    if lines is None:
        lines = _text_file(path).split("\n")
    if stream in TRANSCRIBED or kind == "txt":
        turns = transcripts.parse_lines(lines)
        if transcripts.has_speakers(turns):
            return _turns(turns)
    return [RawSegment(SegmentKind.PARAGRAPH, p) for p in _paragraphs(lines)]


def _turns(turns: list[transcripts.Turn]) -> list[RawSegment]:
    return [
        RawSegment(SegmentKind.TURN, t.text, speaker=t.speaker, turn=n, start_ms=t.start_ms, end_ms=t.end_ms)
        for n, t in enumerate(turns, start=1)
    ]


def _paragraphs(lines: list[str]) -> list[str]:
    """Paragraphs: runs of non-blank lines (a DOCX or PDF paragraph is already one line)."""
    found, run = [], []
    for line in [*lines, ""]:
        if line.strip():
            run.append(line.strip())
        elif run:
            found.append(" ".join(run))
            run = []
    return found


def _text_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}, line {line}: not UTF-8 text; nothing was imported. Save it again as UTF-8 text."
        ) from exc


def _docx_paragraphs(path: Path) -> list[str]:
    import docx

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several kinds for a file that is not a DOCX
        raise InputError(
            f"{path}: not a readable Word document (.docx): {exc}; nothing was imported. "
            "Open it in Word and save it again as .docx (not .doc)."
        ) from exc
    # One blank line between paragraphs, so each stays a paragraph of its own.
    return [line for p in document.paragraphs for line in (p.text, "")]


def _pdf_paragraphs(path: Path) -> list[str]:
    from review.fulltext.read import read_file

    found = read_file(path, tables=False)
    if found.status != "readable":
        raise InputError(
            f"{path}: the PDF cannot be read ({found.reason}); nothing was imported. "
            "Export it again as PDF with text, or save the submission as .docx or .txt."
        )
    return [line for page in found.pages for line in page.split("\n")]


# --- workbooks --------------------------------------------------------------------------------


def _workbook(path: Path, kind: str, given: Attributes) -> list[RawDocument]:
    table = sheet.read_user_rows(path, "a response workbook (.xlsx or .csv)")
    if not table or not any(_cell(h) for h in table[0]):
        raise InputError(
            f"{path}, row 1: no header row; nothing was imported. "
            "The first row must name the columns (one per question)."
        )
    header = [_cell(h) for h in table[0]]
    roles = _column_roles(header)
    if "question" not in roles.values():
        raise InputError(f"{path}, row 1: no question columns found among {header}; nothing was imported.")
    stream = given.stream or EvidenceStream.CALL_FOR_EVIDENCE
    documents = []
    for number, row in enumerate(table[1:], start=2):
        cells = {i: _cell(v) for i, v in enumerate(row)}
        if not any(cells.values()):
            continue
        documents.append(_response(path, kind, stream, given, header, roles, number, cells))
    if not documents:
        raise InputError(f"{path}: the workbook has a header but no responses; nothing was imported.")
    return documents


def _column_roles(header: list[str]) -> dict[int, str]:
    roles = {}
    for i, name in enumerate(header):
        low = name.lower()
        if not low:
            roles[i] = "skip"
        elif _ORG_TYPE.search(low):
            roles[i] = "organisation_type"
        elif _NAME.search(low) and "organi" not in low:
            roles[i] = "name"
        elif _SKIP.search(low):
            roles[i] = "skip"
        elif _ROLE.search(low) and len(low) < 60:
            roles[i] = "role"
        elif _REGION.search(low) and len(low) < 60:
            roles[i] = "region"
        else:
            roles[i] = "question"
    return roles


def _response(
    path: Path,
    kind: str,
    stream: EvidenceStream,
    given: Attributes,
    header: list[str],
    roles: dict[int, str],
    number: int,
    cells: dict[int, str],
) -> RawDocument:
    def first(role: str) -> str | None:
        return next((cells[i] for i, r in roles.items() if r == role and cells.get(i)), None)

    names = [cells[i] for i, r in roles.items() if r == "name" and cells.get(i)]
    plain = [n for n in names if "@" not in n]
    # First name and surname columns make one name; otherwise the first name cell, else the e-mail.
    joined = " ".join(plain) if len(plain) > 1 and all(" " not in n for n in plain) else None
    respondent = joined or next(iter(plain or names), None)
    answers = [
        RawSegment(SegmentKind.ANSWER, cells[i], label=header[i])
        for i, r in roles.items()
        if r == "question" and cells.get(i)
    ]
    mine = Attributes(stream, first("role"), first("organisation_type"), first("region"))
    return RawDocument(
        kind,
        stream,
        f"Response {number - 1} ({path.name})",
        mine.over(given),
        tuple(answers),
        source_row=number,
        respondent=respondent,
        names=tuple(names),
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
