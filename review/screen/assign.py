"""Reviewers' queues from the protocol's screening design (methods.md section 2).

Designs, per stage:
- `dual`: every work to two screeners (pairs rotate when there are more than two);
- `single`: every work to one screener, round-robin in a seeded order;
- `single+verify`: as `single`, then a seeded `verify_fraction` of each screener's excludes goes to
  another screener (run `assign` again as excludes come in);
- `pilot`: a seeded calibration batch of `pilot_size` works to every screener; once the pilot gate
  (review.agreement.gate, which names the rule that decided) passes, the rest by `after_pilot`; a
  failed gate gives out a new batch. Each batch, and each verdict acted on, is logged for the report.
Rule exclusions are kept out of queues, except a seeded `rule_check_fraction` of them given to
screeners to check. Assigning is idempotent: one assignment per work, stage and reviewer. After a
version is closed (review.versions), title/abstract gives out only the works first seen since.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from review import protocol_log, tally
from review.db import utcnow, write_lock
from review.decisions import GIVEN_PURPOSES, current_decisions, final_decisions
from review.errors import InputError
from review.models import Assignment
from review.protocol import Protocol, StageDesign
from review.screen.rules import active_exclusions
from review.stagerun import stage_run
from review.states import Stage

if TYPE_CHECKING:
    from review.agreement import GateResult

MAIN_PURPOSES = ("pilot", "dual", "single")


@dataclass(frozen=True)
class AssignResult:
    """What `assign` gave out at one stage, and what happens next."""

    stage: str
    design: str
    reviewers: tuple[str, ...]
    eligible: int  # works in scope without an active rule exclusion
    rule_excluded: int
    added: tuple[tuple[str, int], ...]  # (purpose, new assignments)
    message: str
    gate_passed: bool | None = None


@dataclass
class _Plan:
    stage: str
    seed: int
    team: tuple[str, ...]
    existing: dict[int, dict[str, str]]  # work -> reviewer -> purpose
    rows: list[dict[str, Any]]

    def add(self, work_id: int, reviewer: str, purpose: str) -> None:
        if reviewer not in self.existing[work_id]:
            self.existing[work_id][reviewer] = purpose
            self.rows.append(dict(work_id=work_id, stage=self.stage, reviewer=reviewer, purpose=purpose))

    def count(self, purpose: str) -> int:
        return sum(1 for by in self.existing.values() if purpose in by.values())

    def key(self, purpose: str, work_id: int) -> str:
        return hashlib.sha256(f"{self.seed}:{self.stage}:{purpose}:{work_id}".encode()).hexdigest()


def run(
    session: Session, protocol: Protocol, stage: str, reviewers: Sequence[str] | None = None
) -> AssignResult:
    """Give out works at `stage` by the protocol's design; safe to re-run, and to run twice at once."""
    write_lock(session)
    with stage_run(session, f"screen_assign_{stage}", protocol_hash=protocol.sha256) as logged:
        with tally.counting(session):
            result = _run(session, protocol, stage, reviewers)
        logged.counts = {
            "eligible": result.eligible,
            "rule_excluded": result.rule_excluded,
            **dict(result.added),
        }
    return result


def _run(session: Session, protocol: Protocol, stage: str, reviewers: Sequence[str] | None) -> AssignResult:
    protocol_log.track(session, protocol)  # a change is logged before the gate judges under it
    design = protocol.stage_design(stage)
    plan = _plan(session, protocol, stage, reviewers)
    ruled = active_exclusions(session, stage)
    eligible = [w for w in final_decisions(session, stage) if w not in ruled]
    scope = _open_version(session, stage)
    fresh = _shuffled(
        [w for w in eligible if not _main(plan, w) and (scope is None or w in scope)], plan, "order"
    )
    message, passed = "", None
    if not eligible and not ruled:
        message = _nothing(stage)
    elif design.design == "pilot":
        message, passed = _pilot(session, protocol, plan, design, fresh)
    else:
        _give(session, plan, design.design, fresh, design.verify_fraction)
    if design.rule_check_fraction > 0 and len(plan.team) > 0:
        _rule_checks(
            plan, sorted(w for w in ruled if scope is None or w in scope), design.rule_check_fraction
        )
    _insert(session, plan.rows)
    protocol_log.track(session, protocol)  # the settings in force when screening starts
    added = Counter(r["purpose"] for r in plan.rows)
    return AssignResult(
        stage=stage,
        design=design.design,
        reviewers=plan.team,
        eligible=len(eligible),
        rule_excluded=len(ruled),
        added=tuple(sorted(added.items())),
        message=message or _done(plan, fresh),
        gate_passed=passed,
    )


