"""The review store's schema: every table, in one place, with its version.

Stages own the rows, not the tables: a stage that needs a new column adds it here, bumps
SCHEMA_VERSION and adds a migration in `migrations.py`.

Conventions:
- table names are singular snake_case;
- times are timezone-aware UTC datetimes (`db.utcnow()`); SQLModel stores and returns them in UTC;
- stages and states are `review.states` enums, stored by value (`title_abstract`); the store
  checks each such column against its enum (STATE_COLUMNS);
- free-form structured values are JSON columns (lists of authors, URLs, scores).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from review import states
from review.migrations import state_checks

SCHEMA_VERSION = 7


def _json(default: Any = None) -> Any:
    # none_as_null: a missing value is SQL NULL, not the JSON text "null".
    return Field(default=default, sa_column=Column(JSON(none_as_null=True), nullable=True))


def _text() -> Any:
    return Field(default=None, sa_column=Column(Text, nullable=True))


class Meta(SQLModel, table=True):
    """Key/value facts about this store: schema version, creation time, tool version."""

    key: str = Field(primary_key=True)
    value: str


# --- search -------------------------------------------------------------------------------


class SearchRun(SQLModel, table=True):
    """One execution of one search (or one file import): the PRISMA-S log entry."""

    __tablename__ = "search_run"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(index=True)  # "openalex", "govuk", or an import's --source name
    search_name: str = Field(index=True)  # the protocol search's name, or the imported file name
    arm: str = "databases"  # PRISMA arm: "databases" (OpenAlex, RIS exports) or "other"
    platform: str = ""  # e.g. "OpenAlex API via pyalex 0.21", "GOV.UK Search API"
    request: str | None = _text()  # the exact request as sent (first page URL, or the file path)
    strategy: str | None = _text()  # an import's search strategy as typed at the database, verbatim
    searched_on: date | None = None  # the day an imported export was searched at its database
    holder: str | None = None  # "host pid" of the process harvesting it now (running runs only)
    heartbeat_at: datetime | None = None  # when that process last stored a page
    filters: dict[str, Any] | None = _json()
    started_at: datetime
    finished_at: datetime | None = None
    tool_version: str
    total_reported: int | None = None  # the source's own count (OpenAlex meta.count, GOV.UK total)
    retrieved: int = 0  # records received in this run (before any dedupe)
    refused: int = 0  # records of an imported file not stored: bad entries skipped, blank records
    refusals: list[dict[str, Any]] | None = _json()  # each refused record: {"line", "reason"}
    pages: int = 0
    status: str = "running"  # running | complete | interrupted | budget_exhausted | failed
    message: str | None = _text()
    resume_state: dict[str, Any] | None = _json()  # cursor/offset to resume from
    cost_usd: float = 0.0
    raw_path: str | None = None  # sources/<...>.jsonl.gz, relative to the review folder
    raw_sha256: str | None = None
    protocol_hash: str | None = None


class Record(SQLModel, table=True):
    """One source record as harvested or imported; many records may describe one work."""

    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_record_source"),
        Index("ix_record_doi", "doi"),
        Index("ix_record_work", "work_id"),
        # The few records a re-import changed, for dedupe and `review status` (never a scan).
        Index(
            "ix_record_recompare",
            "id",
            sqlite_where=text("recompare = 1"),
            postgresql_where=text("recompare"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    source: str
    source_id: str  # the source's own ID: OpenAlex W-id, GOV.UK base path, RIS ID, CSV id column
    title: str | None = _text()
    other_titles: list[str] | None = _json()  # short, translated or original-language titles
    abstract: str | None = _text()
    authors: list[str] | None = _json()  # "Surname, Given" strings, in order
    year: int | None = None
    publication_date: str | None = None  # ISO date as given
    doi: str | None = None  # normalised: lower case, no prefix
    journal: str | None = None
    journal_abbrev: str | None = None
    issn: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    publisher: str | None = None  # publisher or issuing organisation(s), "; "-joined
    doc_type: str | None = None  # OpenAlex type, GOV.UK content_store_document_type, RIS TY
    language: str | None = None
    url: str | None = None  # landing page
    openalex_id: str | None = None  # bare "W123"
    pmid: str | None = None
    govuk_base_path: str | None = None
    govuk_content_id: str | None = None
    countries: list[str] | None = _json()  # ISO alpha-2 from affiliations
    keywords: list[str] | None = _json()
    other_ids: dict[str, str] | None = _json()  # databases' own IDs: scopus, wos, embase, pmcid, isbn...
    extra: dict[str, Any] | None = _json()  # connector-specific: locations, attachments, OA info
    first_run_id: int | None = Field(default=None, foreign_key="search_run.id")
    created_at: datetime
    updated_at: datetime
    # Set when a re-import changed the record after it had a work: dedupe compares it again.
    recompare: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    work_id: int | None = Field(default=None, foreign_key="work.id")


class RecordHit(SQLModel, table=True):
    """A record returned by a search run (a record found by three searches has three hits)."""

    __tablename__ = "record_hit"

    record_id: int = Field(foreign_key="record.id", primary_key=True)
    search_run_id: int = Field(foreign_key="search_run.id", primary_key=True, index=True)
    rank: int | None = None


# --- dedupe -------------------------------------------------------------------------------


class Work(SQLModel, table=True):
    """A deduplicated work: what reviewers screen. Canonical fields are the richest of its records."""

    id: int | None = Field(default=None, primary_key=True)
    title: str | None = _text()
    abstract: str | None = _text()
    authors: list[str] | None = _json()
    year: int | None = Field(default=None, index=True)
    doi: str | None = Field(default=None, index=True)
    journal: str | None = None
    publisher: str | None = None
    doc_type: str | None = None
    language: str | None = None
    url: str | None = None
    countries: list[str] | None = _json()
    publication_date: str | None = None
    issn: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    keywords: list[str] | None = _json()
    created_at: datetime
    updated_at: datetime


# Only pairs waiting for a person: related links (band "related") also have no decision, and stay out.
_OPEN_PAIR = text("band = 'review' AND decision IS NULL AND undone_at IS NULL")
_RELATED_PAIR = text("band = 'related'")


class DedupePair(SQLModel, table=True):
    """A candidate duplicate pair, how it was scored, and what was decided (by rule or person)."""

    __tablename__ = "dedupe_pair"
    __table_args__ = (
        UniqueConstraint("record_a", "record_b", name="uq_dedupe_pair"),
        # The pairs waiting for a person are few among a million scored: `review status` counts them.
        Index(
            "ix_dedupe_pair_open",
            "id",
            "record_a",
            "record_b",
            sqlite_where=_OPEN_PAIR,
            postgresql_where=_OPEN_PAIR,
        ),
        # The few related links among a million scored pairs, from either record: a work's links
        # (review.dedupe.relations) and their counts, without reading the other pairs.
        Index(
            "ix_dedupe_pair_related",
            "record_a",
            "record_b",
            sqlite_where=_RELATED_PAIR,
            postgresql_where=_RELATED_PAIR,
        ),
        Index(
            "ix_dedupe_pair_related_b", "record_b", sqlite_where=_RELATED_PAIR, postgresql_where=_RELATED_PAIR
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    record_a: int = Field(foreign_key="record.id")  # record_a < record_b
    record_b: int = Field(foreign_key="record.id")
    rule: str  # e.g. "doi", "openalex_id", "fuzzy_title+year+authors"
    scores: dict[str, Any] | None = _json()
    band: str  # auto | review | distinct | related (different items about one work, linked)
    relation: str | None = None  # the kind of link when band is "related" (review.dedupe.relations)
    decision: str | None = None  # merge | keep_both | None (pending)
    decided_by: str | None = None  # "automation" or a reviewer name
    decided_at: datetime | None = None
    undone_at: datetime | None = None
    created_at: datetime


class DedupeEvent(SQLModel, table=True):
    """An append-only log of people's dedupe actions (merge, keep_both, skip, undo) on a pair."""

    __tablename__ = "dedupe_event"

    id: int | None = Field(default=None, primary_key=True)
    pair_id: int = Field(foreign_key="dedupe_pair.id", index=True)
    action: str  # merge | keep_both | undo
    reviewer: str
    work_id: int | None = None  # the work the records ended up in (merge) or were split from (undo)
    created_at: datetime


