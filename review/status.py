"""`review status`: where the review stands at every stage, and what to run next.

Counts come from the tallies the stages keep as they write (review.tally), so the screen stays
interactive at a million records (tests/bench/scale.py); `review status --check` recomputes them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import distinct, func
from sqlmodel import Session, col, select

from review import protocol_log, tally, versions
from review.dedupe.decisions import pending_count
from review.dedupe.relations import counts_text, related_counts
from review.models import Document, ExtractionValue, Record, SearchRun, TallyPart, Work
from review.protocol import Protocol
from review.protocol_log import ProtocolChange
from review.states import GateState, Stage

if TYPE_CHECKING:
    from review.agreement import GateResult

DOCUMENT_STATES = {
    "none": "not yet fetched",
    "not_retrieved": "not retrieved",
    "pending": "fetched, not read",
}


@dataclass(frozen=True)
class SourceCount:
    source: str
    runs: int
    records: int
    last_status: str
    last_update: bool = False  # the last run was an update (`review update` resumes it)


@dataclass(frozen=True)
class ReviewerCount:
    reviewer: str
    assigned: int
    done: int
    included: int


@dataclass(frozen=True)
class StageCount:
    stage: Stage
    finals: dict[str, int]  # include | exclude | conflict | pending
    by_rule: int
    reviewers: tuple[ReviewerCount, ...]
    gate: str | None = None  # the pilot gate's verdict (or why it cannot judge yet), with a pilot
    gate_passed: bool = False
    gate_state: GateState | None = None  # None: no pilot given out
    unassigned: int = 0  # works `review screen assign` would still give out


@dataclass(frozen=True)
class StatusReport:
    sources: tuple[SourceCount, ...]
    records: int
    works: int
    undeduplicated: int
    pairs_to_review: int
    stages: tuple[StageCount, ...]
    documents: dict[str, int]  # works by full-text state: readable | retrieved | not_retrieved | none
    extracted: int
    to_extract: int | None = None  # one included work nobody has extracted yet (for the hint)
    next_steps: tuple[str, ...] = field(default=())
    protocol_changes: tuple[ProtocolChange, ...] = ()  # logged changes of the screening protocol
    protocol_pending: tuple[str, ...] = ()  # changed since the last screening run logged it
    related: dict[str, int] = field(default_factory=dict)  # related links kept apart, by kind
    update: versions.UpdateStatus | None = None  # what the open version added since the latest close


def check(session: Session) -> dict[str, tuple[int, int]]:
    """Recount every kept count from the store; repair them if any differ. Returns the differences
    found (key -> (kept, recounted)); empty when all agreed."""
    wrong = tally.verify(session)
    if wrong:
        tally.rebuild(session)
    return wrong


def render_check(wrong: dict[str, tuple[int, int]]) -> str:
    """What `review status --check` found."""
    if not wrong:
        return "Checked: every kept count matches a recount of the store.\n"
    lines = [f"Repaired {len(wrong)} kept counts that differed from a recount (kept -> recounted):"]
    lines += [f"  {key}: {kept} -> {real}" for key, (kept, real) in wrong.items()]
    return "\n".join(lines) + "\n"


def run(session: Session, protocol: Protocol | None = None) -> StatusReport:
    """Counts at every stage from the store, and the next commands to run."""
    kept = tally.read(session)
    works = kept.get("works", 0)
    report = StatusReport(
        sources=_sources(session, kept),
        records=sum(n for key, n in kept.items() if key.startswith("records|")),
        works=works,
        undeduplicated=_count(session, select(func.count()).where(col(Record.work_id).is_(None)))
        + _count(session, select(func.count()).where(col(Record.recompare))),  # both read an index
        pairs_to_review=pending_count(session),
        stages=tuple(_stage(session, protocol, stage, kept) for stage in Stage),
        documents=_documents(session, kept.get("final|title_abstract|include", 0)),
        extracted=_count(
            session,
            select(func.count(distinct(col(ExtractionValue.work_id)))).where(
                col(ExtractionValue.role).in_(("extractor", "consensus"))
            ),
        ),
        to_extract=_to_extract(session),
        related=related_counts(session),  # reads only the related pairs' partial index
    )
    report = StatusReport(**{**report.__dict__, "update": versions.update_status(session)})
    changes = protocol_log.history(session)
    pending = protocol_log.pending(session, protocol) if protocol is not None else ()
    return StatusReport(**{**report.__dict__, "next_steps": next_steps(report, protocol),
                           "protocol_changes": tuple(changes), "protocol_pending": pending})  # fmt: skip


def _count(session: Session, query: object) -> int:
    return int(session.exec(query).one())  # type: ignore[call-overload]


def _sources(session: Session, kept: dict[str, int]) -> tuple[SourceCount, ...]:
    runs = dict(session.exec(select(SearchRun.source, func.count()).group_by(col(SearchRun.source))).all())
    recs = {key.split("|", 1)[1]: n for key, n in kept.items() if key.startswith("records|")}
    last: dict[str, tuple[str, bool]] = {}
    for source, status, filters in session.exec(
        select(SearchRun.source, SearchRun.status, SearchRun.filters).order_by(col(SearchRun.id))
    ):
        last[source] = (status, bool(filters and filters.get("update")))
    return tuple(
        SourceCount(s, runs.get(s, 0), recs.get(s, 0), *last.get(s, ("-", False)))
        for s in sorted(set(runs) | set(recs))
    )


def _finals(kept: dict[str, int], stage: str) -> dict[str, int]:
    found = {s: kept.get(f"final|{stage}|{s}", 0) for s in ("include", "exclude", "conflict", "pending")}
    if stage == Stage.TITLE_ABSTRACT:
        # Works nobody and no rule has touched are pending too; the tallies hold only touched ones.
        found["pending"] = kept.get("works", 0) - found["include"] - found["exclude"] - found["conflict"]
        return {k: n for k, n in found.items() if n or k == "pending"}
    return {k: n for k, n in found.items() if n}


def _stage(session: Session, protocol: Protocol | None, stage: Stage, kept: dict[str, int]) -> StageCount:
    from review.screen import queue

    mine = {key: n for key, n in kept.items() if key.startswith(f"assigned|{stage}|")}
    reviewers = []
    for name in sorted({key.removeprefix(f"assigned|{stage}|").rsplit("|", 1)[0] for key in mine}):
        c = queue.counts_from(kept, name, stage)
        reviewers.append(ReviewerCount(name, c.assigned, c.done, c.included))
    pilots = sum(n for key, n in mine.items() if key.endswith("|pilot"))
    gate = _gate(session, protocol, stage) if pilots else None
    text, state = _gate_text(gate) if gate else (None, None)
    passed = gate is not None and gate.passed
    return StageCount(
        stage=stage,
        finals=_finals(kept, stage),
        by_rule=kept.get(f"ruled|{stage}", 0),
        reviewers=tuple(reviewers),
        gate=text,
        gate_passed=passed,
        gate_state=state,
        unassigned=_unassigned(session, kept, stage),
    )


def _unassigned(session: Session, kept: dict[str, int], stage: Stage) -> int:
    """Works `review screen assign` would still give out: once a version is closed, at title/abstract
    only the update's works (review.screen.assign gives out no work of a closed version)."""
    since = versions.cutoff(session) if stage == Stage.TITLE_ABSTRACT else None
    if since is None:
        return tally.unassigned_from(kept, stage)
    new = select(Work.id).where(col(Work.created_at) > since)
    total = session.exec(select(func.count()).select_from(new.subquery())).one()
    given = select(func.count()).where(TallyPart.key == f"given|{stage}", col(TallyPart.work_id).in_(new))
    return total - session.exec(given).one()


