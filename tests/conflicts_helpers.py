"""Build screening states for the conflicts, agreement and audit tests."""

from __future__ import annotations

from pathlib import Path

from tests.factories import assign, decide

A, B, ADJ = "reviewer1", "reviewer2", "adjudicator"

__all__ = ["ADJ", "A", "B", "assign", "decide", "set_protocol"]


def set_protocol(review_dir: Path, old: str, new: str) -> None:
    """Edit the review folder's protocol copy."""
    path = review_dir / "protocol" / "protocol.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
