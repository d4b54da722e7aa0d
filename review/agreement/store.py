"""Agreement in the store: pairs of screeners, per-stage and per-reason reports."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

from sqlmodel import Session, col, select

from review.agreement.stats import MAYBE_NOTE, Agreement, compute
from review.decisions import Current, current_decisions
from review.errors import AgreementError
from review.models import Assignment
from review.protocol import Protocol
from review.states import Stage


@dataclass(frozen=True)
class Pair:
    """Two reviewers' standing decisions on the works both decided, aligned by work."""

    reviewer_a: str
    reviewer_b: str
    a: tuple[Current, ...]
    b: tuple[Current, ...]

    @property
    def work_ids(self) -> tuple[int, ...]:
        return tuple(c.work_id for c in self.a)


def standing_by_work(
    session: Session, stage: str, works: Iterable[int] | None = None
) -> dict[int, dict[str, Current]]:
    """Each work's standing screener decisions, one per reviewer (their latest, whatever the role)."""
    found: dict[int, dict[str, Current]] = defaultdict(dict)
    for c in sorted(current_decisions(session, stage, works=works), key=lambda c: c.event_id):
        found[c.work_id][c.reviewer] = c
    return found


def pairs(session: Session, stage: str, works: Iterable[int] | None = None) -> list[Pair]:
    """Every pair of reviewers who both have standing decisions on the same works at `stage`."""
    standing = standing_by_work(session, stage, works)
    aligned: dict[tuple[str, str], list[tuple[Current, Current]]] = defaultdict(list)
    for work_id in sorted(standing):
        by_reviewer = standing[work_id]
        for ra, rb in combinations(sorted(by_reviewer), 2):
            aligned[ra, rb].append((by_reviewer[ra], by_reviewer[rb]))
    return [
        Pair(ra, rb, tuple(x for x, _ in rows), tuple(y for _, y in rows))
        for (ra, rb), rows in sorted(aligned.items())
    ]


def pilot_works(session: Session, stage: str) -> list[int]:
    """Works in the pilot set at `stage`, in the order they were given out."""
    rows = session.exec(
        select(Assignment.work_id, Assignment.id)
        .where(Assignment.stage == stage, Assignment.purpose == "pilot")
        .order_by(col(Assignment.id))
    )
    return list(dict.fromkeys(work_id for work_id, _ in rows))


def pilot_reviewers(session: Session, stage: str, works: Sequence[int]) -> dict[int, set[str]]:
    """Who each of these pilot works was given to."""
    found: dict[int, set[str]] = defaultdict(set)
    q = select(Assignment.work_id, Assignment.reviewer).where(
        Assignment.stage == stage, Assignment.purpose == "pilot", col(Assignment.work_id).in_(works)
    )
    for work_id, reviewer in session.exec(q):
        found[work_id].add(reviewer)
    return found


def pooled(found: Sequence[Pair], seed: int) -> Agreement:
    """Agreement over every pair's shared decisions taken together."""
    a = [c.decision for p in found for c in p.a]
    b = [c.decision for p in found for c in p.b]
    return compute(a, b, seed)


def check_protocol(protocol: Protocol, stage: str) -> tuple[str, float]:
    """The stage's agreement statistic and threshold."""
    design = protocol.stage_design(stage)
    return design.agreement_statistic, design.agreement_threshold


@dataclass(frozen=True)
class PairAgreement:
    """Agreement of one pair of reviewers."""

    reviewer_a: str
    reviewer_b: str
    agreement: Agreement


@dataclass(frozen=True)
class StageAgreement:
    """Agreement at one stage: all pairs pooled, and each pair."""

    stage: str
    pilot: bool
    overall: Agreement
    pairs: tuple[PairAgreement, ...]
    statistic: str
    threshold: float
    note: str = MAYBE_NOTE


@dataclass(frozen=True)
class ReasonRow:
    """Excludes with one reason code by each screener, and by both on the same work."""

    reason: str
    by_a: int
    by_b: int
    both: int


@dataclass(frozen=True)
class ReasonAgreement:
    """Agreement on exclusion reasons among the works both screeners excluded."""

    reviewer_a: str
    reviewer_b: str
    both_excluded: int
    same_reason: int
    kappa: float | None
    rows: tuple[ReasonRow, ...]

    @property
    def po(self) -> float | None:
        return self.same_reason / self.both_excluded if self.both_excluded else None


def stage_agreement(
    session: Session, protocol: Protocol, stage: str, *, pilot: bool = False
) -> StageAgreement:
    """Agreement at `stage` over every pair's shared decisions (only the pilot set if `pilot`)."""
    found = _pairs_or_fail(session, stage, pilot)
    seed = protocol.screening.seed
    statistic, threshold = check_protocol(protocol, stage)
    per_pair = tuple(
        PairAgreement(
            p.reviewer_a, p.reviewer_b, compute([c.decision for c in p.a], [c.decision for c in p.b], seed)
        )
        for p in found
    )
    return StageAgreement(
        stage=stage,
        pilot=pilot,
        overall=pooled(found, seed),
        pairs=per_pair,
        statistic=statistic,
        threshold=threshold,
    )


def reason_agreement(session: Session, stage: str, *, pilot: bool = False) -> list[ReasonAgreement]:
    """Per pair: excludes by reason code for each screener, and agreement on reasons."""
    return [_reasons(p) for p in _pairs_or_fail(session, stage, pilot)]


def _reasons(pair: Pair) -> ReasonAgreement:
    by_a = Counter(c.reason_code or "-" for c in pair.a if c.decision == "exclude")
    by_b = Counter(c.reason_code or "-" for c in pair.b if c.decision == "exclude")
    both = [
        (x.reason_code or "-", y.reason_code or "-")
        for x, y in zip(pair.a, pair.b, strict=True)
        if x.decision == y.decision == "exclude"
    ]
    same = Counter(x for x, y in both if x == y)
    rows = tuple(ReasonRow(r, by_a[r], by_b[r], same[r]) for r in sorted(set(by_a) | set(by_b)))
    return ReasonAgreement(
        reviewer_a=pair.reviewer_a,
        reviewer_b=pair.reviewer_b,
        both_excluded=len(both),
        same_reason=sum(same.values()),
        kappa=_nominal_kappa(both),
        rows=rows,
    )


def _nominal_kappa(pairs_: Sequence[tuple[str, str]]) -> float | None:
    """Cohen's kappa over any number of categories (None if undefined)."""
    n = len(pairs_)
    if n == 0:
        return None
    po = sum(x == y for x, y in pairs_) / n
    ca, cb = Counter(x for x, _ in pairs_), Counter(y for _, y in pairs_)
    pe = sum(ca[k] * cb[k] for k in ca) / n**2
    return None if pe >= 1 else (po - pe) / (1 - pe)


def _pairs_or_fail(session: Session, stage: str, pilot: bool) -> list[Pair]:
    works = pilot_works(session, stage) if pilot else None
    found = pairs(session, stage, works)
    if not found:
        where = "in the pilot set " if pilot else ""
        raise AgreementError(
            f"No records {where}at {Stage(stage).cli} have standing decisions from two screeners, "
            "so agreement cannot be computed. Agreement needs dual-screened records: assign a pilot or "
            "dual batch with `review screen assign` and screen it first."
        )
    return found