def _gate(session: Session, protocol: Protocol | None, stage: str) -> GateResult | None:
    if protocol is None or protocol.stage_design(stage).design != "pilot":
        return None
    from review.agreement import pilot_gate

    return pilot_gate(session, protocol, stage)


def _gate_text(gate: GateResult) -> tuple[str, GateState]:
    """The gate's verdict without its advice (status gives the next steps itself), and its state."""
    from review.agreement import verdict_text

    verdict = gate.verdict()
    if verdict is None:
        return gate.message, GateState.WAITING
    return verdict_text(verdict) + ".", GateState.PASSED if gate.passed else GateState.FAILED


def _to_extract(session: Session) -> int | None:
    """The first full-text include with no extraction values yet, for a hint that runs as printed."""
    extracted = select(ExtractionValue.work_id)
    included = select(TallyPart.work_id).where(
        TallyPart.key == "final|full_text|include", col(TallyPart.work_id).not_in(extracted)
    )
    return session.exec(included.order_by(col(TallyPart.work_id)).limit(1)).first()


def _documents(session: Session, includes: int) -> dict[str, int]:
    """Title/abstract includes (sought at full text) by their best document state."""
    sought = select(TallyPart.work_id).where(TallyPart.key == "final|title_abstract|include")
    best: dict[int, str] = {}
    rank = {"readable": 3, "retrieved": 2, "unreadable": 1, "not_retrieved": 0, "pending": 0}
    found = select(Document.work_id, Document.status).where(col(Document.work_id).in_(sought))
    for work_id, status in session.exec(found):
        if rank.get(status, 0) >= rank.get(best.get(work_id, "pending"), 0):
            best[work_id] = status
    states = Counter(best.values())
    if includes > len(best):
        states["none"] = includes - len(best)
    return dict(states)


