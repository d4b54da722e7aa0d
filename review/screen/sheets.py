"""Spreadsheet round trip for reviewers who screen in Excel or LibreOffice (CSV or XLSX).

Export writes one reviewer's queue at one stage. Import reads it back, checks every row first
(unknown work IDs, bad decision values, reason codes not in the protocol, another reviewer's rows,
works not in the reviewer's queue) and applies nothing unless every row is good. Re-importing the
same file changes nothing: a row that matches the reviewer's standing decision is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from review import tally
from review.db import utcnow
from review.decisions import Current
from review.errors import InputError
from review.formats import sheet
from review.models import ScreeningDecision, ScreeningNote, Work
from review.protocol import Protocol
from review.screen import decide, queue
from review.states import DECISIONS, STAGES, Stage

COLUMNS = (
    "work_id",
    "title",
    "year",
    "sources",
    "abstract",
    "decision",
    "reason_code",
    "note",
    "reviewer",
    "stage",
)
REQUIRED = ("work_id", "decision", "reason_code", "reviewer", "stage")
WHAT = "the spreadsheet written by `review screen export`"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    decided: int


@dataclass(frozen=True)
class Problem:
    row: int  # spreadsheet row number (the header is row 1)
    column: str
    problem: str


@dataclass(frozen=True)
class ImportResult:
    reviewer: str
    rows: int
    applied: int  # new decisions written
    unchanged: int  # rows matching the standing decision
    blank: int  # rows without a decision
    notes: int  # notes kept from rows without a decision


@dataclass(frozen=True)
class _Row:
    number: int
    work_id: int
    stage: str
    decision: str
    reason_code: str | None
    note: str | None


# --- export -------------------------------------------------------------------------------


def export(session: Session, protocol: Protocol, reviewer: str, stage: str, path: Path) -> ExportResult:
    """Write the reviewer's queue at `stage` (to-do first, in screening order) to CSV or XLSX."""
    fmt = sheet.format_of(path, "a screening spreadsheet")
    q = queue.build(session, reviewer, stage, protocol=protocol)
    mine = queue.standing(session, reviewer, stage)
    done = sorted(w for w in queue.assigned(session, reviewer, stage) if w in mine)
    own_notes = decide.notes(session, stage, reviewer)
    rows = [
        _export_row(item, mine.get(item.work_id), own_notes.get(item.work_id), reviewer, stage)
        for item in queue.items(session, [*q.pending, *done], stage, reviewer)
    ]
    if fmt == "csv":
        sheet.save_csv(path, COLUMNS, rows)
    else:
        _write_xlsx(path, rows, protocol)
    return ExportResult(path, len(rows), len(done))


def _export_row(
    item: queue.Item, event: Current | None, note: str | None, reviewer: str, stage: str
) -> list[Any]:
    decision = event.decision if event else ""
    reason = (event.reason_code if event else None) or ""
    return [item.work_id, item.title or "", item.year or "", "; ".join(item.sources), item.abstract or "",
            decision, reason, (event.note if event and event.note else note) or "", reviewer,
            Stage(stage).cli]  # fmt: skip


def _write_xlsx(path: Path, rows: list[list[Any]], protocol: Protocol) -> None:
    reasons = [[c.code, c.text] for c in protocol.criteria.exclude]
    screening = sheet.Sheet("screening", COLUMNS, rows, choices={"decision": ("include", "exclude", "maybe")})
    sheet.save_xlsx(path, [screening, sheet.Sheet("reason_codes", ("code", "criterion"), reasons)])


# --- import -------------------------------------------------------------------------------


def import_file(
    session: Session, protocol: Protocol, path: Path, reviewer: str | None = None
) -> ImportResult:
    """Check every row of a screening spreadsheet, then apply them all (or none)."""
    raw = list(_read(path))
    who = reviewer or next(
        (r.get("reviewer", "").strip() for _, r in raw if r.get("reviewer", "").strip()), ""
    )
    problems: list[Problem] = []
    if who not in protocol.review.reviewers:
        problems.append(Problem(1, "reviewer", f"unknown reviewer {who!r}: the protocol names "
                                                 f"{', '.join(protocol.review.reviewers)}"))  # fmt: skip
    rows = _check_rows(session, protocol, raw, who, problems)
    if problems:
        raise InputError(_describe(path, problems))
    return _apply(session, protocol, rows, who)


