"""Backups and moves between stores: `review backup`, `review restore`, `review copy`.

A SQLite store is backed up with SQLite's online backup API (a consistent snapshot while
screeners keep writing). A PostgreSQL store is backed up by copying it, table by table, into a
SQLite file, so every backup is one portable file. `copy` moves a review between any two stores
and proves nothing was lost by comparing row counts and checksums of every table.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, func, select, text
from sqlmodel import Session, SQLModel

from review import models as _models  # noqa: F401  (registers the tables)
from review import tally
from review.db import database_url, init_db, is_sqlite, make_engine
from review.errors import InputError

BATCH = 5000
# Rebuilt after a copy (the full-text index; the kept counts of review.tally), never copied row by row.
_SKIP_PREFIXES = ("page_fts", "tally")


@dataclass(frozen=True)
class TableCheck:
    table: str
    rows: int
    checksum: str


@dataclass(frozen=True)
class CopyResult:
    source: str
    target: str
    tables: tuple[TableCheck, ...]

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def _tables() -> list[Table]:
    return [t for t in SQLModel.metadata.sorted_tables if not t.name.startswith(_SKIP_PREFIXES)]


def _is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return all(
            conn.execute(select(func.count()).select_from(t)).scalar_one() == 0
            for t in _tables()
            if t.name != "meta"
        )


def _norm(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def checksums(engine: Engine) -> tuple[TableCheck, ...]:
    """Row count and a checksum of every table's rows in primary-key order."""
    out = []
    with engine.connect() as conn:
        for table in _tables():
            digest = hashlib.sha256()
            rows = 0
            order = list(table.primary_key.columns) or list(table.columns)
            for row in conn.execute(select(table).order_by(*order)).yield_per(BATCH):
                digest.update(json.dumps([_norm(v) for v in row], default=str).encode())
                rows += 1
            out.append(TableCheck(table.name, rows, digest.hexdigest()))
    return tuple(out)


def copy(source: Engine, target: Engine, *, force: bool = False) -> CopyResult:
    """Copy every table from one store to another (bulk, in FK order) and verify it."""
    init_db(source)
    init_db(target)
    if not force and not _is_empty(target):
        raise InputError(
            f"The target store {_safe_url(target)} already holds a review: "
            "choose an empty one, or pass --force to replace its contents."
        )
    with target.begin() as dst:
        for table in reversed(_tables()):
            dst.execute(table.delete())
        with source.connect() as src:
            for table in _tables():
                _copy_table(src, dst, table)
        if target.dialect.name == "postgresql":
            _reset_sequences(dst)
    _after_copy(target)
    before, after = checksums(source), checksums(target)
    _compare(before, after)
    return CopyResult(_safe_url(source), _safe_url(target), after)


def _copy_table(src: Any, dst: Any, table: Table) -> None:
    result = src.execute(select(table)).yield_per(BATCH)
    for chunk in result.partitions(BATCH):
        dst.execute(table.insert(), [dict(row._mapping) for row in chunk])


def _reset_sequences(conn: Any) -> None:
    # Rows were inserted with their ids: move each serial sequence past the largest one.
    for table in _tables():
        if "id" in table.columns and table.c.id.autoincrement is not False and table.c.id.primary_key:
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                )
            )


def _after_copy(target: Engine) -> None:
    """Rebuild derived structures that are not copied row by row."""
    with Session(target) as session, session.begin():
        tally.rebuild(session)
    if is_sqlite(target):
        with target.begin() as conn:
            has_fts = conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'page_fts'")).first()
            if has_fts:
                conn.execute(text("INSERT INTO page_fts(page_fts) VALUES ('rebuild')"))


def _compare(before: tuple[TableCheck, ...], after: tuple[TableCheck, ...]) -> None:
    for a, b in zip(before, after, strict=True):
        if (a.rows, a.checksum) != (b.rows, b.checksum):
            raise InputError(
                f"Copy check failed for table {a.table}: {a.rows} rows in the source, "
                f"{b.rows} in the target (checksums differ). The target is incomplete: "
                "run the copy again with --force."
            )


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def backup(engine: Engine, dest: Path) -> CopyResult:
    """Write a consistent snapshot of the store to a new SQLite file."""
    if dest.exists():
        raise InputError(f"{dest} exists already: choose a new file name for the backup.")
    if is_sqlite(engine):
        src_path = engine.url.database or ""
        with sqlite3.connect(src_path) as src, sqlite3.connect(dest) as dst:
            src.backup(dst)
        target = make_engine(dest)
        try:
            return CopyResult(_safe_url(engine), str(dest), checksums(target))
        finally:
            target.dispose()
    target = make_engine(dest)
    try:
        return copy(engine, target)
    finally:
        target.dispose()


def restore(engine: Engine, backup_file: Path, *, force: bool = False) -> CopyResult:
    """Load a backup file into the store (refused over a non-empty store unless forced)."""
    if not backup_file.is_file():
        raise InputError(f"No backup at {backup_file}: give the file `review backup` wrote.")
    source = make_engine(database_url(backup_file))
    try:
        return copy(source, engine, force=force)
    finally:
        source.dispose()
