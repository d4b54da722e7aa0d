"""The spreadsheet owner: inert cells and their exact restoring, BOM, XLSX text, lists, widths, errors."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from review.errors import ImportFormatError, InputError
from review.formats import sheet
from review.formats.sheet import Sheet, inert, restore

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd", "'-2+3+cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("- a note as a list item", "'- a note as a list item"),
        ("'=x", "''=x"),  # an apostrophe already there is kept: restore takes off only the added one
        ("-3", "-3"),  # a number cannot run and must stay a number
        ("+44", "+44"),
        ("-1.5e3", "-1.5e3"),
        ("'tis", "'tis"),
        ("Sure Start", "Sure Start"),
        ("", ""),
    ],
)
def test_inert_cells_and_restore(value: str, cell: str) -> None:
    assert inert(value) == cell
    assert restore(cell) == value


def test_values_that_are_not_text_are_left_alone() -> None:
    assert [inert(v) for v in (-3, 2.5, None)] == [-3, 2.5, None]


@given(st.text())
def test_restore_undoes_inert_exactly(value: str) -> None:
    assert restore(inert(value)) == value
    cell = inert(value)
    assert cell[:1] not in sheet.TRIGGERS or sheet.NUMBER.fullmatch(cell)


def test_csv_file_has_a_bom_and_reads_back_restored(tmp_path: Path) -> None:
    path = tmp_path / "out" / "a.csv"
    rows = [[1, HYPERLINK, "-3"], [2, "@x", None]]
    assert sheet.save_csv(path, ("id", "title", "value"), rows) == 2
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,title,value\n")
    assert b"'=HYPERLINK" in raw and b"'@x" in raw
    assert sheet.read_rows(path, "x") == [["id", "title", "value"], ["1", HYPERLINK, "-3"], ["2", "@x", ""]]


def test_csv_text_has_no_bom() -> None:
    assert sheet.csv_text(("a",), [["=1"]]) == "a\n'=1\n"


def test_xlsx_text_stays_text_and_reads_back_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    rows = [[1, HYPERLINK, "-3"], [2, "+x\x0cy", 4.5]]
    sheet.save_xlsx(path, [Sheet("main", ("id", "title", "value"), rows), Sheet("other", ("a",), [])])
    book = load_workbook(path)
    assert book.sheetnames == ["main", "other"]
    ws = book["main"]
    title, plus = ws["B2"], ws["B3"]
    assert (title.value, title.data_type, title.quotePrefix) == (HYPERLINK, "s", True)
    assert (plus.value, plus.quotePrefix) == ("+xy", True)  # a control character XLSX cannot hold
    assert ws["C2"].quotePrefix is False and ws.freeze_panes == "A2"
    assert sheet.MIN_WIDTH <= ws.column_dimensions["B"].width <= sheet.MAX_WIDTH
    assert sheet.read_rows(path, "x", "main")[1] == [1, HYPERLINK, "-3"]


def test_drop_down_lists_inline_or_on_a_hidden_sheet(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    long = [f"E-CODE-{i:03}" for i in range(40)]
    choices = {"decision": ("include", "exclude"), "reason": long, "place": ("Leeds, UK", "York")}
    header = ("decision", "reason", "place")
    sheet.save_xlsx(path, [Sheet("main", header, [["", "", ""]] * 3, choices), Sheet("notes", ("a",), [])])
    book = load_workbook(path)
    assert book.sheetnames == ["main", "notes", "lists"] and book["lists"].sheet_state == "hidden"
    found = {str(v.sqref): v.formula1 for v in book["main"].data_validations.dataValidation}
    assert found == {
        "A2:A4": '"include,exclude"',
        "B2:B4": "'lists'!$A$1:$A$40",
        "C2:C4": "'lists'!$B$1:$B$2",
    }
    assert [c.value for c in book["lists"]["B"]][:3] == ["Leeds, UK", "York", None]


def test_xlsx_rows_are_as_wide_as_the_widest(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    sheet.save_xlsx(path, [Sheet("main", ("a", "b", "c"), [[1, None, None], [2, "x", None]])])
    assert sheet.read_rows(path, "x") == [["a", "b", "c"], [1, None, None], [2, "x", None]]


def test_read_rows_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"No file .*missing.csv: give the sheet"):
        sheet.read_rows(tmp_path / "missing.csv", "the sheet")
    with pytest.raises(InputError, match=r"the sheet must be a .csv or .xlsx file \(got .txt\)"):
        sheet.read_rows(tmp_path / "a.txt", "the sheet")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("title\nCaf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"not a readable UTF-8 CSV file.*Save it again as CSV UTF-8"):
        sheet.read_rows(latin, "the sheet")
    cut = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(cut, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook")
    with pytest.raises(InputError, match=r"cut\.xlsx is not a readable Excel workbook"):
        sheet.read_rows(cut, "the sheet")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xd0\xcf\x11\xe0rest", r"an Excel 97-2003 workbook \(.xls\)"),
        (b"plain text", r"not an Excel workbook \(.xlsx\)"),
    ],
)
def test_open_workbook_raises_the_callers_error(data: bytes, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        sheet.open_workbook(data, "book.xlsx", ImportFormatError)
    with pytest.raises(InputError, match=message):
        sheet.open_workbook(data, "book.xlsx")


def test_format_of() -> None:
    assert [sheet.format_of(Path(p), "x") for p in ("a.CSV", "b.xlsx")] == ["csv", "xlsx"]
    with pytest.raises(InputError, match="got no suffix"):
        sheet.format_of(Path("a"), "x")
