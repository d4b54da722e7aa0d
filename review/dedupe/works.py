"""Works in the store: which records form each, which work survives a merge, canonical fields.

Work IDs are stable: later stages hang screening, documents and extraction on them. A merge moves
records into the surviving work (the one with downstream data, else the lowest ID); new works get
new IDs; a work emptied by a merge is deleted (it has no downstream rows, or it would have survived).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, literal, select, update
from sqlmodel import Session, SQLModel

from review.db import utcnow
from review.models import Record, Work
from review.normalize import normalize_doi

CHUNK = 500  # IN-list size that stays under SQLite's bound-parameter limit
_WORK_FIELDS = ("title", "abstract", "authors", "year", "doi", "journal", "publisher", "doc_type")
# Bibliographic details a work's exports carry (RIS, BibTeX, CSV), from its richest record.
_DETAILS = ("publication_date", "issn", "volume", "issue", "pages", "keywords")
_WORK_FIELDS_MORE = ("language", "url", "countries", *_DETAILS)
_RECORD_COLS = ("id", "work_id", "source", *_WORK_FIELDS, *_WORK_FIELDS_MORE, "openalex_id")


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
    """Point records at works: the (record, work) pairs go to a temporary table in one executemany,
    handed straight to the driver, then one UPDATE ... FROM moves them all (at a million records,
    half the time of an UPDATE per record)."""
    if not assignments:
        return
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql("CREATE TEMPORARY TABLE work_moves (id BIGINT PRIMARY KEY, work_id BIGINT NOT NULL)")
    items = list(assignments.items())
    for start in range(0, len(items), 50_000):  # batches keep the parameter list small
        conn.exec_driver_sql(
            f"INSERT INTO work_moves (id, work_id) VALUES ({mark}, {mark})", items[start : start + 50_000]
        )
    conn.exec_driver_sql("UPDATE record SET work_id = m.work_id FROM work_moves m WHERE m.id = record.id")
    conn.exec_driver_sql("DROP TABLE work_moves")


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


def _quality(rec: Mapping[str, Any]) -> tuple[int, ...]:
    filled = sum(rec.get(f) not in (None, "", []) for f in (*_WORK_FIELDS, "volume", "pages"))
    return (bool(rec.get("abstract")), bool(rec.get("doi")), filled, rec.get("source") == "openalex")


def canonical(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A work's fields from its records: the richest record first, the longest abstract and author list."""
    ranked = sorted(records, key=lambda r: (_quality(r), -int(r["id"])), reverse=True)

    def first(name: str) -> Any:
        return next((r[name] for r in ranked if r.get(name) not in (None, "", [])), None)

    abstracts = [r["abstract"] for r in ranked if r.get("abstract")]
    authors = [r["authors"] for r in ranked if r.get("authors")]
    dois = Counter(d for d in (normalize_doi(r.get("doi")) for r in ranked) if d)
    countries = sorted({c for r in ranked for c in (r.get("countries") or [])})
    singles = ("title", "year", "journal", "publisher", "doc_type", "language", "url", *_DETAILS)
    out = {name: first(name) for name in singles}
    out.update(
        abstract=max(abstracts, key=len) if abstracts else None,
        authors=max(authors, key=len) if authors else None,
        doi=dois.most_common(1)[0][0] if dois else None,
        countries=countries or None,
    )
    return out


def copy_single(session: Session, first_id: int) -> None:
    """Fill works from ID `first_id` on with their record's fields in one UPDATE ... FROM.

    Right for single-record works; works of several records get the same and are then `refresh`ed.
    """
    rec = Record.__table__  # type: ignore[attr-defined]
    work = Work.__table__  # type: ignore[attr-defined]
    fields = {name: rec.c[name] for name in (*_WORK_FIELDS, *_WORK_FIELDS_MORE)}
    stmt = update(work).values(fields).where(rec.c.work_id == work.c.id, work.c.id >= first_id)
    session.execute(stmt)


def refresh(session: Session, work_ids: Iterable[int]) -> None:
    """Recompute the canonical fields of works from their current records (bulk UPDATE per chunk)."""
    ids = sorted(set(work_ids))
    rec = Record.__table__  # type: ignore[attr-defined]
    work = Work.__table__  # type: ignore[attr-defined]
    cols = [rec.c[name] for name in _RECORD_COLS]
    stmt = (
        update(work)
        .where(work.c.id == bindparam("wid"))
        .values({name: bindparam(f"v_{name}") for name in (*_WORK_FIELDS, *_WORK_FIELDS_MORE, "updated_at")})
    )
    now = utcnow()
    for part in chunks(ids):
        grouped: dict[int, list[dict[str, Any]]] = {}
        for row in session.execute(select(*cols).where(rec.c.work_id.in_(part))).mappings():
            grouped.setdefault(row["work_id"], []).append(dict(row))
        params = [
            {"wid": wid, "v_updated_at": now, **{f"v_{k}": v for k, v in canonical(recs).items()}}
            for wid, recs in grouped.items()
        ]
        if params:
            session.connection().execute(stmt, params)
