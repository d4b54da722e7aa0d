"""Stage 4: data extraction into typed tables that writers query.

- `values`: parsing and checking typed values against the protocol's form;
- `store`: append-only extraction events and the final value of each field;
- `tables`: the writers' SQL tables, rebuilt from the events (`materialise`);
- `prefill`: suggestions from the full text, with page and quote;
- `form`: one person's pass through the form (extract or verify);
- `sheet`: CSV/XLSX round trip.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from review.errors import ExtractionError
from review.extract.form import FormItem, SaveResult, answer, as_entry, begin, role_for, save
from review.extract.prefill import PrefillResult, prefill
from review.extract.store import (
    Entry,
    FieldState,
    check_included,
    conflicts,
    field_states,
    form_of,
    included_works,
    record_values,
)
from review.extract.tables import MaterialiseResult, materialise, table_name
from review.extract.values import field_by_key, full_key, parse_text, require
from review.protocol import Protocol


@dataclass(frozen=True)
class ResolveResult:
    work_id: int
    field: str
    value: object
    remaining: int


def resolve(
    session: Session, protocol: Protocol, work_id: int, field: str, value_text: str, reviewer: str
) -> ResolveResult:
    """Record the agreed (consensus) value of a conflicting field, validated against the form."""
    form = form_of(protocol)
    key = full_key(form, field)
    state = field_states(session, [work_id]).get((work_id, key))
    if state is None or state.status != "conflict":
        status = state.status if state else "not extracted"
        raise ExtractionError(
            f"{key} of record {work_id} is not a conflict ({status}): `review extract conflicts` lists them."
        )
    spec = field_by_key(form, key)
    value = parse_text(key, spec, value_text)
    require(key, spec, value)
    record_values(session, form, work_id, reviewer, "consensus", [Entry(key, value)])
    materialise(session, protocol, [work_id])
    return ResolveResult(work_id, key, value, remaining=len(conflicts(session)))


__all__ = [
    "Entry",
    "FieldState",
    "FormItem",
    "MaterialiseResult",
    "PrefillResult",
    "ResolveResult",
    "SaveResult",
    "answer",
    "as_entry",
    "begin",
    "check_included",
    "conflicts",
    "included_works",
    "materialise",
    "prefill",
    "resolve",
    "role_for",
    "save",
    "table_name",
]