def next_steps(report: StatusReport, protocol: Protocol | None) -> tuple[str, ...]:
    """The commands to run next, most urgent first; each runs as printed (notes follow in brackets)."""
    if not report.sources:
        return ("review search --dry-run", "review search", "review import FILE --format ris --source NAME")
    names = _Names.of(protocol)
    steps = [
        f"review {'update' if s.last_update else 'search'}   "
        f"(resumes {s.source}: its last run is {s.last_status})"
        for s in report.sources
        if s.last_status in ("interrupted", "budget_exhausted", "running")
    ]
    if report.undeduplicated:
        from review.report.methods import count

        steps.append(f"review dedupe   ({count(report.undeduplicated, 'record')} not yet deduplicated)")
    if report.pairs_to_review:
        pairs = f"({report.pairs_to_review} possible duplicates)"
        steps.append(f"review dedupe review --reviewer {names.reviewer}   {pairs}")
    for stage in report.stages:
        if stage.stage == Stage.FULL_TEXT and _calibrating(report):
            break  # full text waits until the title/abstract screeners agree on the criteria
        steps += _stage_steps(stage, report, names)
    return tuple(steps) or ("review prisma", "review export")


@dataclass(frozen=True)
class _Names:
    """Real names for the hints' --reviewer: the protocol's first reviewer, and an adjudicator."""

    reviewer: str
    adjudicator: str

    @classmethod
    def of(cls, protocol: Protocol | None) -> _Names:
        if protocol is None:
            return cls("NAME", "NAME")
        first = protocol.review.reviewers[0]
        return cls(first, next(iter(protocol.screening.adjudicators), first))


def _calibrating(report: StatusReport) -> bool:
    return any(
        s.stage == Stage.TITLE_ABSTRACT and s.gate_state in (GateState.WAITING, GateState.FAILED)
        for s in report.stages
    )


