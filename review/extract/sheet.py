"""Extraction as a spreadsheet (CSV or XLSX): one row per included study, one column per field.

Export offers a person's own values (a verifier gets the extractor's values to check); import
validates every cell of every row first and writes nothing if anything is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from review.errors import ExtractionError
from review.extract.form import FormItem, as_entry, begin, save
from review.extract.store import Entry, form_of, included_works
from review.extract.tables import materialise
from review.extract.values import parse_text, require, show
from review.formats import sheet
from review.models import Work
from review.protocol import ExtractionForm, Protocol

FIXED = ("work_id", "title")
MAX_ERRORS = 20
WHAT = "the sheet written by `review extract export`"


@dataclass(frozen=True)
class SheetResult:
    works: int
    values: int


def export_sheet(session: Session, protocol: Protocol, path: Path, reviewer: str, role: str) -> SheetResult:
    """Write the form for every included study that this person may fill in (CSV or XLSX by suffix)."""
    form = form_of(protocol)
    header = [*FIXED, *(k for k, _ in form.all_fields())]
    rows: list[list[Any]] = []
    for work_id in included_works(session):
        try:
            items = begin(session, protocol, work_id, reviewer, role)
        except ExtractionError:
            continue  # e.g. not yet extracted (for a verifier), or someone else's to verify
        work = session.get(Work, work_id)
        rows.append([work_id, work.title if work else "", *(_offer(i) for i in items)])
    _write(path, sheet.Sheet("extraction", header, rows, _drop_downs(form)))
    return SheetResult(works=len(rows), values=sum(1 for r in rows for v in r[2:] if v != ""))


def _offer(item: FormItem) -> str:
    # Suggestions are not offered as values in a sheet: a blank cell must mean "not given".
    if item.default is None or item.origin == "suggested":
        return ""
    return show(item.default.value)


def import_sheet(session: Session, protocol: Protocol, path: Path, reviewer: str, role: str) -> SheetResult:
    """Validate the whole sheet, then record each row's values as this person's, in one go."""
    form = form_of(protocol)
    header, rows = _read(path)
    keys = {k: k for k, _ in form.all_fields()} | {f.name: k for k, f in form.all_fields()}
    unknown = [h for h in header if h not in keys and h not in FIXED]
    if "work_id" not in header or unknown:
        raise ExtractionError(
            f"{path}: the sheet needs a work_id column and form fields only; unknown columns: "
            f"{', '.join(unknown) or '(none)'}. Export a fresh sheet with `review extract export`."
        )
    plans, errors = [], []
    for line, row in enumerate(rows, start=2):
        try:
            plan = _plan(session, protocol, row, keys, reviewer, role)
        except ExtractionError as exc:
            errors.append(f"row {line}: {exc}")
            continue
        if plan is not None:
            plans.append(plan)
    if errors:
        shown = "\n  ".join(errors[:MAX_ERRORS])
        raise ExtractionError(f"{path}: {len(errors)} problem(s), nothing imported:\n  {shown}")
    written = sum(_save(session, protocol, w, reviewer, role, entries) for w, entries in plans)
    materialise(session, protocol, [w for w, _ in plans])
    return SheetResult(works=len(plans), values=written)


def _save(
    session: Session, protocol: Protocol, work_id: int, reviewer: str, role: str, e: list[Entry]
) -> int:
    return save(session, protocol, work_id, reviewer, role, e, rebuild=False).written


def _plan(
    session: Session, protocol: Protocol, row: dict[str, str], keys: dict[str, str], reviewer: str, role: str
) -> tuple[int, list[Entry]] | None:
    cells = {keys[h]: v for h, v in row.items() if h in keys}
    if not any((v or "").strip() for v in cells.values()):
        return None
    raw_id = (row.get("work_id") or "").strip()
    if not raw_id.isdigit():
        raise ExtractionError(f"work_id {raw_id!r} is not a record ID.")
    items = {i.key: i for i in begin(session, protocol, int(raw_id), reviewer, role)}
    entries = []
    for key, item in items.items():
        value = parse_text(key, item.field, cells.get(key))
        require(key, item.field, value)
        entries.append(as_entry(item, value))
    return int(raw_id), entries


def _drop_downs(form: ExtractionForm) -> dict[str, tuple[str, ...]]:
    # A drop-down holds one value, so a "choices" field (several, joined with "; ") gets none.
    lists = {}
    for key, field in form.all_fields():
        if field.type in ("choice", "boolean"):
            lists[key] = field.choices if field.type == "choice" else ("yes", "no")
    return lists


def _write(path: Path, table: sheet.Sheet) -> None:
    if sheet.format_of(path, "an extraction sheet") == "xlsx":
        sheet.save_xlsx(path, [table])
    else:
        sheet.save_csv(path, table.header, table.rows)


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    grid = [["" if c is None else str(c) for c in r] for r in sheet.read_rows(path, WHAT, "extraction")]
    if not grid:
        raise ExtractionError(f"{path} is empty: export a sheet with `review extract export`.")
    header = [h.strip() for h in grid[0]]
    return header, [dict(zip(header, r, strict=False)) for r in grid[1:]]
