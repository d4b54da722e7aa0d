"""CSV reader and writer: header recognition, mapping, errors."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from review.errors import ImportFormatError
from review.formats import (
    read_csv,
    write_csv,
)
from review.formats.csvfile import read_csv_numbered

DATA = Path(__file__).parent / "data" / "imports"


def text(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8-sig")


def test_csv_call_for_evidence_recognises_headers() -> None:
    records = read_csv(text("call_for_evidence.csv"), "cfe", mapping={"title": "Submission title"})
    assert [r.publisher for r in records] == [
        "Rural Childcare Network",
        "Association of Early Years Practitioners",
        "Childminding Partnership; Local Parents Forum",
    ]
    first, second, _ = records
    assert first.url == "https://example.org/evidence/rural-hubs"
    assert first.abstract is not None and first.abstract.startswith("Our members report")
    assert first.extra == {"columns": {"Received": "2024-02-01"}}
    assert second.extra is not None and second.extra["file"] == "submission_speech.pdf"


def test_csv_with_id_column_semicolons_and_bom() -> None:
    records = read_csv(text("with_ids.csv"), "eyr", id_column="Ref")
    assert [r.source_id for r in records] == ["EYR-001", "EYR-002"]
    assert records[0].title == "Home learning environment and school readiness"
    assert records[0].authors == ["Khan, Aisha", "Moore, Liam"]
    assert (records[0].year, records[0].doi, records[0].journal) == (
        2021,
        "10.7777/eyr.2021.1",
        "Early Years Review",
    )
    assert records[1].doi is None


def test_csv_without_title_lists_columns_and_how_to_map() -> None:
    with pytest.raises(ImportFormatError) as err:
        read_csv(text("no_title.csv"), "x", "no_title.csv")
    assert "'Organisation', 'Link', 'Notes'" in str(err.value)
    assert "--map title=COLUMN" in str(err.value)


def test_csv_map_to_missing_column_and_missing_id_column() -> None:
    with pytest.raises(ImportFormatError, match=r"column 'Heading' .* not in the header"):
        read_csv(text("call_for_evidence.csv"), "x", mapping={"title": "Heading"})
    with pytest.raises(ImportFormatError, match="--id-column 'Ref' is not in the header"):
        read_csv(text("call_for_evidence.csv"), "x", id_column="Ref")


def test_csv_row_with_extra_cells_names_the_line() -> None:
    bad = 'title,year\n"A report",2020\n,2021\n"B report",2022,extra\n'
    with pytest.raises(ImportFormatError, match="line 4: 3 cells but the header has 2"):
        read_csv(bad, "x")


def test_csv_rows_without_title_are_kept_unless_all_are_empty() -> None:
    records = read_csv('title,year\n"A report",2020\n,2021\n', "x")
    assert [(r.title, r.year) for r in records] == [("A report", 2020), (None, 2021)]
    with pytest.raises(ImportFormatError, match="'Heading' is empty in every row"):
        read_csv("Heading,Name\n,A report\n", "x", mapping={"title": "Heading"})


def test_csv_header_without_rows_is_rejected() -> None:
    with pytest.raises(ImportFormatError, match="header row but no records"):
        read_csv("Title,Organisation\n\n", "x")


def test_csv_records_carry_their_line_and_file_names_as_written() -> None:
    text = 'Title,File\nFirst,a.pdf\n\n"Second\nover two lines",  my  report.pdf \nThird,\n'
    numbered = read_csv_numbered(text, "cfe")
    assert [(no, r.title) for no, r in numbered] == [(2, "First"), (4, "Second over two lines"), (6, "Third")]
    assert [(r.extra or {}).get("file") for _, r in numbered] == ["a.pdf", "my  report.pdf", None]


def test_csv_delimiter_comes_from_the_header_not_quoted_text() -> None:
    text = 'title,abstract\n"One","a; b; c; d; e"\n"Two","f; g; h"\n'
    assert [r.abstract for r in read_csv(text, "x")] == ["a; b; c; d; e", "f; g; h"]
    tsv = "Title\tYear\nOne\t2020\n"
    assert read_csv(tsv, "x")[0].year == 2020


WORK = {
    "id": 7,
    "title": "Family hubs: 50% of {families} & more",
    "abstract": "Line one.\nLine two.",
    "authors": ["Hughes, Rachel", "Department for Education"],
    "year": 2022,
    "doi": "10.1234/jecp.2022.0031",
    "journal": "Journal of Early Childhood Policy",
    "doc_type": "article",
    "keywords": ["family hubs", "England"],
    "decision": "include",
}


def test_write_csv_joins_lists_and_keeps_all_keys() -> None:
    rows = list(csv.DictReader(io.StringIO(write_csv([WORK, {"title": "Second", "note": "x"}]))))
    assert rows[0]["authors"] == "Hughes, Rachel; Department for Education"
    assert rows[0]["abstract"] == "Line one.\nLine two."
    assert rows[1]["note"] == "x" and rows[1]["decision"] == ""
