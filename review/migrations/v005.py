"""Schema version 5 (2026-12-07)."""

from __future__ import annotations

from review.migrations.steps import Step, both

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


STEPS = _version_5()
