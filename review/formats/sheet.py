"""Spreadsheets the tool writes, and reads back, as CSV or XLSX: the one owner of what makes them safe.

- No cell runs as a formula. Text starting with = + - @, a tab or a carriage return is a formula to
  Excel and LibreOffice (OWASP "CSV injection"), and a title such as `=HYPERLINK("http://x","y")`
  must stay a title. In CSV such text gets a leading apostrophe, the mark spreadsheets use for "this
  is text"; `restore` takes it off again when the tool reads its own sheet back. In XLSX the cell is
  stored as text with Excel's quote-prefix style, so it stays text even after it is edited; its
  value is unchanged. A number such as -3 is left alone: it cannot run and must stay a number.
- CSV files start with a byte-order mark: without one Excel reads UTF-8 as Windows-1252.
- XLSX sheets get a frozen header, column widths and drop-down lists of allowed values.
- A file that cannot be read is one error naming it and saying what to do.

Readers of bibliographic files (`review import`) use `open_workbook` only: what they read is the
user's data, so they never `restore` anything.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from review.errors import InputError, ReviewError

FORMATS = ("csv", "xlsx")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
MAX_WIDTH = 60  # characters: a wider column pushes the decision columns off the screen
MIN_WIDTH = 8
WIDTH_ROWS = 200  # rows measured for a column's width; enough to see its usual length
INLINE_LIST = 255  # Excel refuses a workbook whose inline list of allowed values is longer
LISTS_SHEET = "lists"
SAVE_AGAIN = "Open it in Excel and save it again as .xlsx, or save the sheet as CSV UTF-8."


# --- cells -------------------------------------------------------------------------------------


def _risky(text: str) -> bool:
    # Apostrophes already in front count, so that `restore` undoes exactly what `inert` did.
    bare = text.lstrip("'")
    return bare[:1] in TRIGGERS and not NUMBER.fullmatch(bare)


def inert(value: Any) -> Any:
    """The value as a CSV cell no spreadsheet runs: risky text gets a leading apostrophe."""
    return f"'{value}" if isinstance(value, str) and _risky(value) else value


def restore(text: str) -> str:
    """The text `inert` was given: the apostrophe it added is taken off, nothing else."""
    return text[1:] if text.startswith("'") and _risky(text[1:]) else text


# --- CSV -----------------------------------------------------------------------------------------


def _write_rows(fh: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([inert(v) for v in row])
        count += 1
    return count


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """CSV text (for the terminal or a file written by the caller) with every cell inert."""
    out = io.StringIO()
    _write_rows(out, header, rows)
    return out.getvalue()


def save_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a CSV file Excel opens as UTF-8, every cell inert; returns the rows written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # utf-8-sig: Excel opens a CSV file as UTF-8 only when it starts with a byte-order mark.
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        return _write_rows(fh, header, rows)


def save_csv_text(path: Path, text: str) -> None:
    """Write CSV text made by `csv_text` (or a writer built on it) as a file Excel opens as UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8-sig", newline="")


