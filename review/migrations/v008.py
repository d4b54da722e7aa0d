"""Schema version 8 (2026-12-10): versions of a review (`review version close`, `review update`)."""

from __future__ import annotations

from review.migrations.steps import Step

_V8_STAMP = {"sqlite": "DATETIME", "postgresql": "TIMESTAMP WITH TIME ZONE"}
_V8_ID = {"sqlite": "INTEGER", "postgresql": "SERIAL"}

_V8_VERSION = """CREATE TABLE IF NOT EXISTS review_version (
    id {id} NOT NULL, name VARCHAR NOT NULL, closed_at {stamp} NOT NULL, closed_by VARCHAR NOT NULL,
    protocol_hash VARCHAR, tool_version VARCHAR NOT NULL, counts JSON, includes JSON,
    out_dir VARCHAR NOT NULL, note TEXT,
    PRIMARY KEY (id),
    CONSTRAINT uq_review_version_name UNIQUE (name)
)"""


def _tables(dialect: str) -> tuple[str, ...]:
    return (_V8_VERSION.format(id=_V8_ID[dialect], stamp=_V8_STAMP[dialect]),)


def _version_8() -> tuple[Step, ...]:
    # A closed version freezes the review's counts and includes; what comes after is its update.
    return (Step("closed versions of the review", _tables("sqlite"), _tables("postgresql")),)


STEPS = _version_8()
