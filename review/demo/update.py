"""`review demo --update`: the demo review closed as version v1, then updated with what is new.

The replay server held part of its recordings back (review.demo.replay); once v1 is closed it
serves them to the update's date windows, as records added since. Simulated people screen only the
new works; the update's PRISMA diagram, CSV and methods go to extracted/, and v2 is closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import col, select

from review import pipeline, report, versions
from review.db import session_scope
from review.demo import people
from review.demo.replay import Recordings
from review.models import Assignment
from review.pipeline import update as updating
from review.protocol import Protocol
from review.search import update
from review.search.harvest import SessionFactory
from review.settings import Settings
from review.states import Stage

LEAD = "demo-adjudicator"


def story(
    engine: Engine, protocol: Protocol, root: Path, settings: Settings, recordings: Recordings
) -> Iterator[str]:
    """Close v1, update, screen the new works, report the update, close v2; narrated from the store."""
    sessions: SessionFactory = partial(session_scope, engine)
    with sessions() as s:
        closed = versions.close(s, protocol, "v1", LEAD, root=root, note="the demo before its update")
    yield (
        f"Version v1 closed by {LEAD}: {len(closed.version.includes or [])} included studies; its report and "
        f"exports frozen in {closed.version.out_dir}/."
    )
    recordings.release()
    with sessions() as s:
        planned = update.dry_run(s, protocol, settings=settings)
    yield "Update, dry run (nothing fetched): " + "; ".join(_estimated(e) for e in planned) + "."
    with sessions() as s:
        before = s.exec(select(func.max(Assignment.id))).one() or 0
    outcome = updating.run(sessions, protocol, root, settings=settings)
    runs = ", ".join(f"{r.source}/{r.name} {r.retrieved} ({r.new} new)" for r in outcome.search.runs)
    yield f"Update searches (each logged with its window): {runs}."
    with sessions() as s:
        new = versions.open_scope(s) or set()
        given = select(Assignment.work_id).where(col(Assignment.id) > before)
        queued = set(s.exec(given.where(Assignment.stage == Stage.TITLE_ABSTRACT)))
        yield (
            f"Dedupe against every earlier record: {len(new)} new works; {len(queued)} queued for dual "
            f"screening, all of them new ({len(queued - new)} earlier works queued again)."
        )
    yield from _screen_new(sessions, protocol, root, settings)


def _estimated(e: update.UpdateEstimate) -> str:
    count = "refused" if e.estimate is None else f"{e.estimate.count} records"
    return f"{e.planned.source}/{e.planned.name} {e.planned.note}: {count}"


def _screen_new(
    sessions: SessionFactory, protocol: Protocol, root: Path, settings: Settings
) -> Iterator[str]:
    def passes(*stages: str) -> pipeline.PipelineResult:
        return pipeline.run(sessions, protocol, root, stages=stages, offline=True, settings=settings)

    with sessions() as s:
        people.screen(s, protocol, Stage.TITLE_ABSTRACT)
    with sessions() as s:
        resolved = people.adjudicate(s, protocol, Stage.TITLE_ABSTRACT, LEAD)
    passes("fulltext-screening")
    with sessions() as s:
        people.screen(s, protocol, Stage.FULL_TEXT, disagree=0.0)
    passes("prefill")
    with sessions() as s:
        people.extract_all(s, protocol, "demo-reviewer1", "demo-reviewer2")
    passes("report")
    with sessions() as s:
        since = versions.latest(s)
        assert since is not None
        u = report.update.compute(s, since, {c.code: c.text for c in protocol.criteria.exclude})
    yield (
        f"Screening the new works only ({resolved} conflicts adjudicated): the update identified "
        f"{u.identified} records ({u.found_again} found again, keeping their earlier decisions), "
        f"{u.new_works} new works, {u.new.included} new studies included; {u.previous_studies} from v1, "
        f"{u.total_studies} in total."
    )
    with sessions() as s:
        closed = versions.close(s, protocol, "v2", LEAD, root=root, note="the demo after its update")
    yield (
        f"PRISMA 2020 for the updated review: {root / 'extracted' / 'prisma_update.svg'} (and .csv, "
        f"methods_update.md); version v2 closed in {closed.version.out_dir}/."
    )
