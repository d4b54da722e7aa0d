"""Helpers shared by the format readers: dates and stable record IDs."""

from __future__ import annotations

from review.formats.common import parse_date
from review.imports.prepare import prepare
from review.records import RecordIn


def test_dates() -> None:
    assert parse_date("2021/05/17/") == "2021-05-17"
    assert parse_date("2019 Mar 15") == "2019-03-15"
    assert parse_date("2019 Mar") == "2019-03"
    assert parse_date("2019") is None and parse_date("2019/02/30") is None


def test_records_keep_given_ids_and_others_get_derived_ones() -> None:
    records = [RecordIn(source="x", source_id="A1", title="T"), RecordIn(source="x", source_id="", title="T")]
    prepared = prepare([(1, records[0]), (2, records[1])])
    assert prepared.records[0].source_id == "A1"
    assert prepared.records[1].source_id.startswith("h")
