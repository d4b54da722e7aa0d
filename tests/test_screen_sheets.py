"""Spreadsheet round trip: export a queue, fill it in, import it; bad rows are all listed, none applied."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from review.db import session_scope, utcnow
from review.models import ScreeningDecision, ScreeningNote
from tests.conftest import ReviewRunner
from tests.screen_helpers import assign_to, kept_works


@pytest.fixture
def queued(engine: Engine) -> list[int]:
    with session_scope(engine) as s:
        ids = kept_works(s, 3) + kept_works(s, 1, title='=HYPERLINK("http://x")')
        assign_to(s, ids, "reviewer1")
        assign_to(s, ids[:1], "reviewer2")
    return ids


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _decisions(engine: Engine) -> list[tuple[int, str, str, str | None, str | None]]:
    with session_scope(engine) as s:
        rows = s.exec(select(ScreeningDecision).order_by(col(ScreeningDecision.id)))
        return [(r.work_id, r.reviewer, r.decision, r.reason_code, r.note) for r in rows]


def test_csv_round_trip_applies_once(
    run: ReviewRunner, engine: Engine, queued: list[int], tmp_path: Path
) -> None:
    path = tmp_path / "mine.csv"
    out = run("screen", "export", "--reviewer", "reviewer1", "--format", "csv", "--output", str(path))
    assert out.exit_code == 0, out.output
    assert "Wrote 4 records (0 already decided)" in out.output
    rows = _read(path)
    assert {int(r["work_id"]) for r in rows} == set(queued)
    assert {r["title"] for r in rows if "HYPERLINK" in r["title"]} == {'\'=HYPERLINK("http://x")'}
    assert rows[0]["reviewer"] == "reviewer1" and rows[0]["stage"] == "title-abstract"
    by_id = {int(r["work_id"]): r for r in rows}
    by_id[queued[0]].update(decision="include", note="clearly in")
    by_id[queued[1]].update(decision="Exclude", reason_code="E-SETTING")
    by_id[queued[2]].update(note="ask the team")
    _write(path, rows)
    first = run("screen", "import", str(path))
    assert first.exit_code == 0, first.output
    assert "2 new decision(s), 0 unchanged, 2 without a decision (1 note(s) kept)" in first.output
    assert _decisions(engine) == [
        (queued[0], "reviewer1", "include", None, "clearly in"),
        (queued[1], "reviewer1", "exclude", "E-SETTING", None),
    ]
    again = run("screen", "import", str(path))
    assert again.exit_code == 0 and "0 new decision(s), 2 unchanged" in again.output
    with session_scope(engine) as s:
        assert [n.text for n in s.exec(select(ScreeningNote))] == ["ask the team"]


def test_xlsx_round_trip_with_reason_sheet(
    run: ReviewRunner, engine: Engine, queued: list[int], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    path = tmp_path / "mine.xlsx"
    assert run("screen", "export", "--reviewer", "reviewer1", "--output", str(path)).exit_code == 0
    book = load_workbook(path)
    assert book.sheetnames == ["screening", "reason_codes"]
    assert [c.value for c in book["reason_codes"]["A"]][:2] == ["code", "E-SETTING"]
    sheet = book["screening"]
    header = [c.value for c in sheet[1]]
    titles = [row[header.index("title")] for row in sheet.iter_rows(min_row=2)]
    assert {c.data_type for c in titles if "HYPERLINK" in str(c.value)} == {"s"}  # text, not a formula
    sheet.cell(row=2, column=header.index("decision") + 1, value="maybe")
    book.save(path)
    result = run("screen", "import", str(path))
    assert result.exit_code == 0, result.output
    assert [d[2] for d in _decisions(engine)] == ["maybe"]
    exported = run(
        "screen", "export", "--reviewer", "reviewer1", "--format", "csv", "--output", str(tmp_path / "b.csv")
    )
    assert "(1 already decided)" in exported.output
    assert [r["decision"] for r in _read(tmp_path / "b.csv")].count("maybe") == 1


def test_bad_rows_are_all_listed_and_nothing_is_applied(
    run: ReviewRunner, engine: Engine, queued: list[int], tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    run("screen", "export", "--reviewer", "reviewer1", "--format", "csv", "--output", str(path))
    rows = _read(path)
    rows[0].update(decision="include")  # good
    rows[1].update(decision="yes")  # bad decision value
    rows[2].update(decision="exclude", reason_code="E-NOPE")  # reason not in the protocol
    rows[3].update(decision="exclude")  # exclude without a reason
    rows.append({**rows[0], "work_id": "9999", "decision": "include"})  # unknown work
    rows.append({**rows[0], "reviewer": "reviewer2", "decision": "include"})  # another reviewer's row
    _write(path, rows)
    result = run("screen", "import", str(path))
    assert result.exit_code == 1
    err = result.stderr
    assert "6 problem(s); nothing was imported" in err
    for expected in (
        "row 3, decision: decision 'yes' is not one of include, exclude, maybe",
        "row 4, reason_code: reason code 'E-NOPE' is not an exclusion code",
        "row 5, reason_code: an exclude needs a reason code",
        "row 6, work_id: no work 9999",
        "row 7, reviewer: a row of 'reviewer2', not 'reviewer1'",
        "row 7, work_id: work",
    ):
        assert expected in err, err
    assert _decisions(engine) == []


def test_rows_outside_the_queue_and_unreadable_files(
    run: ReviewRunner, engine: Engine, queued: list[int], tmp_path: Path
) -> None:
    path = tmp_path / "other.csv"
    run("screen", "export", "--reviewer", "reviewer1", "--format", "csv", "--output", str(path))
    rows = _read(path)
    for r in rows:
        r.update(reviewer="reviewer2", decision="include")
    _write(path, rows)
    result = run("screen", "import", str(path))
    assert result.exit_code == 1 and "3 problem(s)" in result.stderr
    assert "is not in reviewer2's title-abstract queue" in result.stderr
    no_cols = tmp_path / "cols.csv"
    no_cols.write_text("id,verdict\n1,include\n", encoding="utf-8")
    missing = run("screen", "import", str(no_cols))
    assert missing.exit_code == 1 and "missing column(s) work_id, decision" in missing.stderr
    wrong = run("screen", "import", str(tmp_path / "x.txt"))
    assert wrong.exit_code == 1 and "Error:" in wrong.stderr
    assert _decisions(engine) == []


def test_export_needs_a_known_reviewer_and_matching_suffix(run: ReviewRunner, tmp_path: Path) -> None:
    unknown = run("screen", "export", "--reviewer", "ghost", "--output", str(tmp_path / "g.xlsx"))
    assert unknown.exit_code == 1 and "Unknown reviewer 'ghost'" in unknown.stderr
    mismatch = run(
        "screen", "export", "--reviewer", "reviewer1", "--format", "csv", "--output", str(tmp_path / "a.xlsx")
    )
    assert mismatch.exit_code == 1 and "does not end in .csv" in mismatch.stderr


def test_a_note_a_spreadsheet_would_run_comes_back_unchanged(
    run: ReviewRunner, engine: Engine, queued: list[int], tmp_path: Path
) -> None:
    with session_scope(engine) as s:
        note = "- ask the team"
        s.add(
            ScreeningNote(
                work_id=queued[0],
                stage="title_abstract",
                reviewer="reviewer1",
                text=note,
                created_at=utcnow(),
            )
        )
    path = tmp_path / "mine.csv"
    run("screen", "export", "--reviewer", "reviewer1", "--format", "csv", "--output", str(path))
    rows = _read(path)
    assert {r["note"] for r in rows} == {"'- ask the team", ""}  # as text, not a formula
    _write(path, rows)
    result = run("screen", "import", str(path))
    assert result.exit_code == 0, result.output
    assert "(0 note(s) kept)" in result.output
