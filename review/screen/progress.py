"""Where each reviewer stands at a stage, and where the works stand (computed from the store; the
works still to give out from the kept counts, review.tally)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, col, select

from review import tally
from review.decisions import QUEUE_PURPOSES, counts, final_decisions
from review.models import Assignment
from review.protocol import Protocol
from review.screen.queue import assigned, standing
from review.screen.rules import active_exclusions


@dataclass(frozen=True)
class ReviewerProgress:
    """One reviewer's queue at a stage."""

    reviewer: str
    assigned: int
    done: int
    includes: int
    excludes: int
    maybes: int
    by_purpose: tuple[tuple[str, int], ...]

    @property
    def remaining(self) -> int:
        return self.assigned - self.done


@dataclass(frozen=True)
class Progress:
    """A stage's screening progress."""

    stage: str
    design: str
    in_scope: int
    rule_excluded: int
    unassigned: int  # eligible works in nobody's queue yet
    finals: tuple[tuple[str, int], ...]  # (include|exclude|conflict|pending, count)
    reviewers: tuple[ReviewerProgress, ...]


def run(session: Session, protocol: Protocol, stage: str) -> Progress:
    """Progress per reviewer and final-decision counts at `stage`."""
    finals = final_decisions(session, stage)
    ruled = active_exclusions(session, stage)
    people = dict.fromkeys(
        session.exec(
            select(Assignment.reviewer)
            .where(Assignment.stage == stage, col(Assignment.purpose).in_(QUEUE_PURPOSES))
            .order_by(col(Assignment.id))
        )
    )
    reviewers = tuple(_reviewer(session, r, stage) for r in people)
    total = counts(finals)
    return Progress(
        stage=stage,
        design=protocol.stage_design(stage).design,
        in_scope=len(finals),
        rule_excluded=len([w for w in ruled if w in finals]),
        unassigned=tally.unassigned(session, stage),
        finals=tuple((s, total[s]) for s in ("include", "exclude", "conflict", "pending")),
        reviewers=reviewers,
    )


def _reviewer(session: Session, reviewer: str, stage: str) -> ReviewerProgress:
    queue = assigned(session, reviewer, stage)
    mine = Counter(d.decision for w, d in standing(session, reviewer, stage).items() if w in queue)
    return ReviewerProgress(
        reviewer=reviewer,
        assigned=len(queue),
        done=sum(mine.values()),
        includes=mine["include"],
        excludes=mine["exclude"],
        maybes=mine["maybe"],
        by_purpose=tuple(sorted(Counter(queue.values()).items())),
    )