def _read(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    table = sheet.read_rows(path, WHAT, sheet="screening")
    if not table:
        raise InputError(f"{path}: the file is empty; expected a header row with {', '.join(REQUIRED)}.")
    header = [str(h or "").strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}; nothing was imported.")
    for number, values in enumerate(table[1:], start=2):
        cells = {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
        if any(cells.values()):
            yield number, cells


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_rows(
    session: Session,
    protocol: Protocol,
    raw: list[tuple[int, dict[str, str]]],
    who: str,
    problems: list[Problem],
) -> list[_Row]:
    ids = {int(r["work_id"]) for _, r in raw if r.get("work_id", "").isdigit()}
    known = set(session.exec(select(Work.id).where(col(Work.id).in_(ids))))
    queues = {s: queue.assigned(session, who, s) for s in STAGES}
    seen: set[tuple[int, str]] = set()
    rows = []
    for number, cells in raw:
        row = _check(protocol, number, cells, who, known, queues, seen, problems)
        if row is not None:
            rows.append(row)
    return rows


def _check(
    protocol: Protocol,
    number: int,
    cells: dict[str, str],
    who: str,
    known: set[int | None],
    queues: dict[Stage, dict[int, str]],
    seen: set[tuple[int, str]],
    problems: list[Problem],
) -> _Row | None:
    before = len(problems)

    def bad(column: str, text: str) -> None:
        problems.append(Problem(number, column, text))

    raw_id, stage = cells.get("work_id", ""), Stage.parse(cells.get("stage", ""))
    work_id = int(raw_id) if raw_id.isdigit() else None
    if work_id is None:
        bad("work_id", f"{raw_id!r} is not a work ID")
    elif work_id not in known:
        bad("work_id", f"no work {work_id} in this review")
    if stage is None:
        bad("stage", f"{cells.get('stage', '')!r} is not {Stage.choices()}")
    if cells.get("reviewer", "") != who:
        bad(
            "reviewer",
            f"a row of {cells.get('reviewer', '')!r}, not {who!r}: import one reviewer's file at a time",
        )
    decision, reason = cells.get("decision", "").lower(), cells.get("reason_code", "") or None
    if decision or reason:
        problem = decide.check_decision(protocol, decision, reason)
        if problem:
            bad("reason_code" if decision in DECISIONS else "decision", problem)
    if work_id in known and stage is not None and work_id not in queues[stage] and len(problems) == before:
        bad("work_id", f"work {work_id} is not in {who}'s {stage.cli} queue")
    if work_id is not None and (work_id, stage) in seen:
        bad("work_id", f"work {work_id} appears more than once")
    if work_id is None or stage is None or len(problems) > before:
        return None
    seen.add((work_id, stage))
    return _Row(number, work_id, stage, decision, reason, cells.get("note") or None)


def _describe(path: Path, problems: list[Problem]) -> str:
    lines = [f"{path}: {len(problems)} problem(s); nothing was imported. Fix these rows and import again:"]
    lines += [f"  row {p.row}, {p.column}: {p.problem}" for p in sorted(problems, key=lambda p: p.row)]
    return "\n".join(lines)


def _apply(session: Session, protocol: Protocol, rows: list[_Row], who: str) -> ImportResult:
    now = utcnow()
    stages = {r.stage for r in rows}
    mine = {s: queue.standing(session, who, s) for s in stages}
    latest_notes = {s: decide.notes(session, s, who) for s in stages}
    purposes = {s: queue.assigned(session, who, s) for s in stages}
    events: list[dict[str, Any]] = []
    new_notes: list[dict[str, Any]] = []
    unchanged = blank = 0
    for r in rows:
        old = mine[r.stage].get(r.work_id)
        old_note = (old.note if old else None) or latest_notes[r.stage].get(r.work_id)
        if not r.decision:
            blank += 1
            if r.note and r.note != old_note:
                new_notes.append(
                    dict(work_id=r.work_id, stage=r.stage, reviewer=who, text=r.note, created_at=now)
                )
        elif old and (old.decision, old.reason_code, old_note) == (r.decision, r.reason_code, r.note):
            unchanged += 1
        elif purposes[r.stage][r.work_id] == "rule_check":  # overturns a rule: goes through decide.record
            decide.record(session, protocol, work_id=r.work_id, stage=r.stage, reviewer=who,
                          decision=r.decision, reason_code=r.reason_code, note=r.note)  # fmt: skip
            events.append({})
        else:
            events.append(dict(work_id=r.work_id, stage=r.stage, reviewer=who, decision=r.decision,
                               role=decide.role_for(purposes[r.stage][r.work_id]), reason_code=r.reason_code,
                               note=r.note, created_at=now))  # fmt: skip
    bulk = [e for e in events if e]
    if bulk:
        with tally.counting(session):
            session.execute(insert(ScreeningDecision), bulk)
    if new_notes:
        session.execute(insert(ScreeningNote), new_notes)
    return ImportResult(
        reviewer=who,
        rows=len(rows),
        applied=len(events),
        unchanged=unchanged,
        blank=blank,
        notes=len(new_notes),
    )
