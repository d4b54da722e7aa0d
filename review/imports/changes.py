"""Re-importing a corrected file repairs what was built from it: records whose content changed are
found before they are overwritten; after the upsert their works' canonical fields are recomputed and
the records are marked for dedupe to compare again (`record.recompare`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlmodel import Session

from review.dedupe import works
from review.models import Record
from review.records import RECORD_FIELDS, RecordIn

_CONTENT = tuple(f for f in RECORD_FIELDS if f not in ("source", "source_id"))
_CHUNK = 500


@dataclass(frozen=True)
class Changed:
    records: int  # records already stored whose content the file changes
    works: frozenset[int]  # the works those records belong to


def find_changed(session: Session, source: str, records: Sequence[RecordIn]) -> dict[str, int | None]:
    """source_id -> work ID (None before dedupe) of each stored record of `source` the file changes."""
    incoming = {r.source_id: r for r in records}
    table = Record.__table__  # type: ignore[attr-defined]
    if session.execute(select(table.c.id).where(table.c.source == source).limit(1)).first() is None:
        return {}  # a first import: nothing to compare with
    cols = [table.c.source_id, table.c.work_id, *(table.c[f] for f in _CONTENT)]
    changed: dict[str, int | None] = {}
    keys = list(incoming)
    for start in range(0, len(keys), _CHUNK):
        part = keys[start : start + _CHUNK]
        query = select(*cols).where(table.c.source == source, table.c.source_id.in_(part))
        for row in session.execute(query):
            new = incoming[row[0]]
            if any(getattr(new, f) != old for f, old in zip(_CONTENT, row[2:], strict=True)):
                changed[row[0]] = row[1]
    return changed


def apply_changes(session: Session, source: str, changed: dict[str, int | None]) -> Changed:
    """After the upsert: mark changed records for dedupe and recompute their works' fields."""
    table = Record.__table__  # type: ignore[attr-defined]
    in_works = sorted(sid for sid, work in changed.items() if work is not None)
    for start in range(0, len(in_works), _CHUNK):
        part = in_works[start : start + _CHUNK]
        session.execute(
            update(table).where(table.c.source == source, table.c.source_id.in_(part)).values(recompare=True)
        )
    touched = frozenset(w for w in changed.values() if w is not None)
    works.refresh(session, touched)
    return Changed(len(changed), touched)
