"""Extraction events (append-only) and the values they settle on.

Every value anyone gives is a new `extraction_value` row with who, in which role and where in the
full text it came from. A person's standing value for a field is their latest row. The final value
of a field is, in order: the latest consensus value; the value the extractor(s) and verifier agree
on; a single extractor's value. Different values from different people are a conflict: the field
stays blank in the writers' tables until someone records a consensus value.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import func, insert
from sqlmodel import Session, col, select

from review.db import utcnow
from review.decisions import final_decisions
from review.errors import ExtractionError
from review.extract.values import check_value, field_by_key, full_key, require
from review.models import ExtractionValue, Work
from review.protocol import ExtractionForm, Protocol
from review.states import ExtractionRole, Stage

ROLES = tuple(ExtractionRole)
PEOPLE_ROLES = (ExtractionRole.EXTRACTOR, ExtractionRole.VERIFIER)


@dataclass(frozen=True)
class Entry:
    """A value for one field, with where it came from in the full text."""

    field: str  # "section.field"
    value: Any
    document_id: int | None = None
    page_no: int | None = None
    quote: str | None = None


@dataclass(frozen=True)
class FieldState:
    """Where one field of one work stands."""

    work_id: int
    field: str
    status: str  # consensus | agreed | single | conflict
    value: Any
    by_reviewer: dict[str, Any]


def form_of(protocol: Protocol) -> ExtractionForm:
    """The protocol's extraction form, or an error saying how to add one."""
    if protocol.extraction is None:
        raise ExtractionError(
            "The protocol has no extraction form: add an [extraction] table with sections and "
            "fields (see `review init` for the early-years template)."
        )
    return protocol.extraction


def included_works(session: Session) -> list[int]:
    """Works included at full text: the only ones extracted."""
    return sorted(w for w, f in final_decisions(session, Stage.FULL_TEXT).items() if f.status == "include")


def check_included(session: Session, work_id: int) -> None:
    """Refuse a work that is not included at full text, saying where it stands."""
    if session.get(Work, work_id) is None:
        raise ExtractionError(f"No record {work_id}: use a work ID from `review status` or the queues.")
    ft = final_decisions(session, Stage.FULL_TEXT).get(work_id)
    if ft is not None and ft.status == "include":
        return
    if ft is None:
        ta = final_decisions(session, Stage.TITLE_ABSTRACT)[work_id]
        where = f"at title/abstract it is {ta.status}"
    else:
        where = f"at full text it is {ft.status}"
    raise ExtractionError(
        f"Record {work_id} is not included at full text ({where}): only included studies are "
        "extracted. Finish its screening first."
    )


def record_values(
    session: Session, form: ExtractionForm, work_id: int, reviewer: str, role: str, entries: Sequence[Entry]
) -> int:
    """Validate every entry, then append them all as events; returns how many were written."""
    if role not in ROLES:
        raise ExtractionError(f"Unknown extraction role {role!r}: use one of {', '.join(ROLES)}.")
    rows = [_row(form, work_id, reviewer, role, e) for e in entries]
    if rows:
        session.execute(insert(ExtractionValue), rows)
    return len(rows)


def _row(form: ExtractionForm, work_id: int, reviewer: str, role: str, e: Entry) -> dict[str, Any]:
    key = full_key(form, e.field)
    field = field_by_key(form, key)
    value = check_value(key, field, e.value)
    if role != "prefill":
        require(key, field, value)
    return {
        "work_id": work_id,
        "reviewer": reviewer,
        "role": role,
        "field": key,
        "value": value,
        "document_id": e.document_id,
        "page_no": e.page_no,
        "quote": e.quote,
        "created_at": utcnow(),
    }


class Event(NamedTuple):
    """One extraction event, read without ORM objects (rebuilds read tens of thousands)."""

    id: int
    work_id: int
    reviewer: str
    role: str
    field: str
    value: Any
    document_id: int | None
    page_no: int | None
    quote: str | None


def standing(session: Session, roles: Iterable[str], work_ids: Iterable[int] | None = None) -> list[Event]:
    """Each person's latest event per work, role and field (in event order)."""
    v = ExtractionValue
    latest = select(func.max(v.id)).where(col(v.role).in_(tuple(roles)))
    if work_ids is not None:
        latest = latest.where(col(v.work_id).in_(tuple(work_ids)))
    latest = latest.group_by(col(v.work_id), col(v.reviewer), col(v.role), col(v.field))
    columns = [col(getattr(v, name)) for name in Event._fields]
    rows = session.execute(
        select(*columns).where(col(v.id).in_(latest.scalar_subquery())).order_by(col(v.id))
    )
    return [Event(*r) for r in rows]


def values_of(session: Session, work_id: int, reviewer: str, role: str) -> dict[str, Event]:
    """One person's standing events on one work in one role, by field."""
    return {e.field: e for e in standing(session, (role,), [work_id]) if e.reviewer == reviewer}


def extractors(session: Session, work_id: int) -> list[str]:
    """Who extracted a work, first extractor first."""
    seen: dict[str, None] = {}
    for e in standing(session, ("extractor",), [work_id]):
        seen.setdefault(e.reviewer, None)
    return list(seen)


def field_states(
    session: Session, work_ids: Iterable[int] | None = None
) -> dict[tuple[int, str], FieldState]:
    """The state of every field anyone has extracted, keyed by (work ID, "section.field")."""
    consensus: dict[tuple[int, str], Any] = {}
    people: dict[tuple[int, str], dict[str, Any]] = defaultdict(dict)
    for e in standing(session, ("consensus", *PEOPLE_ROLES), work_ids):
        if e.role == "consensus":
            consensus[(e.work_id, e.field)] = e.value  # events come in id order: the latest wins
        else:
            people[(e.work_id, e.field)][e.reviewer] = e.value
    states = {}
    for key in set(consensus) | set(people):
        states[key] = _state(key, consensus, people.get(key, {}))
    return states


def _state(key: tuple[int, str], consensus: dict[tuple[int, str], Any], by: dict[str, Any]) -> FieldState:
    if key in consensus:
        return FieldState(key[0], key[1], "consensus", consensus[key], by)
    distinct = {json.dumps(v, sort_keys=True) for v in by.values()}
    if len(distinct) > 1:
        return FieldState(key[0], key[1], "conflict", None, by)
    status = "agreed" if len(by) > 1 else "single"
    return FieldState(key[0], key[1], status, next(iter(by.values())), by)


def conflicts(session: Session) -> list[FieldState]:
    """Fields where people gave different values and no consensus is recorded, by work and form order."""
    included = set(included_works(session))
    found = [s for s in field_states(session).values() if s.status == "conflict" and s.work_id in included]
    return sorted(found, key=lambda s: (s.work_id, s.field))
