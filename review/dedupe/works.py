"""Works in the store: which records form each, which work survives a merge, canonical fields.

Work IDs are stable: later stages hang screening, documents and extraction on them. A merge moves
records into the surviving work (the one with downstream data, else the lowest ID); new works get
new IDs; a work emptied by a merge is deleted (it has no downstream rows, or it would have survived).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, Dialect, Table, column, delete, func, insert, literal, select
from sqlalchemy import table as temporary
from sqlmodel import Session, SQLModel

from review.db import bind_mark, utcnow
from review.models import Record, Work
from review.normalize import normalize_doi

CHUNK = 500  # IN-list size that stays under SQLite's bound-parameter limit
_WORK_FIELDS = ("title", "abstract", "authors", "year", "doi", "journal", "publisher", "doc_type")
# Bibliographic details a work's exports carry (RIS, BibTeX, CSV), from its richest record.
_DETAILS = ("publication_date", "issn", "volume", "issue", "pages", "keywords")
_WORK_FIELDS_MORE = ("language", "url", "countries", *_DETAILS)
_RECORD_COLS = ("id", "work_id", "source", *_WORK_FIELDS, *_WORK_FIELDS_MORE, "openalex_id")
_COPIED = (*_WORK_FIELDS, *_WORK_FIELDS_MORE)  # a work's fields, as its records name them


def chunks(values: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _downstream() -> list[Table]:
    # Every table that points at a work, found from the schema so a stage's new table counts too.
    return [
        table
        for table in SQLModel.metadata.sorted_tables
        if table.name != "record" and any(fk.column.table.name == "work" for fk in table.foreign_keys)
    ]


def anchored_works(session: Session, work_ids: Iterable[int]) -> set[int]:
    """Works that later stages already use (screening decisions, assignments, documents, ...)."""
    ids = sorted(set(work_ids))
    found: set[int] = set()
    for table in _downstream():
        col = next(fk.parent for fk in table.foreign_keys if fk.column.table.name == "work")
        for part in chunks(ids):
            found.update(session.execute(select(col).where(col.in_(part)).distinct()).scalars())
    return found


def create_works(session: Session, count: int) -> list[int]:
    """Insert `count` empty works (fields are filled by `refresh`), returning their IDs in order."""
    if count == 0:
        return []
    now = utcnow()
    table = Work.__table__  # type: ignore[attr-defined]
    # One INSERT ... SELECT over a counting CTE: no parameter set per row (a third of the time at
    # 850,000 works). The rows are identical, so the order RETURNING gives them in does not matter.
    n = cte_rows(count)
    rows = select(literal(now, table.c.created_at.type), literal(now, table.c.updated_at.type)).select_from(n)
    stmt = insert(table).from_select(["created_at", "updated_at"], rows).returning(table.c.id)
    return sorted(session.execute(stmt).scalars())


def cte_rows(count: int) -> Any:
    """A CTE of `count` rows (a recursive count, on SQLite and PostgreSQL alike)."""
    base = select(literal(1).label("x")).cte("n", recursive=True)
    return base.union_all(select(base.c.x + 1).where(base.c.x < count))


def set_work_ids(session: Session, assignments: Mapping[int, int]) -> None:
    """Point records at works (record ID -> work ID), in bulk (`move`)."""
    if assignments:
        records = np.fromiter(assignments.keys(), dtype=np.int64, count=len(assignments))
        targets = np.fromiter(assignments.values(), dtype=np.int64, count=len(assignments))
        move(session, records, targets, np.zeros(len(records), dtype=bool))


def reserve_ids(session: Session, count: int) -> list[int]:
    """IDs for `count` new works, ascending: the IDs inserting them would have taken (SQLite's next
    row IDs; PostgreSQL's sequence, drawn now, so no other writer takes them)."""
    if count <= 0:
        return []
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        drawn = "SELECT nextval(pg_get_serial_sequence('work', 'id')) FROM generate_series(1, %s)"
        return sorted(int(i) for (i,) in conn.exec_driver_sql(drawn, (count,)))
    first = int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) + 1 FROM work").scalar_one())
    return list(range(first, first + count))


_MOVE_BATCH = 50_000  # (record, work) rows per executemany


