"""Shared fixtures: a review folder on tmp_path, its store, and a CLI runner bound to it.

Stage-specific fixtures live in the stage's own test modules (or tests/<stage>_helpers.py).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, create_engine, text
from sqlmodel import Session

from review import tally
from review.cli import cli
from review.db import init_db, make_engine, schema_version, session_scope
from review.models import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = ROOT / "protocol" / "protocol.toml"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's review settings or reaches the real services."""
    for var in (
        "REVIEW_DIR",
        "REVIEW_DB",
        "OPENALEX_API_KEY",
        "REVIEW_OPENALEX_URL",
        "REVIEW_GOVUK_URL",
        "REVIEW_EMAIL",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("REVIEW_OPENALEX_URL", "http://127.0.0.1:9/openalex-unreachable")
    monkeypatch.setenv("REVIEW_GOVUK_URL", "http://127.0.0.1:9/govuk-unreachable")


@pytest.fixture
def review_dir(tmp_path: Path) -> Path:
    """A review folder holding a copy of the real protocol, with empty sources/ and extracted/."""
    root = tmp_path / "review"
    (root / "protocol").mkdir(parents=True)
    (root / "sources").mkdir()
    (root / "extracted").mkdir()
    shutil.copy(PROTOCOL, root / "protocol" / "protocol.toml")
    return root


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db-url",
        default=os.environ.get("REVIEW_TEST_DB_URL", ""),
        help="Run store tests against this PostgreSQL URL (one fresh schema per test) instead of SQLite.",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--db-url"):
        return
    # The PostgreSQL leg runs only the tests that use a store; the rest ran in the SQLite leg.
    keep = [item for item in items if "db_url" in getattr(item, "fixturenames", ())]
    config.hook.pytest_deselected(items=[item for item in items if item not in keep])
    items[:] = keep
    skip = pytest.mark.skip(reason="SQLite-only behaviour (this leg runs on PostgreSQL)")
    for item in items:
        if "sqlite_only" in item.keywords:
            item.add_marker(skip)


@contextmanager
def _pg_schema_url(server: str) -> Iterator[str]:
    """A URL whose connections use a fresh, empty schema on the server; dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in server else "?"
    try:
        yield f"{server}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture
def db_url(request: pytest.FixtureRequest, review_dir: Path) -> Iterator[str]:
    """The store under test: SQLite in the review folder, or a fresh schema on --db-url's server."""
    server = request.config.getoption("--db-url")
    if not server:
        yield str(review_dir / "review.db")
        _check_tallies(str(review_dir / "review.db"))
        return
    with _pg_schema_url(server) as url:
        yield url
        _check_tallies(url)


def _check_tallies(url: str) -> None:
    """Every test that leaves a store checks that the kept counts match a fresh computation."""
    if "://" not in url and not Path(url).exists():
        return
    eng = make_engine(url)
    try:
        if schema_version(eng) != SCHEMA_VERSION:
            return
        with session_scope(eng) as s:
            wrong = tally.verify(s)
        assert not wrong, f"kept counts differ from the store (kept, computed): {wrong}"
    finally:
        eng.dispose()


def wipe_store(db_url: str) -> None:
    """Lose the whole store, as a deleted review.db would (on PostgreSQL: drop every table)."""
    if "://" not in db_url:
        for suffix in ("", "-wal", "-shm"):
            Path(db_url + suffix).unlink(missing_ok=True)
        return
    from sqlmodel import SQLModel

    eng = make_engine(db_url)
    SQLModel.metadata.drop_all(eng)
    eng.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    init_db(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session in one transaction, committed at the end of the test body's `with` use."""
    with session_scope(engine) as s:
        yield s


class ReviewRunner:
    """Invoke `review` against the fixture's folder and store: `run("dedupe")`."""

    def __init__(self, root: Path, db: str) -> None:
        self.root, self.db = root, db
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(cli, ["--dir", str(self.root), "--db", self.db, *args], input=input)


@pytest.fixture
def run(review_dir: Path, db_url: str) -> ReviewRunner:
    return ReviewRunner(review_dir, db_url)
