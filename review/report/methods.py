"""The methods paragraph: sources and dates, records, deduplication, screening design,
automation, agreement and extraction, every number read from the store and the protocol."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from review.dedupe.relations import counts_text, related_counts
from review.errors import ReviewError
from review.imports import RESERVED_SOURCES
from review.models import ExtractionValue, RuleResult, SearchRun, StageRun
from review.protocol import Protocol, StageDesign
from review.report import calibration
from review.report.prisma import PrismaCounts, source_label
from review.screen.rank import BLINDING_TEXT, MODEL_TEXT, POOLING_TEXT
from review.states import Stage

DESIGNS = {
    "dual": "two reviewers screened every record independently",
    "pilot": (
        "two reviewers first screened calibration batches of {pilot} records independently, a new batch "
        "after each that fell short, until agreement reached {statistic} ≥ {threshold}{degenerate}; "
        "screening then continued as {after}"
    ),
    "single+verify": "one reviewer screened each record and a second checked {verify} of the excludes",
    "single": "one reviewer screened each record",
}
AFTER_PILOT = {
    "dual": "dual screening",
    "single+verify": "single screening with a second reviewer checking {verify} of the excludes",
    "single": "single screening",
}


def count(n: int, singular: str, plural: str | None = None) -> str:
    """ "1 record", "2 records"."""
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


EXTRACTION = {
    "single+verify": "one reviewer extracted data and a second verified every value",
    "dual": "two reviewers extracted data independently",
}


def paragraph(session: Session, protocol: Protocol, c: PrismaCounts) -> str:
    """The methods text as Markdown (a heading and one paragraph per topic)."""
    parts = [
        _sources(session),
        _records(session, c),
        _screening(session, protocol, c),
        _extraction(session, protocol),
    ]
    return "# Methods\n\n" + "\n\n".join(p for p in parts if p) + "\n"


def _day(value: date | None) -> str:
    return value.strftime("%-d %B %Y") if value else "an unrecorded date"


def _searched(run: SearchRun) -> date | None:
    """The day the database was searched: a harvest's start, an export's --searched-on (else unknown)."""
    if run.source in RESERVED_SOURCES:
        return run.started_at.date()
    return run.searched_on


def _sources(session: Session) -> str:
    runs = session.exec(select(SearchRun).order_by(col(SearchRun.id))).all()
    if not runs:
        return "No searches have been run yet."
    by_source: dict[str, list[SearchRun]] = {}
    for r in runs:
        by_source.setdefault(r.source, []).append(r)
    described = []
    for source, found in by_source.items():
        days = sorted(d for d in (_searched(r) for r in found) if d is not None)
        when = _when(days, len(days) < len(found))
        kind = "databases" if found[0].arm == "databases" else "other methods"
        platform = f" via {found[0].platform}" if found[0].platform else ""
        runs_n = count(len(found), "run")
        described.append(f"{source_label(source)}{platform} ({runs_n}, {kind}; {when})")
    return (
        f"We searched {'; '.join(described)}. "
        "The exact strategies, limits and dates are given in the search appendix (PRISMA-S)."
    )


def _when(days: list[date], unrecorded: bool) -> str:
    if not days:
        return "an unrecorded date"
    when = _day(days[0]) if days[0] == days[-1] else f"{_day(days[0])} to {_day(days[-1])}"
    return when + (" and an unrecorded date" if unrecorded else "")


def _records(session: Session, c: PrismaCounts) -> str:
    db, other = c.arms()
    text = (
        f"Searches identified {count(db.records + other.records, 'record')} ({db.records:,} from databases, "
        f"{other.records:,} by other methods). "
    )
    runs = select(StageRun).where(StageRun.stage == "dedupe", StageRun.status == "complete")
    dedupe = session.exec(runs.order_by(col(StageRun.id).desc())).first()
    method = ""
    if dedupe is not None:
        detail = (dedupe.counts or {}).get("method")
        method = f" with review {dedupe.tool_version} on {_day(dedupe.finished_at)}"
        method += f" ({detail})" if detail else ""
    text += (
        f"Deduplication{method} removed {count(db.duplicates + other.duplicates, 'duplicate record')}, "
        f"leaving {count(db.works + other.works, 'unique record')}."
    )
    waiting = db.awaiting_dedupe + other.awaiting_dedupe
    return text + _related(session) + (f" {count(waiting, 'record')} await deduplication." if waiting else "")


def _related(session: Session) -> str:
    """Records kept apart as different items about one work (an erratum and its article)."""
    found = related_counts(session)
    if not found:
        return ""
    pairs = count(sum(found.values()), "pair")
    return f" {pairs} of records were kept apart as related items, not duplicates ({counts_text(found)})."


def _screening(session: Session, protocol: Protocol, c: PrismaCounts) -> str:
    db, other = c.arms()
    out = [
        _design(protocol, Stage.TITLE_ABSTRACT, "title and abstract"),
        calibration.pilot_batches(session, protocol, Stage.TITLE_ABSTRACT, "title and abstract"),
        calibration.protocol_changes(session),
        _automation(session, db.automation + other.automation, protocol.stage_design(Stage.TITLE_ABSTRACT)),
        _agreement(session, protocol, Stage.TITLE_ABSTRACT),
        _prioritisation(protocol),
    ]
    waiting = sum(db.awaiting_screening.values()) + sum(other.awaiting_screening.values())
    screened = db.screened + other.screened
    out.append(
        f"Of {count(screened, 'record')} screened, reviewers excluded {db.excluded + other.excluded:,}"
        + (f"; still awaiting screening or adjudication: {waiting:,}" if waiting else "")
        + "."
    )
    out.append(_design(protocol, Stage.FULL_TEXT, "full text"))
    out.append(calibration.pilot_batches(session, protocol, Stage.FULL_TEXT, "full text"))
    out.append(_agreement(session, protocol, Stage.FULL_TEXT))
    sought, missing = db.sought + other.sought, db.not_retrieved_total + other.not_retrieved_total
    assessed = db.assessed + other.assessed
    excluded = Counter(db.excluded_reports) + Counter(other.excluded_reports)
    reasons = ", ".join(f"{code} {n:,}" for code, n in sorted(excluded.items()))
    out.append(
        f"We sought {count(sought, 'report')}: {missing:,} could not be retrieved and {assessed:,} "
        f"were assessed for eligibility; excluded at full text: {sum(excluded.values()):,}"
        + (f" ({reasons})" if reasons else "")
        + f". In all, {count(c.included, 'study', 'studies')} were included."
    )
    return " ".join(s for s in out if s)


def _design(protocol: Protocol, stage: str, label: str) -> str:
    return f"At {label}, {design_text(protocol, stage)}."


def design_text(protocol: Protocol, stage: str) -> str:
    """The stage's screening design in words ("two reviewers screened every record independently")."""
    d = protocol.stage_design(stage)
    how = DESIGNS[d.design].format(
        pilot=d.pilot_size,
        after=AFTER_PILOT[d.after_pilot].format(verify=f"{d.verify_fraction:.0%}"),
        statistic=d.agreement_statistic,
        threshold=d.agreement_threshold,
        degenerate=calibration.design_rule(protocol, stage),
        verify=f"{d.verify_fraction:.0%}",
    )
    return how


