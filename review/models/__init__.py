"""The review store's schema: every table, one module per area, all re-exported here.

Stages own the rows, not the tables: a stage that needs a new column or table adds it to its
area's module (a new area gets a module, imported below) and adds a migration version in
`review/migrations/` (SCHEMA_VERSION is the highest version there).

Conventions:
- table names are singular snake_case;
- times are timezone-aware UTC datetimes (`db.utcnow()`); SQLModel stores and returns them in UTC;
- stages and states are `review.states` enums, stored by value (`title_abstract`); the store
  checks each such column against its enum (STATE_COLUMNS);
- free-form structured values are JSON columns (lists of authors, URLs, scores).
"""

from __future__ import annotations

from enum import StrEnum

from review import states
from review.migrations import SCHEMA_VERSION, state_checks
from review.models.base import Meta
from review.models.bookkeeping import (
    SQLITE_BULK_FLAG,
    SQLITE_BULK_WHEN,
    TALLY_TRIGGERS,
    StageRun,
    Tally,
    TallyPart,
    tally_ddl,
)
from review.models.dedupe import DedupeEvent, DedupePair, Work
from review.models.evidence import EvidenceCoding, EvidenceDocument, EvidencePseudonym, EvidenceSegment
from review.models.extraction import ExtractionValue
from review.models.fulltext import POSTGRES_DDL, SQLITE_DDL, Document, Page, PdfTable
from review.models.screening import (
    Assignment,
    RuleResult,
    ScreeningDecision,
    ScreeningNote,
    StoppingLog,
)
from review.models.search import Record, RecordHit, SearchRun
from review.models.versions import ReviewVersion

# The columns the store checks, by table, and the enum each column's values come from.
STATE_COLUMNS: dict[str, dict[str, type[StrEnum]]] = {
    "search_run": {"status": states.RunStatus, "arm": states.Arm},
    "dedupe_pair": {"band": states.Band, "decision": states.PairDecision},
    "dedupe_event": {"action": states.PairAction},
    "assignment": {"stage": states.Stage, "purpose": states.Purpose},
    "screening_decision": {"stage": states.Stage, "role": states.Role, "decision": states.Decision},
    "rule_result": {"stage": states.Stage},
    "screening_note": {"stage": states.Stage},
    "stopping_log": {"stage": states.Stage},
    "document": {"origin": states.Origin, "status": states.DocumentStatus},
    "extraction_value": {"role": states.ExtractionRole},
    "stage_run": {"status": states.StageRunStatus},
    "evidence_document": {"stream": states.EvidenceStream},
    "evidence_segment": {"kind": states.SegmentKind},
    "evidence_coding": {"role": states.CodingRole},
}


def state_ddl(dialect: str) -> tuple[str, ...]:
    """The checks of STATE_COLUMNS (CHECK constraints on PostgreSQL, triggers on SQLite)."""
    values = {
        t: {c: tuple(str(v) for v in e) for c, e in columns.items()} for t, columns in STATE_COLUMNS.items()
    }
    return state_checks(dialect, values)


__all__ = [
    "POSTGRES_DDL",
    "SCHEMA_VERSION",
    "SQLITE_BULK_FLAG",
    "SQLITE_BULK_WHEN",
    "SQLITE_DDL",
    "STATE_COLUMNS",
    "TALLY_TRIGGERS",
    "Assignment",
    "DedupeEvent",
    "DedupePair",
    "Document",
    "EvidenceCoding",
    "EvidenceDocument",
    "EvidencePseudonym",
    "EvidenceSegment",
    "ExtractionValue",
    "Meta",
    "Page",
    "PdfTable",
    "Record",
    "RecordHit",
    "ReviewVersion",
    "RuleResult",
    "ScreeningDecision",
    "ScreeningNote",
    "SearchRun",
    "StageRun",
    "StoppingLog",
    "Tally",
    "TallyPart",
    "Work",
    "state_ddl",
    "tally_ddl",
]
