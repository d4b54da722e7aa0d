"""Extraction sheets: CSV and XLSX round trips; a bad cell imports nothing and names the field."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from review.db import session_scope
from tests.conftest import ReviewRunner
from tests.extract_helpers import included

FILLED = {
    "study.citation": "Smith 2020",
    "study.document_type": "evaluation report",
    "study.year": "2020",
    "setting.nations": "England; Wales",
    "programme.programmes": "Flying Start",
    "design.design": "cohort",
    "findings.key_findings": "Better language",
    "appraisal.appraisal_tool": "design-based",
    "appraisal.overall_quality": "high",
}


def read(path: Path) -> list[dict[str, str]]:
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path).active
        grid = [["" if c is None else str(c) for c in r] for r in sheet.iter_rows(values_only=True)]
        return [dict(zip(grid[0], r, strict=True)) for r in grid[1:]]
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def write(path: Path, rows: list[dict[str, str]]) -> None:
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(list(rows[0]))
        for r in rows:
            book.active.append(list(r.values()))
        book.save(path)
        return
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


def stored(engine: Engine) -> list[tuple[object, ...]]:
    with session_scope(engine) as s:
        sql = "SELECT citation, year, nations, design FROM extract_early_years ORDER BY work_id"
        return [tuple(r) for r in s.execute(text(sql))]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_sheet_round_trip(run: ReviewRunner, engine: Engine, review_dir: Path, suffix: str) -> None:
    with session_scope(engine) as s:
        included(s, [{"title": "A"}, {"title": "B"}])
    sheet = review_dir / f"mine{suffix}"
    result = run("extract", "export", str(sheet), "--reviewer", "reviewer1")
    assert result.exit_code == 0, result.output
    rows = read(sheet)
    assert [r["title"] for r in rows] == ["A", "B"]
    rows[0].update(FILLED)
    write(sheet, rows)
    result = run("extract", "import", str(sheet), "--reviewer", "reviewer1")
    assert result.exit_code == 0, result.stderr
    assert stored(engine) == [("Smith 2020", 2020, "England; Wales", "cohort"), (None, None, None, None)]
    again = run("extract", "export", str(sheet), "--reviewer", "reviewer1")
    assert again.exit_code == 0
    assert read(sheet)[0]["setting.nations"] == "England; Wales"
    assert "Imported 0 value(s)" in run("extract", "import", str(sheet), "--reviewer", "reviewer1").output


def test_bad_sheet_imports_nothing_and_names_fields(
    run: ReviewRunner, engine: Engine, review_dir: Path
) -> None:
    with session_scope(engine) as s:
        included(s, [{"title": "A"}, {"title": "B"}])
    sheet = review_dir / "mine.csv"
    run("extract", "export", str(sheet), "--reviewer", "reviewer1")
    rows = read(sheet)
    rows[0].update(FILLED)
    rows[1].update({**FILLED, "study.year": "twenty", "design.design": "survey"})
    write(sheet, rows)
    result = run("extract", "import", str(sheet), "--reviewer", "reviewer1")
    assert result.exit_code == 1
    assert "row 3: study.year: 'twenty' is not a whole number" in result.stderr
    assert "nothing imported" in result.stderr
    with session_scope(engine) as s:
        assert s.execute(text("SELECT COUNT(*) FROM extraction_value WHERE role != 'prefill'")).scalar() == 0


def test_unknown_column_is_refused(run: ReviewRunner, engine: Engine, review_dir: Path) -> None:
    with session_scope(engine) as s:
        included(s, [{"title": "A"}])
    sheet = review_dir / "mine.csv"
    sheet.write_text("work_id,colour\n1,blue\n")
    result = run("extract", "import", str(sheet), "--reviewer", "reviewer1")
    assert result.exit_code == 1 and "unknown columns: colour" in result.stderr


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_text_a_spreadsheet_would_run_comes_back_unchanged(
    run: ReviewRunner, engine: Engine, review_dir: Path, suffix: str
) -> None:
    with session_scope(engine) as s:
        included(s, [{"title": "A"}])
    typed = review_dir / "typed.csv"
    run("extract", "export", str(typed), "--reviewer", "reviewer1")
    risky = {"study.citation": "=Smith 2020", "study.organisation": "+DfE", "population.sample_size": "-3"}
    write(typed, [{**read(typed)[0], **FILLED, **risky}])
    assert run("extract", "import", str(typed), "--reviewer", "reviewer1").exit_code == 0
    sheet = review_dir / f"mine{suffix}"
    assert run("extract", "export", str(sheet), "--reviewer", "reviewer1").exit_code == 0
    if suffix == ".csv":
        row = read(sheet)[0]
        assert (row["study.citation"], row["study.organisation"]) == ("'=Smith 2020", "'+DfE")
        assert row["population.sample_size"] == "-3"  # a number stays a number
    result = run("extract", "import", str(sheet), "--reviewer", "reviewer1")
    assert result.exit_code == 0, result.stderr
    assert "Imported 0 value(s)" in result.output
    with session_scope(engine) as s:
        sql = "SELECT citation, organisation, sample_size FROM extract_early_years"
        assert [tuple(r) for r in s.execute(text(sql))] == [("=Smith 2020", "+DfE", -3)]
