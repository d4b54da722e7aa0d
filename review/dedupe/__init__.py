"""Deduplication: group source records into works, automatically when sure, by a person when not.

`run` compares new records with everything stored (shared identifiers, then pairs blocked on
several keys, compared field by field and weighed into a match probability; related items kept
apart but linked) and gives every record a work; `next_pending`/`decide` serve the review queue,
likeliest first; `undo` splits a work again; `export` writes the record-to-work table.
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
