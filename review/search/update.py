"""`review update`: re-run every protocol search for what is new since its last complete run.

Each search runs with a date window starting on the day its last complete run started (that
run, original or update, is kept as it is): OpenAlex `from_created_date` (works added to OpenAlex
since), or `from_updated_date` with `changed` (works added or changed since: more to fetch);
GOV.UK `public_timestamp` (published or majorly updated since). The window overlaps the previous
run by that day, so nothing falls between two runs; what comes back twice is the same record. Each
update run is its own search-log entry (PRISMA-S) whose `filters["update"]` holds the window. A
search with no complete run yet (say, one added to the protocol for the update) runs in full.

OpenAlex sells its date-of-indexing filters on paid plans only: with a free key the request is
refused (HTTP 429 "Plan upgrade required"). `full` re-runs the whole searches instead; records
already in the store then count as found again, not as new.

An update belongs to the version still open: it needs a closed version to update (`review version
close`); `dry_run` does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from review.errors import InputError, SearchError
from review.http import ClientSettings
from review.models import SearchRun
from review.protocol import Protocol
from review.search import connectors
from review.search.api import BudgetExhaustedError
from review.search.base import Connector, Estimate, Window
from review.search.harvest import Progress, RunSummary, SessionFactory, harvest
from review.settings import Settings
from review.stagerun import batched_stage_run

CREATED, UPDATED, PUBLIC = "from_created_date", "from_updated_date", "public_timestamp"
PAID_ONLY = (
    "OpenAlex filters by the date a work was added or changed only on paid plans (a free key gets "
    "HTTP 429 'Plan upgrade required'). Use a paid key, or run `review update --full` to re-run the "
    "whole searches (records already in the store count as found again, not as new)."
)


@dataclass(frozen=True)
class Planned:
    """One search of the update: its window, or None for a full run (and why)."""

    source: str
    name: str
    window: Window | None
    note: str


@dataclass(frozen=True)
class UpdateEstimate:
    """What one search of the update would fetch and cost (`review update --dry-run`)."""

    planned: Planned
    estimate: Estimate | None
    refused: str | None = None  # the service refused the count request (a paid-only filter)


@dataclass(frozen=True)
class UpdateResult:
    version: str  # the closed version this update adds to
    planned: tuple[Planned, ...]
    runs: tuple[RunSummary, ...]
    skipped: tuple[str, ...]  # searches not run, and why

    @property
    def unfinished(self) -> tuple[RunSummary, ...]:
        return tuple(r for r in self.runs if r.status != "complete")


def last_complete(session: Session, source: str, name: str, base_request: str) -> SearchRun | None:
    """The latest complete run of this search as the protocol states it now (full or update run)."""
    q = select(SearchRun).where(
        SearchRun.source == source, SearchRun.search_name == name, SearchRun.status == "complete"
    )
    for run in session.exec(q.order_by(col(SearchRun.id).desc())):
        if run.request == base_request or ((run.filters or {}).get("update") or {}).get("base_request") == (
            base_request
        ):
            return run
    return None


def plan(session: Session, conns: list[Connector], *, changed: bool, full: bool) -> list[Planned]:
    """Each search's window from its last complete run; sets it on the connector (`windows`)."""
    found = []
    for conn in conns:
        for name in conn.names():
            conn.windows.pop(name, None)
            base = conn.plan(name).request
            last = None if full else last_complete(session, conn.source, name, base)
            if full or last is None:
                why = "full run (--full)" if full else "no complete run of this search yet: it runs in full"
                found.append(Planned(conn.source, name, None, why))
                continue
            assert last.id is not None
            field = PUBLIC if conn.source == "govuk" else (UPDATED if changed else CREATED)
            window = Window(last.started_at.date(), field, last.id, base)
            conn.windows[name] = window
            note = f"{field} from {window.since.isoformat()} (after run {last.id})"
            found.append(Planned(conn.source, name, window, note))
    return found


def _selected(planned: list[Planned], source: str | None, name: str | None) -> list[Planned]:
    chosen = [
        p for p in planned if (source is None or p.source == source) and (name is None or p.name == name)
    ]
    if not chosen:
        known = ", ".join(f"{p.source}/{p.name}" for p in planned) or "none"
        raise SearchError(f"No search to update matches that choice: the protocol has {known}.")
    return chosen


