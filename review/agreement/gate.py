"""The pilot gate: does the latest pilot batch reach the protocol's agreement threshold, by which rule?

- `threshold`: the protocol's `agreement_statistic` reaches `agreement_threshold`.
- A batch that statistic cannot judge (kappa, when a screener never includes or never excludes:
  `stats.kappa_degenerate`) goes by the protocol's `pilot_degenerate`: `fallback_statistic` judges
  it by `pilot_fallback_statistic` against the same threshold; `pass_on_perfect_agreement` passes
  it only when the screeners agreed on every record.
The result names the rule that decided and, for a degenerate batch, why the statistic could not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from review import tally
from review.agreement.batches import PilotBatch, Verdict, pilot_batches, verdicts
from review.agreement.stats import Agreement, Interval, kappa_degenerate
from review.agreement.store import (
    Pair,
    check_protocol,
    pairs,
    pilot_reviewers,
    pooled,
    standing_by_work,
)
from review.protocol import Protocol, StageDesign
from review.states import Stage


@dataclass(frozen=True)
class GateResult:
    """Whether the latest pilot batch passed, by which rule, and what next."""

    passed: bool
    statistic: str
    value: float | None
    n: int
    threshold: float
    message: str
    interval: Interval | None = None
    disagreements: int = 0
    waiting: int = 0
    batch: int = 0  # the batch judged, numbered from 1 in the order given out
    rule: str | None = None  # "threshold" or the protocol's pilot_degenerate; None: nothing judged yet
    decided_by: str | None = None  # the statistic the decision used ("po" for perfect agreement)
    decided_value: float | None = None
    degenerate: str | None = None  # why the protocol's statistic cannot judge this batch
    reviewers: tuple[str, ...] = ()

    def verdict(self) -> Verdict | None:
        """The decision to log, or None when the gate judged nothing (no pilot, or still waiting)."""
        if self.rule is None or self.decided_by is None:
            return None
        return Verdict(
            batch=self.batch,
            passed=self.passed,
            rule=self.rule,
            statistic=self.statistic,
            value=self.value,
            threshold=self.threshold,
            decided_by=self.decided_by,
            decided_value=self.decided_value,
            degenerate=self.degenerate,
            n=self.n,
            disagreements=self.disagreements,
            reviewers=self.reviewers,
        )


def pilot_gate(session: Session, protocol: Protocol, stage: str) -> GateResult:
    """Judge the latest pilot batch.

    Earlier batches are kept for the record but do not count: after a failed pilot the team
    clarifies the criteria and screens a new batch, and that batch decides.
    """
    statistic, threshold = check_protocol(protocol, stage)
    batches = pilot_batches(session, stage, protocol.stage_design(stage).pilot_size)
    if not batches:
        cli_stage = Stage(stage).cli
        msg = f"No pilot set at {cli_stage} yet: give one out (`review screen assign --stage {cli_stage}`)."
        return GateResult(
            passed=False, statistic=statistic, value=None, n=0, threshold=threshold, message=msg
        )
    return judge_batch(session, protocol, stage, batches[-1])


def judge_batch(session: Session, protocol: Protocol, stage: str, batch: PilotBatch) -> GateResult:
    """Judge one pilot batch by the protocol's rules, as the gate would now."""
    statistic, threshold = check_protocol(protocol, stage)
    cli_stage = Stage(stage).cli
    waiting, who = _waiting(session, stage, batch.works)
    if waiting:
        finish = " and ".join(f"`review screen --reviewer {r} --stage {cli_stage}`" for r in who)
        msg = (
            f"The pilot is not finished: {waiting} of {len(batch.works)} pilot records (batch "
            f"{batch.number}) still wait for a screener. Finish them with {finish}, then check again."
        )
        return GateResult(
            passed=False,
            statistic=statistic,
            value=None,
            n=0,
            threshold=threshold,
            message=msg,
            waiting=waiting,
            batch=batch.number,
        )
    found = pairs(session, stage, batch.works)
    if not found:
        msg = f"No pilot record at {cli_stage} was screened by two people: give the pilot to two screeners."
        return GateResult(
            passed=False,
            statistic=statistic,
            value=None,
            n=0,
            threshold=threshold,
            message=msg,
            batch=batch.number,
        )
    agreement = pooled(found, protocol.screening.seed)
    advice = _Advice(cli_stage, tally.unassigned(session, stage))
    return _judge(agreement, protocol.stage_design(stage), batch, _names(found), advice)


def _waiting(session: Session, stage: str, batch: Sequence[int]) -> tuple[int, list[str]]:
    """How many pilot works still wait for a screener, and who has some left (named in the advice)."""
    standing = standing_by_work(session, stage, batch)
    assigned = pilot_reviewers(session, stage, batch)
    left = {w: assigned[w] - set(standing.get(w, {})) for w in batch}
    return sum(1 for w in batch if left[w]), sorted(set().union(*left.values()))


def _names(found: Sequence[Pair]) -> tuple[str, str]:
    # Pooled over several pairs, the two sides of the table are no longer two people.
    if len(found) == 1:
        return found[0].reviewer_a, found[0].reviewer_b
    return "one screener", "the other screener"


