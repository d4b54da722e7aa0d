"""Helpers for the pipeline tests: store counts, and a screening sheet filled in by a rule."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import SQLModel, select

from review import models  # noqa: F401  (registers the tables)
from review.db import session_scope

# Tables whose rows are the review's work; a re-run that adds to any of them did something twice.
WORK_TABLES = (
    "search_run",
    "record",
    "record_hit",
    "work",
    "dedupe_pair",
    "assignment",
    "screening_decision",
    "rule_result",
    "document",
    "page",
    "extraction_value",
)


def table_counts(engine: Engine) -> dict[str, int]:
    tables = SQLModel.metadata.tables
    with session_scope(engine) as s:
        return {t: int(s.exec(select(func.count()).select_from(tables[t])).one()) for t in WORK_TABLES}


def fill_sheet(path: Path, decide: Callable[[dict[str, str]], tuple[str, str]]) -> int:
    """Write a decision and reason into every row of an exported screening CSV; returns the rows."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["decision"], row["reason_code"] = decide(row)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
