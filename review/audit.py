"""A work's whole history, read from the store: `review log RECORD`.

Which searches found its records, what dedupe merged and why, rule exclusions, assignments, every
screening decision event with who and when, when screeners came to disagree and how it was
resolved, full texts sought, and extracted values. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from review.dedupe.relations import RELATED, statement
from review.errors import InputError
from review.models import (
    Assignment,
    DedupeEvent,
    DedupePair,
    Document,
    ExtractionValue,
    Record,
    RecordHit,
    RuleResult,
    ScreeningDecision,
    SearchRun,
    Work,
)
from review.states import Stage

_LAST = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Event:
    """One thing that happened to a work."""

    at: datetime | None
    kind: str  # work record search dedupe rule assignment decision conflict resolution document extraction
    who: str | None
    summary: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the time as ISO 8601."""
        return {**asdict(self), "at": self.at.isoformat() if self.at else None}


@dataclass(frozen=True)
class WorkLog:
    """A work and its events in time order."""

    work_id: int
    title: str | None
    events: tuple[Event, ...]


def run(session: Session, work_id: int) -> WorkLog:
    """Every event about `work_id`, oldest first (undated ones last)."""
    work = session.get(Work, work_id)
    if work is None:
        raise InputError(
            f"No work {work_id}: `review log` takes a work ID (as `review screen` and "
            "`review conflicts` show), not a record ID."
        )
    records = list(session.exec(select(Record).where(Record.work_id == work_id).order_by(col(Record.id))))
    record_ids = [r.id for r in records if r.id is not None]
    events = [Event(_utc(work.created_at), "work", None, f"work {work_id} created", {"title": work.title})]
    for part in (
        _records(records),
        _hits(session, record_ids),
        _dedupe(session, work_id, record_ids),
        _rules(session, work_id),
        _assignments(session, work_id),
        _decisions(session, work_id),
        _documents(session, work_id),
        _extraction(session, work_id),
    ):
        events.extend(part)
    ordered = sorted(enumerate(events), key=lambda ie: (ie[1].at or _LAST, ie[0]))
    return WorkLog(work_id, work.title, tuple(e for _, e in ordered))


