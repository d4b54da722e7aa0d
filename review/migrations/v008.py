"""Schema version 8: review updates (being written)."""

from __future__ import annotations

from review.migrations.steps import Step

# Placeholder while this version is being written: no steps yet.
STEPS: tuple[Step, ...] = ()
