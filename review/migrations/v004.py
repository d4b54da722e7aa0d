"""Schema version 4 (2026-12-07)."""

from __future__ import annotations

from review.migrations.steps import AddColumn, Step, both

_V4_RELATED = (
    AddColumn("dedupe_pair", "relation", "VARCHAR"),
    "CREATE INDEX IF NOT EXISTS ix_dedupe_pair_related ON dedupe_pair (record_a, record_b) "
    "WHERE band = 'related'",
    "CREATE INDEX IF NOT EXISTS ix_dedupe_pair_related_b ON dedupe_pair (record_b) WHERE band = 'related'",
)


def _version_4() -> tuple[Step, ...]:
    # A dedupe pair with band "related" keeps two records apart but linked; `relation` names the kind.
    return (both("related links between records", *_V4_RELATED),)


STEPS = _version_4()
