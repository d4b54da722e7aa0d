"""Migrations: a real schema-1 store (tests/data/migrations) upgraded to today's schema, on SQLite and
PostgreSQL; a new store built by the same path; the result matches review/models/; each version atomic."""

from __future__ import annotations

import ast
import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, create_engine, inspect, select, text
from sqlmodel import Session, SQLModel

import review.db
import review.migrations
from review import tally
from review.db import init_db, make_engine, schema_version
from review.errors import StoreError
from review.migrations import MIGRATIONS, AddColumn, both
from review.models import POSTGRES_DDL, SCHEMA_VERSION, SQLITE_DDL, state_ddl, tally_ddl

SCHEMA_1 = Path(__file__).parent / "data" / "migrations" / "schema1.sql"

# What `review status` counts in the schema-1 store, worked out by hand from the decisions in
# tests/data/migrations/make_schema1.py (and what tally.rebuild computes today).
EXPECTED_COUNTS = {
    "works": 7,
    "records|openalex": 5,
    "records|dfe": 3,
    **{f"assigned|title_abstract|{q}": 1 for q in ("lead|adjudicate", "reviewer1|pilot", "reviewer2|pilot")},
    **{f"assigned|title_abstract|{q}": 1 for q in ("reviewer1|rule_check", "reviewer1|single")},
    "assigned|title_abstract|reviewer1|dual": 2,
    "assigned|title_abstract|reviewer2|dual": 2,
    "assigned|title_abstract|reviewer2|single": 2,
    "assigned|title_abstract|reviewer2|verify": 1,
    "assigned|full_text|reviewer1|dual": 1,
    "assigned|full_text|reviewer2|dual": 1,
    "assigned|full_text|reviewer1|single": 1,
    "final|title_abstract|include": 2,  # agreement (include + maybe); a change of mind a verifier shares
    "final|title_abstract|exclude": 3,  # an adjudication, two rule exclusions
    "final|title_abstract|pending": 1,  # a pilot work one screener has not decided
    "final|full_text|conflict": 1,  # two excludes for different reasons
    "final|full_text|include": 1,
    "ruled|title_abstract": 2,
    "given|title_abstract": 7,  # every work is in a queue for screening or excluded by a rule
    "given|full_text": 2,  # both title/abstract includes are in a full-text queue
    "unqueued|title_abstract|reviewer2": 1,
    "done|title_abstract|reviewer1": 4,
    "done|title_abstract|reviewer2": 3,
    "included|title_abstract|reviewer1": 3,
    "included|title_abstract|reviewer2": 1,
    "done|full_text|reviewer1": 2,
    "done|full_text|reviewer2": 1,
    "included|full_text|reviewer1": 1,
}


def _fixture() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.executescript(SCHEMA_1.read_text())
    return con


def _tables(engine: Engine) -> MetaData:
    meta = MetaData()
    meta.reflect(engine)
    return meta


def _load_schema_1(url: str) -> None:
    """The schema-1 store at `url`: the dump itself on SQLite; on PostgreSQL, its rows copied into
    the first schema as that version's code created it."""
    if "://" not in url:
        con = sqlite3.connect(url)
        con.executescript(SCHEMA_1.read_text())
        con.close()
        return
    engine, source = make_engine(url), create_engine("sqlite://", creator=_fixture)
    review.db._migrate(engine, 1)
    with source.connect() as src, engine.begin() as dst:
        dst.execute(text("DELETE FROM meta"))
        for table in _tables(engine).sorted_tables:
            rows = [dict(r) for r in src.execute(select(_tables(source).tables[table.name])).mappings()]
            if rows:
                dst.execute(table.insert(), rows)
            if "id" in table.c:
                dst.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), 100)"))
    engine.dispose()


def _plain(value: Any) -> Any:
    # SQLite hands back naive datetimes and PostgreSQL aware ones: compare them as UTC.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _rows(engine: Engine, table: str, columns: list[str]) -> list[tuple[Any, ...]]:
    t = _tables(engine).tables[table]
    query = select(*(t.c[c] for c in columns)).order_by(*t.primary_key.columns)
    with engine.connect() as conn:
        return [tuple(_plain(v) for v in r) for r in conn.execute(query)]


@pytest.fixture
def upgraded(db_url: str) -> Iterator[Engine]:
    _load_schema_1(db_url)
    engine = make_engine(db_url)
    assert schema_version(engine) == 1
    init_db(engine)
    yield engine
    engine.dispose()


