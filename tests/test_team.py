"""Backup, restore and copy between stores lose nothing (counts and checksums compared)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from review import tally
from review.db import init_db, make_engine, session_scope, utcnow
from review.models import ScreeningDecision
from review.team import checksums
from tests.conftest import ReviewRunner
from tests.factories import add_works


def _fill(engine: Engine) -> None:
    with session_scope(engine) as session:
        ids = add_works(
            session,
            [
                {
                    "title": f"Sure Start evaluation {i}",
                    "year": 2000 + i,
                    "authors": ["Melhuish, E."],
                    "countries": ["GB"],
                }
                for i in range(30)
            ],
        )
        session.add(
            ScreeningDecision(
                work_id=ids[0],
                stage="title_abstract",
                reviewer="reviewer1",
                decision="include",
                created_at=utcnow(),
            )
        )
        session.flush()
        tally.refresh(session, ids[:1])


def test_backup_and_restore_round_trip(run: ReviewRunner, engine: Engine, tmp_path: Path) -> None:
    _fill(engine)
    before = checksums(engine)
    result = run("backup", str(tmp_path / "b.db"))
    assert result.exit_code == 0, result.output
    assert "checksums match" in result.stdout
    again = run("backup", str(tmp_path / "b.db"))
    assert again.exit_code == 1
    assert "exists already" in again.stderr
    fresh = ReviewRunner(run.root, str(tmp_path / "fresh.db"))
    restored = fresh("restore", str(tmp_path / "b.db"))
    assert restored.exit_code == 0, restored.output
    assert checksums(make_engine(tmp_path / "fresh.db")) == before


def test_restore_refuses_non_empty_store(run: ReviewRunner, engine: Engine, tmp_path: Path) -> None:
    _fill(engine)
    assert run("backup", str(tmp_path / "b.db")).exit_code == 0
    result = run("restore", str(tmp_path / "b.db"))
    assert result.exit_code == 1
    assert "already holds a review" in result.stderr
    assert run("restore", "--force", str(tmp_path / "b.db")).exit_code == 0


def test_copy_to_sqlite_and_ids_keep_growing(run: ReviewRunner, engine: Engine, tmp_path: Path) -> None:
    _fill(engine)
    target = tmp_path / "copy.db"
    result = run("copy", "--to", str(target))
    assert result.exit_code == 0, result.output
    copied = make_engine(target)
    assert checksums(copied) == checksums(engine)
    with Session(copied) as session, session.begin():  # new rows get fresh ids after a copy
        (new,) = add_works(session, [{"title": "after the copy"}], source="later")
    assert new == 31


@pytest.mark.skipif(not os.environ.get("REVIEW_TEST_POSTGRES_URL"), reason="set REVIEW_TEST_POSTGRES_URL")
def test_copy_sqlite_to_postgres_and_back(engine: Engine, tmp_path: Path, db_url: str) -> None:
    if db_url.startswith("postgresql"):
        pytest.skip("runs in the SQLite leg")
    from tests.conftest import _pg_schema_url

    _fill(engine)
    with _pg_schema_url(os.environ["REVIEW_TEST_POSTGRES_URL"]) as url:
        pg = make_engine(url)
        init_db(pg)
        from review.team import copy

        copy(engine, pg)
        back = make_engine(tmp_path / "back.db")
        copy(pg, back)
        assert checksums(back) == checksums(engine)
        pg.dispose()
