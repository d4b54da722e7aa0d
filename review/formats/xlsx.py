"""Excel workbooks (.xlsx): a sheet of records, read as a table like a CSV file.

Calls for evidence arrive as workbooks (Microsoft Forms, Citizen Space, Smart Survey), and people
save database exports in Excel. The sheet's rows become a header and rows of text, which
`review.formats.csvfile.parse_table` reads exactly as it reads a CSV file (the same --map, the same
database dialects); problems name sheet row numbers.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from review.errors import ImportFormatError
from review.formats.common import Parsed, Problem, strict
from review.formats.csvfile import Row, parse_table
from review.records import RecordIn

KIND = "XLSX"


def parse_xlsx(
    data: bytes,
    source: str,
    name: str = "file",
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
    sheet: str | None = None,
) -> Parsed:
    """Records of one sheet of a workbook: the first, or the one named `sheet`.

    Formulas are read as the values Excel saved with them; numbers that are whole (a year saved as
    2020.0) as whole numbers; dates as ISO dates. Leading empty rows are skipped, as are title rows
    above the header; a cell holding an Excel error (#REF!, #VALUE!) makes its row a Problem.
    """
    workbook = _open(data, name)
    try:
        worksheet, notes = _sheet(workbook, sheet, name)
        rows, problems = _rows(worksheet)
    finally:
        workbook.close()
    return parse_table(
        rows, source, name, KIND, mapping=mapping, id_column=id_column, problems=problems, notes=notes
    )


def read_xlsx(
    data: bytes,
    source: str,
    name: str = "file",
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
    sheet: str | None = None,
) -> list[RecordIn]:
    """Records of a workbook's sheet; ImportFormatError if any row cannot be read."""
    parsed = parse_xlsx(data, source, name, mapping=mapping, id_column=id_column, sheet=sheet)
    return strict(parsed, name)


def _open(data: bytes, name: str) -> Any:
    """The workbook, read-only; ImportFormatError saying what the file is when it is not one."""
    from openpyxl import load_workbook

    _check_is_workbook(data, name)
    try:
        with warnings.catch_warnings():
            # openpyxl warns of styles and extensions it does not read; none of them hold records
            warnings.simplefilter("ignore")
            return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFormatError(
            f"{name} is not a readable Excel workbook (.xlsx): {exc}; nothing was imported. "
            "Open it in Excel and save it again as .xlsx, or save the sheet as CSV UTF-8."
        ) from exc


def _check_is_workbook(data: bytes, name: str) -> None:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFormatError(
            f"{name} is an Excel 97-2003 workbook (.xls), which cannot be read; nothing was imported. "
            "Open it in Excel and save it as .xlsx or CSV UTF-8."
        )
    names = _zip_names(data)
    if "xl/workbook.xml" in names:
        return
    what = "an OpenDocument spreadsheet (.ods)" if "content.xml" in names else "not an Excel workbook (.xlsx)"
    raise ImportFormatError(
        f"{name} is {what}; nothing was imported. Save the sheet as .xlsx or CSV UTF-8 and import that."
    )


def _zip_names(data: bytes) -> set[str]:
    try:
        return set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except zipfile.BadZipFile:
        return set()


def _sheet(workbook: Any, wanted: str | None, name: str) -> tuple[Any, list[str]]:
    """The sheet to read, and a note naming it when the workbook has more than one."""
    names = list(workbook.sheetnames)
    if wanted is not None and wanted not in names:
        listed = ", ".join(repr(n) for n in names)
        raise ImportFormatError(
            f"{name} has no sheet named {wanted!r}; its sheets are {listed}. Name one with --sheet."
        )
    chosen = wanted if wanted is not None else names[0]
    others = [n for n in names if n != chosen]
    note = f"read sheet {chosen!r}; not read: " + ", ".join(repr(n) for n in others) if others else None
    return workbook[chosen], [note] if note else []


def _rows(worksheet: Any) -> tuple[list[Row], list[Problem]]:
    """Non-empty rows as text with their sheet row numbers; a row with an error cell is a Problem."""
    # A file's stated dimensions may be wrong (some generators write none); read what is there.
    worksheet.reset_dimensions()
    rows: list[Row] = []
    problems: list[Problem] = []
    for number, cells in enumerate(worksheet.iter_rows(), 1):
        errors = [f"{c.coordinate} holds {c.value}" for c in cells if getattr(c, "data_type", None) == "e"]
        if errors:
            problems.append(Problem(number, _error_message(errors)))
            continue
        texts = _trimmed([_text(c.value) for c in cells])
        if texts:
            rows.append((number, texts))
    return rows, problems


def _error_message(errors: Sequence[str]) -> str:
    return (
        f"cell {', '.join(errors)}, an Excel error, not a value; fix the formula in the workbook "
        "(or replace it with its value) and import again"
    )


def _trimmed(texts: list[str]) -> list[str]:
    """The row's cells up to its last non-empty one; [] for an empty row."""
    while texts and not texts[-1].strip():
        texts.pop()
    return texts


def _text(value: Any) -> str:
    """A cell as the text a CSV export of the sheet would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a year or an ID stored as a number: 2020.0 is "2020"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(timespec="seconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)
