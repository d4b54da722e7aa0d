"""Schema migrations, keyed by the version they produce (see models.SCHEMA_VERSION).

Version 1 is the initial schema, made by `create_all`. A later change adds a function here,

    def m002_add_x(session: Session) -> None:
        session.execute(text("ALTER TABLE record ADD COLUMN x TEXT"))

registers it as `MIGRATIONS[2] = m002_add_x`, and bumps SCHEMA_VERSION. Each runs in its own
transaction with its version bump (db._migrate).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

Migration = Callable[[Session], None]

MIGRATIONS: dict[int, Migration] = {}