def test_every_row_of_a_schema_1_store_survives_the_upgrade(upgraded: Engine) -> None:
    assert schema_version(upgraded) == SCHEMA_VERSION
    source = create_engine("sqlite://", creator=_fixture)
    old = _tables(source)
    for name, table in old.tables.items():
        columns = [c.name for c in table.columns]
        assert _rows(upgraded, name, columns) == _rows(source, name, columns) or name == "meta", name
    meta = dict(_rows(upgraded, "meta", ["key", "value"]))
    assert meta == {**dict(_rows(source, "meta", ["key", "value"])), "schema_version": str(SCHEMA_VERSION)}
    assert sum(len(_rows(source, t, ["id"])) for t in ("record", "work", "screening_decision")) == 29


def test_the_new_fields_of_an_upgraded_store(upgraded: Engine) -> None:
    rows = _rows(upgraded, "work", ["id", "issn", "volume", "issue", "pages", "keywords", "publication_date"])
    assert rows[0] == (1, "1234-5678", "12", "3", "101-119", ["family hubs", "early help"], "2021-03-01")
    assert rows[1] == (2, None, "12", None, None, None, "2019-03-01")  # from its first record that has one
    assert rows[6] == (7, None, None, None, None, None, None)
    assert {r[0] for r in _rows(upgraded, "record", ["recompare"])} == {False}
    assert _rows(upgraded, "search_run", ["refused", "refusals", "strategy", "holder"])[0] == (
        0,
        None,
        None,
        None,
    )
    assert {r[0] for r in _rows(upgraded, "dedupe_pair", ["relation"])} == {None}


def test_an_upgraded_store_counts_what_tally_rebuild_counts(upgraded: Engine) -> None:
    with Session(upgraded) as session:
        kept = tally.read(session)
        parts = session.execute(text("SELECT work_id, key, n FROM tally_part ORDER BY 1, 2")).all()
        assert kept == EXPECTED_COUNTS
        assert tally.verify(session) == {}
        tally.rebuild(session)
        assert tally.read(session) == kept
        assert session.execute(text("SELECT work_id, key, n FROM tally_part ORDER BY 1, 2")).all() == parts
        session.rollback()


def test_an_upgraded_store_keeps_counting(upgraded: Engine) -> None:
    with upgraded.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO record (source, source_id, created_at, updated_at) "
                "VALUES ('dfe', 'DFE-9', '2026-12-01 10:00:00', '2026-12-01 10:00:00')"
            )
        )
        conn.execute(text("DELETE FROM assignment WHERE reviewer = 'lead'"))
    with Session(upgraded) as session:
        assert tally.read(session, ["records|dfe", "assigned|title_abstract|lead|adjudicate"]) == {
            "records|dfe": 4
        }


@pytest.mark.sqlite_only
def test_the_page_text_an_old_store_holds_is_searchable(upgraded: Engine) -> None:
    with upgraded.connect() as conn:
        found = conn.execute(text("SELECT rowid FROM page_fts WHERE page_fts MATCH 'attendance'")).all()
    assert found == [(2,)]


# --- one schema, whichever way a store was made ---------------------------------------------------------


def _schema(engine: Engine) -> dict[str, Any]:
    found: dict[str, Any] = {}
    insp = inspect(engine)
    for table in insp.get_table_names():
        if table.startswith("page_fts"):
            continue
        found[table] = {
            "columns": {c["name"]: (str(c["type"]), c["nullable"]) for c in insp.get_columns(table)},
            "indexes": {ix["name"]: _index(ix) for ix in insp.get_indexes(table)},
            "unique": sorted((u["name"], u["column_names"]) for u in insp.get_unique_constraints(table)),
            "foreign": sorted(
                (f["constrained_columns"], f["referred_table"], f["referred_columns"])
                for f in insp.get_foreign_keys(table)
            ),
            "primary": insp.get_pk_constraint(table)["constrained_columns"],
            "checks": sorted((c["name"], c["sqltext"]) for c in insp.get_check_constraints(table)),
        }
    return found


def _index(ix: Any) -> tuple[Any, ...]:
    where = {
        k: getattr(v, "text", v) for k, v in ix.get("dialect_options", {}).items() if k.endswith("where")
    }
    return (ix["column_names"], bool(ix["unique"]), where)


