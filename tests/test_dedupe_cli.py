"""`review dedupe` commands: wiring, output, the interactive review loop and errors."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select

from review.db import session_scope
from review.models import DedupeEvent
from tests.conftest import ReviewRunner
from tests.dedupe_helpers import add_records, work_of

TITLE = "Universal free school meals and attainment in English primary schools"
BASE = {"title": TITLE, "authors": ["Holford, Angus"], "year": 2022}


def _store(engine: Engine) -> list[int]:
    with session_scope(engine) as session:
        return add_records(
            session,
            [
                BASE,
                {**BASE, "doi": "10.1080/09645292.2021.1"},
                {**BASE, "title": TITLE + " in 2015-2019", "authors": None},
                {"title": "A different study of nursery places in Leeds", "year": 2021},
            ],
        )


def _works(engine: Engine, ids: list[int]) -> list[int | None]:
    with session_scope(engine) as session:
        return work_of(session, ids)


def test_run_reports_counts(run: ReviewRunner, engine: Engine) -> None:
    _store(engine)
    result = run("dedupe")
    assert result.exit_code == 0, result.output
    assert "4 records (4 new): 1 pair merged automatically" in result.output
    assert "3 works" in result.output
    assert "review dedupe review" in result.output


def test_review_loop_skips_then_merges(run: ReviewRunner, engine: Engine) -> None:
    ids = _store(engine)
    run("dedupe")
    skipped = run("dedupe", "review", "--reviewer", "reviewer1", input="s\n")
    assert skipped.exit_code == 0, skipped.output
    assert "Pair " in skipped.output and "match probability" in skipped.output
    assert "* title     A " + TITLE[:40] in skipped.output  # the titles differ: each shown whole
    assert "  year      | 2022" in skipped.output  # the same in both: shown once
    assert all(len(line) <= 80 for line in skipped.output.splitlines())
    assert "No pairs left to review." in skipped.output  # one decision covers both record pairs
    assert len(set(_works(engine, ids)[:3])) == 2
    merged = run("dedupe", "review", "--reviewer", "reviewer1", input="m\n")
    assert merged.exit_code == 0, merged.output
    assert len(set(_works(engine, ids)[:3])) == 1
    with session_scope(engine) as session:
        reviewers = session.exec(select(DedupeEvent.reviewer)).all()
    assert reviewers == ["reviewer1"]


def test_review_requires_a_protocol_reviewer(run: ReviewRunner) -> None:
    result = run("dedupe", "review", "--reviewer", "nobody")
    assert result.exit_code == 1
    assert "Error: Unknown reviewer" in result.stderr
    assert run("dedupe", "review").exit_code == 2


def test_undo_and_export(run: ReviewRunner, engine: Engine, tmp_path: Path) -> None:
    ids = _store(engine)
    run("dedupe")
    work = _works(engine, ids)[0]
    result = run("dedupe", "undo", str(work), "--reviewer", "reviewer1")
    assert result.exit_code == 0, result.output
    assert f"Split from work {work}: record {ids[1]}" in result.output
    assert len(set(_works(engine, ids))) == 4
    out = tmp_path / "dedupe.csv"
    assert run("dedupe", "export", str(out)).exit_code == 0
    with out.open(encoding="utf-8-sig") as fh:  # a BOM, so Excel reads UTF-8
        rows = list(csv.DictReader(fh))
    assert sorted(int(r["record_id"]) for r in rows) == ids
    assert {r["source"] for r in rows} == {"test"} and all(r["work_id"] for r in rows)


def test_undo_errors_name_the_problem(run: ReviewRunner, engine: Engine) -> None:
    _store(engine)
    run("dedupe")
    result = run("dedupe", "undo", "999", "--reviewer", "reviewer1")
    assert result.exit_code == 1
    assert "nothing to split" in result.stderr


def test_help_touches_no_database(run: ReviewRunner, db_url: str) -> None:
    for args in (["dedupe", "--help"], ["dedupe", "review", "--help"], ["dedupe", "undo", "--help"]):
        result = run(*args)
        assert result.exit_code == 0 and "Example:" in result.output
    assert not Path(db_url).exists()


def test_run_says_what_it_kept_apart_and_linked(run: ReviewRunner, engine: Engine) -> None:
    paper = {**BASE, "journal": "Education Economics", "volume": "30", "issue": "2", "pages": "112-130"}
    erratum = {**paper, "title": "Erratum: " + TITLE, "issue": "4", "pages": "501"}
    with session_scope(engine) as session:
        add_records(session, [paper, erratum])
    result = run("dedupe")
    assert result.exit_code == 0, result.output
    assert "0 pairs wait for a person; 2 works (2 new)." in result.output
    assert "Kept apart but linked as related items: 1 erratum." in result.output


def test_run_summary_wraps_words_before_an_80_column_edge(
    run: ReviewRunner, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many kinds of related item make a long line: wrapped between words, not split by the terminal."""
    from review import dedupe

    related = {"update": 6, "conference_version": 2, "erratum": 1, "series": 1, "comment": 3, "preprint": 2}
    done = dedupe.DedupeResult(1, 1292, 1292, 476, 3, 981, 981, 0, (), related=related)
    monkeypatch.setattr(dedupe, "run", lambda *args, **kwargs: done)
    result = run("dedupe")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert max(map(len, lines)) <= 79
    assert "1 erratum, 1 item of a series." in " ".join(lines)
