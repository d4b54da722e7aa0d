"""The writers' tables: the extraction form as real SQL, rebuilt from the extraction events.

`extract_<form>` has one row per included study (`work_id`) and one column per field; a
multi-choice field is stored twice: in that table as the chosen values joined with "; " (in the
form's order), and as a child table `extract_<form>_<field>` with one (work_id, value) row per
chosen value, for GROUP BY and joins. Conflicting fields are blank until resolved.

The tables are derived: `materialise` deletes and re-inserts every row from `extraction_value`,
so they can always be rebuilt. A field added to the form becomes a new column (ALTER TABLE ADD
COLUMN), empty until extracted. A field removed from the form keeps its column, and its values
are still filled from the events, so nothing extracted is lost; its child table is left as it was.
A field whose type changes keeps its column's original SQL type.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    inspect,
    select,
    text,
)
from sqlalchemy.types import TypeEngine
from sqlmodel import Session

from review.extract.store import FieldState, field_states, form_of, included_works
from review.protocol import ExtractionField, ExtractionForm, Protocol

SQL_TYPES: dict[str, type[TypeEngine[Any]]] = {
    "text": Text,
    "integer": Integer,
    "number": Float,
    "boolean": Boolean,
    "date": Date,
    "choice": Text,
    "choices": Text,
}
JOIN = "; "


@dataclass(frozen=True)
class MaterialiseResult:
    table: str
    rows: int  # included studies (rows in the table)
    columns_added: tuple[str, ...]
    conflicts: int  # conflicting fields among the rows rebuilt


def table_name(form: ExtractionForm) -> str:
    return f"extract_{form.name}"


def child_name(form: ExtractionForm, field: ExtractionField) -> str:
    return f"extract_{form.name}_{field.name}"


def materialise(
    session: Session, protocol: Protocol, works: Iterable[int] | None = None
) -> MaterialiseResult:
    """Create or migrate the writers' tables and refill them from the final extraction values.

    With `works`, only those rows are rebuilt (and rows of works no longer included are dropped,
    newly included ones added): what a single save needs. Without, every row is rebuilt.
    """
    form = form_of(protocol)
    conn = session.connection()
    main, children = _tables(form)
    main.metadata.create_all(conn)
    added = _add_columns(conn, main)
    table = Table(main.name, MetaData(), autoload_with=conn)  # includes columns of removed fields
    included = included_works(session)
    stale, target = _plan(conn, table, included, works)
    states = field_states(session, target)
    by_work: dict[int, dict[str, Any]] = {w: {} for w in target}
    for (w, key), state in states.items():
        by_work[w][key.rsplit(".", 1)[-1]] = state.value
    for t in (table, *(c for _, c in children)):
        _delete(conn, t, stale)
    if target:
        conn.execute(table.insert(), [_row(table, w, by_work[w]) for w in target])
    for field, child in children:
        rows = _child_rows(form, field, target, states)
        if rows:
            conn.execute(child.insert(), rows)
    n_conflicts = sum(1 for s in states.values() if s.status == "conflict")
    return MaterialiseResult(table.name, len(included), added, n_conflicts)


def _plan(
    conn: Connection, table: Table, included: list[int], works: Iterable[int] | None
) -> tuple[list[int] | None, list[int]]:
    """(rows to delete, None for all; works to rebuild)."""
    if works is None:
        return None, included
    existing = {r[0] for r in conn.execute(select(table.c.work_id))}
    keep = set(included)
    asked = set(works)
    stale = sorted((existing - keep) | (asked & existing))
    return stale, sorted((asked & keep) | (keep - existing))


def _delete(conn: Connection, table: Table, work_ids: list[int] | None) -> None:
    if work_ids is None:
        conn.execute(table.delete())
        return
    for start in range(0, len(work_ids), 500):  # stay under SQLite's bound-parameter limit
        conn.execute(table.delete().where(table.c.work_id.in_(work_ids[start : start + 500])))


def _tables(form: ExtractionForm) -> tuple[Table, list[tuple[ExtractionField, Table]]]:
    md = MetaData()
    cols = [Column(f.name, SQL_TYPES[f.type]()) for _, f in form.all_fields()]
    main = Table(table_name(form), md, Column("work_id", Integer, primary_key=True), *cols)
    children = [
        (
            f,
            Table(
                child_name(form, f),
                md,
                Column("work_id", Integer, nullable=False, index=True),
                Column("value", Text, nullable=False),
                PrimaryKeyConstraint("work_id", "value"),
            ),
        )
        for _, f in form.all_fields()
        if f.type == "choices"
    ]
    return main, children


def _add_columns(conn: Connection, main: Table) -> tuple[str, ...]:
    existing = {c["name"] for c in inspect(conn).get_columns(main.name)}
    added = []
    for column in main.columns:
        if column.name not in existing:
            sql_type = column.type.compile(dialect=conn.dialect)
            # Names come from the validated form (lower case, digits, underscores): safe to quote.
            conn.execute(text(f'ALTER TABLE "{main.name}" ADD COLUMN "{column.name}" {sql_type}'))
            added.append(column.name)
    return tuple(added)


def _row(table: Table, work_id: int, by_column: dict[str, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {"work_id": work_id}
    for column in table.columns:
        if column.name != "work_id":
            row[column.name] = _cell(column.type, by_column.get(column.name))
    return row


def _cell(sql_type: Any, value: Any) -> Any:
    if isinstance(value, list):
        return JOIN.join(str(v) for v in value)
    if isinstance(sql_type, Date) and isinstance(value, str):
        return date.fromisoformat(value)
    return value


def _child_rows(
    form: ExtractionForm, field: ExtractionField, works: list[int], states: dict[tuple[int, str], FieldState]
) -> list[dict[str, Any]]:
    key = next(k for k, f in form.all_fields() if f is field)
    rows = []
    for w in works:
        state = states.get((w, key))
        if state is not None and isinstance(state.value, list):
            rows += [{"work_id": w, "value": v} for v in state.value]
    return rows
