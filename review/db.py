"""Engine, sessions and schema setup for the review store (SQLite by default, PostgreSQL for teams)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from review import __version__
from review.errors import StoreError
from review.migrations import MIGRATIONS, Statement
from review.models import SCHEMA_VERSION

DEFAULT_DB = "review.db"


def utcnow() -> datetime:
    """Timezone-aware UTC now: how every time is stored (SQLModel refuses naive datetimes)."""
    return datetime.now(UTC)


def database_url(db: str | Path) -> str:
    """A database URL from `--db`: a URL is kept, anything else is a SQLite file path."""
    text_db = str(db)
    if "://" in text_db:
        return text_db
    return f"sqlite:///{Path(text_db).expanduser().resolve()}"


# Like the standard library: integer dict keys become strings (orjson refuses them by default).
JSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, option=JSON_OPTIONS).decode()


def _json_loads(value: Any) -> Any:
    # SQLite gives a JSON column numeric affinity: a stored number comes back as a number.
    return value if isinstance(value, int | float) else orjson.loads(value)


# JSON columns (record extras, scores) are the bulk of a harvest's writes: orjson codes them
# several times faster than the standard library.
_JSON_CODEC: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": _json_loads}


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def bind_mark(conn: Connection) -> str:
    """The driver's placeholder for one value in SQL run with `exec_driver_sql` (`?` for SQLite,
    `%s` for psycopg)."""
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # WAL lets screeners read while another writes; busy_timeout makes writers wait, not fail.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def make_engine(db: str | Path) -> Engine:
    """Create an engine for a path or URL; PRAGMAs are set on this engine only."""
    url = database_url(db)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.parent.exists():
            raise StoreError(
                f"Cannot create the review database {path}: folder {path.parent} does not exist."
            )
        engine = create_engine(url, connect_args={"timeout": 30}, **_JSON_CODEC)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, pool_pre_ping=True, **_JSON_CODEC)
    # Bulk inserts as multi-row statements (1,000 rows each), not one statement a row: fewer round
    # trips, and the per-statement count triggers (models.tally_ddl) fire once a batch.
    engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


def schema_version(engine: Engine) -> int | None:
    """The stored schema version, or None for an empty database."""
    if not inspect(engine).has_table("meta"):
        return None
    with engine.connect() as conn:
        row = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).first()
    return int(row[0]) if row else None


def init_db(engine: Engine) -> None:
    """Create a new store, or migrate an older one; refuse one newer than this code.

    A new store is made the way an old one is upgraded: the first schema, then every migration
    in turn (review.migrations), so both end with the same tables, indexes and triggers.
    """
    try:
        version = schema_version(engine)
    except OperationalError as exc:
        raise StoreError(f"Cannot open the review database ({exc.orig}).") from exc
    if version is not None and version > SCHEMA_VERSION:
        raise StoreError(
            f"This review database has schema version {version}, newer than this review "
            f"({__version__}, schema {SCHEMA_VERSION}): upgrade review with `pip install -U review`."
        )
    for target in range((version or 0) + 1, SCHEMA_VERSION + 1):
        _migrate(engine, target)


def _migrate(engine: Engine, target: int) -> None:
    # Each version commits together with its version bump: an interruption leaves a whole step.
    with engine.begin() as conn:
        if is_sqlite(engine):  # pysqlite opens no transaction before DDL: open one, writing
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        for step in MIGRATIONS[target]:
            for statement in step.statements(engine.dialect.name):
                _apply(conn, statement)
        _bookkeeping(conn, target)


def _apply(conn: Connection, statement: Statement) -> None:
    if isinstance(statement, str):
        conn.exec_driver_sql(statement)
        return
    if statement.column not in {c["name"] for c in inspect(conn).get_columns(statement.table)}:
        conn.exec_driver_sql(f"ALTER TABLE {statement.table} ADD COLUMN {statement.column} {statement.kind}")


def _bookkeeping(conn: Connection, version: int) -> None:
    if version > 1:
        conn.execute(text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": str(version)})
        return
    facts = {"schema_version": "1", "created_at": utcnow().isoformat(), "created_by": f"review {__version__}"}
    for key, value in facts.items():
        conn.execute(text("INSERT INTO meta (key, value) VALUES (:k, :v)"), {"k": key, "v": value})


def write_lock(session: Session) -> None:
    """Serialise this transaction with every other writer until it ends (SQLite and PostgreSQL).

    For read-then-write work that must not interleave (two `screen assign` runs at once would both
    see a work as unassigned and give it out twice). A no-op write takes SQLite's write lock at
    once, and a row lock on PostgreSQL; later reads in READ COMMITTED see what the other committed.
    """
    session.execute(text("UPDATE meta SET value = value WHERE key = 'schema_version'"))


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    # expire_on_commit=False: stage results built from ORM objects stay readable after commit.
    with Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
