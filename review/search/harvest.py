"""The harvest loop shared by every connector: log the run, archive each page, commit each page.

A run is the PRISMA-S search-log entry (`SearchRun`). Each page is written to the run's raw
archive, then its records, hits and resume state are committed in one transaction, so a kill
loses at most the page in flight. A later harvest of the same search (same request) continues
an unfinished run from its resume state instead of starting over; a run left `running` by a hard
kill is continued the same way, after its archive's unterminated tail is repaired.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from review.db import utcnow, write_lock
from review.errors import SearchError
from review.models import SearchRun
from review.records import RawArchive, RecordIn, finish_run, start_run, upsert_records
from review.search.api import BudgetExhaustedError
from review.search.archive import repair
from review.search.base import Connector, Page, Plan
from review.states import RunStatus

SessionFactory = Callable[[], AbstractContextManager[Session]]
Progress = Callable[[int], None]
UNFINISHED = (RunStatus.RUNNING, RunStatus.INTERRUPTED, RunStatus.BUDGET_EXHAUSTED, RunStatus.FAILED)
STALE_AFTER = timedelta(minutes=15)  # a harvest on another machine that stored no page for this long has died


@dataclass(frozen=True)
class RunSummary:
    """How one search run ended (counts are for the whole run, across resumes)."""

    run_id: int
    source: str
    name: str
    status: str
    retrieved: int
    new: int  # records first seen in this invocation
    total_reported: int | None
    cost_usd: float
    resumed: bool
    message: str | None


@dataclass
class _Open:
    run_id: int
    raw_path: str
    state: dict[str, Any] | None
    resumed: bool


def archive_path(plan: Plan) -> str:
    """Where a new run's raw responses go, relative to the review folder."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    return f"sources/{plan.source}/{plan.name}-{stamp}.jsonl.gz"


def open_run(session: Session, plan: Plan, protocol_hash: str | None) -> _Open:
    """Continue the latest unfinished run of this exact request, or start a new one."""
    latest = session.exec(
        select(SearchRun)
        .where(SearchRun.source == plan.source, SearchRun.search_name == plan.name)
        .order_by(SearchRun.id.desc())  # type: ignore[union-attr]
        .limit(1)
    ).first()
    if latest and latest.status == "running" and holder_alive(latest):
        raise SearchError(
            f"{plan.source} search {plan.name!r} is being harvested by another process ({latest.holder}, "
            f"last page stored {latest.heartbeat_at:%Y-%m-%d %H:%M} UTC): wait for it to finish. If that "
            f"process has died, run `review search` again after {STALE_AFTER.seconds // 60} minutes "
            "without a new page; it resumes the run."
        )
    if latest and latest.status in UNFINISHED and latest.request == plan.request and latest.raw_path:
        latest.status, latest.message, latest.finished_at = "running", None, None
        _hold(latest)
        assert latest.id is not None
        return _Open(latest.id, latest.raw_path, latest.resume_state, True)
    run = start_run(
        session,
        source=plan.source,
        search_name=plan.name,
        arm=plan.arm,
        platform=plan.platform,
        request=plan.request,
        filters=plan.filters,
        protocol_hash=protocol_hash,
    )
    run.raw_path = archive_path(plan)
    _hold(run)
    assert run.id is not None
    return _Open(run.id, run.raw_path, None, False)


def holder_alive(run: SearchRun) -> bool:
    """Whether the process that left this run `running` may still be harvesting it.

    On this machine its PID answers the question at once (a hard kill is resumed straight away);
    a process on another machine counts as gone once it has stored no page for STALE_AFTER.
    """
    if not run.holder or run.heartbeat_at is None:
        return False
    host, _, pid = run.holder.rpartition(" ")
    if host == socket.gethostname() and pid.isdigit():
        return _pid_alive(int(pid))
    beat = run.heartbeat_at if run.heartbeat_at.tzinfo else run.heartbeat_at.replace(tzinfo=UTC)
    return utcnow() - beat < STALE_AFTER


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _hold(run: SearchRun) -> None:
    run.holder, run.heartbeat_at = f"{socket.gethostname()} {os.getpid()}", utcnow()


def header(plan: Plan, run: SearchRun) -> dict[str, Any]:
    """The first line of a run's archive: enough to recreate its search-log entry offline."""
    return {
        "kind": "run",
        "source": plan.source,
        "search_name": plan.name,
        "platform": plan.platform,
        "arm": plan.arm,
        "request": plan.request,
        "filters": plan.filters,
        "started_at": run.started_at.isoformat(),
        "tool_version": run.tool_version,
        "protocol_hash": run.protocol_hash,
    }


