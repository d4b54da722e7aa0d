"""`review dedupe export`: every source record with its source, its own ID and its work (cluster)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from review.formats import sheet
from review.models import Record

COLUMNS = ("work_id", "record_id", "source", "source_id", "records_in_work", "doi", "year", "title")


def export(session: Session, path: Path) -> int:
    """Write the record-to-work table as CSV (ordered by work, then record); returns rows written."""
    table = Record.__table__  # type: ignore[attr-defined]
    counted = session.execute(select(table.c.work_id, func.count()).group_by(table.c.work_id))
    sizes = {work_id: count for work_id, count in counted}
    query = select(
        table.c.work_id,
        table.c.id,
        table.c.source,
        table.c.source_id,
        table.c.doi,
        table.c.year,
        table.c.title,
    ).order_by(table.c.work_id, table.c.id)
    rows = (
        [work_id, rid, source, source_id, sizes.get(work_id, 0), doi, year, title]
        for work_id, rid, source, source_id, doi, year, title in session.execute(query)
    )
    return sheet.save_csv(path, COLUMNS, rows)