def _utc(at: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if at is None:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _records(records: list[Record]) -> Iterator[Event]:
    for r in records:
        detail = {"record_id": r.id, "source": r.source, "source_id": r.source_id, "title": r.title}
        yield Event(_utc(r.created_at), "record", None, f"record {r.id}: {r.source} {r.source_id}", detail)


def _hits(session: Session, record_ids: list[int]) -> Iterator[Event]:
    q = (
        select(RecordHit, SearchRun)
        .join(SearchRun, col(SearchRun.id) == col(RecordHit.search_run_id))
        .where(col(RecordHit.record_id).in_(record_ids))
        .order_by(col(SearchRun.id))
    )
    for hit, run_ in session.exec(q):
        when = run_.started_at.date().isoformat()
        search = f"{run_.source} search {run_.search_name!r}"
        summary = f"record {hit.record_id} found by {search} (run {run_.id}, {when})"
        detail = {
            "record_id": hit.record_id,
            "search_run": run_.id,
            "source": run_.source,
            "search": run_.search_name,
            "rank": hit.rank,
        }
        yield Event(_utc(run_.started_at), "search", None, summary, detail)


def _dedupe(session: Session, work_id: int, record_ids: list[int]) -> Iterator[Event]:
    touches = or_(col(DedupePair.record_a).in_(record_ids), col(DedupePair.record_b).in_(record_ids))
    pairs = list(session.exec(select(DedupePair).where(touches).order_by(col(DedupePair.id))))
    names = _record_names(session, {r for p in pairs for r in (p.record_a, p.record_b)})
    titles = _record_titles(
        session, {r for p in pairs if p.band == RELATED for r in (p.record_a, p.record_b)}
    )
    for p in pairs:
        detail = {"pair": p.id, "records": [p.record_a, p.record_b], "rule": p.rule, "scores": p.scores,
                  "band": p.band}  # fmt: skip
        if p.band == RELATED:
            detail["relation"] = p.relation
            what = _related(p, titles)
        else:
            what = f"{names.get(p.record_a)} and {names.get(p.record_b)} matched by {p.rule} ({p.band})"
        yield Event(_utc(p.created_at), "dedupe", None, f"pair {p.id}: {what}", detail)
        if p.decided_at and p.decision:
            decided = {"pair": p.id, "decision": p.decision}
            yield Event(_utc(p.decided_at), "dedupe", p.decided_by, f"pair {p.id}: {p.decision}", decided)
        if p.undone_at:
            yield Event(_utc(p.undone_at), "dedupe", None, f"pair {p.id}: undone", {"pair": p.id})
    pair_ids = [p.id for p in pairs if p.id is not None]
    q = select(DedupeEvent).where(or_(col(DedupeEvent.pair_id).in_(pair_ids), DedupeEvent.work_id == work_id))
    for e in session.exec(q.order_by(col(DedupeEvent.id))):
        detail = {"pair": e.pair_id, "action": e.action, "work_id": e.work_id}
        yield Event(_utc(e.created_at), "dedupe", e.reviewer, f"pair {e.pair_id}: {e.action}", detail)


def _record_names(session: Session, ids: set[int]) -> dict[int, str]:
    """`record 7 (openalex W123)` for each record, wherever it now sits."""
    rows = session.exec(select(Record.id, Record.source, Record.source_id).where(col(Record.id).in_(ids)))
    return {i: f"record {i} ({source} {source_id})" for i, source, source_id in rows if i is not None}


def _record_titles(session: Session, ids: set[int]) -> dict[int, str]:
    """Each record's title, cut to a length that keeps a log line readable."""
    if not ids:
        return {}
    rows = session.exec(select(Record.id, Record.title).where(col(Record.id).in_(ids)))
    return {i: _short(title or "no title") for i, title in rows if i is not None}


def _short(title: str, width: int = 60) -> str:
    return title if len(title) <= width else title[: width - 1].rstrip() + "…"


def _related(pair: DedupePair, titles: dict[int, str]) -> str:
    """ "record 12 (Erratum: ...) is an erratum or correction of record 40 (...)": a link, not a match."""
    first, phrase, second = statement(pair)
    return f"record {first} ({titles.get(first)}) is {phrase} record {second} ({titles.get(second)})"


def _rules(session: Session, work_id: int) -> Iterator[Event]:
    for r in session.exec(
        select(RuleResult).where(RuleResult.work_id == work_id).order_by(col(RuleResult.id))
    ):
        state = "" if r.active else " (no longer active)"
        detail = {
            "stage": r.stage,
            "rule": r.rule,
            "reason_code": r.reason_code,
            "detail": r.detail,
            "active": r.active,
        }
        yield Event(
            _utc(r.created_at),
            "rule",
            "automation",
            f"{_stage(r.stage)}: excluded by rule {r.rule} ({r.reason_code}){state}",
            detail,
        )


def _assignments(session: Session, work_id: int) -> Iterator[Event]:
    q = select(Assignment).where(Assignment.work_id == work_id).order_by(col(Assignment.id))
    for a in session.exec(q):
        detail = {"stage": a.stage, "reviewer": a.reviewer, "purpose": a.purpose}
        yield Event(
            _utc(a.created_at),
            "assignment",
            a.reviewer,
            f"{_stage(a.stage)}: assigned to {a.reviewer} ({a.purpose})",
            detail,
        )


def _decisions(session: Session, work_id: int) -> Iterator[Event]:
    q = (
        select(ScreeningDecision)
        .where(ScreeningDecision.work_id == work_id)
        .order_by(col(ScreeningDecision.id))
    )
    standing: dict[str, dict[str, ScreeningDecision]] = {}
    for d in session.exec(q):
        yield _decision_event(d)
        if d.role == "adjudicator":
            continue
        votes = standing.setdefault(d.stage, {})
        before = _disagree(d.stage, votes)
        if d.decision == "retracted":
            votes.pop(d.reviewer, None)
        else:
            votes[d.reviewer] = d
        after = _disagree(d.stage, votes)
        if after != before:
            yield _conflict_event(d, after, votes)


def _decision_event(d: ScreeningDecision) -> Event:
    what = d.decision + (f" ({d.reason_code})" if d.reason_code else "")
    kind = "resolution" if d.role == "adjudicator" else "decision"
    verb = "adjudicated" if kind == "resolution" else f"{d.role}"
    extra = f" replacing event {d.supersedes}" if d.supersedes else ""
    summary = f"{_stage(d.stage)}: {d.reviewer} ({verb}) {what}{extra}" + (f" - {d.note}" if d.note else "")
    detail = {
        "event": d.id,
        "stage": d.stage,
        "reviewer": d.reviewer,
        "role": d.role,
        "decision": d.decision,
        "reason_code": d.reason_code,
        "note": d.note,
        "supersedes": d.supersedes,
    }
    return Event(_utc(d.created_at), kind, d.reviewer, summary, detail)


def _disagree(stage: str, votes: dict[str, ScreeningDecision]) -> bool:
    kinds = {"exclude" if v.decision == "exclude" else "include" for v in votes.values()}
    reasons = {v.reason_code for v in votes.values()}
    return len(kinds) > 1 or (stage == Stage.FULL_TEXT and kinds == {"exclude"} and len(reasons) > 1)


def _conflict_event(d: ScreeningDecision, now: bool, votes: dict[str, ScreeningDecision]) -> Event:
    who = ", ".join(
        f"{r}: {v.decision}{' ' + v.reason_code if v.reason_code else ''}" for r, v in sorted(votes.items())
    )
    summary = f"{_stage(d.stage)}: conflict ({who})" if now else f"{_stage(d.stage)}: screeners now agree"
    return Event(_utc(d.created_at), "conflict", None, summary, {"stage": d.stage, "open": now})


def _documents(session: Session, work_id: int) -> Iterator[Event]:
    for doc in session.exec(select(Document).where(Document.work_id == work_id).order_by(col(Document.id))):
        reason = f": {doc.reason}" if doc.reason else ""
        detail = {
            "document": doc.id,
            "origin": doc.origin,
            "url": doc.url,
            "status": doc.status,
            "reason": doc.reason,
            "sha256": doc.sha256,
        }
        at = _utc(doc.read_at or doc.fetched_at)
        yield Event(at, "document", None, f"full text {doc.id} ({doc.origin}) {doc.status}{reason}", detail)


def _extraction(session: Session, work_id: int) -> Iterator[Event]:
    q = select(ExtractionValue).where(ExtractionValue.work_id == work_id).order_by(col(ExtractionValue.id))
    for v in session.exec(q):
        page = f" (page {v.page_no})" if v.page_no else ""
        detail = {
            "field": v.field,
            "value": v.value,
            "role": v.role,
            "document": v.document_id,
            "page": v.page_no,
            "quote": v.quote,
        }
        yield Event(
            _utc(v.created_at),
            "extraction",
            v.reviewer,
            f"{v.field} = {v.value!r} by {v.reviewer} ({v.role}){page}",
            detail,
        )


def _stage(stage: str) -> str:
    return Stage(stage).cli


def render(log: WorkLog) -> str:
    """The history as lines: time (UTC), kind, who, what."""
    lines = [f"Work {log.work_id}: {log.title or '(no title)'}", ""]
    for e in log.events:
        when = e.at.strftime("%Y-%m-%d %H:%M:%S") if e.at else "(no date)".ljust(19)
        lines.append(f"{when}  {e.kind:<11} {e.who or '':<12} {e.summary}")
    return "\n".join(lines)
