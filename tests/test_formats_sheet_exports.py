"""Every sheet the tool writes, with a title and abstracts a spreadsheet would run: no cell runs.

CSV: no cell starts with = + - @, a tab or a carriage return unless it is a plain number (the
apostrophe `review.formats.sheet` adds in front is what makes it text). XLSX: no cell is a formula,
and text starting so is a text cell with Excel's quote prefix.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine

from review import extract
from review.db import session_scope
from review.extract import Entry
from review.protocol import load_protocol
from tests.conftest import ReviewRunner
from tests.extract_helpers import included
from tests.factories import add_works, assign, decide
from tests.screen_helpers import KEPT, assign_to

TITLE = '=HYPERLINK("http://x","y")'
ABSTRACTS = ("+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0")
NOTE = "-note: =1+1"
STARTERS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
EVERY = (TITLE, *ABSTRACTS)

SCREEN = ("screen", "export", "--reviewer", "reviewer1", "--output", "{}")
CONFLICTS = ("conflicts", "export", "--reviewer", "adjudicator", "--output", "{}")
EXTRACT = ("extract", "export", "{}", "--reviewer", "reviewer1")
EXTRACTED = (TITLE, "+3 areas")
QUERY = ("query", "SELECT id, title, abstract FROM work", "--format", "csv")

# (what the user runs, where the sheet lands: a file under the review folder or "stdout", texts it holds)
SHEETS: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "screen csv": ((*SCREEN, "--format", "csv"), "screening.csv", EVERY),
    "screen xlsx": ((*SCREEN, "--format", "xlsx"), "screening.xlsx", EVERY),
    "conflicts csv": (CONFLICTS, "conflicts.csv", (*EVERY, NOTE)),
    "conflicts xlsx": (CONFLICTS, "conflicts.xlsx", (*EVERY, NOTE)),
    "extract csv": (EXTRACT, "extraction.csv", EXTRACTED),
    "extract xlsx": (EXTRACT, "extraction.xlsx", EXTRACTED),
    "dedupe export": (("dedupe", "export", "{}"), "dedupe.csv", (TITLE,)),
    "included studies": (("export",), "extracted/included.csv", EVERY),
    "extraction table": (("export",), "extracted/extract_early_years.csv", EXTRACTED),
    "prisma": (("prisma",), "extracted/prisma.csv", ()),
    "query": (QUERY, "stdout", EVERY),
    "searches": (("searches", "--format", "csv"), "stdout", (TITLE,)),
}


def _store(engine: Engine, review_dir: Path, run: ReviewRunner) -> None:
    """Works in reviewer1's queue, in conflict, and included with extracted values; one import run."""
    items = [{**KEPT, "title": TITLE, "abstract": a} for a in ABSTRACTS]
    protocol = load_protocol(review_dir)
    with session_scope(engine) as s:
        assign_to(s, add_works(s, items, source="queued"), "reviewer1")
        for w in add_works(s, items, source="conflict"):
            assign(s, w)
            decide(s, w, "reviewer1", "include")
            decide(s, w, "reviewer2", "exclude", "E-TOPIC", note=NOTE)
        first = included(s, items)[0]
        values = [Entry("citation", TITLE), Entry("areas", "+3 areas"), Entry("sample_size", -3)]
        extract.save(s, protocol, first, "reviewer1", "extractor", values)
    sheet = review_dir / "submissions.csv"
    sheet.write_text(f'Title,Year\n"{TITLE.replace(chr(34), 2 * chr(34))}",2020\n', encoding="utf-8")
    imported = run("import", str(sheet), "--format", "csv", "--source", "cfe", "--strategy", TITLE)
    assert imported.exit_code == 0, imported.output


def _csv_cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def _check_csv(text: str) -> list[str]:
    risky = [c for c in _csv_cells(text) if c[:1] in STARTERS and not NUMBER.fullmatch(c)]
    assert risky == [], risky
    return [c[1:] if c.startswith("'") else c for c in _csv_cells(text)]


def _check_xlsx(path: Path) -> list[Any]:
    book = load_workbook(path)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    starting = [c for c in cells if isinstance(c.value, str) and c.value[:1] in STARTERS]
    text = [c for c in starting if not NUMBER.fullmatch(c.value)]
    assert [(c.coordinate, c.data_type, c.quotePrefix) for c in text] == [
        (c.coordinate, "s", True) for c in text
    ]
    return [c.value for c in cells]


@pytest.mark.parametrize("name", SHEETS)
def test_every_sheet_is_inert(run: ReviewRunner, engine: Engine, review_dir: Path, name: str) -> None:
    _store(engine, review_dir, run)
    args, where, holds = SHEETS[name]
    path = review_dir / where
    result = run(*(a.format(path) for a in args))
    assert result.exit_code == 0, result.output
    if where == "stdout":
        found = _check_csv(result.stdout)
    elif path.suffix == ".xlsx":
        found = _check_xlsx(path)
    else:
        found = _check_csv(path.read_text(encoding="utf-8-sig"))
    missing = [t for t in holds if t not in found]
    assert missing == [], f"{name} should show {missing}"