def read_csv_file(path: Path) -> list[list[str]]:
    """Every row of a UTF-8 CSV file (byte-order mark or none) as written; InputError if unreadable."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return list(csv.reader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(
            f"{path} is not a readable UTF-8 CSV file ({exc}); nothing was imported. "
            "Save it again as CSV UTF-8 (or as .xlsx) and import that."
        ) from exc


# --- XLSX ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a header row, the rows, and the columns whose cells offer a drop-down list."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)


def save_xlsx(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write the sheets as one workbook: text stays text, headers frozen, columns sized, lists offered."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        ws = book.create_sheet(spec.title)
        ws.append(list(spec.header))
        for row in spec.rows:
            ws.append([_xlsx_value(v) for v in row])
            for cell in ws[ws.max_row]:
                _keep_text(cell)
        ws.freeze_panes = "A2"
        _size_columns(ws, spec)
        for column, allowed in spec.choices.items():
            _offer(book, ws, spec, column, allowed)
    if LISTS_SHEET in book.sheetnames:  # after the sheets people read
        book.move_sheet(LISTS_SHEET, len(book.sheetnames) - 1 - book.sheetnames.index(LISTS_SHEET))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def _xlsx_value(value: Any) -> Any:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # XLSX cannot hold control characters (a stray form feed pasted into an abstract).
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _keep_text(cell: Any) -> None:
    if isinstance(cell.value, str) and _risky(cell.value):
        cell.data_type = "s"  # openpyxl makes any text starting with "=" a formula
        cell.quotePrefix = True  # and Excel would make it one again when the cell is edited


def _size_columns(ws: Any, spec: Sheet) -> None:
    from openpyxl.utils import get_column_letter

    for i, name in enumerate(spec.header):
        cells = [str(name), *(_shown(r[i]) for r in spec.rows[:WIDTH_ROWS] if i < len(r))]
        longest = max(len(line) for text in cells for line in text.splitlines() or [""])
        ws.column_dimensions[get_column_letter(i + 1)].width = min(MAX_WIDTH, max(MIN_WIDTH, longest + 2))


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def _offer(book: Any, ws: Any, spec: Sheet, column: str, allowed: Sequence[str]) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = get_column_letter(list(spec.header).index(column) + 1)
    check = DataValidation(type="list", formula1=_list_formula(book, allowed), allow_blank=True)
    ws.add_data_validation(check)
    check.add(f"{letter}2:{letter}{max(len(spec.rows) + 1, 2)}")


def _list_formula(book: Any, allowed: Sequence[str]) -> str:
    from openpyxl.utils import get_column_letter, quote_sheetname

    inline = ",".join(allowed)
    if len(inline) + 2 <= INLINE_LIST and not any(c in v for v in allowed for c in ',"'):
        return f'"{inline}"'
    # Too long, or holding commas or quotes, for an inline list: the values go in a hidden sheet.
    if LISTS_SHEET in book.sheetnames:
        lists, column = book[LISTS_SHEET], book[LISTS_SHEET].max_column + 1
    else:
        lists, column = book.create_sheet(LISTS_SHEET), 1
        lists.sheet_state = "hidden"
    for row, value in enumerate(allowed, start=1):
        lists.cell(row=row, column=column, value=value)
    letter = get_column_letter(column)
    return f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${len(allowed)}"


def open_workbook(data: bytes, name: str, error: type[ReviewError] = InputError) -> Any:
    """The workbook in `data`, read-only; `error` saying what the file is when it is not one."""
    from openpyxl import load_workbook

    _check_is_workbook(data, name, error)
    try:
        with warnings.catch_warnings():
            # openpyxl warns of styles and extensions it does not read; none of them hold values
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise error(
            f"{name} is not a readable Excel workbook (.xlsx): {exc}; nothing was imported. {SAVE_AGAIN}"
        ) from exc


def _check_is_workbook(data: bytes, name: str, error: type[ReviewError]) -> None:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise error(
            f"{name} is an Excel 97-2003 workbook (.xls), which cannot be read; nothing was imported. "
            "Open it in Excel and save it as .xlsx or CSV UTF-8."
        )
    names = _zip_names(data)
    if "xl/workbook.xml" in names:
        return
    what = "an OpenDocument spreadsheet (.ods)" if "content.xml" in names else "not an Excel workbook (.xlsx)"
    raise error(
        f"{name} is {what}; nothing was imported. Save the sheet as .xlsx or CSV UTF-8 and import that."
    )


def _zip_names(data: bytes) -> set[str]:
    try:
        return set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return set()


def _read_xlsx(path: Path, sheet: str | None) -> list[list[Any]]:
    book = open_workbook(path.read_bytes(), str(path))
    try:
        ws = book[sheet] if sheet in book.sheetnames else book.worksheets[0]
        ws.reset_dimensions()  # a file's stated size may be wrong; read what is there
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        book.close()
    width = max((len(r) for r in rows), default=0)
    return [r + [None] * (width - len(r)) for r in rows]  # as wide as the widest, like a CSV file


# --- the round trip ------------------------------------------------------------------------------


def format_of(path: Path, what: str) -> str:
    """The format, csv or xlsx, from the file's suffix; InputError naming `what` for any other."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise InputError(f"{path}: {what} must be a .csv or .xlsx file (got {path.suffix or 'no suffix'}).")
    return fmt


def read_rows(path: Path, what: str, sheet: str | None = None) -> list[list[Any]]:
    """Every row (header first) of a sheet the tool wrote: CSV text restored, XLSX cells as values.

    `what` names the sheet for messages, e.g. "the sheet written by `review screen export`"; `sheet`
    is the worksheet to read when the workbook has it (else the first).
    """
    fmt = format_of(path, what)
    if not path.is_file():
        raise InputError(f"No file {path}: give {what}.")
    if fmt == "xlsx":
        return _read_xlsx(path, sheet)
    return [[restore(v) for v in row] for row in read_csv_file(path)]


def read_user_rows(path: Path, what: str) -> list[list[Any]]:
    """Every row (header first) of a sheet a person or another tool made (a survey export): CSV
    cells as written, XLSX cells as values. Nothing is `restore`d: the text is the user's data."""
    fmt = format_of(path, what)
    if not path.is_file():
        raise InputError(f"No file {path}: give {what}.")
    return _read_xlsx(path, None) if fmt == "xlsx" else read_csv_file(path)