def _judge(
    agreement: Agreement,
    design: StageDesign,
    batch: PilotBatch,
    names: tuple[str, str],
    advice: _Advice,
) -> GateResult:
    statistic, threshold = design.agreement_statistic, design.agreement_threshold
    why = kappa_degenerate(agreement.table, names) if statistic == "kappa" else None
    rule, decided_by = "threshold", str(statistic)
    if why is not None:
        rule = design.pilot_degenerate
        decided_by = "po" if rule == "pass_on_perfect_agreement" else design.pilot_fallback_statistic
    decided = agreement.value(decided_by)
    disagreements = agreement.table[1] + agreement.table[2]
    passed = (disagreements == 0) if rule == "pass_on_perfect_agreement" else reaches(decided, threshold)
    verdict = Verdict(
        batch=batch.number,
        passed=passed,
        rule=rule,
        statistic=statistic,
        value=agreement.value(statistic),
        threshold=threshold,
        decided_by=decided_by,
        decided_value=decided,
        degenerate=why,
        n=agreement.n,
        disagreements=disagreements,
        reviewers=batch.reviewers,
    )
    message = f"{verdict_text(verdict)}. {advice.after(verdict)}"
    return GateResult(
        passed=passed,
        statistic=statistic,
        value=verdict.value,
        n=agreement.n,
        threshold=threshold,
        message=message,
        interval=agreement.interval(statistic),
        disagreements=disagreements,
        waiting=0,
        batch=batch.number,
        rule=rule,
        decided_by=decided_by,
        decided_value=decided,
        degenerate=why,
        reviewers=batch.reviewers,
    )


def reaches(value: float | None, threshold: float) -> bool:
    """Whether a statistic reaches the threshold."""
    # Rounded so that a kappa of exactly the threshold, computed as 0.5999999..., passes.
    return value is not None and round(value, 9) >= threshold


def verdict_text(v: Verdict) -> str:
    """The gate's decision in one sentence (no final full stop): passed or not, by which rule, why."""
    where = f"(batch {v.batch}; threshold {v.threshold:.2f})"
    facts = f"{v.decided_by} = {_num(v.decided_value)} on {v.n} pilot records {where}"
    if v.rule == "threshold":
        below = "Pilot not passed. Agreement is below the threshold"
        return f"Pilot passed: {facts}" if v.passed else f"{below}: {facts}"
    head = "Pilot passed by" if v.passed else "Pilot not passed under"
    named = f'pilot_degenerate = "{v.rule}"'
    rule = f"{head} the protocol's rule for degenerate batches ({named}): {v.degenerate}"
    if v.rule == "fallback_statistic":
        return f"{rule}; judged instead by {facts}" + ("" if v.passed else ", below the threshold")
    if v.passed:
        return f"{rule}; the screeners agreed on all {v.n} pilot records (batch {v.batch})"
    return (
        f"{rule}; that rule passes such a batch only on perfect agreement, and the screeners disagreed "
        f"on {v.disagreements} of {v.n} pilot records (batch {v.batch})"
    )


@dataclass(frozen=True)
class _Advice:
    """What to run after a verdict depends on: the stage, and the records in nobody's queue that
    `review screen assign` would still give out (review.tally)."""

    cli_stage: str
    left: int

    def after(self, v: Verdict) -> str:
        assign = f"`review screen assign --stage {self.cli_stage}`"
        if v.passed and self.left:
            return f"Run {assign} to give out the remaining records."
        if v.passed:
            return f"No records are left to give out: every one at {self.cli_stage} is in a screener's queue."
        discuss = "Clarify the criteria"
        if v.disagreements:
            conflicts = f"`review conflicts --stage {self.cli_stage}`"
            discuss = f"Discuss the {v.disagreements} disagreements ({conflicts}), clarify the criteria,"
        if not self.left:
            return (
                f"{discuss} and, as no records are left for another pilot batch, change [screening] design "
                f'(e.g. to "dual") in the protocol and run {assign} again.'
            )
        return f"{discuss} and screen another pilot batch ({assign})."


def _num(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class BatchHistory:
    """One pilot batch and every verdict on it: logged ones, or, if none was, the gate's verdict now."""

    batch: PilotBatch
    verdicts: tuple[Verdict, ...]
    waiting: int = 0  # records still waiting for a screener, when nothing could be judged


def pilot_history(session: Session, protocol: Protocol, stage: str) -> list[BatchHistory]:
    """Every pilot batch at `stage`, oldest first, with what the gate decided on each."""
    logged = verdicts(session, stage)
    found = []
    for batch in pilot_batches(session, stage, protocol.stage_design(stage).pilot_size):
        mine = tuple(v for v in logged if v.batch == batch.number)
        if mine:
            found.append(BatchHistory(batch, mine))
            continue
        gate = judge_batch(session, protocol, stage, batch)
        now = gate.verdict()
        found.append(BatchHistory(batch, (now,) if now else (), gate.waiting))
    return found