def _prioritisation(protocol: Protocol) -> str:
    """How queues were ordered, and what the order learned from (review.screen.rank)."""
    designs = [protocol.stage_design(stage) for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT)]
    # dual, a pilot's batches and single+verify's verifiers all compare two people's decisions
    blinded = any(d.design != "single" for d in designs)
    return (
        "Each screener's queue was ordered by predicted relevance, most likely include first; the order "
        f"never excluded a record (model: {MODEL_TEXT}). {BLINDING_TEXT if blinded else POOLING_TEXT}"
    )


def _automation(session: Session, total: int, design: StageDesign) -> str:
    q = (
        select(RuleResult.rule, func.count())
        .where(RuleResult.stage == Stage.TITLE_ABSTRACT, col(RuleResult.active).is_(True))
        .group_by(col(RuleResult.rule))
    )
    rules = sorted(session.exec(q).all())
    if not rules:
        return "No records were excluded by automation."
    listed = ", ".join(f"{rule.replace('_', ' ')} {n:,}" for rule, n in rules)
    checked = (
        f"; a person checked {design.rule_check_fraction:.0%} of them" if design.rule_check_fraction else ""
    )
    return (
        f"Protocol rules applied by the review software (automation) marked {count(total, 'record')} as "
        f"ineligible before screening (rule hits: {listed}){checked}."
    )


def _agreement(session: Session, protocol: Protocol, stage: str) -> str:
    from review.agreement import kappa_degenerate, stage_agreement

    try:
        found = stage_agreement(session, protocol, stage)
    except ReviewError:
        return ""
    a = found.overall
    kappa = f"not defined ({kappa_degenerate(a.table)})" if a.kappa is None else f"{a.kappa:.2f}"
    return (
        f"Agreement between screeners on {count(a.n, 'record')} screened by two people: observed {a.po:.0%}, "
        f"Cohen's kappa {kappa}, PABAK {a.pabak:.2f}, Gwet's AC1 {a.ac1:.2f} ({found.note.rstrip('.')})."
    )


def _extraction(session: Session, protocol: Protocol) -> str:
    if protocol.extraction is None:
        return ""
    counts = Counter(
        role
        for role, _ in session.exec(
            select(ExtractionValue.role, ExtractionValue.work_id)
            .where(col(ExtractionValue.role).in_(("extractor", "verifier", "consensus")))
            .distinct()
        )
    )
    consensus = select(ExtractionValue.work_id, ExtractionValue.field).where(
        ExtractionValue.role == "consensus"
    )
    resolved = len(set(session.exec(consensus).all()))
    form = protocol.extraction
    return (
        f"Using a {len(form.all_fields())}-field form, {EXTRACTION[form.design]}: "
        f"{count(counts['extractor'], 'study', 'studies')} extracted, {counts['verifier']:,} verified; "
        f"{count(resolved, 'disagreement')} resolved by consensus."
    )