def _open_version(session: Session, stage: str) -> set[int] | None:
    """Once a version is closed, title/abstract queues take only the works first seen since: works of
    a closed version keep what was decided (or left undecided, after a stopping rule) and are never
    given out again; a rule-check sample is drawn per update. Full text takes what title/abstract
    includes, whenever it was found."""
    from review import versions

    return versions.open_scope(session) if stage == Stage.TITLE_ABSTRACT else None


def _plan(session: Session, protocol: Protocol, stage: str, reviewers: Sequence[str] | None) -> _Plan:
    existing: dict[int, dict[str, str]] = defaultdict(dict)
    for a in session.exec(select(Assignment).where(Assignment.stage == stage).order_by(col(Assignment.id))):
        existing[a.work_id][a.reviewer] = a.purpose
    team = tuple(reviewers) if reviewers else _team(session, existing, protocol)
    unknown = [r for r in team if r not in protocol.review.reviewers]
    if unknown:
        names = ", ".join(protocol.review.reviewers)
        raise InputError(f"Unknown reviewer(s) {', '.join(unknown)}: the protocol names {names}.")
    return _Plan(stage, protocol.screening.seed, tuple(dict.fromkeys(team)), existing, [])


def _team(session: Session, existing: dict[int, dict[str, str]], protocol: Protocol) -> tuple[str, ...]:
    """Whoever already screens this stage, else whoever screened another, else the protocol's screeners."""
    found = {r for by in existing.values() for r, p in by.items() if p in MAIN_PURPOSES}
    if not found:
        q = select(Assignment.reviewer).where(col(Assignment.purpose).in_(MAIN_PURPOSES)).distinct()
        found = set(session.exec(q))
    return tuple(r for r in protocol.review.reviewers if r in found) or protocol.screeners()


def _main(plan: _Plan, work_id: int) -> bool:
    return any(p in GIVEN_PURPOSES for p in plan.existing.get(work_id, {}).values())


def _shuffled(works: list[int], plan: _Plan, purpose: str) -> list[int]:
    return sorted(works, key=lambda w: plan.key(purpose, w))


def _need_two(plan: _Plan, design: str) -> None:
    if len(plan.team) < 2:
        raise InputError(
            f"The {design!r} design needs at least two screeners at {plan.stage}; got "
            f"{', '.join(plan.team) or 'none'}. Name them with --reviewers a,b."
        )


def _give(session: Session, plan: _Plan, design: str, works: list[int], verify_fraction: float) -> None:
    if design == "dual":
        _need_two(plan, design)
        start = plan.count("dual")
        for i, w in enumerate(works):
            first = (start + i) % len(plan.team)
            plan.add(w, plan.team[first], "dual")
            plan.add(w, plan.team[(first + 1) % len(plan.team)], "dual")
        return
    if design == "single+verify":
        _need_two(plan, design)
    start = plan.count("single")
    for i, w in enumerate(works):
        plan.add(w, plan.team[(start + i) % len(plan.team)], "single")
    if design == "single+verify":
        _verify(session, plan, verify_fraction)


def _verify(session: Session, plan: _Plan, fraction: float) -> None:
    """A seeded share of each single screener's excludes goes to another screener."""
    excludes: dict[str, list[int]] = defaultdict(list)
    for c in current_decisions(session, plan.stage, roles=("screener",)):
        if c.decision == "exclude" and plan.existing.get(c.work_id, {}).get(c.reviewer) == "single":
            excludes[c.reviewer].append(c.work_id)
    for screener, works in sorted(excludes.items()):
        others = [r for r in plan.team if r != screener]
        done = [w for w in works if "verify" in plan.existing[w].values()]
        need = math.ceil(fraction * len(works)) - len(done)
        todo = [w for w in _shuffled(works, plan, "verify") if w not in done][: max(need, 0)]
        for w in todo:
            if others:
                plan.add(w, others[int(plan.key("verifier", w), 16) % len(others)], "verify")


