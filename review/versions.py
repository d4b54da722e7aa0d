"""`review version`: close the review as it stands, and tell what belongs to the version still open.

Closing a version (`close`) freezes it: a `review_version` row holds its name, when and by whom,
the PRISMA counts and store totals at that moment, and the included studies; the report and the
exports are written under `extracted/<NAME>/`. Everything stored afterwards (search runs, records,
works, decisions) belongs to the next version, which `review update` fills with what is new.

What belongs where is read from the store's timestamps: a work first seen after the latest
version's `closed_at` is new in the open version. Works are never renumbered into newer ones: a
new record that matches an earlier work joins that work (review.dedupe.works keeps the work with
downstream data), so a study found again keeps what was decided about it and is not screened twice.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from review import __version__
from review.db import utcnow, write_lock
from review.errors import InputError
from review.models import Record, ReviewVersion, ScreeningDecision, SearchRun, TallyPart, Work
from review.protocol import Protocol
from review.stagerun import stage_run
from review.states import Stage

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class CloseResult:
    version: ReviewVersion
    files: tuple[Path, ...]
    open_items: tuple[str, ...]  # what was still waiting when the version closed (not an error)


def aware(moment: datetime) -> datetime:
    """A stored time as an aware UTC datetime (SQLite hands back naive UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def latest(session: Session) -> ReviewVersion | None:
    """The most recently closed version, if any."""
    return session.exec(select(ReviewVersion).order_by(col(ReviewVersion.id).desc()).limit(1)).first()


def listing(session: Session) -> list[ReviewVersion]:
    """Every closed version, oldest first."""
    return list(session.exec(select(ReviewVersion).order_by(col(ReviewVersion.id))))


def previous_to(session: Session, version: ReviewVersion) -> ReviewVersion | None:
    """The version closed just before `version`."""
    q = select(ReviewVersion).where(col(ReviewVersion.id) < version.id)
    return session.exec(q.order_by(col(ReviewVersion.id).desc()).limit(1)).first()


def cutoff(session: Session) -> datetime | None:
    """When the latest version closed (aware UTC): what is stored after it is new; None before any."""
    found = latest(session)
    return aware(found.closed_at) if found is not None else None


def new_works(session: Session, since: datetime, until: datetime | None = None) -> set[int]:
    """Works first stored after `since` (and up to `until`)."""
    q = select(Work.id).where(col(Work.created_at) > aware(since))
    if until is not None:
        q = q.where(col(Work.created_at) <= aware(until))
    return {w for w in session.exec(q) if w is not None}


def open_scope(session: Session) -> set[int] | None:
    """The works of the open version (first seen since the latest close); None when none is closed."""
    since = cutoff(session)
    return None if since is None else new_works(session, since)


def close(
    session: Session, protocol: Protocol, name: str, closed_by: str, *, root: Path, note: str | None = None
) -> CloseResult:
    """Freeze the review as it stands as version `name` (see the module docstring).

    Raises:
        InputError: a bad or used name, or a search still being harvested.
    """
    _check_name(session, name)
    write_lock(session)  # nothing is written between the counts and the moment that divides versions
    _check_no_harvest(session)
    with stage_run(session, "version_close", protocol_hash=protocol.sha256) as logged:
        closed_at = utcnow()
        found, files = _freeze(session, protocol, root / "extracted" / name)
        version = ReviewVersion(
            name=name, closed_at=closed_at, closed_by=closed_by, protocol_hash=protocol.sha256,
            tool_version=__version__, counts=found["counts"], includes=found["includes"],
            out_dir=f"extracted/{name}", note=note,
        )  # fmt: skip
        session.add(version)
        session.flush()
        logged.counts = {"version": name, "included": len(found["includes"]), "files": len(files)}
    return CloseResult(version, files, tuple(_open_items(found["counts"])))


def _check_name(session: Session, name: str) -> None:
    if not NAME.match(name):
        raise InputError(
            f"Version name {name!r} cannot name a folder under extracted/: use letters, digits, '.', '-' "
            "or '_' (up to 64), starting with a letter or digit, e.g. v1 or 2026-03."
        )
    if session.exec(select(ReviewVersion).where(ReviewVersion.name == name)).first() is not None:
        raise InputError(f"A version named {name!r} is already closed: give the new version another name.")


def _check_no_harvest(session: Session) -> None:
    from review.search.harvest import holder_alive

    running = session.exec(select(SearchRun).where(SearchRun.status == "running")).all()
    busy = [r for r in running if holder_alive(r)]
    if busy:
        names = ", ".join(f"{r.source}/{r.search_name}" for r in busy)
        raise InputError(
            f"A search is being harvested now ({names}): close the version once it has finished."
        )


def _freeze(session: Session, protocol: Protocol, out_dir: Path) -> tuple[dict[str, Any], tuple[Path, ...]]:
    from review import export, report

    written = report.write(session, protocol, out_dir)
    exported = export.run(session, protocol, out_dir)
    counts: dict[str, Any] = {"prisma": dataclasses.asdict(written.counts), **totals(session)}
    if written.update is not None:
        counts["update"] = written.update.as_dict()
    includes = [
        {"work_id": r["id"], "title": r.get("title"), "year": r.get("year"), "doi": r.get("doi")}
        for r in export.included_rows(session)
    ]
    counts["included"] = len(includes)
    return {"counts": counts, "includes": includes}, (*written.files, *exported.files)


def totals(session: Session) -> dict[str, int]:
    """Store totals kept with a version (search runs, records, works, screening decisions)."""

    def n(model: type) -> int:
        return int(session.exec(select(func.count()).select_from(model)).one())

    return {
        "search_runs": n(SearchRun),
        "records": n(Record),
        "works": n(Work),
        "screening_decisions": n(ScreeningDecision),
    }


def _open_items(counts: dict[str, Any]) -> list[str]:
    """What still waited at closing, per arm: it stays with this version's works, never re-queued."""
    items = []
    for arm in ("databases", "other"):
        a = counts["prisma"][arm]
        waiting = sum(a["awaiting_screening"].values()) + sum(a["awaiting_assessment"].values())
        waiting += a["awaiting_retrieval"] + a["awaiting_dedupe"]
        if waiting:
            items.append(
                f"{arm}: {waiting} records or works still waiting for screening, retrieval or dedupe"
            )
    return items


# --- `review status`: what the open version added -------------------------------------------


@dataclass(frozen=True)
class UpdateStatus:
    """What the update added at each stage since version `version` closed (review.versions)."""

    version: str
    closed_at: str
    runs: int  # search runs and imports since
    records: int  # records first stored since
    works: int  # works first seen since
    ruled: int  # of those, excluded by protocol rules at title/abstract
    finals: dict[str, dict[str, int]]  # stage -> include | exclude | conflict -> works of the update


def update_status(session: Session) -> UpdateStatus | None:
    """The open version's counts since the latest close (None before any): a few counts by time."""
    found = latest(session)
    if found is None:
        return None
    since = aware(found.closed_at)
    new = select(Work.id).where(col(Work.created_at) > since)
    finals: dict[str, dict[str, int]] = {}
    for stage in Stage:
        q = select(TallyPart.key, func.count()).where(col(TallyPart.work_id).in_(new))
        q = q.where(col(TallyPart.key).startswith(f"final|{stage}|")).group_by(col(TallyPart.key))
        finals[stage] = {key.rsplit("|", 1)[1]: n for key, n in session.exec(q)}
    ruled = select(func.count()).where(
        TallyPart.key == "ruled|title_abstract", col(TallyPart.work_id).in_(new)
    )
    return UpdateStatus(
        version=found.name,
        closed_at=f"{since:%Y-%m-%d %H:%M}",
        runs=_n(session, select(func.count()).where(col(SearchRun.started_at) > since)),
        records=_n(session, select(func.count()).where(col(Record.created_at) > since)),
        works=_n(session, select(func.count()).select_from(new.subquery())),
        ruled=_n(session, ruled),
        finals=finals,
    )


def render_status(u: UpdateStatus) -> list[str]:
    ta, ft = u.finals.get(Stage.TITLE_ABSTRACT, {}), u.finals.get(Stage.FULL_TEXT, {})
    decided = sum(ta.get(k, 0) for k in ("include", "exclude", "conflict"))
    return [
        f"\nUpdate since version {u.version} (closed {u.closed_at} UTC): {u.runs} search runs, "
        f"{u.records} new records, {u.works} new works",
        f"  title/abstract: {ta.get('include', 0)} included, {ta.get('exclude', 0)} excluded ({u.ruled} by "
        f"rules), {ta.get('conflict', 0)} in conflict, {u.works - decided} pending",
        f"  full text: {ft.get('include', 0)} included, {ft.get('exclude', 0)} excluded, "
        f"{ft.get('conflict', 0)} in conflict",
    ]


def _n(session: Session, query: Any) -> int:
    return int(session.exec(query).one())
