"""Protocol rules: automatic exclusions that run before anyone screens.

Each rule is conservative: it excludes only when the data says so. Missing data (no year, no
language, no authorship countries, no abstract) never excludes. A rule exclusion is a `RuleResult`
row (automation, the PRISMA automation box), never a person's decision. Re-running recomputes the
rows: a rule that no longer fires is switched off, and one a person overturned stays off.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from review import protocol_log, tally
from review.db import utcnow, write_lock
from review.decisions import final_decisions
from review.errors import InputError
from review.models import Record, RuleResult, Work
from review.normalize import document_kinds
from review.protocol import Protocol
from review.screen.terms import compile_terms, uk_named, uk_places
from review.stagerun import stage_run
from review.states import Stage

RULES = ("date_range", "language", "document_type", "setting", "required_terms", "excluded_terms")

# Common spellings of languages mapped to ISO 639-1; anything unrecognised is "unknown" (keeps the work).
_LANGUAGES = {
    "eng": "en", "english": "en", "fre": "fr", "fra": "fr", "french": "fr", "ger": "de", "deu": "de",
    "german": "de", "spa": "es", "spanish": "es", "por": "pt", "portuguese": "pt", "ita": "it",
    "italian": "it", "dut": "nl", "nld": "nl", "dutch": "nl", "chi": "zh", "zho": "zh", "chinese": "zh",
    "jpn": "ja", "japanese": "ja", "rus": "ru", "russian": "ru", "wel": "cy", "cym": "cy", "welsh": "cy",
}  # fmt: skip
_UNKNOWN_LANGUAGES = {"und", "mul", "zxx", "mis", "xx"}


@dataclass(frozen=True)
class Facts:
    """What the rules look at for one work (its canonical fields plus all its records')."""

    work_id: int
    title: str | None
    abstract: str | None
    year: int | None
    language: str | None
    doc_types: frozenset[str]
    countries: frozenset[str]
    sources: frozenset[str]


@dataclass(frozen=True)
class Verdict:
    """One rule applied to one work: whether it fires, and why (in words)."""

    rule: str
    fires: bool
    reason_code: str
    detail: str


@dataclass(frozen=True)
class RulesResult:
    """What a rules run did at one stage."""

    stage: str
    examined: int
    excluded: int  # works with at least one active rule exclusion after the run
    added: int
    cleared: int
    by_rule: tuple[tuple[str, int], ...] = field(default=())
    configured: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class StoredRule:
    stage: str
    rule: str
    reason_code: str
    detail: str | None
    active: bool
    overturned_by: int | None


@dataclass(frozen=True)
class Explanation:
    """Why a work is (or is not) excluded by the protocol's rules."""

    work_id: int
    title: str | None
    stored: tuple[StoredRule, ...]
    verdicts: tuple[Verdict, ...]


# --- evaluating ---------------------------------------------------------------------------


def evaluate(protocol: Protocol, facts: Facts) -> list[Verdict]:
    """Every configured rule applied to one work, firing or not."""
    rules = protocol.rules
    out: list[Verdict] = []
    review = protocol.review
    if rules.date_reason and (review.start_date or review.end_date):
        out.append(_date(protocol, facts, rules.date_reason))
    if rules.language_reason:
        out.append(_language(protocol, facts, rules.language_reason))
    if rules.document_types:
        out.append(_doc_type(rules.document_types.exclude, facts, rules.document_types.reason))
    if rules.setting:
        out.append(_setting(protocol, facts))
    if rules.required_terms:
        out.append(_required(rules.required_terms.terms, facts, rules.required_terms.reason))
    if rules.excluded_terms:
        out.append(_excluded(rules.excluded_terms.terms, facts, rules.excluded_terms.reason))
    return out


def _date(protocol: Protocol, facts: Facts, reason: str) -> Verdict:
    start, end = protocol.review.start_date, protocol.review.end_date
    if facts.year is None:
        return Verdict("date_range", False, reason, "no publication year: kept")
    if start and facts.year < start.year:
        return Verdict("date_range", True, reason, f"published {facts.year}, before start date {start}")
    if end and facts.year > end.year:
        return Verdict("date_range", True, reason, f"published {facts.year}, after end date {end}")
    return Verdict("date_range", False, reason, f"published {facts.year}, within the date range")


def language_code(value: str | None) -> str | None:
    """ISO 639-1 code for a language field ("en", "eng", "English", "en-GB"), or None if unknown."""
    if not value:
        return None
    raw = value.strip().lower().replace("_", "-").split("-")[0]
    code = _LANGUAGES.get(raw, raw)
    if code in _UNKNOWN_LANGUAGES or len(code) != 2 or not code.isalpha():
        return None
    return code


def _language(protocol: Protocol, facts: Facts, reason: str) -> Verdict:
    code = language_code(facts.language)
    wanted = {language_code(x) or x for x in protocol.review.languages}
    if code is None:
        return Verdict("language", False, reason, f"language {facts.language or 'not given'}: kept")
    if code in wanted:
        return Verdict("language", False, reason, f"language {code}")
    return Verdict("language", True, reason, f"language {code}, not one of {', '.join(sorted(wanted))}")


def _doc_type(excluded: tuple[str, ...], facts: Facts, reason: str) -> Verdict:
    if not facts.doc_types:
        return Verdict("document_type", False, reason, "no document type: kept")
    bad = frozenset().union(*(document_kinds(x) for x in excluded))
    kinds = sorted(facts.doc_types)
    # A work with several records is excluded only when every record's type is excluded.
    if all(k in bad for k in kinds):
        return Verdict("document_type", True, reason, f"document type {', '.join(kinds)} is excluded")
    return Verdict("document_type", False, reason, f"document type {', '.join(kinds)}")


def _setting(protocol: Protocol, facts: Facts) -> Verdict:
    rule = protocol.rules.setting
    assert rule is not None
    uk = {_country(c) for c in rule.countries}
    if "govuk" in facts.sources:
        return Verdict("setting", False, rule.reason, "published on GOV.UK")
    if facts.countries & uk:
        return Verdict(
            "setting", False, rule.reason, f"authorship country {', '.join(sorted(facts.countries & uk))}"
        )
    named = uk_named(_text(facts), rule.places or uk_places())
    if named:
        return Verdict("setting", False, rule.reason, f"names UK place or programme {named[0]!r}")
    if not facts.countries:
        return Verdict("setting", False, rule.reason, "no authorship countries and no UK place named: kept")
    return Verdict(
        "setting",
        True,
        rule.reason,
        f"authorship countries {', '.join(sorted(facts.countries))}; no UK place or programme named",
    )


def _country(code: str) -> str:
    code = code.strip().upper()
    return "GB" if code == "UK" else code


def _text(facts: Facts) -> str:
    return f"{facts.title or ''}\n{facts.abstract or ''}"


def _required(terms: tuple[str, ...], facts: Facts, reason: str) -> Verdict:
    found = compile_terms(terms).find(_text(facts))
    if found:
        return Verdict("required_terms", False, reason, f"mentions {found[0]!r}")
    if not (facts.abstract or "").strip():
        return Verdict("required_terms", False, reason, "no required term in the title and no abstract: kept")
    return Verdict("required_terms", True, reason, "none of the required terms in title or abstract")


def _excluded(terms: tuple[str, ...], facts: Facts, reason: str) -> Verdict:
    found = compile_terms(terms).find(_text(facts))
    if found:
        return Verdict(
            "excluded_terms", True, reason, f"mentions excluded term {', '.join(repr(t) for t in found)}"
        )
    return Verdict("excluded_terms", False, reason, "no excluded term")


# --- loading facts ------------------------------------------------------------------------


def load_facts(session: Session, work_ids: list[int] | None = None) -> dict[int, Facts]:
    """Facts for the given works (all works when None), in two queries."""
    wq = select(Work)
    # five columns: beyond sqlmodel's typed select, so plain SQLAlchemy
    rq = sa_select(
        col(Record.work_id),
        col(Record.source),
        col(Record.countries),
        col(Record.doc_type),
        col(Record.extra),
    )
    if work_ids is not None:
        wq = wq.where(col(Work.id).in_(work_ids))
        rq = rq.where(col(Record.work_id).in_(work_ids))
    per_work: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for work_id, source, countries, doc_type, extra in session.execute(rq):
        if work_id is not None:
            _add_record(per_work[work_id], source, countries, doc_type, extra)
    facts = {}
    for w in session.exec(wq):
        assert w.id is not None
        got = per_work[w.id]
        facts[w.id] = Facts(
            work_id=w.id,
            title=w.title,
            abstract=w.abstract,
            year=w.year,
            language=w.language,
            doc_types=frozenset(got["types"] | document_kinds(w.doc_type)),
            countries=frozenset(got["countries"] | {_country(c) for c in w.countries or []}),
            sources=frozenset(got["sources"]),
        )
    return facts


def _add_record(into: dict[str, set[str]], source: str, countries: Any, doc_type: Any, extra: Any) -> None:
    into["sources"].add(source)
    into["countries"].update(_country(c) for c in countries or [] if c)
    if doc_type:
        into["types"].update(document_kinds(doc_type))
    for inst in (extra or {}).get("institutions") or []:
        if isinstance(inst, dict) and inst.get("country_code"):
            into["countries"].add(_country(inst["country_code"]))


# --- running ------------------------------------------------------------------------------


def run(session: Session, protocol: Protocol, stage: str) -> RulesResult:
    """Apply the protocol's rules to every work in scope at `stage`; safe to re-run."""
    with stage_run(session, f"screen_rules_{stage}", protocol_hash=protocol.sha256) as logged:
        result = _run(session, protocol, stage)
        logged.counts = {"examined": result.examined, "excluded": result.excluded, "added": result.added,
                         "cleared": result.cleared, **dict(result.by_rule)}  # fmt: skip
    return result


def _run(session: Session, protocol: Protocol, stage: str) -> RulesResult:
    scope = sorted(final_decisions(session, stage)) if stage == Stage.FULL_TEXT else None
    facts = load_facts(session, scope)
    existing = {
        (r.work_id, r.rule): r for r in session.exec(select(RuleResult).where(RuleResult.stage == stage))
    }
    adds, changes, clears = _plan(protocol, facts, existing, _settled(session, stage), stage)
    with tally.counting(session):
        if adds:
            session.execute(insert(RuleResult), adds)
        if changes:
            session.execute(update(RuleResult), changes)
    result = _summary(session, stage, len(facts), len(adds), len(clears), protocol)
    write_lock(session)  # protocol_log.track needs it: two runs must not log one change twice
    protocol_log.track(session, protocol)
    return result


def _settled(session: Session, stage: str) -> set[tuple[int, str]]:
    """(work, rule) pairs the rules must leave alone: overturned by a person, or already
    judged at title/abstract (a work that reached full text passed, or was let through, there)."""
    q = select(RuleResult.work_id, RuleResult.rule)
    if stage == Stage.TITLE_ABSTRACT:
        q = q.where(col(RuleResult.overturned_by).is_not(None))
    else:
        q = q.where(
            (col(RuleResult.overturned_by).is_not(None)) | (col(RuleResult.stage) == Stage.TITLE_ABSTRACT)
        )
    return {(work_id, rule) for work_id, rule in session.exec(q)}


def _plan(
    protocol: Protocol,
    facts: dict[int, Facts],
    existing: dict[tuple[int, str], RuleResult],
    settled: set[tuple[int, str]],
    stage: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]:
    now = utcnow()
    adds: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    clears: list[int] = []
    for work_id, f in facts.items():
        for v in evaluate(protocol, f):
            row = existing.get((work_id, v.rule))
            if (work_id, v.rule) in settled:
                continue
            if v.fires and row is None:
                adds.append(dict(work_id=work_id, stage=stage, rule=v.rule, reason_code=v.reason_code,
                                 detail=v.detail, active=True, created_at=now))  # fmt: skip
            elif v.fires and row is not None and (not row.active or row.reason_code != v.reason_code):
                changes.append(
                    {"id": row.id, "active": True, "reason_code": v.reason_code, "detail": v.detail}
                )
            elif not v.fires and row is not None and row.active:
                changes.append({"id": row.id, "active": False, "reason_code": row.reason_code,
                                "detail": f"{row.detail} (no longer fires: {v.detail})"})  # fmt: skip
                clears.append(work_id)
    return adds, changes, clears


def _summary(
    session: Session, stage: str, examined: int, added: int, cleared: int, protocol: Protocol
) -> RulesResult:
    active = session.exec(
        select(RuleResult.work_id, RuleResult.rule).where(
            RuleResult.stage == stage, col(RuleResult.active).is_(True)
        )
    ).all()
    by_rule = Counter(rule for _, rule in active)
    configured = tuple(dict.fromkeys(v.rule for v in evaluate(protocol, _BLANK)))
    return RulesResult(
        stage=stage,
        examined=examined,
        excluded=len({w for w, _ in active}),
        added=added,
        cleared=cleared,
        by_rule=tuple((r, by_rule[r]) for r in RULES if by_rule[r]),
        configured=configured,
    )


_BLANK = Facts(
    work_id=0,
    title=None,
    abstract=None,
    year=None,
    language=None,
    doc_types=frozenset(),
    countries=frozenset(),
    sources=frozenset(),
)


def active_exclusions(session: Session, stage: str) -> dict[int, list[str]]:
    """Works with an active rule exclusion at `stage`, with their reason codes."""
    q = select(RuleResult.work_id, RuleResult.reason_code).where(
        RuleResult.stage == stage, col(RuleResult.active).is_(True)
    )
    found: dict[int, list[str]] = defaultdict(list)
    for work_id, code in session.exec(q.order_by(col(RuleResult.id))):
        found[work_id].append(code)
    return dict(found)


def explain(session: Session, protocol: Protocol, work_id: int) -> Explanation:
    """The stored rule results for a work at every stage, and each rule's verdict today."""
    work = session.get(Work, work_id)
    if work is None:
        raise InputError(f"No work {work_id}: give a work ID, not a record ID (`review screen progress`).")
    rows = session.exec(select(RuleResult).where(RuleResult.work_id == work_id).order_by(col(RuleResult.id)))
    stored = tuple(
        StoredRule(r.stage, r.rule, r.reason_code, r.detail, r.active, r.overturned_by) for r in rows
    )
    facts = load_facts(session, [work_id])[work_id]
    return Explanation(work_id, work.title, stored, tuple(evaluate(protocol, facts)))
