"""CSV text from rows (dicts) of works or records, for exports, search logs and PRISMA counts:
lists joined with "; ", dicts as JSON. `parse_csv` reads a written table back, except that a cell
a spreadsheet would run as a formula has the apostrophe `review.formats.sheet` puts in front of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from review.formats.sheet import csv_text


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def write_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """CSV text for rows (dicts): lists joined with "; ", dicts as JSON; columns default to all keys."""
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    return csv_text(columns, ([_csv_value(row.get(c)) for c in columns] for row in rows))