def move(
    session: Session,
    records: npt.NDArray[np.int64],
    targets: npt.NDArray[np.int64],
    fresh: npt.NDArray[np.bool_],
) -> None:
    """Point `records` at `targets` (work IDs, element by element). `fresh` marks records whose
    target is a new work (an ID from `reserve_ids`): it is created here, with its record's fields,
    or with the fields chosen from all its records (`canonical`). In three steps that a caller may
    also take itself (`dedupe.run` chooses the fields in a worker process meanwhile)."""
    moves = stage_moves(session, records, targets, fresh)
    now = bound_now(session.connection())
    finish_moves(session, moves, chosen_fields(session.connection().dialect, moves.several, now), now)


def bound_now(conn: Connection) -> Any:
    """The time now, as the driver takes it for a work's `created_at` (in SQLite's format)."""
    return _bound(conn, "created_at", utcnow())


@dataclass
class Moves:
    """Records to point at works, staged in the temporary table `work_moves`, and the records of
    each new work of several records (read before anything is written), by work."""

    kinds: npt.NDArray[np.int8]
    several: list[tuple[int, list[tuple[Any, ...]]]]


def stage_moves(
    session: Session,
    records: npt.NDArray[np.int64],
    targets: npt.NDArray[np.int64],
    fresh: npt.NDArray[np.bool_],
) -> Moves:
    """Stage `move`: the (record, work) pairs go to `work_moves` by driver-level executemany, and
    the records of new works of several records are read."""
    conn = session.connection()
    mark = bind_mark(conn)
    columns = f"id {_key(conn)}, work_id BIGINT NOT NULL, kind SMALLINT NOT NULL"
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE work_moves ({columns})")
    kinds = _kinds(targets, fresh)
    order = np.argsort(records, kind="stable")  # in key order: appended, not inserted, into the table
    rows = list(zip(records[order].tolist(), targets[order].tolist(), kinds[order].tolist(), strict=True))
    for start in range(0, len(rows), _MOVE_BATCH):
        conn.exec_driver_sql(
            f"INSERT INTO work_moves (id, work_id, kind) VALUES ({mark}, {mark}, {mark})",
            rows[start : start + _MOVE_BATCH],
        )
    del rows
    several = list(_new_works_of_several(session)) if (kinds == _SEVERAL).any() else []
    return Moves(kinds, several)


def chosen_fields(
    dialect: Dialect, works: Iterable[tuple[int, list[tuple[Any, ...]]]], now: Any
) -> list[tuple[Any, ...]]:
    """Per work, its canonical fields from its records (_RECORD_COLS rows), bound for the driver as
    SQLAlchemy binds them: (*_COPIED, `now`, work ID). Pure: it may run in a worker process."""
    bound = {name: _binder(dialect, name) for name in _COPIED}
    bound = {name: bind for name, bind in bound.items() if bind is not _same}  # JSON columns
    params = []
    for wid, rows in works:
        fields = canonical([dict(zip(_RECORD_COLS, row, strict=True)) for row in rows])
        for name, bind in bound.items():
            fields[name] = bind(fields[name])
        params.append((*map(fields.__getitem__, _COPIED), now, wid))
    return params


def finish_moves(session: Session, moves: Moves, chosen: Sequence[tuple[Any, ...]], now: Any) -> None:
    """Finish `move`: create the new works (`chosen`: the fields of those of several records, from
    `chosen_fields`) and one UPDATE ... FROM points the records at their works."""
    conn = session.connection()
    if (moves.kinds != _MOVED).any():
        _create(conn, chosen, now)
    conn.exec_driver_sql("UPDATE record SET work_id = m.work_id FROM work_moves m WHERE m.id = record.id")
    conn.exec_driver_sql("DROP TABLE work_moves")


def _key(conn: Connection) -> str:
    """An integer primary key for a temporary table (in SQLite, the row ID itself: rows in key order)."""
    return "INTEGER PRIMARY KEY" if conn.dialect.name == "sqlite" else "BIGINT PRIMARY KEY"


