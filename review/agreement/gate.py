"""The pilot gate: does the latest pilot batch reach the protocol's agreement threshold?"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import Session

from review.agreement.stats import Agreement, Interval
from review.agreement.store import (
    check_protocol,
    pairs,
    pilot_reviewers,
    pilot_works,
    pooled,
    standing_by_work,
)
from review.protocol import Protocol


@dataclass(frozen=True)
class GateResult:
    """Whether the latest pilot batch reached the protocol's agreement threshold, and what next."""

    passed: bool
    statistic: str
    value: float | None
    n: int
    threshold: float
    message: str
    interval: Interval | None = None
    disagreements: int = 0
    waiting: int = 0


def pilot_gate(session: Session, protocol: Protocol, stage: str) -> GateResult:
    """Check the latest pilot batch (the last `pilot_size` pilot works given out) against the threshold.

    Earlier batches are kept for the record but do not count: after a failed pilot the team
    clarifies the criteria and screens a new batch, and that batch decides.
    """
    statistic, threshold = check_protocol(protocol, stage)
    cli_stage = stage.replace("_", "-")
    batch = pilot_works(session, stage)[-protocol.stage_design(stage).pilot_size :]
    if not batch:
        msg = f"No pilot set at {cli_stage} yet: give one out (`review screen assign --stage {cli_stage}`)."
        return GateResult(False, statistic, None, 0, threshold, msg)
    waiting = _waiting(session, stage, batch)
    if waiting:
        msg = (
            f"The pilot is not finished: {waiting} of {len(batch)} pilot records still wait for a screener. "
            f"Finish them with `review screen --stage {cli_stage}`, then check again."
        )
        return GateResult(False, statistic, None, 0, threshold, msg, waiting=waiting)
    found = pairs(session, stage, batch)
    if not found:
        msg = f"No pilot record at {cli_stage} was screened by two people: give the pilot to two screeners."
        return GateResult(False, statistic, None, 0, threshold, msg)
    return _judge(pooled(found, protocol.screening.seed), statistic, threshold, cli_stage)


def _waiting(session: Session, stage: str, batch: Sequence[int]) -> int:
    standing = standing_by_work(session, stage, batch)
    assigned = pilot_reviewers(session, stage, batch)
    return sum(1 for w in batch if assigned[w] - set(standing.get(w, {})))


def _judge(agreement: Agreement, statistic: str, threshold: float, cli_stage: str) -> GateResult:
    value = agreement.value(statistic)
    ci = agreement.interval(statistic)
    disagreements = agreement.table[1] + agreement.table[2]
    shown = "undefined" if value is None else f"{value:.2f}"
    facts = f"{statistic} = {shown} on {agreement.n} pilot records (threshold {threshold:.2f})"
    # Rounded so that a kappa of exactly the threshold, computed as 0.5999999..., passes.
    if value is not None and round(value, 9) >= threshold:
        msg = (
            f"Pilot passed: {facts}. Run `review screen assign --stage {cli_stage}` "
            "to give out the remaining records."
        )
        return GateResult(True, statistic, value, agreement.n, threshold, msg, ci, disagreements)
    why = (
        "kappa is undefined because both screeners gave every record the same decision"
        if value is None
        else "Agreement is below the threshold"
    )
    msg = (
        f"{why}: {facts}. Discuss the {disagreements} disagreements "
        f"(`review conflicts --stage {cli_stage}`), clarify the criteria, and screen another pilot batch "
        f"(`review screen assign --stage {cli_stage}`)."
    )
    return GateResult(False, statistic, value, agreement.n, threshold, msg, ci, disagreements)
