"""XLSX reader: workbooks as calls for evidence and saved database exports arrive, made here with
openpyxl (and, for a formula's saved value, a sheet edited as Excel saves it)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from typing import Any

import pytest
from openpyxl import Workbook

from review.errors import ImportFormatError
from review.formats.csvfile import parse_csv
from review.formats.xlsx import parse_xlsx, read_xlsx
from tests.formats_helpers import DATA

FORMS = [
    "ID",
    "Start time",
    "Completion time",
    "Email",
    "Name",
    "Submission title",
    "Organisation",
    "Summary",
    "Year",
]


def workbook(*sheets: tuple[str, list[list[Any]]]) -> bytes:
    """A workbook with the given sheets (name, rows), rows written from A1 down."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def forms_export() -> bytes:
    """As Microsoft Forms exports responses: typed cells, one row per response."""
    return workbook(
        (
            "Sheet1",
            [
                FORMS,
                [
                    1,
                    datetime(2024, 2, 1, 9, 15),
                    datetime(2024, 2, 1, 9, 42, 5),
                    "anonymous",
                    None,
                    "Family hubs in rural counties",
                    "Rural Childcare Network",
                    "Long travel times.\nOutreach helps.",
                    2023.0,
                ],
                [
                    2,
                    datetime(2024, 2, 3),
                    datetime(2024, 2, 3),
                    "a@example.org",
                    "Ann",
                    "Speech and language support",
                    None,
                    "A survey of 210 settings.",
                    2024,
                ],
            ],
        )
    )


def test_a_forms_export_reads_typed_cells_with_sheet_row_numbers() -> None:
    parsed = parse_xlsx(forms_export(), "cfe", "responses.xlsx", mapping={"title": "Submission title"})
    assert parsed.kind == "XLSX" and parsed.problems == []
    assert [line for line, _ in parsed.entries] == [2, 3]
    first, second = parsed.records
    assert (first.title, first.publisher, first.year) == (
        "Family hubs in rural counties",
        "Rural Childcare Network",
        2023,
    )
    assert first.abstract == "Long travel times. Outreach helps."
    assert first.extra == {
        "columns": {
            "ID": "1",
            "Start time": "2024-02-01T09:15:00",
            "Completion time": "2024-02-01T09:42:05",
            "Email": "anonymous",
        }
    }
    assert (
        second.extra is not None and second.extra["columns"]["Start time"] == "2024-02-03"
    )  # midnight: a date
    assert (second.publisher, second.year) == (None, 2024)


def test_title_rows_and_empty_rows_above_the_header_are_skipped() -> None:
    data = workbook(
        (
            "Responses",
            [
                ["Consultation responses: early years funding"],
                [],
                ["Exported 30 November 2026"],
                ["Respondent ID", "Title", "Organisation", "Response date"],
                ["R-001", "Funding rates for childminders", "Childminding Partnership", date(2026, 11, 2)],
                [],
                ["R-002", "Nursery places in rural areas", "Local Council", date(2026, 11, 5)],
            ],
        )
    )
    parsed = parse_xlsx(data, "cfe", id_column="Respondent ID")
    assert parsed.notes[:2] == [
        "skipped row 1 above the header: 'Consultation responses: early years funding'",
        "skipped row 3 above the header: 'Exported 30 November 2026'",
    ]
    assert [(line, r.source_id, r.title) for line, r in parsed.entries] == [
        (5, "R-001", "Funding rates for childminders"),
        (7, "R-002", "Nursery places in rural areas"),
    ]
    assert parsed.records[0].extra == {"columns": {"Response date": "2026-11-02"}}


def test_first_sheet_by_default_a_named_sheet_on_request_and_an_unknown_name_lists_the_sheets() -> None:
    data = workbook(
        ("Summary", [["Title", "Year"], ["Overview", 2020]]), ("Responses", [["Title"], ["One"], ["Two"]])
    )
    default = parse_xlsx(data, "x")
    assert [r.title for r in default.records] == ["Overview"]
    assert "read sheet 'Summary'; not read: 'Responses'" in default.notes
    assert [r.title for r in read_xlsx(data, "x", sheet="Responses")] == ["One", "Two"]
    with pytest.raises(
        ImportFormatError, match=r"has no sheet named 'Answers'; its sheets are 'Summary', 'Responses'"
    ):
        parse_xlsx(data, "x", "book.xlsx", sheet="Answers")


