"""Schema version 2 (2026-11-26)."""

from __future__ import annotations

from review.migrations.steps import AddColumn, Statement, Step, both

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


STEPS = _version_2()
