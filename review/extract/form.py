"""One person's pass through the form for one record: what to ask, with defaults, and saving it.

The terminal form (review/cli/extract.py) shows each `FormItem` and returns answers; the checks on
who may extract or verify follow the protocol's design.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from review.errors import ExtractionError
from review.extract.prefill import PREFILL, prefill
from review.extract.store import (
    Entry,
    Event,
    check_included,
    extractors,
    form_of,
    record_values,
    values_of,
)
from review.extract.tables import MaterialiseResult, materialise
from review.extract.values import parse_text, require
from review.protocol import ExtractionField, ExtractionForm, Protocol


@dataclass(frozen=True)
class FormItem:
    """A field to ask about, with the value offered when Enter is pressed and where it came from."""

    key: str  # "section.field"
    field: ExtractionField
    default: Entry | None
    origin: str  # "" | "suggested" | "yours" | "extractor NAME"


@dataclass(frozen=True)
class SaveResult:
    work_id: int
    written: int
    tables: MaterialiseResult | None


def begin(
    session: Session, protocol: Protocol, work_id: int, reviewer: str, role: str, *, suggest: bool = True
) -> list[FormItem]:
    """The form for a person on a record: checks they may fill it in, and offers defaults.

    `suggest=False` offers the suggestions already stored without looking for new ones (the web
    form saves field by field and need not reread the full text for each)."""
    form = form_of(protocol)
    check_included(session, work_id)
    if role == "extractor":
        _check_extractor(protocol, session, work_id, reviewer)
        if suggest:
            prefill(session, protocol, [work_id])
        offered = _entries(values_of(session, work_id, PREFILL, PREFILL))
        origin = "suggested"
    else:
        first = _check_verifier(protocol, session, work_id, reviewer)
        offered = _entries(values_of(session, work_id, first, "extractor"))
        origin = f"extractor {first}"
    own = _entries(values_of(session, work_id, reviewer, role))
    items = []
    for key, field in form.all_fields():
        if key in own:
            items.append(FormItem(key, field, own[key], "yours"))
        else:
            items.append(FormItem(key, field, offered.get(key), origin if key in offered else ""))
    return items


def save(
    session: Session,
    protocol: Protocol,
    work_id: int,
    reviewer: str,
    role: str,
    entries: Sequence[Entry],
    *,
    rebuild: bool = True,
) -> SaveResult:
    """Record a person's answers (only those that changed) and rebuild the writers' tables."""
    form = form_of(protocol)
    changed = _changed(session, form, work_id, reviewer, role, entries)
    written = record_values(session, form, work_id, reviewer, role, changed)
    return SaveResult(work_id, written, materialise(session, protocol, [work_id]) if rebuild else None)


def _changed(
    session: Session, form: ExtractionForm, work_id: int, reviewer: str, role: str, entries: Sequence[Entry]
) -> list[Entry]:
    own = _entries(values_of(session, work_id, reviewer, role))
    # A verifier blanking a value the extractor gave is a disagreement: it must be recorded too.
    given: set[str] = set()
    if role == "verifier" and (done := extractors(session, work_id)):
        given = {
            k for k, e in values_of(session, work_id, done[0], "extractor").items() if e.value is not None
        }
    out = []
    for e in entries:
        key = _full(form.all_fields(), e.field)
        if _differs(own.get(key), e) or (key not in own and key in given):
            out.append(e)
    return out


def _full(fields: tuple[tuple[str, ExtractionField], ...], name: str) -> str:
    return next((k for k, f in fields if name in (k, f.name)), name)


def _differs(old: Entry | None, new: Entry) -> bool:
    if old is None:
        return new.value is not None
    return (old.value, old.document_id, old.page_no, old.quote) != (
        new.value,
        new.document_id,
        new.page_no,
        new.quote,
    )


def _entries(events: dict[str, Event]) -> dict[str, Entry]:
    return {k: Entry(k, e.value, e.document_id, e.page_no, e.quote) for k, e in events.items()}


def _check_extractor(protocol: Protocol, session: Session, work_id: int, reviewer: str) -> None:
    others = [r for r in extractors(session, work_id) if r != reviewer]
    design = form_of(protocol).design
    if design == "single+verify" and others:
        raise ExtractionError(
            f"Record {work_id} was extracted by {others[0]}; the protocol's design is single+verify, "
            f"so a second person verifies: run `review extract verify {work_id} --reviewer {reviewer}`."
        )


def _check_verifier(protocol: Protocol, session: Session, work_id: int, reviewer: str) -> str:
    if form_of(protocol).design == "dual":
        raise ExtractionError(
            "The protocol's extraction design is dual: the second person extracts independently "
            f"with `review extract {work_id} --reviewer {reviewer}`."
        )
    done = extractors(session, work_id)
    if not done:
        raise ExtractionError(
            f"Record {work_id} has not been extracted yet: run `review extract {work_id} --reviewer NAME`."
        )
    if reviewer in done:
        raise ExtractionError(f"{reviewer} extracted record {work_id}: a different person must verify it.")
    return done[0]


def role_for(session: Session, protocol: Protocol, work_id: int, reviewer: str) -> str:
    """The role a person takes on a record by the protocol's design: they verify a record someone
    else extracted under single+verify, and extract otherwise (`begin` still checks it)."""
    done = extractors(session, work_id)
    if form_of(protocol).design == "single+verify" and done and reviewer not in done:
        return "verifier"
    return "extractor"


def answer(item: FormItem, raw: str | None) -> Entry:
    """What a person typed for an item, parsed and checked (blank or '-' clears it; a required field
    may not be blank); raises ExtractionError naming the field. The terminal and the web form both
    take answers through it."""
    value = parse_text(item.key, item.field, raw)
    require(item.key, item.field, value)
    return as_entry(item, value)


def as_entry(item: FormItem, value: Any) -> Entry:
    """The answer for an item: keeps the default's provenance when the value is the default's."""
    if item.default is not None and value == item.default.value:
        return Entry(item.key, value, item.default.document_id, item.default.page_no, item.default.quote)
    return Entry(item.key, value)
