"""Pilot batches, and the gate's verdicts on them, as logged when `review screen assign` acts.

A batch is logged when it is given out, and each verdict when `assign` acts on it (a new batch, or
the rest of the records), so the methods text reports what the team was told at the time even
after the protocol or a screener's decision changed. The store has no table for either yet:
`StageRun` rows hold them in `counts` (`screen_pilot_batch_<stage>`, `screen_pilot_gate_<stage>`).
Pilot works given out without a log (stores from before batches were logged, or tests writing
assignments underneath the stage) are cut into batches of `pilot_size` in the order given out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from review.agreement.store import pilot_reviewers, pilot_works
from review.models import StageRun
from review.protocol import Protocol
from review.stagerun import log_event

BATCH_LOG = "screen_pilot_batch_"
VERDICT_LOG = "screen_pilot_gate_"


@dataclass(frozen=True)
class PilotBatch:
    """One calibration batch: its works in the order given out, and who screened it."""

    number: int
    works: tuple[int, ...]
    reviewers: tuple[str, ...]
    given_at: datetime | None = None  # None when the batch was not logged


@dataclass(frozen=True)
class Verdict:
    """What the gate decided on one batch, and by which rule."""

    batch: int
    passed: bool
    rule: str  # "threshold", or the protocol's pilot_degenerate rule
    statistic: str  # the protocol's statistic
    value: float | None
    threshold: float
    decided_by: str  # the statistic the decision used: the fallback's on a degenerate batch, or "po"
    decided_value: float | None
    degenerate: str | None  # why the protocol's statistic could not judge the batch
    n: int
    disagreements: int
    reviewers: tuple[str, ...] = ()
    at: datetime | None = None  # when assign acted on it; None for a verdict worked out for a report


def pilot_batches(session: Session, stage: str, size: int) -> list[PilotBatch]:
    """Every pilot batch at `stage`, oldest first."""
    order = {w: i for i, w in enumerate(pilot_works(session, stage))}
    chunks: list[tuple[tuple[int, ...], datetime | None]] = [
        (tuple((r.counts or {}).get("works", ())), r.started_at) for r in _runs(session, BATCH_LOG + stage)
    ]
    covered = {w for works, _ in chunks for w in works}
    rest = [w for w in order if w not in covered]
    chunks += [(tuple(rest[i : i + size]), None) for i in range(0, len(rest), size)]
    chunks = [c for c in chunks if c[0]]
    chunks.sort(key=lambda chunk: min(order.get(w, len(order)) for w in chunk[0]))
    who = pilot_reviewers(session, stage, list(order))
    return [
        PilotBatch(i, works, tuple(sorted({r for w in works for r in who[w]})), at)
        for i, (works, at) in enumerate(chunks, 1)
    ]


def log_batch(
    session: Session, protocol: Protocol, stage: str, number: int, works: Sequence[int], team: Sequence[str]
) -> None:
    """Log a batch as it is given out."""
    counts = {"batch": number, "works": list(works), "reviewers": list(team), "size": len(works)}
    _log(session, protocol, BATCH_LOG + stage, counts)


def log_verdict(session: Session, protocol: Protocol, stage: str, verdict: Verdict) -> bool:
    """Log a verdict assign acts on, unless it repeats the last one on that batch; True if logged."""
    earlier = [v for v in verdicts(session, stage) if v.batch == verdict.batch]
    if earlier and replace(earlier[-1], at=None) == replace(verdict, at=None):
        return False
    counts = {k: v for k, v in asdict(verdict).items() if k != "at"}
    _log(session, protocol, VERDICT_LOG + stage, counts)
    return True


def verdicts(session: Session, stage: str) -> list[Verdict]:
    """Every logged verdict at `stage`, oldest first."""
    names = {f.name for f in fields(Verdict)} - {"at"}
    found = []
    for run in _runs(session, VERDICT_LOG + stage):
        kept = {k: v for k, v in (run.counts or {}).items() if k in names}
        found.append(Verdict(**{**kept, "reviewers": tuple(kept.get("reviewers", ()))}, at=run.started_at))
    return found


def _runs(session: Session, name: str) -> list[StageRun]:
    q = select(StageRun).where(StageRun.stage == name, StageRun.status == "complete")
    return list(session.exec(q.order_by(col(StageRun.id))))


def _log(session: Session, protocol: Protocol, name: str, counts: dict[str, Any]) -> None:
    counts = {**counts, "screening_hash": protocol.screening_hash()}
    log_event(session, name, counts, protocol_hash=protocol.sha256)
