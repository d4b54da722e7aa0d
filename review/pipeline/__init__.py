"""`review run`: every automated stage the protocol calls for, in order, each in its own transaction.

Stages: search, dedupe, rules (title/abstract), rank, assign (title/abstract), fulltext (fetch and
read the title/abstract includes), fulltext-screening (rules and queues at full text), prefill,
report (PRISMA files and exports). A finished stage stays finished when a later one is interrupted,
and every stage is idempotent, so running again only does what is new. Work that waits for people
(screening queues, conflicts, extraction) is listed in the result, never silently skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol as TypingProtocol

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from review.errors import InputError, SearchError
from review.models import Record, SearchRun, Work
from review.pipeline.waiting import render, waiting_for_people
from review.protocol import Protocol
from review.settings import Settings
from review.states import Stage

SessionFactory = Callable[[], AbstractContextManager[Session]]
STAGES = (
    "search",
    "dedupe",
    "rules",
    "rank",
    "assign",
    "fulltext",
    "fulltext-screening",
    "prefill",
    "report",
)
NETWORK_STAGES = frozenset({"search", "fulltext"})


class Progress(TypingProtocol):
    """What `run` reports while it works (the CLI draws it on stderr)."""

    def stage(self, name: str, index: int, total: int) -> None: ...

    def tick(self, done: int, total: int | None) -> None: ...


@dataclass(frozen=True)
class StageOutcome:
    """What one stage did: `ran`, `skipped` (note says why) or `failed` (note says what and next step)."""

    stage: str
    status: str
    counts: tuple[tuple[str, int], ...] = ()
    note: str = ""

    @property
    def changed(self) -> bool:
        """Whether the stage wrote anything new (any count other than the `seen`/`total` ones)."""
        return self.status == "ran" and any(n for k, n in self.counts if not k.startswith("total"))


@dataclass(frozen=True)
class PipelineResult:
    """Each selected stage's outcome, in order, and what waits for people afterwards."""

    outcomes: tuple[StageOutcome, ...]
    waiting: tuple[str, ...] = field(default=())

    @property
    def failed(self) -> tuple[StageOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status == "failed")


@dataclass
class _Context:
    sessions: SessionFactory
    protocol: Protocol
    root: Path
    out_dir: Path
    progress: Progress | None
    offline: bool
    screeners: tuple[str, ...] | None = None
    settings: Settings = field(default_factory=Settings)


def parse_stages(text: str | None) -> tuple[str, ...]:
    """`"search,dedupe"` → the stages in pipeline order; an unknown name is an error listing them."""
    if not text:
        return STAGES
    asked = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in asked if s not in STAGES]
    if unknown or not asked:
        given = ", ".join(unknown) or "(none)"
        raise InputError(f"Unknown stage(s) {given}: choose from {', '.join(STAGES)}.")
    return tuple(s for s in STAGES if s in asked)


def run(
    sessions: SessionFactory,
    protocol: Protocol,
    root: Path,
    *,
    stages: Sequence[str] = STAGES,
    progress: Progress | None = None,
    offline: bool = False,
    out_dir: Path | None = None,
    screeners: Sequence[str] | None = None,
    settings: Settings | None = None,
) -> PipelineResult:
    """Run the selected automated stages in order, then list what waits for people.

    Args:
        sessions: a factory of sessions, each one transaction (e.g. `App.session`); every stage
            commits its own work, so an interruption keeps the stages already finished.
        protocol: the review protocol.
        root: the review folder (sources/, fulltexts/ live under it).
        stages: the stages to run (a subset of `STAGES`); order is always the pipeline's.
        progress: told which stage runs and how far it is.
        offline: skip the stages that use the network (search, full-text fetch).
        out_dir: where the report and exports go (default: `root/extracted`).
        screeners: who gets screening queues when none exist yet (default: `screen assign`'s own:
            whoever screens already, else everyone in the protocol).
        settings: where the network stages find the services (default: the public ones, no key).
    """
    team = tuple(screeners) if screeners else None
    out = out_dir or root / "extracted"
    ctx = _Context(sessions, protocol, root, out, progress, offline, team, settings or Settings())
    chosen = [s for s in STAGES if s in stages]
    outcomes = []
    for index, name in enumerate(chosen, 1):
        if progress is not None:
            progress.stage(name, index, len(chosen))
        outcomes.append(_RUNNERS[name](ctx))
    with sessions() as session:
        waiting = tuple(waiting_for_people(session, protocol))
    return PipelineResult(tuple(outcomes), waiting)


