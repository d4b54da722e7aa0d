"""Bookkeeping: stage runs and the maintained counts (`tally`), with the triggers that keep them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from review.models.base import _json, _text


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
