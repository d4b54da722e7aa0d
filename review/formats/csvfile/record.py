"""One table row as a RecordIn, read as its Plan says: each field from its column (the first with a
value, or every column for lists), the dialect's fixes, pages from start and end, IDs set apart, and
every cell not read into a field kept in `extra["columns"]`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from review.formats.csvfile.cells import SHORT, tidy
from review.formats.csvfile.columns import Plan, Reads
from review.records import RecordIn


def row_record(plan: Plan, row: Sequence[str], source: str) -> RecordIn:
    """A row as its plan reads it; a cell that is not its field's kind is kept in extra as written."""
    values: dict[str, Any] = {}
    unread: dict[str, str] = {}
    width = len(row)
    for field, at, convert in plan.single:  # a field read from one column: the common case
        if at >= width or not (text := row[at]):
            continue
        if (  # `tidy`, inlined: this runs for every cell of the file
            "\n" in text
            or "\r" in text
            or "\t" in text
            or "\xa0" in text
            or text[0] == " "
            or text[-1] == " "
            or (len(text) < SHORT and "  " in text)
        ) and not (text := " ".join(text.split())):
            continue
        value = text if convert is None else convert(text)
        if value is None:
            unread[plan.header[at]] = row[at]  # not its field's kind: kept as written
        else:
            values[field] = value
    for field, columns, spares in plan.first:  # a field with fallback columns: the first with a value
        used = _first_value(plan, row, field, columns, values, unread)
        for at in spares:  # a fallback not used in this row is kept
            if at != used and at < width and row[at] and not row[at].isspace():
                unread[plan.header[at]] = row[at]
    for field, columns in plan.combined:
        items = _combined(plan, row, columns, unread)
        if items:
            values[field] = items
    if plan.dialect is not None and plan.dialect.finish is not None:
        plan.dialect.finish(values, {k: tidy(row[i]) for k, i in plan.reads if i < width})
    return _finish(plan, row, source, values, unread)


def _first_value(
    plan: Plan,
    row: Sequence[str],
    field: str,
    columns: Reads,
    values: dict[str, Any],
    unread: dict[str, str],
) -> int | None:
    """Read `field` from the first of its columns with a readable value; which one, if any."""
    for at, convert in columns:
        text = tidy(row[at]) if at < len(row) else ""
        if not text:
            continue
        value = text if convert is None else convert(text)
        if value is None:
            unread[plan.header[at]] = row[at]  # not its field's kind: kept as written
            continue
        values[field] = value
        return at
    return None


def _combined(plan: Plan, row: Sequence[str], columns: Reads, unread: dict[str, str]) -> list[str]:
    items: dict[str, str] = {}  # keyed case-insensitively: one term from two columns counts once
    for at, convert in columns:
        text = tidy(row[at]) if at < len(row) else ""
        got = (convert(text) if convert else [text]) if text else None
        if text and not got:
            unread[plan.header[at]] = row[at]
        for item in got or ():
            items.setdefault(item.casefold(), item)
    return list(items.values())


def _finish(
    plan: Plan, row: Sequence[str], source: str, values: dict[str, Any], unread: dict[str, str]
) -> RecordIn:
    """The record from its read values: pages from start and end, IDs set apart, extra kept."""
    if "start_page" in values or "end_page" in values or "article_number" in values:
        _pages(values)
    if "year" not in values and values.get("publication_date"):
        values["year"] = int(values["publication_date"][:4])
    ids = {key[3:]: values.pop(key) for key in plan.id_keys if key in values} if plan.id_keys else {}
    if ids:
        values["other_ids"] = ids
        if "openalex" in ids:
            values["openalex_id"] = ids["openalex"]
    source_id = values.pop("source_id", "")
    if plan.id_index is not None:
        source_id = tidy(row[plan.id_index]).strip() if plan.id_index < len(row) else ""
    elif plan.dialect is not None and plan.dialect.record_id:
        source_id = ids.get(plan.dialect.record_id, source_id)
    values["extra"] = _extra(plan, row, unread)
    return RecordIn(source=source, source_id=source_id, **values)


def _pages(values: dict[str, Any]) -> None:
    """`start-end` from start and end pages (one page alone if they agree); else the article number."""
    start, end = values.pop("start_page", None), values.pop("end_page", None)
    article = values.pop("article_number", None)
    if "pages" not in values:
        values["pages"] = f"{start}-{end}" if start and end and start != end else start or end or article


def _extra(plan: Plan, row: Sequence[str], unread: dict[str, str]) -> dict[str, Any] | None:
    width = len(row)
    columns = {h: c for i, h in plan.kept if i < width and (c := row[i]) and not c.isspace()}
    columns.update(unread)
    extra: dict[str, Any] = {"columns": columns} if columns else {}
    file = row[plan.file_index].strip() if plan.file_index is not None and plan.file_index < width else ""
    if file:  # a file name as written: collapsing its spaces would name another file
        extra["file"] = file
    return extra or None
