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


MIGRATIONS: dict[int, Migration] = {2: m002_tallies}