def _extras(engine: Engine) -> list[str]:
    """What inspection leaves out: triggers, functions, the full-text index, the index definitions."""
    if engine.dialect.name == "sqlite":
        q = "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'index') "
        q += "OR name LIKE 'page_fts%'"
    else:
        q = (
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() UNION ALL "
            "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n "
            "ON n.oid = p.pronamespace WHERE n.nspname = current_schema() UNION ALL "
            "SELECT tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
            "AND NOT t.tgisinternal"
        )
    with engine.connect() as conn:
        rows = conn.execute(text(q)).all()
    return sorted(re.sub(r"\s+|t_\w+\.", " ", " ".join(str(v) for v in r)) for r in rows)


@pytest.fixture
def fresh_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty store beside `db_url` (another file, or another PostgreSQL schema)."""
    if "://" not in db_url:
        yield str(tmp_path / "fresh.db")
        return
    schema = re.search(r"search_path%3D(\w+)", db_url)
    assert schema
    url = db_url.replace(schema.group(1), f"{schema.group(1)}_fresh")
    admin = make_engine(db_url)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema.group(1)}_fresh"))
    yield url
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema.group(1)}_fresh CASCADE"))
    admin.dispose()


def test_a_new_store_and_an_upgraded_one_have_one_schema(upgraded: Engine, fresh_url: str) -> None:
    fresh = make_engine(fresh_url)
    init_db(fresh)
    assert _schema(fresh) == _schema(upgraded)
    assert _extras(fresh) == _extras(upgraded)
    fresh.dispose()


def test_the_migrations_build_the_schema_models_py_declares(db_url: str, fresh_url: str) -> None:
    migrated, declared = make_engine(db_url), make_engine(fresh_url)
    init_db(migrated)
    SQLModel.metadata.create_all(declared)
    dialect = declared.dialect.name
    with declared.begin() as conn:  # what review/models/ declares beside the tables
        extra = SQLITE_DDL if dialect == "sqlite" else POSTGRES_DDL
        for statement in (*tally_ddl(dialect), *state_ddl(dialect), *extra):
            conn.exec_driver_sql(statement)
    assert _schema(migrated) == _schema(declared)  # columns compared by name: ALTER TABLE appends
    assert _extras(migrated) == _extras(declared)
    migrated.dispose()
    declared.dispose()


@pytest.mark.sqlite_only
def test_the_first_schema_is_what_the_schema_1_code_created() -> None:
    dumped = [s for s in SCHEMA_1.read_text().split(";\n") if s.startswith(("CREATE TABLE", "CREATE INDEX"))]
    (first,) = MIGRATIONS[1]

    def words(sql: str) -> str:
        return re.sub(r"\s+", " ", sql.replace('"key"', "key")).replace("( ", "(").replace(" )", ")").strip()

    created = [s for s in first.sqlite if isinstance(s, str)]
    assert len(created) == len(first.sqlite), "version 1 only creates tables and indexes"
    assert sorted(words(s) for s in created) == sorted(words(s) for s in dumped)


def test_a_version_that_fails_leaves_the_store_as_it_was(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(db_url)
    init_db(engine)
    broken = both(
        "broken", AddColumn("work", "flag", "INTEGER"), "CREATE TABLE x (id INTEGER)", "SELECT nope()"
    )
    monkeypatch.setitem(MIGRATIONS, SCHEMA_VERSION + 1, (broken,))
    monkeypatch.setattr(review.db, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with pytest.raises(Exception, match="nope"):
        init_db(engine)
    assert schema_version(engine) == SCHEMA_VERSION
    assert "flag" not in {c["name"] for c in inspect(engine).get_columns("work")}
    assert not inspect(engine).has_table("x")
    engine.dispose()


def test_a_store_newer_than_the_code_is_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    init_db(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = '99' WHERE key = 'schema_version'"))
    with pytest.raises(StoreError, match="schema version 99"):
        init_db(engine)
    engine.dispose()


def test_migrations_import_no_application_code() -> None:
    # Every module of the package: a version imports the step mechanism and the standard library,
    # never a model or stage code, so what it does cannot drift as the application changes.
    folder = Path(review.migrations.__file__).parent
    allowed = {"__future__", "dataclasses", "importlib", "pkgutil", "review.migrations.steps"}
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text())
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        assert imported <= allowed, path.name


def test_every_version_module_is_found_in_order() -> None:
    folder = Path(review.migrations.__file__).parent
    names = sorted(p.stem for p in folder.glob("v[0-9][0-9][0-9].py"))
    assert names == [f"v{n:03d}" for n in range(1, SCHEMA_VERSION + 1)]
    assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))
