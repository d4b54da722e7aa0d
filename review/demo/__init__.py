"""`review demo`: a sample review built from bundled real records and taken through every stage, offline.

The bundled recordings (review/data/demo/, see its PROVENANCE.md) are served to the real OpenAlex
and GOV.UK connectors by a replay server on 127.0.0.1; simulated reviewers (`people`) screen,
adjudicate and extract through the same stage functions people's commands use. `run` yields the
narrative line by line; every number in it is read from the store.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from functools import partial
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from review import dedupe, pipeline
from review.db import init_db, make_engine, session_scope
from review.dedupe import relations
from review.demo import people
from review.demo.replay import GOVUK, OPENALEX, ReplayServer
from review.errors import InputError
from review.models import Assignment, Record, ScreeningDecision, SearchRun, Work
from review.protocol import PROTOCOL_FILE, Protocol, load_protocol
from review.screen import assign
from review.screen.rules import active_exclusions
from review.settings import Settings
from review.states import Stage

SCREENERS = ("demo-reviewer1", "demo-reviewer2")
ADJUDICATOR = "demo-adjudicator"
INTRO = (
    "This demo runs `review` on real recorded records: an OpenAlex search for 'biodiversity AND finance' "
    "(recorded March 2026) and a GOV.UK listing of Ministry of Justice statistics (recorded November 2024), "
    "replayed offline. They are not about the early-years review: this shows the machinery, not findings. "
    "Reviewers are simulated by seeded rules."
)


def run(folder: Path | None, *, keep: bool = False, update: bool = False) -> Iterator[str]:
    """Build the demo review in `folder` (or a temporary folder) and narrate each stage; with `update`,
    the replay server holds part of its recordings back for an update of the review (review.demo.update).

    Raises:
        InputError: `folder` exists and is not empty.
    """
    temporary = folder is None
    root = Path(tempfile.mkdtemp(prefix="review-demo-")) if folder is None else _prepare(folder)
    _write_protocol(root)
    engine = make_engine(str(root / "review.db"))
    try:
        init_db(engine)
        protocol = load_protocol(root / PROTOCOL_FILE)
        yield INTRO
        with ReplayServer(held_back=update) as server:
            settings = _pointed_at(server.url)
            yield from _story(engine, protocol, root, settings)
            if update:
                from review.demo import update as updating

                yield from updating.story(engine, protocol, root, settings, server.recordings)
        yield from _where(root, removed=temporary and not keep)
    finally:
        engine.dispose()
        if temporary and not keep:
            shutil.rmtree(root, ignore_errors=True)


def _prepare(folder: Path) -> Path:
    if folder.exists() and any(folder.iterdir()):
        raise InputError(f"{folder} is not empty: give `review demo --dir` a new or empty folder.")
    folder.mkdir(parents=True, exist_ok=True)
    return folder.resolve()


def _write_protocol(root: Path) -> None:
    for name in ("protocol", "sources", "extracted"):
        (root / name).mkdir(exist_ok=True)
    text = resources.files("review.data").joinpath("demo", "protocol.toml").read_text(encoding="utf-8")
    (root / PROTOCOL_FILE).write_text(text, encoding="utf-8")


def _pointed_at(url: str) -> Settings:
    """The services at the replay server; no API key (a real one has no business going there)."""
    return Settings(openalex_url=url + OPENALEX, govuk_url=url + GOVUK)


def _story(engine: Engine, protocol: Protocol, root: Path, settings: Settings) -> Iterator[str]:
    sessions = partial(session_scope, engine)

    def passes(*stages: str, offline: bool = True) -> pipeline.PipelineResult:
        return pipeline.run(sessions, protocol, root, stages=stages, offline=offline, settings=settings)

    passes("search", "dedupe", offline=False)
    with session_scope(engine) as s:
        yield from _found(s)
        merged, kept = people.dedupe_pairs(s, SCREENERS[0])
    yield f"Dedupe review: {SCREENERS[0]} merged {merged} queued pairs and kept {kept} apart."
    passes("rules", "rank")
    with session_scope(engine) as s:
        # The adjudicator is in the protocol's team but must not screen: name the screeners once;
        # later `assign` runs (the pipeline's) keep to whoever already screens.
        assign.run(s, protocol, Stage.TITLE_ABSTRACT, SCREENERS)
    with session_scope(engine) as s:
        yield from _queued(s)
        people.screen(s, protocol, Stage.TITLE_ABSTRACT)
    with session_scope(engine) as s:
        yield from _screened(s, Stage.TITLE_ABSTRACT)
        yield from _adjudicated(s, protocol, Stage.TITLE_ABSTRACT)
    result = passes("fulltext", "fulltext-screening")
    yield (
        f"Full text: {result.outcomes[0].status}: the demo stays offline and the included works' PDFs are on "
        "publishers' sites (`review fulltext fetch` gets them in a real review); the simulated full-text "
        "screener reads the abstract instead."
    )
    with session_scope(engine) as s:
        people.screen(s, protocol, Stage.FULL_TEXT, disagree=0.0)
    with session_scope(engine) as s:
        yield from _screened(s, Stage.FULL_TEXT)
    prefill = passes("prefill").outcomes[0]
    with session_scope(engine) as s:
        works, values = people.extract_all(s, protocol, SCREENERS[0], SCREENERS[1])
    yield (
        f"Extraction: prefill {prefill.status} ({dict(prefill.counts).get('suggestions', 0)} suggestions); "
        f"{SCREENERS[0]} extracted {works} included studies accepting the suggestions, {SCREENERS[1]} "
        f"verified them ({values} values written)."
    )
    reported = passes("report")
    with session_scope(engine) as s:
        yield from _reported(reported, s, protocol)
    again = passes(*pipeline.STAGES)
    changed = [o.stage for o in again.outcomes if o.changed]
    yield "Again, `review run --offline`: " + (f"changed {', '.join(changed)}." if changed else "no change.")


def _count(session: Session, q: object) -> int:
    return int(session.exec(q).one())  # type: ignore[call-overload]


def _found(s: Session) -> Iterator[str]:
    by_source = dict(s.exec(select(Record.source, func.count()).group_by(col(Record.source))).all())
    runs = _count(s, select(func.count()).select_from(SearchRun))
    records = sum(by_source.values())
    works = _count(s, select(func.count()).select_from(Work))
    pairs = dedupe.pending_count(s)
    per_source = ", ".join(f"{n} from {src}" for src, n in sorted(by_source.items()))
    yield f"Search: {records} records ({per_source}) in {runs} search runs; raw responses kept in sources/."
    yield f"Dedupe: {records} records grouped into {works} works; {pairs} uncertain pairs queued for people."
    linked = relations.related_counts(s)
    if linked:
        yield f"Kept apart but linked as related items: {relations.counts_text(linked)}."


def _queued(s: Session) -> Iterator[str]:
    works = _count(s, select(func.count()).select_from(Work))
    yield f"Works after dedupe: {works}."
    ruled = active_exclusions(s, Stage.TITLE_ABSTRACT)
    yield f"Rules: {len(ruled)} works excluded automatically at title/abstract (date, language, type)."
    assigned = dict(
        s.exec(
            select(Assignment.reviewer, func.count())
            .where(Assignment.stage == Stage.TITLE_ABSTRACT)
            .group_by(col(Assignment.reviewer))
        ).all()
    )
    queues = ", ".join(f"{r} has {n} works" for r, n in sorted(assigned.items()))
    yield f"Assign (dual screening): {queues}."


def _screened(s: Session, stage: str) -> Iterator[str]:
    from review.decisions import summary

    label = Stage(stage).label
    decisions = _count(
        s, select(func.count()).select_from(ScreeningDecision).where(ScreeningDecision.stage == stage)
    )
    finals = summary(s, stage)
    shown = ", ".join(f"{k} {finals[k]}" for k in ("include", "exclude", "conflict", "pending") if finals[k])
    yield f"Screening at {label}: {decisions} decisions by simulated reviewers; works now: {shown}."


def _adjudicated(s: Session, protocol: Protocol, stage: str) -> Iterator[str]:
    from review import agreement
    from review.decisions import summary

    stats = agreement.stage_agreement(s, protocol, stage).overall
    kappa = "undefined" if stats.kappa is None else f"{stats.kappa:.2f}"
    yield f"Agreement: {stats.n} works screened by both; observed agreement {stats.po:.2f}, kappa {kappa}."
    resolved = people.adjudicate(s, protocol, stage, ADJUDICATOR)
    finals = summary(s, stage)
    yield (
        f"Conflicts: {ADJUDICATOR} resolved {resolved}; title/abstract now include {finals['include']}, "
        f"exclude {finals['exclude']}."
    )


def _reported(result: pipeline.PipelineResult, s: Session, protocol: Protocol) -> Iterator[str]:
    from review import report

    outcome = result.outcomes[0]
    yield f"Report: {dict(outcome.counts).get('total_included', 0)} included studies; {outcome.note}."
    found = report.counts(s, {c.code: c.text for c in protocol.criteria.exclude})
    yield from (f"  PRISMA {line}" for line in report.summary(found).splitlines())
    if result.waiting:
        yield "Still waiting for people: " + "; ".join(result.waiting)


def _where(root: Path, *, removed: bool) -> Iterator[str]:
    out = root / "extracted"
    if removed:
        yield f"The demo folder {root} (PRISMA diagram, exports, database) is removed now."
        yield "To explore it: review demo --keep   (or: review demo --dir FOLDER)"
        return
    yield f"PRISMA flow diagram: {out / 'prisma.svg'}"
    yield f"Exports and tables: {out}/ (included.csv, included.ris, extract_demo.csv, methods.md ...)"
    yield f"Database: {root / 'review.db'}"
    yield f"Try: review --dir {root} status"
    yield f"     review --dir {root} log 3"
    yield f"     review --dir {root} query --saved designs"
    yield f"     review --dir {root} screen progress"