def _ran(stage: str, note: str = "", **counts: int) -> StageOutcome:
    return StageOutcome(stage, "ran", tuple(counts.items()), note)


def _skipped(stage: str, why: str) -> StageOutcome:
    return StageOutcome(stage, "skipped", (), why)


def _count(session: Session, model: type, *where: object) -> int:
    q = select(func.count()).select_from(model)
    for clause in where:
        q = q.where(clause)  # type: ignore[arg-type]
    return int(session.exec(q).one())


# --- search ---------------------------------------------------------------------------------


def _search(ctx: _Context) -> StageOutcome:
    if ctx.offline:
        with ctx.sessions() as session:
            stored = _count(session, Record)
        return _skipped("search", f"offline: the pipeline continues with the {stored} records in the store")
    from review import search

    todo, done_before = _searches_to_run(ctx)
    if not todo:
        done = f"all {done_before} searches already complete"
        return _skipped("search", done if done_before else "the protocol has no searches")
    retrieved = new = runs = 0
    notes: list[str] = []
    broken: set[str] = set()
    for source, name in todo:
        if source in broken:
            notes.append(f"{source}/{name}: not tried after the failure above")
            continue
        try:
            result = search.run(
                ctx.sessions,
                ctx.protocol,
                ctx.root,
                settings=ctx.settings,
                source=source,
                name=name,
                progress=_ticker(ctx),
            )
        except SearchError as exc:
            broken.add(source)
            notes.append(f"{source}/{name} failed: {exc}")
            continue
        for r in result.runs:
            runs, retrieved, new = runs + 1, retrieved + r.retrieved, new + r.new
            if r.status != "complete":
                broken.add(source)
                notes.append(f"{source}/{name}: {r.status}: {r.message or ''}".rstrip(": "))
    if notes:
        notes.append("The pipeline went on with the records in the store; `review run` resumes the searches.")
    status = "failed" if notes else "ran"
    counts = (("searches", runs), ("retrieved", retrieved), ("new records", new))
    return StageOutcome("search", status, counts, "\n".join(notes))


def _searches_to_run(ctx: _Context) -> tuple[list[tuple[str, str]], int]:
    """(source, name) of every search without a complete run of the same request, and how many have one."""
    from review import search

    todo: list[tuple[str, str]] = []
    complete = 0
    with ctx.sessions() as session:
        for source in search.SOURCES:
            for conn in search.connectors(ctx.protocol, source, settings=ctx.settings):
                try:
                    for name in conn.names():
                        if _is_complete(session, source, name, conn.plan(name).request):
                            complete += 1
                        else:
                            todo.append((source, name))
                finally:
                    conn.close()
    return todo, complete


def _is_complete(session: Session, source: str, name: str, request: str) -> bool:
    """Whether the search's latest run is a complete run of `request`, or an update run of it
    (`review update` resumes its own runs: a full re-run here would fetch everything again)."""
    latest = session.exec(
        select(SearchRun)
        .where(SearchRun.source == source, SearchRun.search_name == name)
        .order_by(col(SearchRun.id).desc())
        .limit(1)
    ).first()
    if latest is None:
        return False
    if ((latest.filters or {}).get("update") or {}).get("base_request") == request:
        return True
    return latest.status == "complete" and latest.request == request


def _ticker(ctx: _Context) -> Callable[[int], None]:
    seen = [0]

    def tick(n: int) -> None:
        seen[0] += n
        if ctx.progress is not None:
            ctx.progress.tick(seen[0], None)

    return tick


# --- dedupe, rules, rank, assign ------------------------------------------------------------


def _dedupe(ctx: _Context) -> StageOutcome:
    from review import dedupe

    with ctx.sessions() as session:
        fresh = _count(session, Record, or_(col(Record.work_id).is_(None), col(Record.recompare)))
        if not fresh:
            return _skipped("dedupe", "no new records since the last run")
        r = dedupe.run(
            session, policy=dedupe.Policy.of(ctx.protocol.dedupe), protocol_hash=ctx.protocol.sha256
        )
    return _ran(
        "dedupe", examined=r.examined, merged=r.auto_merges, queued=r.queued, works_created=r.works_created
    )


