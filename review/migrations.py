"""Schema migrations as frozen SQL: every store, new or old, is built by the same steps in order.

Version 1 is the first schema, as the schema-1 models (git 66a4b94) created it: the SQL in
`review/data/schema/001_<dialect>.sql`. Each later version is a list of steps, one concern each,
written in plain SQL per dialect when the version was made and never changed afterwards: a step
imports no model and no stage code, so upgrading an old store means what it meant when the step
was written, whatever the code has become since. `db.init_db` applies a version's steps and its
version bump in one transaction (tests/test_migrations.py checks the result against models.py).

A later change adds a version, `MIGRATIONS[N] = (Step("what it does", both(...)),)`, and bumps
models.SCHEMA_VERSION. A released version's steps are never edited, renumbered or split: stores
record the version they are at, so a version must keep meaning what it meant.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources


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


def _schema_file(version: int, dialect: str) -> tuple[str, ...]:
    text = resources.files("review.data").joinpath(f"schema/{version:03d}_{dialect}.sql").read_text()
    return tuple(s.strip() for s in text.split(";\n") if s.strip())


def _initial() -> tuple[Step, ...]:
    return (Step("the first schema", _schema_file(1, "sqlite"), _schema_file(1, "postgresql")),)


# --- version 2 (2026-11-26) ---------------------------------------------------------------------

_V2_STAMP = {"sqlite": "DATETIME", "postgresql": "TIMESTAMP WITH TIME ZONE"}
_V2_COUNTED = (  # (table, key expression) the database itself counts
    ("work", "'works'"),
    ("record", "'records|' || {row}.source"),
    ("assignment", "'assigned|' || {row}.stage || '|' || {row}.reviewer || '|' || {row}.purpose"),
)


def _v2_harvest_lock(dialect: str) -> tuple[Statement, ...]:
    return (
        AddColumn("search_run", "holder", "VARCHAR"),
        AddColumn("search_run", "heartbeat_at", _V2_STAMP[dialect]),
    )


def _v2_count_triggers(dialect: str) -> tuple[str, ...]:
    # Per row on SQLite; per statement, over the transition table, on PostgreSQL.
    found: list[str] = []
    for table, key in _V2_COUNTED:
        for event, sign, row in (("insert", "", "new"), ("delete", "-", "old")):
            name, rows = f"tally_{table}_{event}", f"{row}_rows"
            if dialect == "sqlite":
                found.append(
                    f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event.upper()} ON {table} BEGIN "
                    f"INSERT INTO tally (key, n) VALUES ({key.format(row=row)}, {sign}1) "
                    "ON CONFLICT (key) DO UPDATE SET n = n + excluded.n; END"
                )
                continue
            found += [
                f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"INSERT INTO tally (key, n) SELECT {key.format(row=rows)}, {sign}count(*) FROM {rows} "
                "GROUP BY 1 ORDER BY 1 ON CONFLICT (key) DO UPDATE SET n = tally.n + excluded.n; "
                "RETURN NULL; END $$",
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} "
                f"REFERENCING {row.upper()} TABLE AS {rows} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
            ]
    return tuple(found)


def _v2_count_tables(dialect: str) -> tuple[Statement, ...]:
    key = '"key"' if dialect == "sqlite" else "key"
    return (
        f"CREATE TABLE IF NOT EXISTS tally ({key} VARCHAR NOT NULL, n INTEGER NOT NULL, PRIMARY KEY ({key}))",
        f"CREATE TABLE IF NOT EXISTS tally_part (work_id INTEGER NOT NULL, {key} VARCHAR NOT NULL, "
        f"n INTEGER NOT NULL, PRIMARY KEY (work_id, {key}))",
        f"CREATE INDEX IF NOT EXISTS ix_tally_part_key ON tally_part ({key}, work_id)",
        *_v2_count_triggers(dialect),
    )


# What review.tally.rebuild computed at version 2, as SQL: each work's part of the screening counts
# at one stage (decisions.final_decisions and tally._queue_parts of that version), from
#   - standing decisions: the latest event per work, reviewer and role, unless it is `retracted`;
#   - a work's final: the latest standing adjudication (maybe counts as include), else an active rule
#     exclusion, else the screeners' votes: none, or an assigned screener yet to decide: pending;
#     all include (maybe included): include; all exclude: exclude, or at full text a conflict when
#     their reason codes differ (no reason is a reason); a mix: conflict;
#   - scope: title/abstract, the works with a vote, an adjudication or an active rule; full text,
#     the works whose title/abstract final is include (read from the parts already stored);
#   - queues (dual, pilot, single, verify, rule_check): an active rule takes a work out of every
#     queue but rule_check's ("unqueued"); otherwise a reviewer's latest standing vote counts as
#     done, and as included when it is an include.
_V2_STAGE_PARTS = """
INSERT INTO tally_part (work_id, key, n)
WITH standing AS (
    SELECT d.id, d.work_id, d.reviewer, d.role, d.decision, d.reason_code
    FROM screening_decision d
    WHERE d.id IN (SELECT max(id) FROM screening_decision WHERE stage = '{stage}'
                   GROUP BY work_id, reviewer, role)
      AND d.decision <> 'retracted'
), votes AS (
    SELECT * FROM standing WHERE role IN ('screener', 'verifier')
), adjudication AS (
    SELECT work_id, decision FROM standing
    WHERE id IN (SELECT max(id) FROM standing WHERE role = 'adjudicator' GROUP BY work_id)
), ruled AS (
    SELECT DISTINCT work_id FROM rule_result WHERE stage = '{stage}' AND active
), queued AS (
    SELECT work_id, reviewer, purpose FROM assignment
    WHERE stage = '{stage}' AND purpose IN ('dual', 'pilot', 'single', 'verify', 'rule_check')
), mine AS (
    SELECT work_id, reviewer, decision FROM votes
    WHERE id IN (SELECT max(id) FROM votes GROUP BY work_id, reviewer)
), tallied AS (
    SELECT work_id, count(*) AS n, sum(CASE WHEN decision = 'exclude' THEN 1 ELSE 0 END) AS excludes,
           count(DISTINCT reason_code) + max(CASE WHEN reason_code IS NULL THEN 1 ELSE 0 END) AS reasons
    FROM votes GROUP BY work_id
), awaiting AS (
    SELECT DISTINCT q.work_id FROM queued q
    WHERE NOT EXISTS (SELECT 1 FROM votes v WHERE v.work_id = q.work_id AND v.reviewer = q.reviewer)
), scope AS (
    {scope}
), final AS (
    SELECT s.work_id, CASE
        WHEN a.work_id IS NOT NULL THEN CASE WHEN a.decision = 'maybe' THEN 'include' ELSE a.decision END
        WHEN r.work_id IS NOT NULL THEN 'exclude'
        WHEN t.work_id IS NULL OR w.work_id IS NOT NULL THEN 'pending'
        WHEN t.excludes = 0 THEN 'include'
        WHEN t.excludes = t.n AND ('{stage}' <> 'full_text' OR t.reasons = 1) THEN 'exclude'
        ELSE 'conflict' END AS status
    FROM (SELECT DISTINCT work_id FROM scope) s
    LEFT JOIN adjudication a ON a.work_id = s.work_id
    LEFT JOIN ruled r ON r.work_id = s.work_id
    LEFT JOIN tallied t ON t.work_id = s.work_id
    LEFT JOIN awaiting w ON w.work_id = s.work_id
), parts AS (
    SELECT work_id, 'final|{stage}|' || status AS key FROM final
    UNION ALL SELECT work_id, 'ruled|{stage}' FROM ruled
    UNION ALL SELECT q.work_id, 'unqueued|{stage}|' || q.reviewer FROM queued q
        WHERE q.purpose <> 'rule_check' AND q.work_id IN (SELECT work_id FROM ruled)
    UNION ALL SELECT q.work_id, 'done|{stage}|' || q.reviewer FROM queued q
        JOIN mine m ON m.work_id = q.work_id AND m.reviewer = q.reviewer
        WHERE q.purpose = 'rule_check' OR q.work_id NOT IN (SELECT work_id FROM ruled)
    UNION ALL SELECT q.work_id, 'included|{stage}|' || q.reviewer FROM queued q
        JOIN mine m ON m.work_id = q.work_id AND m.reviewer = q.reviewer AND m.decision = 'include'
        WHERE q.purpose = 'rule_check' OR q.work_id NOT IN (SELECT work_id FROM ruled)
)
SELECT work_id, key, count(*) FROM parts GROUP BY work_id, key
"""
_V2_SCOPES = {
    "title_abstract": "SELECT work_id FROM votes UNION SELECT work_id FROM adjudication "
    "UNION SELECT work_id FROM ruled",
    "full_text": "SELECT work_id FROM tally_part WHERE key = 'final|title_abstract|include'",
}
_V2_FILL_COUNTS = (
    "DELETE FROM tally_part",
    "DELETE FROM tally",
    *(_V2_STAGE_PARTS.format(stage=stage, scope=scope).strip() for stage, scope in _V2_SCOPES.items()),
    "INSERT INTO tally (key, n) SELECT key, sum(n) FROM tally_part GROUP BY key",
    "INSERT INTO tally (key, n) SELECT 'works', n FROM (SELECT count(*) AS n FROM work) c WHERE n > 0",
    "INSERT INTO tally (key, n) SELECT 'records|' || source, count(*) FROM record GROUP BY source",
    "INSERT INTO tally (key, n) SELECT 'assigned|' || stage || '|' || reviewer || '|' || purpose, count(*) "
    "FROM assignment GROUP BY stage, reviewer, purpose",
)
_V2_OPEN_PAIRS = (
    "CREATE INDEX IF NOT EXISTS ix_dedupe_pair_open ON dedupe_pair (id, record_a, record_b) "
    "WHERE band = 'review' AND decision IS NULL AND undone_at IS NULL"
)
_V2_PAGE_SEARCH_SQLITE = (  # external content: the index keeps no copy of the text
    "CREATE VIRTUAL TABLE IF NOT EXISTS page_fts USING fts5("
    "text, content='page', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS page_fts_ai AFTER INSERT ON page BEGIN "
    "INSERT INTO page_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS page_fts_ad AFTER DELETE ON page BEGIN "
    "INSERT INTO page_fts(page_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS page_fts_au AFTER UPDATE ON page BEGIN "
    "INSERT INTO page_fts(page_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO page_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO page_fts(page_fts) VALUES ('rebuild')",  # the pages a store already has
)
_V2_PAGE_SEARCH_POSTGRES = (
    "CREATE INDEX IF NOT EXISTS ix_page_tsv ON page USING GIN (to_tsvector('english', text))",
)


def _version_2() -> tuple[Step, ...]:
    return (
        both(
            "PRISMA-S for imports: the strategy as typed and the day searched",
            AddColumn("search_run", "strategy", "TEXT"),
            AddColumn("search_run", "searched_on", "DATE"),
        ),
        Step("who is harvesting a run now", _v2_harvest_lock("sqlite"), _v2_harvest_lock("postgresql")),
        Step("kept counts: tables and triggers", _v2_count_tables("sqlite"), _v2_count_tables("postgresql")),
        both("kept counts: filled from the store", *_V2_FILL_COUNTS),
        both("an index of the dedupe pairs waiting for a person", _V2_OPEN_PAIRS),
        Step("full-text search over page text", _V2_PAGE_SEARCH_SQLITE, _V2_PAGE_SEARCH_POSTGRES),
    )


# --- version 3 (2026-12-07) ---------------------------------------------------------------------

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


# --- version 4 (2026-12-07) ---------------------------------------------------------------------

_V4_RELATED = (
    AddColumn("dedupe_pair", "relation", "VARCHAR"),
    "CREATE INDEX IF NOT EXISTS ix_dedupe_pair_related ON dedupe_pair (record_a, record_b) "
    "WHERE band = 'related'",
    "CREATE INDEX IF NOT EXISTS ix_dedupe_pair_related_b ON dedupe_pair (record_b) WHERE band = 'related'",
)


def _version_4() -> tuple[Step, ...]:
    # A dedupe pair with band "related" keeps two records apart but linked; `relation` names the kind.
    return (both("related links between records", *_V4_RELATED),)


# --- version 5 (2026-12-07) ---------------------------------------------------------------------

# What review.tally keeps at version 5 besides version 2's parts: `given|STAGE`, one per work in scope
# at the stage that `review screen assign` will not give out: in a queue for screening (pilot, dual,
# single, rule_check) or excluded by an active rule; at full text only title/abstract includes.
_V5_GIVEN = """
INSERT INTO tally_part (work_id, key, n)
SELECT work_id, 'given|{stage}', 1 FROM (
    SELECT work_id FROM assignment
    WHERE stage = '{stage}' AND purpose IN ('pilot', 'dual', 'single', 'rule_check')
    UNION SELECT work_id FROM rule_result WHERE stage = '{stage}' AND active
) given_out{scope}
"""
_V5_KEYS = "('given|title_abstract', 'given|full_text')"
_V5_FILL_GIVEN = (
    f"DELETE FROM tally_part WHERE key IN {_V5_KEYS}",
    f"DELETE FROM tally WHERE key IN {_V5_KEYS}",
    _V5_GIVEN.format(stage="title_abstract", scope="").strip(),
    _V5_GIVEN.format(
        stage="full_text",
        scope=" WHERE work_id IN (SELECT work_id FROM tally_part WHERE key = 'final|title_abstract|include')",
    ).strip(),
    f"INSERT INTO tally (key, n) SELECT key, sum(n) FROM tally_part WHERE key IN {_V5_KEYS} GROUP BY key",
)


def _version_5() -> tuple[Step, ...]:
    return (both("kept counts: the works given out at each stage", *_V5_FILL_GIVEN),)


# --- version 6 (2026-12-08) ---------------------------------------------------------------------

_V6_STAGES = ("title_abstract", "full_text")
# The values each state column may hold at version 6 (review.states then); NULL is always allowed.
_V6_STATES: dict[str, dict[str, tuple[str, ...]]] = {
    "search_run": {
        "status": ("running", "complete", "interrupted", "budget_exhausted", "failed"),
        "arm": ("databases", "other"),
    },
    "dedupe_pair": {"band": ("auto", "review", "distinct", "related"), "decision": ("merge", "keep_both")},
    "dedupe_event": {"action": ("merge", "keep_both", "undo")},
    "assignment": {
        "stage": _V6_STAGES,
        "purpose": ("dual", "pilot", "single", "verify", "rule_check", "adjudicate"),
    },
    "screening_decision": {
        "stage": _V6_STAGES,
        "role": ("screener", "adjudicator", "verifier"),
        "decision": ("include", "exclude", "maybe", "retracted"),
    },
    "rule_result": {"stage": _V6_STAGES},
    "screening_note": {"stage": _V6_STAGES},
    "stopping_log": {"stage": _V6_STAGES},
    "document": {
        "origin": (
            "record_file", "openalex_best_oa", "openalex_location", "openalex_oa_url", "govuk_attachment",
            "govuk_html", "record_url", "manual", "none",
        ),
        "status": ("pending", "retrieved", "not_retrieved", "readable", "unreadable"),
    },
    "extraction_value": {"role": ("extractor", "verifier", "consensus", "prefill")},
}  # fmt: skip


def state_checks(dialect: str, states: dict[str, dict[str, tuple[str, ...]]]) -> tuple[str, ...]:
    """Checks that each state column holds one of its values: CHECK constraints on PostgreSQL;
    on SQLite, which cannot add a CHECK to a table, triggers that refuse a bad insert or update.

    Version 6 calls this with its frozen lists, models.state_ddl with today's (review.states), so
    a store made by the migrations and the schema models.py declares match while the lists do.
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


def _version_6() -> tuple[Step, ...]:
    return (
        Step(
            "every stage and state column holds one of its values",
            state_checks("sqlite", _V6_STATES),
            state_checks("postgresql", _V6_STATES),
        ),
    )


# --- version 7 (2026-12-09) ---------------------------------------------------------------------

_V7_STATES: dict[str, dict[str, tuple[str, ...]]] = {
    "stage_run": {"status": ("running", "complete", "failed")},
}


def _version_7() -> tuple[Step, ...]:
    # Every stage records its run through review.stagerun, a failed one with its error.
    return (
        both("a failed stage run keeps its error", AddColumn("stage_run", "error", "TEXT")),
        Step(
            "a stage run's status is one of its values",
            state_checks("sqlite", _V7_STATES),
            state_checks("postgresql", _V7_STATES),
        ),
    )


MIGRATIONS: dict[int, tuple[Step, ...]] = {
    1: _initial(),
    2: _version_2(),
    3: _version_3(),
    4: _version_4(),
    5: _version_5(),
    6: _version_6(),
    7: _version_7(),
}
