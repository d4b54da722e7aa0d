"""Shared by the format tests: the fixtures folder, reading a fixture as an export is read, a
record's filled fields, and a work row as the store's exports write it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from review.records import RecordIn

DATA = Path(__file__).parent / "data" / "imports"


def text(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8-sig")


def filled(record: RecordIn, *leave_out: str) -> dict[str, Any]:
    """A record's fields that have a value (but `extra` and those left out), to compare whole."""
    return {
        k: v
        for k, v in dataclasses.asdict(record).items()
        if v is not None and k not in ("source", "extra", *leave_out)
    }


WORK = {
    "id": 7,
    "title": "Family hubs: 50% of {families} & more",
    "abstract": "Line one.\nLine two.",
    "authors": ["Hughes, Rachel", "Department for Education"],
    "year": 2022,
    "doi": "10.1234/jecp.2022.0031",
    "journal": "Journal of Early Childhood Policy",
    "doc_type": "article",
    "keywords": ["family hubs", "England"],
    "decision": "include",
}
