"""The database exports a table is recognised as, from its header: each a Dialect (dialect) whose
columns are listed in tables, some read with cell readers of their own (readers).
"""

from __future__ import annotations

from collections.abc import Sequence

from review.formats.csvfile.cells import norm_header
from review.formats.csvfile.dialects.dialect import Col, Dialect
from review.formats.csvfile.dialects.tables import DIALECTS

__all__ = ["DIALECTS", "Col", "Dialect", "recognise"]


def recognise(header: Sequence[str]) -> Dialect | None:
    """The database export a header belongs to, or None for a table of its own."""
    names = {norm_header(h) for h in header}
    return next((d for d in DIALECTS if any(sig <= names for sig in d.signatures)), None)
