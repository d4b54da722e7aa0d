"""`review evidence import`: evidence files into the store, pseudonymised, as documents and segments.

Every file is read and checked before anything is written: one malformed file (named with its line
or row, the field and the fix) imports nothing. A file already imported (same sha256) is skipped,
withdrawn or not, so a re-import is a no-op and a withdrawn response never comes back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from review.db import utcnow
from review.errors import InputError
from review.evidence.pseudonyms import Pseudonyms, is_name
from review.evidence.read import Attributes, RawDocument, read
from review.formats import sheet
from review.models import EvidenceDocument, EvidenceSegment
from review.stagerun import stage_run
from review.states import EvidenceStream

STAGE = "evidence_import"
SIDECAR_COLUMNS = ("file", "stream", "role", "organisation_type", "region", "names")


@dataclass(frozen=True)
class FileResult:
    path: str
    sha256: str
    documents: int  # documents added (0 when the file was imported before)
    segments: int
    skipped: bool


@dataclass(frozen=True)
class ImportResult:
    files: tuple[FileResult, ...]
    pseudonyms: int  # pseudonyms in the mapping after the import

    @property
    def documents(self) -> int:
        return sum(f.documents for f in self.files)

    @property
    def segments(self) -> int:
        return sum(f.segments for f in self.files)


def import_files(
    session: Session,
    paths: Sequence[Path],
    given: Attributes,
    *,
    sidecar: Path | None = None,
    imported_by: str | None = None,
) -> ImportResult:
    """Read every file (all or nothing), then store the new ones' documents and segments."""
    per_file = read_sidecar(sidecar) if sidecar else {}
    unknown = sorted(set(per_file) - {p.name for p in paths})
    if unknown:
        raise InputError(
            f"{sidecar}: rows for files not being imported: {', '.join(unknown)}; "
            "give those files too, or take their rows out."
        )
    planned: list[tuple[Path, str, list[RawDocument]]] = []
    for path in paths:
        if not path.is_file():
            raise InputError(f"No file {path}: nothing was imported. Check the path.")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        seen = session.exec(select(EvidenceDocument.id).where(EvidenceDocument.sha256 == digest)).first()
        docs = [] if seen is not None else read(path, per_file.get(path.name, Attributes()).over(given))
        planned.append((path, digest, docs))
    with stage_run(session, STAGE) as run:
        results = _store(session, planned, imported_by)
        result = ImportResult(tuple(results), len(Pseudonyms(session).by_key))
        run.counts = {
            "files": len(results),
            "documents": result.documents,
            "segments": result.segments,
            "skipped": sum(r.skipped for r in results),
        }
    return result


def _store(
    session: Session, planned: list[tuple[Path, str, list[RawDocument]]], imported_by: str | None
) -> list[FileResult]:
    names = Pseudonyms(session)
    # Every name first, so a name met in a later file is also replaced in an earlier one's text.
    for _, _, docs in planned:
        for doc in docs:
            lead = names.of(doc.respondent) if doc.respondent and is_name(doc.respondent) else None
            for name in (*doc.names, *(s.speaker for s in doc.segments)):
                if name and is_name(name):
                    # A workbook row's names are one respondent's (name, e-mail); a file's are several people.
                    names.of(name, doc.respondent if lead and doc.source_row else None)
            for name in doc.attributes.names:  # given with --name or in the attributes sheet
                names.of(name)
    results = []
    for path, digest, docs in planned:
        count = sum(_add(session, names, doc, path, digest, imported_by) for doc in docs)
        results.append(FileResult(str(path), digest, len(docs), count, skipped=not docs))
    session.flush()
    return results


def _add(
    session: Session, names: Pseudonyms, doc: RawDocument, path: Path, digest: str, imported_by: str | None
) -> int:
    participant = names.of(doc.respondent) if doc.respondent and is_name(doc.respondent) else None
    speakers = {names.label(s.speaker) for s in doc.segments if s.speaker and is_name(s.speaker)}
    if participant is None and len(speakers) == 1:  # an interview's one named participant
        participant = next(iter(speakers))
    if participant is None and not speakers and len(doc.attributes.names) == 1:  # a submission's author
        participant = names.of(doc.attributes.names[0])
    row = EvidenceDocument(
        stream=doc.stream,
        kind=doc.kind,
        title=names.scrub(doc.title),
        participant=participant,
        role=doc.attributes.role,
        organisation_type=doc.attributes.organisation_type,
        region=doc.attributes.region,
        source_file=names.scrub(path.name),
        sha256=digest,
        source_row=doc.source_row,
        imported_by=imported_by,
        created_at=utcnow(),
    )
    parts, segments, at = [], [], 0
    for seq, raw in enumerate(doc.segments, start=1):
        text = names.scrub(raw.text)
        speaker = names.label(raw.speaker)
        head = f"{names.scrub(raw.label)}\n" if raw.label else f"{speaker}: " if speaker else ""
        start = at + len(head)
        parts.append(head + text)
        at = start + len(text) + 2  # paragraphs are joined by one blank line
        segments.append(
            EvidenceSegment(
                document_id=0,
                seq=seq,
                kind=raw.kind,
                label=names.scrub(raw.label) if raw.label else None,
                speaker=speaker,
                turn=raw.turn,
                start_ms=raw.start_ms,
                end_ms=raw.end_ms,
                start_char=start,
                end_char=start + len(text),
                text=text,
            )
        )
    row.text = "\n\n".join(parts)
    session.add(row)
    session.flush()
    assert row.id is not None
    for segment in segments:
        segment.document_id = row.id
    session.add_all(segments)
    return len(segments)


def read_sidecar(path: Path) -> dict[str, Attributes]:
    """Participant attributes per file name from a sheet with columns file, stream, role, ... ."""
    table = sheet.read_user_rows(path, "an attributes sheet (.csv or .xlsx)")
    header = [str(h or "").strip().lower().replace(" ", "_") for h in (table[0] if table else [])]
    if "file" not in header:
        raise InputError(
            f"{path}, row 1: no `file` column; the sheet needs columns {', '.join(SIDECAR_COLUMNS)}."
        )
    found: dict[str, Attributes] = {}
    for number, values in enumerate(table[1:], start=2):
        cells = {h: str(v).strip() for h, v in zip(header, values, strict=False) if h and v not in (None, "")}
        if not cells:
            continue
        stream = EvidenceStream.parse(cells.get("stream", "")) if cells.get("stream") else None
        if cells.get("stream") and stream is None:
            raise InputError(
                f"{path}, row {number}, stream: {cells['stream']!r} is not a stream; write "
                f"one of {', '.join(s.cli for s in EvidenceStream)}."
            )
        names = tuple(n.strip() for n in cells.get("names", "").split(";") if n.strip())
        found[cells.get("file", "")] = Attributes(
            stream, cells.get("role"), cells.get("organisation_type"), cells.get("region"), names
        )
    return found


def active_documents(session: Session, stream: str | None = None) -> list[EvidenceDocument]:
    """The documents not withdrawn, in import order (optionally of one stream)."""
    query = select(EvidenceDocument).where(col(EvidenceDocument.withdrawn_at).is_(None))
    if stream:
        query = query.where(EvidenceDocument.stream == stream)
    return list(session.exec(query.order_by(col(EvidenceDocument.id))))
