"""The one way a stage records its run: a `stage_run` row with its start, counts and end.

`stage_run` is for a stage that works in one transaction (dedupe, rules, assign, prefill, report,
import); `batched_stage_run` for one that commits batch by batch (full-text fetch), whose row is
committed "running" first. The stage sets its counts; the row ends "complete", or "failed" with the
error when the stage raises. The reports read the counts of complete runs only.

A failure must be kept although the stage's transaction rolls back. The stage's work runs inside a
SAVEPOINT: on an error it is rolled back there and the failed row is written in the same
transaction, so a caller that catches the error and commits keeps the row and none of the half-done
work. When the transaction rolls back instead (the usual end of an error), the row is written again
in a short transaction of its own once the rollback is over. It waits until then because SQLite
lets one connection write at a time: a second connection opened while the stage's transaction
still holds the write lock would wait on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event, insert, select
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from review import __version__
from review.db import is_sqlite, utcnow
from review.models import StageRun
from review.states import StageRunStatus

SessionFactory = Callable[[], AbstractContextManager[Session]]
MAX_ERROR_CHARS = 2000


@dataclass
class StageRunHandle:
    """What a running stage sees of its row: the counts it sets, and the row's ID once written."""

    counts: dict[str, Any] | None = None
    run_id: int | None = None


@contextmanager
def stage_run(session: Session, stage: str, *, protocol_hash: str | None = None) -> Iterator[StageRunHandle]:
    """Record one run of `stage` in `session`'s transaction; the stage's writes go in the block.

    The row is written when the run ends: inside one transaction nobody else could see it running,
    and writing it first would take SQLite's write lock for the whole run.
    """
    row = _started(stage, protocol_hash, None)
    handle = StageRunHandle()
    work = _savepoint(session)
    try:
        yield handle
    except Exception as exc:
        if work.is_active:
            work.rollback()
        _ended(row, StageRunStatus.FAILED, None, exc)
        _write(session, row, handle)
        _keep_after_rollback(session, _values(row))
        raise
    work.commit()
    _ended(row, StageRunStatus.COMPLETE, handle.counts)
    _write(session, row, handle)


def _savepoint(session: Session) -> SessionTransaction:
    # pysqlite opens no transaction before a SAVEPOINT, so its RELEASE would commit: open one first
    # (deferred: no lock until the first write).
    conn = session.connection()
    if is_sqlite(conn.engine) and not conn.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        conn.exec_driver_sql("BEGIN")
    return session.begin_nested()


def _write(session: Session, row: StageRun, handle: StageRunHandle) -> None:
    session.add(row)
    session.flush()
    handle.run_id = row.id


@contextmanager
def batched_stage_run(
    sessions: SessionFactory, stage: str, *, counts: dict[str, Any] | None = None
) -> Iterator[StageRunHandle]:
    """Record one run of a stage that commits as it goes: the row is committed "running" first,
    so one still "running" was interrupted; a failure keeps the counts set so far (committed work)."""
    handle = StageRunHandle(counts)
    with sessions() as session:
        _write(session, _started(stage, None, counts), handle)
    try:
        yield handle
    except Exception as exc:
        _end_in_own_transaction(sessions, handle, StageRunStatus.FAILED, exc)
        raise
    _end_in_own_transaction(sessions, handle, StageRunStatus.COMPLETE, None)


def log_event(
    session: Session, name: str, counts: dict[str, Any], *, protocol_hash: str | None = None
) -> StageRun:
    """Log an event that has no table of its own (a pilot batch, a protocol change) as a complete
    run of no duration named `name`, its facts in `counts`."""
    now = utcnow()
    row = StageRun(stage=name, started_at=now, finished_at=now, status=StageRunStatus.COMPLETE,
                   counts=counts, protocol_hash=protocol_hash, tool_version=__version__)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def _started(stage: str, protocol_hash: str | None, counts: dict[str, Any] | None) -> StageRun:
    return StageRun(
        stage=stage,
        started_at=utcnow(),
        status=StageRunStatus.RUNNING,
        counts=counts,
        protocol_hash=protocol_hash,
        tool_version=__version__,
    )


def _ended(
    row: StageRun, status: StageRunStatus, counts: dict[str, Any] | None, exc: Exception | None = None
) -> None:
    row.status, row.finished_at, row.counts = status, utcnow(), counts
    row.error = None if exc is None else _error_text(exc)


def _error_text(exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 3] + "..."


def _end_in_own_transaction(
    sessions: SessionFactory, handle: StageRunHandle, status: StageRunStatus, exc: Exception | None
) -> None:
    with sessions() as session:
        row = session.get(StageRun, handle.run_id)
        if row is not None:
            _ended(row, status, handle.counts, exc)
            session.add(row)


def _values(row: StageRun) -> dict[str, Any]:
    return {k: v for k, v in row.model_dump().items() if k != "id"}


def _keep_after_rollback(session: Session, values: dict[str, Any]) -> None:
    """Write the failed row again once the transaction ends, unless that end was a commit."""
    root = session.get_transaction()
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine

    def ended(_: Session, transaction: SessionTransaction) -> None:
        if transaction is not root:  # a root transaction ends once: this runs once
            return
        with engine.begin() as conn:
            table = StageRun.__table__  # type: ignore[attr-defined]
            same = select(table.c.id).where(table.c.stage == values["stage"])
            kept = same.where(table.c.started_at == values["started_at"], table.c.error == values["error"])
            if conn.execute(kept).first() is None:
                conn.execute(insert(table).values(**values))

    event.listen(session, "after_transaction_end", ended)