def _past_end(protocol: Protocol, p: Planned) -> str | None:
    end = protocol.review.end_date
    if p.source == "govuk" and p.window is not None and end is not None and p.window.since > end:
        return f"{p.source}/{p.name}: the review's end date {end.isoformat()} is before the window; skipped."
    return None


def run(
    sessions: SessionFactory,
    protocol: Protocol,
    root: Path,
    *,
    settings: Settings,
    source: str | None = None,
    name: str | None = None,
    changed: bool = False,
    full: bool = False,
    client: ClientSettings | None = None,
    progress: Progress | None = None,
) -> UpdateResult:
    """Run the update (see the module docstring); resumes an interrupted update run.

    Raises:
        InputError: no version has been closed yet.
        SearchError: as `review search`; a refused paid-only filter says what to do instead.
    """
    from review import versions

    with sessions() as session:
        version = versions.latest(session)
    if version is None:
        raise InputError(
            "No version of this review has been closed yet: run `review version close NAME` first, so the "
            "update's new records are told apart from the review as it stood."
        )
    conns = connectors(protocol, source, settings=settings, client=client)
    try:
        with sessions() as session:
            planned = _selected(plan(session, conns, changed=changed, full=full), source, name)
        with batched_stage_run(sessions, "update", counts={"version": version.name}) as logged:
            runs, skipped = _harvest_all(sessions, protocol, root, conns, planned, progress)
            logged.counts = _counts(version.name, runs, skipped)
        return UpdateResult(version.name, tuple(planned), tuple(runs), tuple(skipped))
    finally:
        for conn in conns:
            conn.close()


def _harvest_all(
    sessions: SessionFactory,
    protocol: Protocol,
    root: Path,
    conns: list[Connector],
    planned: list[Planned],
    progress: Progress | None,
) -> tuple[list[RunSummary], list[str]]:
    by_source = {c.source: c for c in conns}
    runs: list[RunSummary] = []
    skipped: list[str] = []
    stopped: set[str] = set()
    for p in planned:
        past = _past_end(protocol, p)
        if past or p.source in stopped:
            skipped.append(past or f"{p.source}/{p.name}: not run after the budget stop above.")
            continue
        try:
            summary = harvest(sessions, by_source[p.source], p.name, root, protocol_hash=protocol.sha256,
                              progress=progress, resume_with="review update")  # fmt: skip
        except SearchError as exc:
            raise _explained(exc) from exc
        runs.append(summary)
        if summary.status == "budget_exhausted":
            stopped.add(p.source)
    return runs, skipped


def _explained(exc: SearchError) -> SearchError:
    said = str(exc)
    if "upgrade" in said.lower():
        return SearchError(f"{said}\n{PAID_ONLY}")
    return exc


def _counts(version: str, runs: list[RunSummary], skipped: list[str]) -> dict[str, object]:
    return {
        "version": version,
        "runs": [r.run_id for r in runs],
        "retrieved": sum(r.retrieved for r in runs),
        "new": sum(r.new for r in runs),
        "skipped": len(skipped),
    }


def dry_run(
    session: Session,
    protocol: Protocol,
    *,
    settings: Settings,
    source: str | None = None,
    name: str | None = None,
    changed: bool = False,
    full: bool = False,
    client: ClientSettings | None = None,
) -> list[UpdateEstimate]:
    """Each search's window, count (one cheap request) and cost; fetches no record, stores nothing."""
    conns = connectors(protocol, source, settings=settings, client=client)
    try:
        planned = _selected(plan(session, conns, changed=changed, full=full), source, name)
        by_source = {c.source: c for c in conns}
        return [_estimate(by_source[p.source], p, protocol) for p in planned]
    finally:
        for conn in conns:
            conn.close()


def _estimate(conn: Connector, p: Planned, protocol: Protocol) -> UpdateEstimate:
    past = _past_end(protocol, p)
    if past:
        return UpdateEstimate(p, None, past)
    try:
        return UpdateEstimate(p, conn.estimate(p.name))
    except BudgetExhaustedError as exc:
        return UpdateEstimate(p, None, f"{exc.message} Try again after {exc.resume_at:%Y-%m-%d %H:%M} UTC.")
    except SearchError as exc:
        return UpdateEstimate(p, None, str(_explained(exc)))