def with_saved_value(data: bytes, formula: str, value: str) -> bytes:
    """The workbook as Excel saves it: each formula with the value it last computed."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                # openpyxl writes the empty value as `<v />`, or `<v></v>` when lxml is installed
                for empty in ("<v />", "<v></v>"):
                    content = content.replace(
                        f"<f>{formula}</f>{empty}".encode(), f"<f>{formula}</f><v>{value}</v>".encode()
                    )
            target.writestr(item, content)
    return out.getvalue()


def test_formulas_are_read_as_their_saved_values() -> None:
    data = with_saved_value(
        workbook(("Sheet1", [["Title", "Year"], ["A report", "=2019+1"]])), "2019+1", "2020"
    )
    (record,) = read_xlsx(data, "x")
    assert record.year == 2020


def test_an_error_cell_is_a_problem_for_its_row_and_the_others_are_read() -> None:
    data = workbook(("Sheet1", [["Title", "Year"], ["First", 2020], ["Second", "#REF!"], ["Third", 2022]]))
    parsed = parse_xlsx(data, "x", "book.xlsx")
    assert [(p.line, p.message.split(",")[0]) for p in parsed.problems] == [(3, "cell B3 holds #REF!")]
    assert [(line, r.title) for line, r in parsed.entries] == [(2, "First"), (4, "Third")]
    with pytest.raises(ImportFormatError, match="line 3: cell B3 holds #REF!"):
        read_xlsx(data, "x", "book.xlsx")


def test_a_value_right_of_the_header_is_a_problem_naming_its_column() -> None:
    data = workbook(
        ("Sheet1", [["Title", "Year"], ["First", 2020, None, "stray"], ["Second", 2021, None, None]])
    )
    parsed = parse_xlsx(data, "x")
    assert [str(p) for p in parsed.problems] == [
        "line 2: a value in column D, right of the header's last column (B); "
        "give the column a header or clear the cell"
    ]
    assert [r.title for r in parsed.records] == ["Second"]  # empty cells right of the header are nothing


def test_a_database_export_saved_as_a_workbook_reads_as_its_csv_does() -> None:
    rows = list(csv.reader(io.StringIO((DATA / "csv_scopus.csv").read_text(encoding="utf-8-sig"))))
    # Excel keeps the numbers of a CSV it opens as numbers
    typed = [rows[0]] + [
        [
            int(c) if c.isdigit() and h in ("Year", "Cited by") else c
            for h, c in zip(rows[0], row, strict=True)
        ]
        for row in rows[1:]
    ]
    from_sheet = parse_xlsx(workbook(("scopus", typed)), "db")
    from_csv = parse_csv((DATA / "csv_scopus.csv").read_text(encoding="utf-8-sig"), "db")
    assert from_sheet.records == from_csv.records
    assert from_sheet.notes == from_csv.notes


def test_header_only_and_empty_sheets_are_refused() -> None:
    with pytest.raises(ImportFormatError, match="header row but no records"):
        parse_xlsx(workbook(("Sheet1", [["Title", "Year"]])), "x", "book.xlsx")
    with pytest.raises(ImportFormatError, match="no header row"):
        parse_xlsx(workbook(("Sheet1", [])), "x", "book.xlsx")
    with pytest.raises(ImportFormatError, match="no title column; found 'Name', 'Email'"):
        parse_xlsx(workbook(("Sheet1", [["Name", "Email"], ["Ann", "a@example.org"]])), "x", "book.xlsx")


def test_files_that_are_not_workbooks_are_named_for_what_they_are() -> None:
    with pytest.raises(
        ImportFormatError, match=r"book.xls is an Excel 97-2003 workbook \(.xls\).*save it as .xlsx"
    ):
        parse_xlsx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "x", "book.xls")
    with pytest.raises(ImportFormatError, match=r"notes.xlsx is not an Excel workbook \(.xlsx\)"):
        parse_xlsx(b"Title,Year\nA,2020\n", "x", "notes.xlsx")
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(ImportFormatError, match=r"an OpenDocument spreadsheet \(.ods\)"):
        parse_xlsx(ods.getvalue(), "x", "sheet.ods")
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not a workbook")
    with pytest.raises(ImportFormatError, match="not a readable Excel workbook"):
        parse_xlsx(damaged.getvalue(), "x", "broken.xlsx")
