"""Schema migrations, keyed by the version they produce (see models.SCHEMA_VERSION).

Version 1 is the initial schema, made by `create_all`. A later change adds a function here,

    def m002_add_x(session: Session) -> None:
        session.execute(text("ALTER TABLE record ADD COLUMN x TEXT"))

registers it as `MIGRATIONS[2] = m002_add_x`, and bumps SCHEMA_VERSION. Each runs in its own
transaction with its version bump (db._migrate).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import inspect, text
from sqlmodel import Session, SQLModel

Migration = Callable[[Session], None]


def m002_tallies(session: Session) -> None:
    """The search log's strategy and searched_on columns (PRISMA-S for imports); kept counts for
    `review status` (tally, tally_part and their triggers), filled from the store; an index for the
    open dedupe pairs."""
    from review import tally
    from review.models import POSTGRES_DDL, tally_ddl

    conn = session.connection()
    have = {c["name"] for c in inspect(conn).get_columns("search_run")}
    stamp = "TIMESTAMP WITH TIME ZONE" if conn.dialect.name == "postgresql" else "DATETIME"
    added = (("strategy", "TEXT"), ("searched_on", "DATE"), ("holder", "VARCHAR"), ("heartbeat_at", stamp))
    for column, kind in added:  # PRISMA-S for imports; who is harvesting a run now
        if column not in have:
            session.execute(text(f"ALTER TABLE search_run ADD COLUMN {column} {kind}"))
    for table in ("tally", "tally_part"):
        SQLModel.metadata.tables[table].create(conn, checkfirst=True)
    for index in SQLModel.metadata.tables["dedupe_pair"].indexes:
        index.create(conn, checkfirst=True)
    for statement in tally_ddl(conn.dialect.name):
        session.execute(text(statement))
    if conn.dialect.name == "postgresql":
        for statement in POSTGRES_DDL:  # full-text search reads an index instead of every page
            session.execute(text(statement))
    tally.rebuild(session)


# Frozen: schema 3 as it was written, in plain SQL, so upgrading an old store never depends on
# today's models or stage code.
_M003_COLUMNS = {
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
_M003_RECORD_TRIGGER = (
    "CREATE TRIGGER IF NOT EXISTS tally_record_insert AFTER INSERT ON record "
    "WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'counting_records') BEGIN "
    "INSERT INTO tally (key, n) VALUES ('records|' || new.source, 1) "
    "ON CONFLICT (key) DO UPDATE SET n = n + excluded.n; END"
)
_M003_WORK_FROM_RECORDS = ("publication_date", "issn", "volume", "issue", "pages", "keywords")


def m003_import_fields(session: Session) -> None:
    """Every field an export carries: records gain other titles, the journal's abbreviation and the
    databases' own IDs; works gain date, ISSN, volume, issue, pages and keywords (filled from their
    records, the first record that has each); the search log counts records an import refused;
    `record.recompare` marks records a re-import changed, for dedupe to compare again."""
    conn = session.connection()
    for table, columns in _M003_COLUMNS.items():
        have = {c["name"] for c in inspect(conn).get_columns(table)}
        for column, kind in columns:
            if column not in have:
                session.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {kind}"))
    if conn.dialect.name == "sqlite":  # the record-insert count trigger steps aside for bulk upserts
        session.execute(text("DROP TRIGGER IF EXISTS tally_record_insert"))
        session.execute(text(_M003_RECORD_TRIGGER))
    # The WHERE as each dialect renders `WHERE record.recompare`, so the planner uses the index.
    flag = "recompare = 1" if conn.dialect.name == "sqlite" else "recompare"
    session.execute(text(f"CREATE INDEX IF NOT EXISTS ix_record_recompare ON record (id) WHERE {flag}"))
    for column in _M003_WORK_FROM_RECORDS:
        session.execute(
            text(
                f"UPDATE work SET {column} = (SELECT r.{column} FROM record r WHERE r.work_id = work.id "
                f"AND r.{column} IS NOT NULL ORDER BY r.id LIMIT 1) WHERE {column} IS NULL"
            )
        )


def m004_related_links(session: Session) -> None:
    """Related links: a dedupe pair with band "related" keeps two records apart but linked (an erratum
    and its article, items of a series, a preprint and its published version); `dedupe_pair.relation`
    names the kind, and two small partial indexes find a record's links from either side. The
    open-pair index already holds only band "review" pairs, so related links (no decision either)
    never enter a person's queue."""
    conn = session.connection()
    have = {c["name"] for c in inspect(conn).get_columns("dedupe_pair")}
    if "relation" not in have:
        session.execute(text("ALTER TABLE dedupe_pair ADD COLUMN relation VARCHAR"))
    for name, columns in (
        ("ix_dedupe_pair_related", "record_a, record_b"),
        ("ix_dedupe_pair_related_b", "record_b"),
    ):
        session.execute(
            text(f"CREATE INDEX IF NOT EXISTS {name} ON dedupe_pair ({columns}) WHERE band = 'related'")
        )


MIGRATIONS: dict[int, Migration] = {2: m002_tallies, 3: m003_import_fields, 4: m004_related_links}
