"""Coding by spreadsheet: a sheet per coder out (`code-export`), the codes back in (`code-import`).

As with screening sheets (review/screen/sheets.py), import checks every row first (unknown or
withdrawn segments, unknown codes, another coder's rows, a segment twice) and applies nothing unless
every row is good. Re-importing the same sheet changes nothing: a row matching the coder's standing
codes is left alone. A blank `codes` cell is "not coded yet"; `none` is "coded: no code applies".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from review.db import utcnow
from review.errors import InputError
from review.evidence.coding import SEPARATOR, codebook, parse_codes, standing
from review.formats import sheet
from review.models import EvidenceCoding, EvidenceDocument, EvidenceSegment
from review.protocol import Protocol
from review.states import CodingRole, EvidenceStream

COLUMNS = (
    "segment_id",
    "document_id",
    "stream",
    "participant",
    "speaker",
    "question",
    "text",
    "codes",
    "note",
    "coder",
)
REQUIRED = ("segment_id", "codes", "coder")
WHAT = "the coding sheet written by `review evidence code-export`"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    coded: int


@dataclass(frozen=True)
class ImportResult:
    coder: str
    rows: int
    applied: int
    unchanged: int
    blank: int


def segments(
    session: Session, stream: str | None = None, documents: Sequence[int] = ()
) -> list[tuple[EvidenceSegment, EvidenceDocument]]:
    """The segments of documents not withdrawn, in document order (one stream, or some documents)."""
    query = (
        select(EvidenceSegment, EvidenceDocument)
        .join(EvidenceDocument, col(EvidenceDocument.id) == EvidenceSegment.document_id)
        .where(col(EvidenceDocument.withdrawn_at).is_(None))
    )
    if stream:
        query = query.where(EvidenceDocument.stream == stream)
    if documents:
        query = query.where(col(EvidenceDocument.id).in_(list(documents)))
    return list(session.exec(query.order_by(col(EvidenceDocument.id), col(EvidenceSegment.seq))).all())


def export(
    session: Session,
    protocol: Protocol,
    coder: str,
    path: Path,
    *,
    stream: str | None = None,
    documents: Sequence[int] = (),
) -> ExportResult:
    """Write the coder's sheet: one row per segment, their standing codes filled in."""
    fmt = sheet.format_of(path, "a coding sheet")
    book = codebook(protocol)
    found = segments(session, stream, documents)
    mine = {
        s.segment_id: s
        for s in standing(session, [seg.id for seg, _ in found if seg.id])
        if s.coder == coder and s.role == CodingRole.CODER
    }
    rows = [_row(seg, doc, mine.get(seg.id or 0), coder) for seg, doc in found]
    if fmt == "csv":
        sheet.save_csv(path, COLUMNS, rows)
    else:
        themes = [[c, theme, *_describe(protocol, c)] for c, theme in book.codes().items()]
        sheet.save_xlsx(
            path,
            [
                sheet.Sheet("coding", COLUMNS, rows),
                sheet.Sheet("codebook", ("code", "theme", "label", "definition"), themes),
            ],
        )
    return ExportResult(path, len(rows), len(mine))


def _row(seg: EvidenceSegment, doc: EvidenceDocument, mine: Any, coder: str) -> list[Any]:
    codes = (f"{SEPARATOR} ".join(sorted(mine.codes)) or "none") if mine else ""
    return [
        seg.id,
        doc.id,
        EvidenceStream(doc.stream).cli,
        doc.participant or "",
        seg.speaker or "",
        seg.label or "",
        seg.text or "",
        codes,
        (mine.note if mine else None) or "",
        coder,
    ]


def _describe(protocol: Protocol, code: str) -> list[str]:
    assert protocol.codebook is not None
    for theme in protocol.codebook.themes:
        if theme.code == code:
            return [theme.label, theme.definition]
        for sub in theme.subthemes:
            if sub.code == code:
                return [sub.label, sub.definition]
    return ["", ""]


