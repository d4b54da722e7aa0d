"""`review query`: read-only SQL over the store, for writers.

Read-only is enforced by the database engine, never by reading the SQL text:
- SQLite: the file is opened with `mode=ro` (the engine refuses any write to it), `PRAGMA
  query_only` is set, and an authorizer callback denies ATTACH/DETACH (and so `VACUUM INTO`),
  every PRAGMA except the informational ones, and reading `meta` (the web app's secret);
- PostgreSQL: the session is read-only (`default_transaction_read_only`, a read-only connection)
  and the statement is prepared, so one call runs one statement.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from review.db import database_url
from review.errors import QueryError
from review.formats.sheet import csv_text
from review.protocol import Protocol

FORMATS = ("table", "csv", "json", "markdown")
MAX_CELL = 80  # table format only: long cells are cut so the table stays readable
INFO_PRAGMAS = frozenset(
    (
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo",
        "foreign_key_list", "database_list", "collation_list", "function_list", "module_list",
        "pragma_list", "compile_options", "integrity_check", "quick_check", "foreign_key_check",
        "page_count", "freelist_count", "data_version",
    )
)  # fmt: skip
GETTER_PRAGMAS = frozenset(
    ["user_version", "schema_version", "application_id", "encoding", "page_size", "journal_mode"]
)


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def saved_query(protocol: Protocol, name: str) -> str:
    """A query saved in the protocol's [queries] table, or an error listing them."""
    if name not in protocol.queries:
        names = ", ".join(sorted(protocol.queries)) or "(none)"
        raise QueryError(f"No saved query {name!r}: the protocol's [queries] has {names}.")
    return protocol.queries[name]


def run_query(db: str, sql: str) -> QueryResult:
    """Run one SQL statement on a read-only connection to the store at `db` (path or URL)."""
    url = database_url(db)
    if url.startswith("sqlite:///"):
        return _sqlite(Path(url.removeprefix("sqlite:///")), sql)
    if url.startswith(("postgresql://", "postgresql+psycopg://")):
        return _postgres(url.replace("postgresql+psycopg://", "postgresql://", 1), sql)
    raise QueryError(f"`review query` supports SQLite files and postgresql:// URLs, not {url.split(':')[0]}.")


# Tables a writer's query may not read: `meta` holds the web app's cookie-signing secret.
PRIVATE_TABLES = frozenset({"meta"})


def _authorize(action: int, arg1: str | None, arg2: str | None, _db: str | None, _src: str | None) -> int:
    if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH):
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_READ and arg1 in PRIVATE_TABLES:
        return sqlite3.SQLITE_DENY
    if action == sqlite3.SQLITE_PRAGMA:
        allowed = arg1 in INFO_PRAGMAS or (arg1 in GETTER_PRAGMAS and arg2 is None)
        return sqlite3.SQLITE_OK if allowed else sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _sqlite(path: Path, sql: str) -> QueryResult:
    if not path.exists():
        raise QueryError(
            f"No review database at {path}: nothing to query yet. Start a review with `review init`, "
            "build its store with `review search` or `review import`, or pass --db."
        )
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.set_authorizer(_authorize)
        cur = conn.execute(sql)
        columns = tuple(d[0] for d in cur.description or ())
        return QueryResult(columns, [tuple(r) for r in cur.fetchall()])
    except sqlite3.Error as exc:
        raise QueryError(_explain(exc)) from exc
    finally:
        conn.close()


def _explain(exc: Exception) -> str:
    msg = str(exc)
    if "is prohibited" in msg:  # a table the authorizer keeps private
        return f"The query was refused: {msg} (the web app's secret is kept there)."
    if "readonly" in msg or "not authorized" in msg or "authorization denied" in msg:
        return f"The query was refused: `review query` is read-only ({msg}). Use SELECT."
    if "no such table: extract_" in msg:
        return f"The query failed: {msg}. Extraction tables appear once `review extract tables` has run."
    return f"The query failed: {msg}."


def _postgres(url: str, sql: str) -> QueryResult:
    import psycopg

    try:
        with psycopg.connect(url, autocommit=False) as conn:
            conn.read_only = True
            with conn.cursor() as cur:
                cur.execute("SET default_transaction_read_only = on")
                cur.execute(sql.encode(), prepare=True)  # prepared: exactly one statement
                columns = tuple(d.name for d in cur.description or ())
                rows = [tuple(r) for r in cur.fetchall()] if cur.description else []
            conn.rollback()
    except psycopg.Error as exc:
        raise QueryError(_explain(exc)) from exc
    return QueryResult(columns, rows)


def render(result: QueryResult, fmt: str) -> str:
    """The rows as an aligned table, CSV, JSON (a list of objects) or a Markdown table."""
    if fmt == "csv":
        return csv_text(result.columns, result.rows).rstrip("\n")
    if fmt == "json":
        return json.dumps(
            [dict(zip(result.columns, r, strict=True)) for r in result.rows], indent=2, default=str
        )
    if fmt == "markdown":
        return markdown_table(result.columns, result.rows)
    return _table(result)


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table (pipes and newlines in cells escaped)."""

    def esc(v: Any) -> str:
        return _cell(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(esc(c) for c in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(esc(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def _table(result: QueryResult) -> str:
    def cut(v: Any) -> str:
        text = " ".join(_cell(v).split())
        return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"

    grid = [list(result.columns), *([cut(v) for v in r] for r in result.rows)]
    widths = [max(len(r[i]) for r in grid) for i in range(len(result.columns))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in grid]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