def _create(conn: Connection, chosen: Sequence[tuple[Any, ...]], now: Any) -> None:
    """Create the new works of `work_moves`: from their one record, or with the fields chosen from
    their records. Both kinds go to `new_works` first, so that one INSERT ... SELECT adds them all
    in ID order (appended to the work table, not inserted between its rows)."""
    mark = bind_mark(conn)
    if conn.dialect.name == "sqlite":  # untyped: values are kept as bound, typed by `work` itself
        conn.exec_driver_sql(
            f"CREATE TEMPORARY TABLE new_works (id {_key(conn)}, founder BIGINT, "
            f"{', '.join(_COPIED)}, created_at, updated_at)"
        )
    else:
        conn.exec_driver_sql("CREATE TEMPORARY TABLE new_works (LIKE work)")
        conn.exec_driver_sql("ALTER TABLE new_works ADD COLUMN founder BIGINT")
    conn.exec_driver_sql(
        f"INSERT INTO new_works (id, founder, created_at, updated_at) "
        f"SELECT work_id, id, {mark}, {mark} FROM work_moves WHERE kind = {_ONE}",
        (now, now),
    )
    columns = ", ".join((*_COPIED, "updated_at", "id", "created_at"))
    stmt = f"INSERT INTO new_works ({columns}) VALUES ({', '.join([mark] * (len(_COPIED) + 3))})"
    for start in range(0, len(chosen), _MOVE_BATCH):
        conn.exec_driver_sql(stmt, [(*p, now) for p in chosen[start : start + _MOVE_BATCH]])
    fields = ", ".join(f"CASE WHEN n.founder IS NULL THEN n.{name} ELSE r.{name} END" for name in _COPIED)
    conn.exec_driver_sql(
        f"INSERT INTO work (id, {', '.join(_COPIED)}, created_at, updated_at) "
        f"SELECT n.id, {fields}, n.created_at, n.updated_at "
        "FROM new_works n LEFT JOIN record r ON r.id = n.founder ORDER BY n.id"
    )
    conn.exec_driver_sql("DROP TABLE new_works")


def _new_works_of_several(session: Session) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    """The records of each new work of several records (from `work_moves`), by work."""
    moves = temporary("work_moves", column("id"), column("work_id"), column("kind"))
    rec = Record.__table__  # type: ignore[attr-defined]
    query = (
        select(moves.c.work_id, *(rec.c[name] for name in _RECORD_COLS))
        .select_from(moves.join(rec, rec.c.id == moves.c.id))
        .where(moves.c.kind == _SEVERAL)
        .order_by(moves.c.work_id)
    )
    return _grouped(session.execute(query.execution_options(yield_per=_MOVE_BATCH)))


_MOVED, _ONE, _SEVERAL = 0, 1, 2  # a record joins a work; founds a work of its own; one of several


def _kinds(targets: npt.NDArray[np.int64], fresh: npt.NDArray[np.bool_]) -> npt.NDArray[np.int8]:
    """Per record: joins an existing work, is the only record of a new work, or one of several."""
    kinds = np.zeros(len(targets), dtype=np.int8)
    created, counts = np.unique(targets[fresh], return_counts=True)
    shared = np.isin(targets, created[counts > 1])
    kinds[fresh] = np.where(shared[fresh], _SEVERAL, _ONE)
    return kinds


def _bound(conn: Connection, column: str, value: Any) -> Any:
    """`value` as SQLAlchemy would hand it to the driver for the work table's `column` (JSON text,
    a timestamp in SQLite's format): rows written at driver level read back as the ORM's do."""
    return _binder(conn.dialect, column)(value)


def _binder(dialect: Dialect, column: str) -> Callable[[Any], Any]:
    table = Work.__table__  # type: ignore[attr-defined]
    process = table.c[column].type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else _same


def _same(value: Any) -> Any:
    return value


def delete_empty(session: Session, work_ids: Iterable[int]) -> None:
    """Delete works no record points at any more."""
    ids = sorted(set(work_ids))
    table = Work.__table__  # type: ignore[attr-defined]
    rec = Record.__table__  # type: ignore[attr-defined]
    for part in chunks(ids):
        used = set(session.execute(select(rec.c.work_id).where(rec.c.work_id.in_(part))).scalars())
        gone = [w for w in part if w not in used]
        if gone:
            session.execute(delete(table).where(table.c.id.in_(gone)))


def count(session: Session) -> int:
    """Works in the store."""
    table = Work.__table__  # type: ignore[attr-defined]
    return int(session.execute(select(func.count()).select_from(table)).scalar_one())


def survivor(work_ids: Iterable[int], anchored: set[int]) -> int:
    """The work that keeps its ID when works merge: one with downstream data, else the lowest."""
    ids = sorted(set(work_ids))
    return next((w for w in ids if w in anchored), ids[0])