def _rule_checks(plan: _Plan, ruled: list[int], fraction: float) -> None:
    done = [w for w in ruled if "rule_check" in plan.existing.get(w, {}).values()]
    need = math.ceil(fraction * len(ruled)) - len(done)
    todo = [w for w in _shuffled(ruled, plan, "rule_check") if w not in done][: max(need, 0)]
    start = plan.count("rule_check")
    for i, w in enumerate(todo):
        plan.add(w, plan.team[(start + i) % len(plan.team)], "rule_check")


def _pilot(
    session: Session, protocol: Protocol, plan: _Plan, design: StageDesign, fresh: list[int]
) -> tuple[str, bool | None]:
    _need_two(plan, "pilot")
    if plan.count("pilot") == 0:
        return _new_batch(session, protocol, plan, design, fresh, 1), None
    gate, said = _gate(session, protocol, plan.stage)
    if gate.rule is None:  # the latest batch is still being screened
        return said, False
    if gate.passed:
        _give(session, plan, design.after_pilot, fresh, design.verify_fraction)
        return f"{said}. The rest go out by {design.after_pilot!r}.", True
    discuss = "Clarify the criteria"
    if gate.disagreements:
        discuss = f"Discuss the {gate.disagreements} disagreements (`review conflicts`); clarify the criteria"
    if not fresh:  # every work has been in a pilot batch: nothing is left to calibrate on
        return (
            f"{said}. {discuss}. No works are left for another pilot batch: resolve the conflicts, "
            'then change [screening] design (e.g. to "dual") in the protocol and run '
            "`review screen assign` again.",
            False,
        )
    return f"{said}. {discuss}. {_new_batch(session, protocol, plan, design, fresh, gate.batch + 1)}", False


def _new_batch(
    session: Session, protocol: Protocol, plan: _Plan, design: StageDesign, fresh: list[int], number: int
) -> str:
    """Give out and log a pilot batch; says who has it and what to run next."""
    from review.agreement.batches import log_batch

    works = _shuffled(fresh, plan, "pilot")[: design.pilot_size]
    for w in works:
        for reviewer in plan.team:
            plan.add(w, reviewer, "pilot")
    log_batch(session, protocol, plan.stage, number, works, plan.team)
    cli_stage = Stage(plan.stage).cli
    return (
        f"Pilot batch {number} ({len(works)} records) given to {', '.join(plan.team)}. When all have "
        f"screened it, run `review screen assign --stage {cli_stage}` again to check the agreement gate."
    )


def _nothing(stage: str) -> str:
    if stage == Stage.FULL_TEXT:
        return "No works at full text yet: works come here when included at title/abstract."
    return "No works to screen yet: run `review search` and `review dedupe` first."


def _gate(session: Session, protocol: Protocol, stage: str) -> tuple[GateResult, str]:
    """Judge the latest pilot batch and log the verdict assign acts on; returns it in words."""
    from review.agreement import pilot_gate, verdict_text  # statistics: only when a pilot is judged
    from review.agreement.batches import log_verdict

    gate = pilot_gate(session, protocol, stage)
    verdict = gate.verdict()
    if verdict is None:
        return gate, gate.message
    log_verdict(session, protocol, stage, verdict)
    return gate, verdict_text(verdict)


def _done(plan: _Plan, fresh: list[int]) -> str:
    if not plan.rows and not fresh:
        return "Nothing new to give out: every eligible work is already in a queue."
    return f"Queues ready: `review screen --reviewer NAME --stage {Stage(plan.stage).cli}`."


def _insert(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        now = utcnow()
        session.execute(insert(Assignment), [{**r, "created_at": now} for r in rows])