# --- import -------------------------------------------------------------------------------


def import_file(session: Session, protocol: Protocol, path: Path, coder: str | None = None) -> ImportResult:
    """Check every row of a coding sheet, then apply them all (or none)."""
    book = codebook(protocol)
    raw = _read(path)
    who = coder or next((r["coder"] for _, r in raw if r.get("coder")), "")
    problems: list[tuple[int, str, str]] = []
    if who not in protocol.review.reviewers:
        problems.append(
            (
                1,
                "coder",
                f"unknown coder {who!r}: the protocol's reviewers are {', '.join(protocol.review.reviewers)}",
            )
        )
    live = {seg.id for seg, _ in segments(session)}
    ids = [int(r["segment_id"]) for _, r in raw if r.get("segment_id", "").isdigit()]
    known = set(session.exec(select(EvidenceSegment.id).where(col(EvidenceSegment.id).in_(ids))))
    rows: list[tuple[int, frozenset[str] | None, str | None]] = []
    seen: set[int] = set()
    for number, cells in raw:

        def bad(column: str, text: str, number: int = number) -> None:
            problems.append((number, column, text))

        before = len(problems)
        text = cells.get("segment_id", "")
        seg_id = int(text) if text.isdigit() else None
        if seg_id is None:
            bad("segment_id", f"{text!r} is not a segment ID")
        elif seg_id not in known:
            bad("segment_id", f"no segment {seg_id} in this review")
        elif seg_id not in live:
            bad("segment_id", f"segment {seg_id} belongs to a withdrawn document: delete the row")
        elif seg_id in seen:
            bad("segment_id", f"segment {seg_id} appears more than once")
        if cells.get("coder", "") != who:
            bad(
                "coder",
                f"a row of {cells.get('coder', '')!r}, not {who!r}: import one coder's sheet at a time",
            )
        codes, problem = parse_codes(cells.get("codes", ""), book)
        if problem:
            bad("codes", problem)
        if seg_id is not None and len(problems) == before:
            seen.add(seg_id)
            rows.append((seg_id, codes, cells.get("note") or None))
    if problems:
        lines = [
            f"{path}: {len(problems)} problem(s); nothing was imported. Fix these rows and import again:"
        ]
        lines += [f"  row {n}, {c}: {p}" for n, c, p in sorted(problems)]
        raise InputError("\n".join(lines))
    return _apply(session, rows, who)


def _read(path: Path) -> list[tuple[int, dict[str, str]]]:
    table = sheet.read_rows(path, WHAT, sheet="coding")
    if not table:
        raise InputError(f"{path}: the file is empty; expected a header row with {', '.join(REQUIRED)}.")
    header = [str(h or "").strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            f"{path}, row 1: missing column(s) {', '.join(missing)}; nothing was imported. "
            "Keep the columns `review evidence code-export` wrote."
        )
    found = []
    for number, values in enumerate(table[1:], start=2):
        cells = {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
        if any(cells.values()):
            found.append((number, cells))
    return found


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _apply(
    session: Session, rows: list[tuple[int, frozenset[str] | None, str | None]], who: str
) -> ImportResult:
    mine = {
        s.segment_id: s
        for s in standing(session, [r[0] for r in rows])
        if s.coder == who and s.role == CodingRole.CODER
    }
    now, applied, unchanged, blank = utcnow(), 0, 0, 0
    for seg_id, codes, note in rows:
        old = mine.get(seg_id)
        if codes is None:
            blank += 1
        elif old is not None and (old.codes, old.note) == (codes, note):
            unchanged += 1
        else:
            session.add(
                EvidenceCoding(
                    segment_id=seg_id,
                    coder=who,
                    role=CodingRole.CODER,
                    codes=sorted(codes),
                    note=note,
                    via="sheet",
                    created_at=now,
                )
            )
            applied += 1
    session.flush()
    return ImportResult(who, len(rows), applied, unchanged, blank)
