"""What waits for people after `review run`, and the run's summary for the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from review.models import ExtractionValue
from review.protocol import Protocol
from review.states import Stage

if TYPE_CHECKING:
    from review.pipeline import PipelineResult, StageOutcome


def waiting_for_people(session: Session, protocol: Protocol) -> list[str]:
    """One line per piece of work only a person can do, with the command that does it."""
    from review import dedupe

    lines: list[str] = []
    pairs = dedupe.pending_count(session)
    if pairs:
        lines.append(f"dedupe: {pairs} record pairs need a person to decide (`review dedupe review`)")
    for stage in Stage:
        lines.extend(_screening_waits(session, protocol, stage))
    lines.extend(_extraction_waits(session))
    return lines


def _screening_waits(session: Session, protocol: Protocol, stage: Stage) -> list[str]:
    from review import conflicts
    from review.screen import progress

    label, cli = stage.label, stage.cli
    p = progress.run(session, protocol, stage)
    left = [f"{r.reviewer} has {r.remaining} records to screen" for r in p.reviewers if r.remaining]
    lines = []
    if left:
        lines.append(f"{label} screening: {', '.join(left)} (`review screen --stage {cli} --reviewer NAME`)")
    if p.unassigned:
        lines.append(f"{label} screening: {p.unassigned} works in nobody's queue (`review screen assign`)")
    open_conflicts = len(conflicts.list_conflicts(session, stage))
    if open_conflicts:
        lines.append(f"{label} conflicts: {open_conflicts} open (`review conflicts resolve --stage {cli}`)")
    return lines


def _extraction_waits(session: Session) -> list[str]:
    from review import extract

    included = extract.included_works(session)
    if not included:
        return []
    started = set(
        session.exec(
            select(ExtractionValue.work_id)
            .where(col(ExtractionValue.work_id).in_(included), col(ExtractionValue.role) == "extractor")
            .distinct()
        )
    )
    lines = []
    pending = [w for w in included if w not in started]
    if pending:
        lines.append(f"extraction: {len(pending)} included studies not extracted (`review extract RECORD`)")
    clashes = len(extract.conflicts(session))
    if clashes:
        lines.append(f"extraction: {clashes} conflicting fields (`review extract conflicts`)")
    return lines


def render(result: PipelineResult) -> str:
    """The summary for the terminal: one line per stage, then what waits for people."""
    lines = [_outcome_line(o) for o in result.outcomes]
    if not any(o.changed for o in result.outcomes):
        lines.append("Nothing new: every stage was already up to date.")
    if result.waiting:
        lines.append("Waiting for people:")
        lines.extend(f"  {w}" for w in result.waiting)
    else:
        lines.append("Nothing waits for people.")
    return "\n".join(lines)


def _outcome_line(o: StageOutcome) -> str:
    counts = ", ".join(f"{k.removeprefix('total_').replace('_', ' ')} {n}" for k, n in o.counts)
    head = f"{o.stage}: {o.status}" + (f" ({counts})" if counts else "")
    note = o.note.replace("\n", "\n    ")
    return head + (f"\n    {note}" if note else "")
