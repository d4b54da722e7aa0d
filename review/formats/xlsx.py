"""Excel workbooks (.xlsx): a sheet of records, read as a table like a CSV file.

Calls for evidence arrive as workbooks (Microsoft Forms, Citizen Space, Smart Survey), and people
save database exports in Excel. The sheet's rows become a header and rows of text, which
`review.formats.csvfile.parse_table` reads exactly as it reads a CSV file (the same --map, the same
database dialects); problems name sheet row numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from review.errors import ImportFormatError
from review.formats.common import Parsed, Problem, strict
from review.formats.csvfile import Row, parse_table
from review.formats.sheet import open_workbook
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
    workbook = open_workbook(data, name, ImportFormatError)
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
