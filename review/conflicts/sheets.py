"""The spreadsheet round trip for adjudication: export open conflicts, import the decisions.

The sheet shows each screener's decision, reason and note side by side, with empty adjudicator
columns to fill in. Import validates every row before writing any: one bad row and nothing is applied.
A row left without a decision is skipped, and re-importing the same sheet changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from review.conflicts import (
    Conflict,
    adjudication_event,
    list_conflicts,
    problem,
    split_for,
    target_for,
    targets,
    write_events,
)
from review.errors import AdjudicationError, InputError, ReviewError
from review.formats import sheet
from review.protocol import Protocol
from review.states import Stage

WHAT = "a sheet written by `review conflicts export`"
FIXED = ("record_id", "stage", "title", "year", "conflict")
ADJUDICATOR = ("adjudicator", "decision", "reason_code", "note")
SHORT = {"i": "include", "e": "exclude"}


@dataclass(frozen=True)
class ExportResult:
    """Where the sheet went, how many conflicts it holds, and how many were left out."""

    path: Path
    rows: int
    own: int  # conflicts the adjudicator screened themselves (not exported)


@dataclass(frozen=True)
class ImportResult:
    """What an import applied."""

    applied: int
    blank: int  # rows without a decision yet
    unchanged: int  # rows already applied by an earlier import


def export(session: Session, protocol: Protocol, stage: str, adjudicator: str, path: Path) -> ExportResult:
    """Write the open conflicts `adjudicator` may resolve to a CSV or XLSX file (by `path`'s suffix)."""
    fmt = sheet.format_of(path, "an adjudication sheet")
    found, own = split_for(list_conflicts(session, stage), protocol, adjudicator)
    if not found:
        mine = f" ({own} more were screened by {adjudicator}, who may not adjudicate them)" if own else ""
        raise AdjudicationError(f"No open conflicts at {Stage(stage).cli} for {adjudicator}{mine}.")
    width = max(2, *(len(c.votes) for c in found))
    header = [*FIXED, *_screener_columns(width), "abstract", *ADJUDICATOR]
    rows = [_row(c, width, adjudicator) for c in found]
    if fmt == "csv":
        sheet.save_csv(path, header, rows)
    else:
        choices = {"decision": ("include", "exclude"), "reason_code": protocol.reason_codes()}
        sheet.save_xlsx(path, [sheet.Sheet("conflicts", header, rows, choices)])
    return ExportResult(path, len(rows), own)


def _screener_columns(width: int) -> list[str]:
    return [f"{k}_{i}" for i in range(1, width + 1) for k in ("screener", "decision", "reason", "note")]


def _row(c: Conflict, width: int, adjudicator: str) -> list[Any]:
    cells: list[Any] = [c.work_id, Stage(c.stage).cli, c.title or "", c.year or "", c.kind]
    for i in range(width):
        v = c.votes[i] if i < len(c.votes) else None
        cells += [v.reviewer, v.decision, v.reason_code or "", v.note or ""] if v else ["", "", "", ""]
    return [*cells, c.abstract or "", adjudicator, "", "", ""]


def import_sheet(session: Session, protocol: Protocol, path: Path) -> ImportResult:
    """Apply the adjudicators' decisions in a sheet made by `export`; all rows or none."""
    rows = list(_read(path))
    missing = [c for c in ("record_id", "stage", *ADJUDICATOR) if rows and c not in rows[0][1]]
    if not rows or missing:
        what = f"it lacks the column(s) {', '.join(missing)}" if missing else "it holds no rows"
        raise InputError(f"Cannot import {path.name}: {what}. Use a sheet from `review conflicts export`.")
    checker = _Checker(session, protocol)
    for line, row in rows:
        checker.check(line, row)
    if checker.errors:
        listed = "\n".join(f"  {e}" for e in checker.errors)
        raise InputError(
            f"{path.name}: {len(checker.errors)} bad row(s); nothing was applied. Fix them:\n{listed}"
        )
    write_events(session, checker.events)
    return ImportResult(len(checker.events), checker.blank, checker.unchanged)


def _read(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    table = sheet.read_rows(path, WHAT, sheet="conflicts")
    header = [str(h or "").strip() for h in table[0]] if table else []
    for line, values in enumerate(table[1:], start=2):
        if any(v not in (None, "") for v in values):
            yield line, dict(zip(header, values, strict=False))


class _Checker:
    """Validates rows one by one, collecting every problem and the events to write."""

    def __init__(self, session: Session, protocol: Protocol) -> None:
        self.session, self.protocol = session, protocol
        self.errors: list[str] = []
        self.events: list[dict[str, Any]] = []
        self.blank = self.unchanged = 0
        self._targets: dict[str, dict[int, Conflict]] = {}
        self._seen: set[tuple[str, int]] = set()

    def check(self, line: int, row: dict[str, Any]) -> None:
        decision = _text(row.get("decision")).lower()
        if not decision:
            self.blank += 1
            return
        try:
            self._check(line, row, SHORT.get(decision, decision))
        except ReviewError as exc:
            self.errors.append(f"row {line}: {exc}")

    def _check(self, line: int, row: dict[str, Any], decision: str) -> None:
        work_id, stage = _record_id(row.get("record_id")), _stage(row.get("stage"))
        if (stage, work_id) in self._seen:
            raise InputError(f"record {work_id} appears twice in the sheet")
        self._seen.add((stage, work_id))
        if stage not in self._targets:
            self._targets[stage] = targets(self.session, stage)
        target = target_for(self.session, stage, work_id, self._targets[stage])
        who, reason, note = (_text(row.get(k)) for k in ("adjudicator", "reason_code", "note"))
        issue = problem(self.protocol, target, who, decision, reason or None)
        if issue:
            raise InputError(f"record {work_id}: {issue}")
        if _same(target, who, decision, reason, note):
            self.unchanged += 1
        else:
            self.events.append(adjudication_event(target, who, decision, reason, note))


def _same(target: Conflict, who: str, decision: str, reason: str, note: str) -> bool:
    adj = target.adjudication
    return adj is not None and (adj.reviewer, adj.decision, adj.reason_code or "", adj.note or "") == (
        who,
        decision,
        reason,
        note,
    )


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _record_id(value: Any) -> int:
    text = _text(value)
    try:
        number = float(text)
    except ValueError:
        number = float("nan")
    if not number.is_integer():
        raise InputError(f"record_id {text!r} is not a record number")
    return int(number)


def _stage(value: Any) -> Stage:
    stage = Stage.parse(_text(value))
    if stage is None:
        raise InputError(f"stage {_text(value)!r} is not {Stage.choices()}")
    return stage
