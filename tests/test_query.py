"""`review query`: read-only by the database engine; the store's bytes never change."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from review.db import session_scope
from review.team import checksums
from tests.conftest import ReviewRunner
from tests.factories import add_works

WRITES = [
    "INSERT INTO work (title, created_at, updated_at) VALUES ('x', '2020-01-01', '2020-01-01')",
    "UPDATE work SET title = 'changed'",
    "DELETE FROM work",
    "DROP TABLE work",
    "CREATE TABLE evil (x)",
    "ATTACH DATABASE 'other.db' AS other",
    "PRAGMA user_version = 99",
    "PRAGMA journal_mode = DELETE",
    "PRAGMA query_only = OFF",
    "PRAGMA wal_checkpoint(TRUNCATE)",
    "VACUUM",
    "VACUUM INTO 'copy.db'",
    "SELECT 1; DELETE FROM work",
    "WITH gone AS (SELECT 1) DELETE FROM work",
]


@pytest.fixture
def store(engine: Engine, db_url: str) -> Path:
    with session_scope(engine) as s:
        add_works(
            s, [{"title": "Sure Start | evaluation", "year": 2019}, {"title": "Family hubs", "year": 2023}]
        )
    return Path(db_url)


def fingerprint(db: Path) -> dict[str, str]:
    files = [db, db.with_name(db.name + "-wal")]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files if f.exists()}


@pytest.mark.parametrize("sql", WRITES)
def test_writes_are_refused_and_the_store_is_unchanged(
    run: ReviewRunner, store: Path, engine: Engine, sql: str
) -> None:
    before, rows = fingerprint(store), checksums(engine)
    result = run("query", sql)
    assert result.exit_code == 1, result.output
    assert "Error:" in result.stderr
    assert fingerprint(store) == before  # SQLite: the file's bytes
    assert checksums(engine) == rows  # both backends: every table's rows
    assert not (store.parent / "other.db").exists() and not (store.parent / "copy.db").exists()


def test_formats(run: ReviewRunner, store: Path) -> None:
    sql = "SELECT id, title, year FROM work ORDER BY id"
    assert json.loads(run("query", sql, "--format", "json").output) == [
        {"id": 1, "title": "Sure Start | evaluation", "year": 2019},
        {"id": 2, "title": "Family hubs", "year": 2023},
    ]
    assert run("query", sql, "--format", "csv").output.splitlines() == [
        "id,title,year",
        "1,Sure Start | evaluation,2019",
        "2,Family hubs,2023",
    ]
    assert "| 1 | Sure Start \\| evaluation | 2019 |" in run("query", sql, "--format", "markdown").output
    table = run("query", sql).output.splitlines()
    assert table[0].split() == ["id", "title", "year"] and table[2].startswith("1   Sure Start | evaluation")


@pytest.mark.sqlite_only
def test_the_web_apps_secret_in_meta_cannot_be_read(run: ReviewRunner, store: Path) -> None:
    refused = run("query", "SELECT value FROM meta")
    assert refused.exit_code == 1 and "meta.value is prohibited" in refused.stderr


@pytest.mark.sqlite_only
def test_informational_pragmas_are_allowed(run: ReviewRunner, store: Path) -> None:
    assert "table_info" not in run("query", "SELECT name FROM pragma_table_info('work')").stderr


def test_saved_queries_and_errors(run: ReviewRunner, store: Path) -> None:
    missing = run("query", "--saved", "nope")
    assert missing.exit_code == 1 and "the protocol's [queries] has evidence_map" in missing.stderr
    assert run("query").exit_code == 2
    bad = run("query", "SELECT * FROM nowhere")
    assert bad.exit_code == 1
    assert "no such table: nowhere" in bad.stderr or 'relation "nowhere" does not exist' in bad.stderr
    no_tables_yet = run("query", "--saved", "evidence_map")
    assert no_tables_yet.exit_code == 1 and "extract_early_years" in no_tables_yet.stderr


@pytest.mark.sqlite_only
def test_no_store(run: ReviewRunner) -> None:
    result = run("query", "SELECT 1")
    assert result.exit_code == 1 and "No review database" in result.stderr
