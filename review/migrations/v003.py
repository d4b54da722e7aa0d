"""Schema version 3 (2026-12-07)."""

from __future__ import annotations

from review.migrations.steps import AddColumn, Step, both

_M003_COLUMNS = {  # every field an export carries (bulk of version 3)
    "record": (
        ("other_titles", "JSON"),
        ("journal_abbrev", "VARCHAR"),
        ("other_ids", "JSON"),
        ("recompare", "BOOLEAN NOT NULL DEFAULT false"),
    ),
    "work": (
        ("publication_date", "VARCHAR"),
        ("issn", "VARCHAR"),
        ("volume", "VARCHAR"),
        ("issue", "VARCHAR"),
        ("pages", "VARCHAR"),
        ("keywords", "JSON"),
    ),
    "search_run": (("refused", "INTEGER NOT NULL DEFAULT 0"), ("refusals", "JSON")),
}


def _columns(table: str, names: tuple[str, ...] | None = None) -> tuple[AddColumn, ...]:
    return tuple(
        AddColumn(table, column, kind)
        for column, kind in _M003_COLUMNS[table]
        if names is None or column in names
    )


_V3_WORK_FROM_RECORDS = tuple(  # the first record (by id) that has each field
    f"UPDATE work SET {column} = (SELECT r.{column} FROM record r WHERE r.work_id = work.id "
    f"AND r.{column} IS NOT NULL ORDER BY r.id LIMIT 1) WHERE {column} IS NULL"
    for column, _ in _M003_COLUMNS["work"]
)
# The index's WHERE as each dialect renders `WHERE record.recompare`, so the planner uses it.
_V3_RECOMPARE_INDEX = "CREATE INDEX IF NOT EXISTS ix_record_recompare ON record (id) WHERE {flag}"
_V3_BULK_RECORD_TRIGGER = (
    "DROP TRIGGER IF EXISTS tally_record_insert",
    "CREATE TRIGGER IF NOT EXISTS tally_record_insert AFTER INSERT ON record "
    "WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'counting_records') BEGIN "
    "INSERT INTO tally (key, n) VALUES ('records|' || new.source, 1) "
    "ON CONFLICT (key) DO UPDATE SET n = n + excluded.n; END",
)


def _version_3() -> tuple[Step, ...]:
    recompare = _columns("record", ("recompare",))
    return (
        both(
            "records: other titles, the journal's abbreviation, the databases' own IDs",
            *_columns("record", ("other_titles", "journal_abbrev", "other_ids")),
        ),
        both(
            "works: date, ISSN, volume, issue, pages, keywords, from their records",
            *_columns("work"),
            *_V3_WORK_FROM_RECORDS,
        ),
        both("the search log counts the records an import refused", *_columns("search_run")),
        Step(
            "records a re-import changed, for dedupe to compare again",
            (*recompare, _V3_RECOMPARE_INDEX.format(flag="recompare = 1")),
            (*recompare, _V3_RECOMPARE_INDEX.format(flag="recompare")),
        ),
        # A bulk upsert counts its own new records; PostgreSQL's per-statement trigger is unchanged.
        Step("the record-insert count steps aside for bulk upserts", _V3_BULK_RECORD_TRIGGER, ()),
    )


STEPS = _version_3()