def _stage_steps(stage: StageCount, report: StatusReport, names: _Names) -> list[str]:
    cli = stage.stage.cli
    steps = []
    if stage.stage == Stage.FULL_TEXT:
        missing = report.documents.get("none", 0)
        if missing:
            steps.append(f"review fulltext fetch   ({missing} included records have no full text yet)")
    steps += _assign_steps(stage, cli)
    steps += [
        f"review screen --reviewer {r.reviewer} --stage {cli}   ({r.assigned - r.done} to screen)"
        for r in stage.reviewers
        if r.assigned > r.done
    ]
    if stage.finals.get("conflict", 0):
        steps.append(
            f"review conflicts resolve --reviewer {names.adjudicator} --stage {cli}   "
            f"({stage.finals['conflict']} conflicts)"
        )
    if stage.stage == Stage.FULL_TEXT:
        todo = stage.finals.get("include", 0) - report.extracted
        if todo > 0 and report.to_extract is not None:
            steps.append(
                f"review extract {report.to_extract} --reviewer {names.reviewer}   "
                f"({todo} included studies to extract)"
            )
    return steps


def _assign_steps(stage: StageCount, cli: str) -> list[str]:
    """Giving out works, and the pilot gate: each only when there is something to do."""
    if stage.gate_state == GateState.WAITING:
        return []  # the pilot batch is still being screened: nothing to judge or give out yet
    if stage.gate_state == GateState.FAILED:
        steps = [f"review agreement --stage {cli}   (the pilot did not pass: see why)"]
        if stage.unassigned:
            steps.append(
                f"review screen assign --stage {cli}   (after clarifying the criteria: a new pilot batch)"
            )
        return steps
    if stage.unassigned:
        return [f"review screen assign --stage {cli}   ({stage.unassigned} works in nobody's queue)"]
    return []


def render(report: StatusReport) -> str:
    """The status screen as text."""
    if not report.sources:
        return "No records yet.\n\nNext:\n  " + "\n  ".join(report.next_steps)
    lines = [f"{'source':<24} {'runs':>5} {'records':>8}  last run", "-" * 52]
    lines += [f"{s.source:<24} {s.runs:>5} {s.records:>8}  {s.last_status}" for s in report.sources]
    lines.append(f"{'total':<24} {'':>5} {report.records:>8}")
    lines.append(
        f"\nWorks after deduplication: {report.works}"
        + (f" ({report.undeduplicated} records not yet deduplicated)" if report.undeduplicated else "")
    )
    if report.related:
        lines.append(f"Related items kept apart but linked: {counts_text(report.related)}")
    for stage in report.stages:
        lines += _render_stage(stage)
    if report.update is not None:
        lines += versions.render_status(report.update)
    lines += _render_changes(report)
    if report.documents:
        lines.append(
            "Full texts of title/abstract includes: "
            + ", ".join(f"{DOCUMENT_STATES.get(k, k)} {v}" for k, v in sorted(report.documents.items()))
        )
    lines.append(f"Studies with extraction values: {report.extracted}")
    lines.append("\nNext:\n  " + "\n  ".join(report.next_steps))
    return "\n".join(lines)


def _render_stage(stage: StageCount) -> list[str]:
    f = stage.finals
    lines = [
        f"\nScreening, {stage.stage.label}: {f.get('include', 0)} included, "
        f"{f.get('exclude', 0)} excluded ({stage.by_rule} by protocol rules), "
        f"{f.get('conflict', 0)} in conflict, {f.get('pending', 0)} pending"
    ]
    lines += [
        f"  {r.reviewer:<20} {r.done:>6}/{r.assigned:<6} done, {r.included} included" for r in stage.reviewers
    ]
    if stage.gate:
        lines.append(f"  Pilot gate: {stage.gate}")
    return lines


def _render_changes(report: StatusReport) -> list[str]:
    """Changes of the screening protocol since screening started (they go into the methods text)."""
    lines = []
    if report.protocol_changes:
        lines.append("\nScreening protocol changed after screening started (reported in the methods text):")
        for c in report.protocol_changes:
            lines += [f"  {c.at:%Y-%m-%d %H:%M} UTC, {c.when()}:", *(f"    {d}" for d in c.changes)]
    if report.protocol_pending:
        lines.append(
            "\nThe protocol's screening settings changed since the last screening run "
            "(`review screen assign` will log it):"
        )
        lines += [f"    {d}" for d in report.protocol_pending]
    return lines
