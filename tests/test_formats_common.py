"""Helpers shared by the format readers: dates and stable record IDs."""

from __future__ import annotations

from review.formats import (
    assign_ids,
)
from review.formats.common import parse_date
from review.records import RecordIn


def test_dates() -> None:
    assert parse_date("2021/05/17/") == "2021-05-17"
    assert parse_date("2019 Mar 15") == "2019-03-15"
    assert parse_date("2019 Mar") == "2019-03"
    assert parse_date("2019") is None and parse_date("2019/02/30") is None


def test_assign_ids_keeps_given_ids() -> None:
    records = [RecordIn(source="x", source_id="A1", title="T"), RecordIn(source="x", source_id="", title="T")]
    assign_ids(records)
    assert records[0].source_id == "A1" and records[1].source_id.startswith("h")
