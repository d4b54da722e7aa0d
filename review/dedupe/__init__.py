"""Deduplication: group source records into works, automatically when sure, by a person when not.

`run` compares new records with everything stored (exact identifiers, then blocked fuzzy matching
with field-aware acceptance) and gives every record a work; `next_pending`/`decide` serve the
review queue; `undo` splits a work again; `export` writes the record-to-work table.
"""

from __future__ import annotations

from review.dedupe.decisions import PairView, UndoResult, decide, next_pending, pending_count, undo
from review.dedupe.export import export
from review.dedupe.score import Policy
from review.dedupe.stage import DedupeResult, run

__all__ = [
    "DedupeResult",
    "PairView",
    "Policy",
    "UndoResult",
    "decide",
    "export",
    "next_pending",
    "pending_count",
    "run",
    "undo",
]
