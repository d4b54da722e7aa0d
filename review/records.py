"""Source records in and out of the store: the shape every connector and importer produces,
the bulk upsert they all use, and the search-run log entries they write."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from review import __version__
from review.db import JSON_OPTIONS, utcnow
from review.models import SQLITE_BULK_FLAG, Record, RecordHit, SearchRun

BATCH = 2000


@dataclass(slots=True)
class RecordIn:
    """A record as a connector or importer yields it, before it has an ID in the store."""

    source: str
    source_id: str
    title: str | None = None
    other_titles: list[str] | None = None  # short, translated, original-language titles (RIS ST/TT)
    abstract: str | None = None
    authors: list[str] | None = None
    year: int | None = None
    publication_date: str | None = None
    doi: str | None = None
    journal: str | None = None
    journal_abbrev: str | None = None
    issn: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    publisher: str | None = None
    doc_type: str | None = None
    language: str | None = None
    url: str | None = None
    openalex_id: str | None = None
    pmid: str | None = None
    govuk_base_path: str | None = None
    govuk_content_id: str | None = None
    countries: list[str] | None = None
    keywords: list[str] | None = None
    # The databases' own IDs beside source_id: {"scopus": "2-s2.0-…", "wos": "WOS:…", "embase": "…",
    # "pmcid": "PMC…", "isbn": "…", "accession": "…" (an accession number of a database not known)}.
    other_ids: dict[str, str] | None = None
    extra: dict[str, Any] | None = field(default=None)


RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(RecordIn))
_UPDATABLE = tuple(f for f in RECORD_FIELDS if f not in ("source", "source_id"))


@dataclass(frozen=True)
class UpsertResult:
    received: int
    new: int


def upsert_records(
    session: Session, run_id: int | None, records: Sequence[RecordIn], *, rank0: int = 0
) -> UpsertResult:
    """Insert or refresh records (keyed on source and source ID) and log them as hits of a run.

    `rank0` is the rank of the first record in the run's results (a later page continues the
    run's ranking). Bulk statements in batches: one INSERT ... ON CONFLICT per batch, never
    per-row ORM merges.
    """
    new = 0
    for start in range(0, len(records), BATCH):
        new += _upsert_batch(session, run_id, records[start : start + BATCH], rank0=rank0 + start)
    return UpsertResult(received=len(records), new=new)


def _insert_for(session: Session, table: Table) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(table)


def _upsert_batch(session: Session, run_id: int | None, batch: Sequence[RecordIn], rank0: int) -> int:
    if not batch:
        return 0
    # One row per key: a page may repeat a record, and ON CONFLICT cannot touch a row twice.
    unique = {(r.source, r.source_id): r for r in batch}
    now = utcnow()
    sqlite_store = session.get_bind().dialect.name == "sqlite"
    if sqlite_store:
        _sqlite_upsert(session, unique.values(), now, run_id)
    else:
        _core_upsert(session, unique.values(), now, run_id)
    ids = _ids_of(session, unique)
    if sqlite_store:
        _count_new(session, ids, now)
    if run_id is not None:
        hits = [
            {"record_id": ids[(r.source, r.source_id)][0], "search_run_id": run_id, "rank": rank0 + i}
            for i, r in enumerate(batch)
        ]
        hit_stmt = _insert_for(session, RecordHit.__table__).on_conflict_do_nothing()  # type: ignore[attr-defined]
        session.execute(hit_stmt, hits)
    # An updated row keeps its created_at, so the rows created now are the new ones.
    return sum(1 for _, created in ids.values() if created == now)


def _core_upsert(session: Session, records: Iterable[RecordIn], now: datetime, run_id: int | None) -> None:
    """INSERT ... ON CONFLICT DO UPDATE, sent as multi-row statements (PostgreSQL)."""
    rows = [
        {
            **{f: getattr(r, f) for f in RECORD_FIELDS},
            "created_at": now,
            "updated_at": now,
            "first_run_id": run_id,
        }
        for r in records
    ]
    stmt = _insert_for(session, Record.__table__)  # type: ignore[attr-defined]
    stmt = stmt.on_conflict_do_update(
        index_elements=["source", "source_id"],
        set_={**{f: stmt.excluded[f] for f in _UPDATABLE}, "updated_at": stmt.excluded.updated_at},
    )
    # No RETURNING: the IDs are read back by key in one SELECT (`_ids_of`).
    session.execute(stmt, rows)


_JSON_FIELDS = frozenset(f for f in RECORD_FIELDS if f in ("authors", "countries", "keywords", "extra",
                                                             "other_titles", "other_ids"))  # fmt: skip
_SQLITE_UPSERT = (
    f"INSERT INTO record ({', '.join((*RECORD_FIELDS, 'created_at', 'updated_at', 'first_run_id'))}) "
    f"VALUES ({', '.join('?' * (len(RECORD_FIELDS) + 3))}) ON CONFLICT (source, source_id) DO UPDATE SET "
    + ", ".join(f"{f} = excluded.{f}" for f in (*_UPDATABLE, "updated_at"))
)


def _sqlite_upsert(session: Session, records: Iterable[RecordIn], now: datetime, run_id: int | None) -> None:
    """The same upsert handed straight to sqlite3's executemany, values coded as SQLAlchemy stores
    them (JSON text, naive UTC timestamps): SQLAlchemy's per-row parameter handling took half the
    time of a 100,000-record import. The record-insert count trigger steps aside meanwhile
    (models.SQLITE_BULK_FLAG); `_count_new` counts the rows created, in the same transaction."""
    stamp = now.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    json_at = [i for i, f in enumerate(RECORD_FIELDS) if f in _JSON_FIELDS]
    rows = []
    for record in records:
        values: list[Any] = [getattr(record, f) for f in RECORD_FIELDS]
        for i in json_at:
            if values[i] is not None:
                values[i] = orjson.dumps(values[i], option=JSON_OPTIONS).decode()
        rows.append((*values, stamp, stamp, run_id))
    conn = session.connection()
    conn.exec_driver_sql("INSERT INTO meta (key, value) VALUES (?, 'upsert')", (SQLITE_BULK_FLAG,))
    conn.exec_driver_sql(_SQLITE_UPSERT, rows)
    conn.exec_driver_sql("DELETE FROM meta WHERE key = ?", (SQLITE_BULK_FLAG,))


def _count_new(session: Session, ids: Mapping[tuple[str, str], tuple[int, Any]], now: datetime) -> None:
    """Add the records `_sqlite_upsert` created to the kept counts, as the trigger would have."""
    new = Counter(source for (source, _), (_, created) in ids.items() if created == now)
    if not new:
        return
    session.connection().exec_driver_sql(
        "INSERT INTO tally (key, n) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET n = n + excluded.n",
        [(f"records|{source}", n) for source, n in sorted(new.items())],
    )


def _ids_of(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, Any]]:
    """(id, created_at) of stored records by (source, source_id), a source at a time."""
    table = Record.__table__  # type: ignore[attr-defined]
    by_source: dict[str, list[str]] = {}
    for source, source_id in keys:
        by_source.setdefault(source, []).append(source_id)
    found: dict[tuple[str, str], tuple[int, Any]] = {}
    for source, source_ids in by_source.items():
        query = select(table.c.source_id, table.c.id, table.c.created_at).where(
            table.c.source == source, table.c.source_id.in_(source_ids)
        )
        found.update({(source, sid): (rid, created) for sid, rid, created in session.execute(query)})
    return found


def start_run(
    session: Session,
    *,
    source: str,
    search_name: str,
    arm: str,
    platform: str,
    request: str,
    filters: dict[str, Any] | None,
    protocol_hash: str | None,
) -> SearchRun:
    """Open a search-log entry (status `running`) and flush it so it has an ID."""
    run = SearchRun(
        source=source,
        search_name=search_name,
        arm=arm,
        platform=platform,
        request=request,
        filters=filters,
        started_at=utcnow(),
        tool_version=__version__,
        protocol_hash=protocol_hash,
    )
    session.add(run)
    session.flush()
    return run


def finish_run(run: SearchRun, *, status: str, message: str | None = None) -> None:
    """Close a search-log entry."""
    run.status = status
    run.message = message
    run.finished_at = utcnow()


class RawArchive:
    """Raw responses of one run as gzip-compressed JSON lines under `sources/`, hashed on close.

    Each line is {"request": ..., "status": ..., "body": ...}; the store can be rebuilt from these
    (`review.search.archive.entries` reads them back, safely after a crash).
    """

    def __init__(self, root: Path, relpath: str) -> None:
        self.relpath = relpath
        self.path = root / relpath
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Append mode: a resumed run adds to the same file (gzip members concatenate cleanly).
        self._fh = gzip.open(self.path, "at", encoding="utf-8")  # noqa: SIM115 (closed in close())

    def write(self, entry: dict[str, Any]) -> None:
        self._fh.write(orjson.dumps(entry, option=JSON_OPTIONS).decode() + "\n")
        self._fh.flush()

    def close(self) -> str:
        self._fh.close()
        return sha256_file(self.path)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