def store(session: Session, run_id: int, records: list[RecordIn], rank0: int) -> int:
    """Upsert a page's records and log them as hits ranked after the run's earlier pages."""
    return upsert_records(session, run_id, records, rank0=rank0).new


def harvest(
    sessions: SessionFactory,
    connector: Connector,
    name: str,
    root: Path,
    *,
    protocol_hash: str | None,
    progress: Progress | None = None,
    resume_with: str = "review search",
) -> RunSummary:
    """Run (or continue) one search to the end; see the module docstring.

    A spent daily budget ends the run as `budget_exhausted` (the summary says when to resume, with
    the command `resume_with`: an update run resumes with `review update`).

    Raises:
        SearchError, KeyboardInterrupt: after the run is logged as `failed` or `interrupted`
            with everything so far committed and its resume state kept.
    """
    plan = connector.plan(name)
    with sessions() as session:
        write_lock(session)  # two harvests starting at once: the second sees the first's run
        opened = open_run(session, plan, protocol_hash)
        run = session.get(SearchRun, opened.run_id)
        assert run is not None
        first_line = None if opened.resumed else header(plan, run)
    if opened.resumed:
        repair(root / opened.raw_path)  # a hard kill leaves the last gzip member unterminated
    archive = RawArchive(root, opened.raw_path)
    archive.write(first_line or {"kind": "resume", "at": utcnow().isoformat()})
    outcome: tuple[str, str | None] = ("interrupted", f"Interrupted: run `{resume_with}` again to resume.")
    new = 0
    try:
        for page in connector.pages(name, opened.state):
            new += _commit_page(sessions, archive, opened.run_id, page)
            if page.state is None:  # the last page is in: an interrupt from here on loses nothing
                outcome = ("complete", None)
            if progress:
                progress(len(page.records))
        outcome = ("complete", None)
    except BudgetExhaustedError as exc:
        outcome = ("budget_exhausted", budget_message(exc, resume_with))
    except Exception as exc:
        outcome = ("failed", str(exc))
        raise
    finally:
        _close(sessions, archive, opened.run_id, outcome)
    return _summary(sessions, opened, new)


def budget_message(exc: BudgetExhaustedError, resume_with: str = "review search") -> str:
    """What a budget stop means for the user: nothing is lost, and when to carry on."""
    said = exc.message.rstrip()
    said += "" if said.endswith(".") else "."
    return (
        f"{said} Everything harvested so far is kept; run `{resume_with}` again after "
        f"{exc.resume_at:%Y-%m-%d %H:%M} UTC to resume."
    )


def _commit_page(sessions: SessionFactory, archive: RawArchive, run_id: int, page: Page) -> int:
    for entry in page.entries:
        archive.write(entry)
    with sessions() as session:
        run = session.get(SearchRun, run_id)
        assert run is not None
        new = store(session, run_id, page.records, rank0=run.retrieved)
        run.retrieved += len(page.records)
        run.pages += sum(1 for e in page.entries if e.get("kind") in ("page", "search"))
        run.cost_usd = (run.cost_usd or 0.0) + page.cost_usd
        if page.total is not None:
            run.total_reported = page.total
        run.resume_state = page.state
        run.heartbeat_at = utcnow()
    return new


def _close(
    sessions: SessionFactory, archive: RawArchive, run_id: int, outcome: tuple[str, str | None]
) -> None:
    status, message = outcome
    with sessions() as session:
        run = session.get(SearchRun, run_id)
        assert run is not None
        if status == "complete":
            run.resume_state = None
        archive.write(_end_line(run, status, message))
        run.raw_sha256 = archive.close()
        run.holder = None
        finish_run(run, status=status, message=message)


def _end_line(run: SearchRun, status: str, message: str | None) -> dict[str, Any]:
    return {
        "kind": "end",
        "status": status,
        "message": message,
        "finished_at": utcnow().isoformat(),
        "total_reported": run.total_reported,
        "retrieved": run.retrieved,
        "pages": run.pages,
        "cost_usd": run.cost_usd,
        "resume_state": run.resume_state,
    }


def _summary(sessions: SessionFactory, opened: _Open, new: int) -> RunSummary:
    with sessions() as session:
        run = session.get(SearchRun, opened.run_id)
        assert run is not None and run.id is not None
        return RunSummary(
            run_id=run.id,
            source=run.source,
            name=run.search_name,
            status=run.status,
            retrieved=run.retrieved,
            new=new,
            total_reported=run.total_reported,
            cost_usd=run.cost_usd,
            resumed=opened.resumed,
            message=run.message,
        )