# --- screening ----------------------------------------------------------------------------


class Assignment(SQLModel, table=True):
    """A work put in a reviewer's queue for a stage, and why (design)."""

    __table_args__ = (
        UniqueConstraint("work_id", "stage", "reviewer", name="uq_assignment"),
        # Covers a reviewer's queue and its counts (screen.queue): chosen with EXPLAIN at 1M works.
        Index("ix_assignment_queue", "reviewer", "stage", "purpose", "work_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    work_id: int = Field(foreign_key="work.id", index=True)
    stage: str
    reviewer: str
    purpose: str  # dual | pilot | single | verify | rule_check | adjudicate
    created_at: datetime


class ScreeningDecision(SQLModel, table=True):
    """An append-only decision event. A change of mind is a new row; nothing is updated."""

    __tablename__ = "screening_decision"
    __table_args__ = (Index("ix_decision_work_stage", "work_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    work_id: int = Field(foreign_key="work.id")
    stage: str
    reviewer: str = Field(index=True)
    role: str = "screener"  # screener | adjudicator | verifier
    decision: str  # include | exclude | maybe | retracted (an undo)
    reason_code: str | None = None
    note: str | None = _text()
    supersedes: int | None = Field(default=None, foreign_key="screening_decision.id")
    created_at: datetime


class RuleResult(SQLModel, table=True):
    """An exclusion by a protocol rule: automation, never a person's decision."""

    __tablename__ = "rule_result"
    __table_args__ = (
        UniqueConstraint("work_id", "stage", "rule", name="uq_rule_result"),
        # Lets queue counts start from the (few) active rules, not from every queued work.
        Index("ix_rule_result_active", "stage", "active", "work_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    work_id: int = Field(foreign_key="work.id", index=True)
    stage: str
    rule: str  # date_range | language | document_type | setting | required_terms | excluded_terms
    reason_code: str
    detail: str | None = _text()
    active: bool = True  # false once a person overturns it, or the protocol no longer fires it
    created_at: datetime
    # The decision (a rule check's include) that overturned it; re-running the rules keeps it off.
    overturned_by: int | None = Field(default=None, foreign_key="screening_decision.id")


class ScreeningNote(SQLModel, table=True):
    """A reviewer's note on a work at a stage, kept the moment it is typed (append-only)."""

    __tablename__ = "screening_note"
    __table_args__ = (Index("ix_note_work_stage", "work_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    work_id: int = Field(foreign_key="work.id")
    stage: str
    reviewer: str = Field(index=True)
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime


class StoppingLog(SQLModel, table=True):
    """A team's decision to stop screening, with the estimate and its statistical basis."""

    __tablename__ = "stopping_log"

    id: int | None = Field(default=None, primary_key=True)
    stage: str
    reviewer: str
    screened: int
    remaining: int
    estimate: dict[str, Any] | None = _json()
    method: str
    created_at: datetime


# --- full text ----------------------------------------------------------------------------


class Document(SQLModel, table=True):
    """A full text sought for a work: where from, whether it came, and whether it could be read."""

    __table_args__ = (UniqueConstraint("work_id", "url", name="uq_document_url"),)

    id: int | None = Field(default=None, primary_key=True)
    work_id: int = Field(foreign_key="work.id", index=True)
    origin: str  # states.Origin: where the address came from
    url: str | None = None
    status: str = "pending"  # states.DocumentStatus
    reason: str | None = _text()  # why not retrieved / unreadable
    sha256: str | None = Field(default=None, index=True)
    path: str | None = None  # relative to the review folder
    content_type: str | None = None
    size: int | None = None
    licence: str | None = None
    version: str | None = None
    pages: int | None = None
    chars: int | None = None
    tables: int | None = None
    fetched_at: datetime | None = None
    read_at: datetime | None = None
    record_id: int | None = Field(default=None, foreign_key="record.id")  # the record the URL came from
    title: str | None = None  # attachment title, or the file name given to `fulltext add`
    attempts: int = 0  # fetch attempts of this URL (a retry adds to them)
    method: str | None = None  # how the text was read: pdfium | pdfplumber | html


class Page(SQLModel, table=True):
    """The text of one page of a document (1-based page numbers)."""

    __table_args__ = (UniqueConstraint("document_id", "page_no", name="uq_page"),)

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    page_no: int
    text: str = Field(sa_column=Column(Text, nullable=False))


class PdfTable(SQLModel, table=True):
    """A table found on a page, as rows of cells."""

    __tablename__ = "pdf_table"

    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="document.id", index=True)
    page_no: int
    table_no: int
    rows: list[list[str | None]] = Field(sa_column=Column(JSON, nullable=False))


# Full-text search over page text (SQLite only; db.init_db runs these). External content: the
# index holds no copy of the text, and the triggers keep it in step with `page`.
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS page_fts USING fts5("
    "text, content='page', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS page_fts_ai AFTER INSERT ON page BEGIN "
    "INSERT INTO page_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS page_fts_ad AFTER DELETE ON page BEGIN "
    "INSERT INTO page_fts(page_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS page_fts_au AFTER UPDATE ON page BEGIN "
    "INSERT INTO page_fts(page_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO page_fts(rowid, text) VALUES (new.id, new.text); END",
)

# PostgreSQL's counterpart: a GIN index over the same expression review.fulltext.search queries,
# so a search reads the index instead of parsing every page's text.
POSTGRES_DDL = ("CREATE INDEX IF NOT EXISTS ix_page_tsv ON page USING GIN (to_tsvector('english', text))",)


# --- extraction ---------------------------------------------------------------------------


class ExtractionValue(SQLModel, table=True):
    """One extracted value event (append-only), with its provenance in the full text."""

    __tablename__ = "extraction_value"
    __table_args__ = (Index("ix_extraction_work_field", "work_id", "field"),)

    id: int | None = Field(default=None, primary_key=True)
    work_id: int = Field(foreign_key="work.id")
    reviewer: str
    role: str = "extractor"  # extractor | verifier | consensus | prefill
    field: str  # "section.field" as named in the protocol form
    value: Any = _json()
    document_id: int | None = Field(default=None, foreign_key="document.id")
    page_no: int | None = None
    quote: str | None = _text()
    created_at: datetime


# --- bookkeeping --------------------------------------------------------------------------


class StageRun(SQLModel, table=True):
    """One run of an automated stage, with its counts, so reports read numbers from the store."""

    __tablename__ = "stage_run"

    id: int | None = Field(default=None, primary_key=True)
    stage: str = Field(index=True)
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "running"
    counts: dict[str, Any] | None = _json()
    protocol_hash: str | None = None
    tool_version: str
    error: str | None = _text()  # why a failed run failed (review.stagerun)


# --- tallies --------------------------------------------------------------------------------


class Tally(SQLModel, table=True):
    """A maintained count (`review status` reads these instead of scanning a million rows).

    Keys: `works`, `records|SOURCE` and `assigned|STAGE|REVIEWER|PURPOSE` are kept by the database
    triggers below; `final|STAGE|STATUS`, `ruled|STAGE`, `unqueued|STAGE|REVIEWER`,
    `done|STAGE|REVIEWER` and `included|STAGE|REVIEWER` are sums of `tally_part` (review.tally).
    """

    key: str = Field(primary_key=True)
    n: int = 0


class TallyPart(SQLModel, table=True):
    """What one work adds to each screening tally, so a change to it adjusts the sums exactly."""

    __tablename__ = "tally_part"
    __table_args__ = (Index("ix_tally_part_key", "key", "work_id"),)

    work_id: int = Field(primary_key=True)
    key: str = Field(primary_key=True)
    n: int = 1


# Counts of rows kept in step by the database itself, whatever writes them: (table, key expression).
TALLY_TRIGGERS = (
    ("work", "'works'"),
    ("record", "'records|' || {row}.source"),
    ("assignment", "'assigned|' || {row}.stage || '|' || {row}.reviewer || '|' || {row}.purpose"),
)


# While this `meta` row exists (inside one transaction of records.upsert_records, SQLite only), the
# record-insert trigger leaves counting to the code that inserts.
SQLITE_BULK_FLAG = "counting_records"
SQLITE_BULK_WHEN = f"NOT EXISTS (SELECT 1 FROM meta WHERE key = '{SQLITE_BULK_FLAG}')"


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
}


def state_ddl(dialect: str) -> tuple[str, ...]:
    """The checks of STATE_COLUMNS (CHECK constraints on PostgreSQL, triggers on SQLite)."""
    values = {
        t: {c: tuple(str(v) for v in e) for c, e in columns.items()} for t, columns in STATE_COLUMNS.items()
    }
    return state_checks(dialect, values)


def tally_ddl(dialect: str) -> list[str]:
    """Trigger DDL for TALLY_TRIGGERS: per row on SQLite, per statement (transition tables) on PostgreSQL."""
    statements = []
    for table, key in TALLY_TRIGGERS:
        for event, sign, row in (("insert", "", "new"), ("delete", "-", "old")):
            name = f"tally_{table}_{event}"
            if dialect == "sqlite":
                # A bulk upsert of records counts its own (records.upsert_records): per row, the
                # trigger was half the time of a 100,000-record import.
                when = f" WHEN {SQLITE_BULK_WHEN}" if (table, event) == ("record", "insert") else ""
                statements.append(
                    f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event.upper()} ON {table}{when} BEGIN "
                    f"INSERT INTO tally (key, n) VALUES ({key.format(row=row)}, {sign}1) "
                    f"ON CONFLICT (key) DO UPDATE SET n = n + excluded.n; END"
                )
                continue
            rows = f"{row}_rows"
            statements += [
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"INSERT INTO tally (key, n) SELECT {key.format(row=rows)}, {sign}count(*) FROM {rows} "
                "GROUP BY 1 ORDER BY 1 ON CONFLICT (key) DO UPDATE SET n = tally.n + excluded.n; "
                "RETURN NULL; END $$",
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "
                f"REFERENCING {row.upper()} TABLE AS {rows} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            ]
    return statements
