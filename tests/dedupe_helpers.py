"""Build stores of source records (no works yet) for dedupe tests."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from review.models import Record
from review.records import RecordIn, upsert_records

DATA = Path(__file__).resolve().parent / "data" / "dedupe"


def add_records(session: Session, items: Sequence[dict[str, Any]], source: str = "test") -> list[int]:
    """Store records (dicts of RecordIn fields; source_id defaults to a counter); returns record IDs."""
    existing = len(session.exec(select(Record.id)).all())
    records = [
        RecordIn(**{"source": source, "source_id": f"{source}-{existing + k}", **item})
        for k, item in enumerate(items)
    ]
    upsert_records(session, None, records)
    keys = [(r.source, r.source_id) for r in records]
    rows = session.exec(select(Record.id, Record.source, Record.source_id)).all()
    ids = {(src, sid): rid for rid, src, sid in rows if rid is not None}  # stored rows have IDs
    return [ids[k] for k in keys]


def work_of(session: Session, record_ids: Sequence[int]) -> list[int | None]:
    rows = dict(session.exec(select(Record.id, Record.work_id)).all())
    return [rows[r] for r in record_ids]


def special_cases() -> tuple[list[dict[str, Any]], list[set[str]]]:
    """The bib-dedupe special cases (MIT) as record dicts keyed by their ID, and the gold groups."""
    items = []
    with (DATA / "special_cases.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            items.append(
                {
                    "source_id": row["ID"],
                    "title": row["title"] or None,
                    "authors": row["author"].split(" and ") if row["author"] else None,
                    "year": int(row["year"]),
                    "journal": row["journal"] or row["booktitle"] or None,
                    "volume": row["volume"] or None,
                    "issue": row["issue"] or None,
                    "pages": row["pages"] or None,
                    "doi": row["doi"] or None,
                    "abstract": row["abstract"] or None,
                    "doc_type": row["ENTRYTYPE"],
                }
            )
    with (DATA / "special_cases_gold.csv").open(encoding="utf-8") as fh:
        gold = [set(row["merged_ids"].split(";")) for row in csv.DictReader(fh)]
    return items, gold
