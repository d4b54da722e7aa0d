"""The parts every migration is written with: steps of SQL per dialect, and the state checks.

See review/migrations/__init__.py for how versions are found and applied.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AddColumn:
    """`ALTER TABLE table ADD COLUMN column kind`, left out when the table already has the column.

    SQLite has no `ADD COLUMN IF NOT EXISTS`; checking first makes a column step as safe to repeat
    as the `CREATE ... IF NOT EXISTS` statements around it.
    """

    table: str
    column: str
    kind: str


Statement = str | AddColumn


@dataclass(frozen=True)
class Step:
    """One concern of a migration: its statements for SQLite and for PostgreSQL."""

    name: str
    sqlite: tuple[Statement, ...]
    postgresql: tuple[Statement, ...]

    def statements(self, dialect: str) -> tuple[Statement, ...]:
        return self.postgresql if dialect == "postgresql" else self.sqlite


def both(name: str, *statements: Statement) -> Step:
    """A step whose SQL is the same in both dialects."""
    return Step(name, statements, statements)


def state_checks(dialect: str, states: dict[str, dict[str, tuple[str, ...]]]) -> tuple[str, ...]:
    """Checks that each state column holds one of its values: CHECK constraints on PostgreSQL;
    on SQLite, which cannot add a CHECK to a table, triggers that refuse a bad insert or update.

    Version 6 calls this with its frozen lists, models.state_ddl with today's (review.states), so
    a store made by the migrations and the schema review/models/ declares match while the lists do.
    """
    found: list[str] = []
    for table, columns in states.items():
        if dialect == "postgresql":
            found += _postgres_checks(table, columns)
        else:
            found += [_sqlite_check(table, event, columns) for event in ("INSERT", "UPDATE")]
    return tuple(found)


def _allowed(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _postgres_checks(table: str, columns: dict[str, tuple[str, ...]]) -> list[str]:
    found = []
    for column, values in columns.items():
        name = f"ck_{table}_{column}"
        found += [
            f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}",
            f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({column} IN ({_allowed(values)}))",
        ]
    return found


def _sqlite_check(table: str, event: str, columns: dict[str, tuple[str, ...]]) -> str:
    # The WHEN clause alone runs for a good row: the body, one RAISE per column, only for a bad one.
    bad = {column: f"new.{column} NOT IN ({_allowed(values)})" for column, values in columns.items()}
    raises = " ".join(
        f"SELECT RAISE(ABORT, '{table}.{column} must be one of {', '.join(columns[column])}') WHERE {test};"
        for column, test in bad.items()
    )
    on = f"UPDATE OF {', '.join(columns)}" if event == "UPDATE" else event
    return (
        f"CREATE TRIGGER IF NOT EXISTS check_{table}_{event.lower()} BEFORE {on} ON {table} "
        f"WHEN {' OR '.join(bad.values())} BEGIN {raises} END"
    )