def _rules(ctx: _Context) -> StageOutcome:
    from review.screen import rules

    with ctx.sessions() as session:
        if not _count(session, Work):
            return _skipped("rules", "no works yet (search and dedupe first)")
        r = rules.run(session, ctx.protocol, Stage.TITLE_ABSTRACT)
    if not r.configured:
        return _skipped("rules", "the protocol has no [rules]")
    return _ran("rules", total_excluded=r.excluded, added=r.added, cleared=r.cleared)


def _rank(ctx: _Context) -> StageOutcome:
    from review.screen.features import features_for

    with ctx.sessions() as session:
        works = _count(session, Work)
        if not works:
            return _skipped("rank", "no works yet")
        features = features_for(session)
    return _ran("rank", "queues show likely includes first", total_works=len(features.ids))


def _assign(ctx: _Context) -> StageOutcome:
    with ctx.sessions() as session:
        if not _count(session, Work):
            return _skipped("assign", "no works yet")
    return _assign_stage(ctx, "assign", Stage.TITLE_ABSTRACT)


def _assign_stage(ctx: _Context, label: str, stage: str) -> StageOutcome:
    from review.screen import assign

    with ctx.sessions() as session:
        r = assign.run(session, ctx.protocol, stage, ctx.screeners)
    added = sum(n for _, n in r.added)
    return _ran(label, r.message, assigned=added, total_eligible=r.eligible)


# --- full text, prefill, report -------------------------------------------------------------


def _fulltext(ctx: _Context) -> StageOutcome:
    if ctx.offline:
        return _skipped("fulltext", "offline: no full text fetched (add files with `review fulltext add`)")
    from review.fulltext import fetch
    from review.fulltext.find import included_works

    with ctx.sessions() as session:
        if not included_works(session):
            return _skipped("fulltext", "no work is included at title/abstract yet")
        todo = len(fetch.works_to_fetch(session))
    if not todo:
        return _skipped("fulltext", "every included work already has its full text (or no URL left to try)")

    def tick(total: fetch.FetchResult) -> None:
        if ctx.progress is not None:
            ctx.progress.tick(total.works, todo)

    r = fetch.run(ctx.sessions, ctx.root, settings=ctx.settings, progress=tick)
    return _ran(
        "fulltext",
        total_works=r.works,
        urls_tried=r.attempts,
        retrieved=r.retrieved,
        readable=r.readable,
        not_retrieved=r.not_retrieved,
    )


def _fulltext_screening(ctx: _Context) -> StageOutcome:
    from review.fulltext.find import included_works
    from review.screen import rules

    with ctx.sessions() as session:
        if not included_works(session):
            return _skipped("fulltext-screening", "no work is included at title/abstract yet")
        ruled = rules.run(session, ctx.protocol, Stage.FULL_TEXT)
    assigned = _assign_stage(ctx, "fulltext-screening", Stage.FULL_TEXT)
    counts = (("rule_added", ruled.added), *assigned.counts)
    return StageOutcome("fulltext-screening", "ran", counts, assigned.note)


def _prefill(ctx: _Context) -> StageOutcome:
    from review import extract

    if ctx.protocol.extraction is None:
        return _skipped("prefill", "the protocol has no [extraction] form")
    with ctx.sessions() as session:
        included = extract.included_works(session)
        if not included:
            return _skipped("prefill", "no work is included at full text yet")
        r = extract.prefill(session, ctx.protocol, included)
    return _ran("prefill", total_works=r.works, suggestions=r.suggestions)


def _report(ctx: _Context) -> StageOutcome:
    from review import export, report

    with ctx.sessions() as session:
        written = report.run(session, ctx.protocol, ctx.out_dir)
        exported = export.run(session, ctx.protocol, ctx.out_dir)
    files = len(written.files) + len(exported.files)
    return _ran("report", f"written to {ctx.out_dir}", total_files=files, total_included=exported.studies)


_RUNNERS: dict[str, Callable[[_Context], StageOutcome]] = {
    "search": _search,
    "dedupe": _dedupe,
    "rules": _rules,
    "rank": _rank,
    "assign": _assign,
    "fulltext": _fulltext,
    "fulltext-screening": _fulltext_screening,
    "prefill": _prefill,
    "report": _report,
}

__all__ = [
    "STAGES",
    "PipelineResult",
    "Progress",
    "StageOutcome",
    "parse_stages",
    "render",
    "run",
    "waiting_for_people",
]
