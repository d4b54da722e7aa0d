"""Schema version 7 (2026-12-09)."""

from __future__ import annotations

from review.migrations.steps import AddColumn, Step, both, state_checks

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


STEPS = _version_7()
