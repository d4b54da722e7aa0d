"""Reading stored files: text per page, tables, bad PDFs, batches that survive a crashing reader."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from review.fulltext.batch import read_isolated, read_many
from review.fulltext.html import html_pages
from review.fulltext.read import read_file
from tests.fulltext_crash import crashing_reader
from tests.fulltext_helpers import DATA, make_pdf

BAD = {
    "empty.pdf": "empty file (0 bytes)",
    "password-example.pdf": "encrypted: needs a password",
    "issue-203-decimalize.pdf": "no text layer (scanned?)",
    "issue-297-example.pdf": "no text layer (scanned?)",
}


@pytest.mark.parametrize(("name", "reason"), sorted(BAD.items()))
def test_bad_pdfs_are_unreadable_with_a_reason(name: str, reason: str):
    result = read_file(DATA / name)
    assert (result.status, result.reason, result.pages) == ("unreadable", reason, ())


def test_a_malformed_pdf_that_still_has_text_is_read():
    result = read_file(DATA / "malformed-from-issue-932.pdf")
    assert result.status == "readable" and "2021" in result.pages[0]


def test_garbage_bytes_are_reported_not_raised(tmp_path: Path):
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 10)
    result = read_file(junk)
    assert result.status == "unreadable" and result.reason and result.reason.startswith("malformed PDF")


def test_text_is_kept_per_page(tmp_path: Path):
    pdf = tmp_path / "two.pdf"
    pdf.write_bytes(make_pdf(["Sure Start childrens centres", "Outcomes at age five"]))
    result = read_file(pdf)
    assert result.method == "pdfium"
    assert result.pages == ("Sure Start childrens centres", "Outcomes at age five")
    assert result.chars == len("Sure Start childrens centres") + len("Outcomes at age five")


def test_tables_are_found_where_pdfplumber_finds_them():
    import pdfplumber

    bulletin = DATA / "la-precinct-bulletin-2014-p1.pdf"
    result = read_file(bulletin)
    with pdfplumber.open(bulletin) as pdf:
        expected = pdf.pages[0].extract_tables()
    # The same cells; their text is PDFium's (same words, order within a line may differ).
    assert [[[sorted((c or "").split()) for c in row] for row in t.rows] for t in result.tables] == [
        [[sorted((c or "").split()) for c in row] for row in t] for t in expected
    ]
    assert [[[c is None for c in row] for row in t.rows] for t in result.tables] == [
        [[c is None for c in row] for row in t] for t in expected
    ]
    # pdfplumber finds 2 tables on page 1 and 4 on page 2 of this form (measured once; the bench re-checks)
    form = read_file(DATA / "150109DSP-Milw-505-90D.pdf")
    assert [(t.page_no, t.table_no) for t in form.tables] == [(1, 1), (1, 2), (2, 1), (2, 2), (2, 3), (2, 4)]


def test_tables_on_a_turned_page_keep_their_rows_and_columns():
    import pdfplumber

    senate = DATA / "senate-expenditures.pdf"
    result = read_file(senate)
    with pdfplumber.open(senate) as pdf:
        expected = pdf.pages[0].extract_tables()
    assert [[[c is None for c in row] for row in t.rows] for t in result.tables] == [
        [[c is None for c in row] for row in t] for t in expected
    ]
    assert result.tables[0].rows[0][0] == "DOCUMENT NO."  # pdfplumber: "DOCUMENTNO."


def test_pages_without_ruling_lines_skip_the_table_search(tmp_path: Path):
    pdf = tmp_path / "prose.pdf"
    pdf.write_bytes(make_pdf(["Only prose here"]))
    assert read_file(pdf).tables == ()
    assert read_file(pdf, tables=False).status == "readable"


def test_html_bodies_become_one_page_per_section():
    body = (
        "<div class='govspeak'><p>Summary first.</p><h2>1. Findings</h2><p>Attendance&nbsp;rose.</p>"
        "<script>var x = 1;</script><h2>2. Methods</h2><table><tr><td>a</td><td>b</td></tr></table></div>"
    )
    assert html_pages(body) == ["Summary first.", "1. Findings\nAttendance rose.", "2. Methods\na\tb"]


def test_a_batch_reads_every_file_in_order_with_two_workers():
    names = [*sorted(BAD), "la-precinct-bulletin-2014-p1.pdf"]
    results = read_many([str(DATA / n) for n in names], workers=2)
    assert [Path(r.path).name for r in results] == names
    assert [r.status for r in results] == ["unreadable"] * 4 + ["readable"]


def test_a_reader_that_crashes_costs_only_its_file(tmp_path: Path):
    good = tmp_path / "good.pdf"
    good.write_bytes(make_pdf(["Still read"]))
    crash = tmp_path / "crash.pdf"
    shutil.copy(good, crash)
    results = read_many([str(good), str(crash), str(good)], workers=2, reader=crashing_reader)
    assert [r.status for r in results] == ["readable", "unreadable", "readable"]
    assert results[1].reason == "the PDF reader crashed on this file (exit code 3)"
    assert read_isolated(str(good), crashing_reader).pages == ("Still read",)


def test_cli_read_prints_each_file(run, tmp_path: Path):
    good = tmp_path / "good.pdf"
    good.write_bytes(make_pdf(["One page"]))
    result = run("fulltext", "read", str(good), str(DATA / "password-example.pdf"))
    assert result.exit_code == 0, result.output
    assert f"{good}: readable (pdfium), 1 pages, 8 characters, 0 tables" in result.output
    assert "password-example.pdf: unreadable: encrypted: needs a password" in result.output
    as_json = run("fulltext", "read", "--json", str(DATA / "empty.pdf"))
    assert json.loads(as_json.output)["reason"] == "empty file (0 bytes)"