_FILLED = (*_WORK_FIELDS, "volume", "pages")  # fields counted for a record's quality
_SINGLES = ("title", "year", "journal", "publisher", "doc_type", "language", "url", *_DETAILS)


def _given(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _quality(rec: Mapping[str, Any]) -> tuple[int, ...]:
    filled = sum(map(_given, map(rec.get, _FILLED)))
    return (bool(rec.get("abstract")), bool(rec.get("doi")), filled, rec.get("source") == "openalex")


def _rank(rec: Mapping[str, Any]) -> tuple[tuple[int, ...], int]:
    return _quality(rec), -int(rec["id"])


def canonical(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A work's fields from its records: the richest record first, the longest abstract and author list."""
    ranked = sorted(records, key=_rank, reverse=True)
    out: dict[str, Any] = dict.fromkeys(_SINGLES)
    for name in _SINGLES:  # each from the first record that gives it
        for rec in ranked:
            value = rec.get(name)
            if _given(value):
                out[name] = value
                break
    abstracts = [r["abstract"] for r in ranked if r.get("abstract")]
    authors = [r["authors"] for r in ranked if r.get("authors")]
    dois: dict[str, int] = {}  # counted in rank order: of equally frequent DOIs the first wins
    for rec in ranked:
        doi = normalize_doi(rec.get("doi"))
        if doi:
            dois[doi] = dois.get(doi, 0) + 1
    countries = sorted({c for r in ranked for c in (r.get("countries") or [])})
    out.update(
        abstract=max(abstracts, key=len) if abstracts else None,
        authors=max(authors, key=len) if authors else None,
        doi=max(dois, key=dois.__getitem__) if dois else None,
        countries=countries or None,
    )
    return out


def refresh(session: Session, work_ids: Iterable[int]) -> None:
    """Recompute the canonical fields of works from their current records.

    Many works (a dedupe run's) are read through a temporary table of their IDs in one query, in
    work order, and written by driver-level executemany: at a million records, a fraction of the
    time of an IN-list query and an ORM-level UPDATE per chunk of works."""
    ids = sorted(set(work_ids))
    if not ids:
        return
    conn = session.connection()
    mark = bind_mark(conn)
    sets = ", ".join(f"{name} = {mark}" for name in (*_COPIED, "updated_at"))
    stmt = f"UPDATE work SET {sets} WHERE id = {mark}"
    # Every work is read before any is written: no write while a read is open.
    params = chosen_fields(
        conn.dialect, list(_records_by_work(session, ids)), _bound(conn, "updated_at", utcnow())
    )
    for start in range(0, len(params), _MOVE_BATCH):
        conn.exec_driver_sql(stmt, params[start : start + _MOVE_BATCH])


def _records_by_work(session: Session, ids: Sequence[int]) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    """The records of works `ids` (sorted), grouped by work, in work order."""
    rec = Record.__table__  # type: ignore[attr-defined]
    query = select(rec.c.work_id, *(rec.c[name] for name in _RECORD_COLS)).order_by(rec.c.work_id)
    if len(ids) <= CHUNK:
        yield from _grouped(session.execute(query.where(rec.c.work_id.in_(ids))))
        return
    conn = session.connection()
    mark = bind_mark(conn)
    conn.exec_driver_sql(f"CREATE TEMPORARY TABLE refresh_works (id {_key(conn)})")
    for part in chunks(ids, _MOVE_BATCH):
        conn.exec_driver_sql(f"INSERT INTO refresh_works (id) VALUES ({mark})", [(i,) for i in part])
    wanted = temporary("refresh_works", column("id"))
    query = query.where(rec.c.work_id.in_(select(wanted.c.id)))
    yield from _grouped(session.execute(query.execution_options(yield_per=_MOVE_BATCH)))
    conn.exec_driver_sql("DROP TABLE refresh_works")


def _grouped(rows: Iterable[Any]) -> Iterator[tuple[int, list[tuple[Any, ...]]]]:
    """Rows of (work, *_RECORD_COLS), in work order, as each work's records (_RECORD_COLS rows)."""
    for wid, group in groupby(rows, key=itemgetter(0)):
        yield wid, [tuple(row[1:]) for row in group]
