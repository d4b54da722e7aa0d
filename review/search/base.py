"""What every connector hands the harvest loop: a plan per search, pages of records, estimates."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from review.records import RecordIn

Entry = dict[str, Any]  # one raw-archive line: {"kind", "request", "status", "body", ...}


@dataclass(frozen=True)
class Plan:
    """One protocol search, ready to run: what the search log records before the first page."""

    source: str
    name: str
    platform: str
    request: str  # the first page's URL exactly as sent, API key removed
    filters: dict[str, Any]
    arm: str = "databases"


@dataclass(frozen=True)
class Window:
    """An update run's date window: only what the source added (or changed) since `since`.

    `field` is the source's filter: OpenAlex `from_created_date` (works added) or `from_updated_date`
    (added or changed); GOV.UK `public_timestamp` (published or majorly updated). `after_run` is the
    complete run the window starts from; `base_request` that run's search without any window.
    """

    since: date
    field: str
    after_run: int
    base_request: str

    def logged(self) -> dict[str, Any]:
        """What the search log keeps of the window (`filters["update"]`)."""
        return {"since": self.since.isoformat(), "field": self.field, "after_run": self.after_run,
                "base_request": self.base_request}  # fmt: skip


@dataclass(frozen=True)
class Page:
    """One committed step of a harvest: its raw responses, its records, and where to resume."""

    entries: list[Entry]
    records: list[RecordIn]
    state: dict[str, Any] | None  # resume state after this page; None when the search is done
    total: int | None = None  # the source's own count, when the page reports it
    cost_usd: float = 0.0


@dataclass(frozen=True)
class Estimate:
    """What a search would cost, from one cheap request (`review search --dry-run`)."""

    source: str
    name: str
    count: int
    requests: int  # pages (+ content items for GOV.UK)
    credits: int  # OpenAlex credits (10 per search page, 1 per list page); 0 for GOV.UK
    request: str
    notes: tuple[str, ...] = field(default=())


class Connector(Protocol):
    """A source the harvest loop can drive (OpenAlex, GOV.UK)."""

    source: str
    windows: dict[str, Window]  # search name -> its update window (`review update`); empty for a full run

    def names(self) -> list[str]: ...

    def plan(self, name: str) -> Plan: ...

    def pages(self, name: str, state: dict[str, Any] | None) -> Iterator[Page]: ...

    def estimate(self, name: str) -> Estimate: ...

    def close(self) -> None: ...


class ArchiveParser(Protocol):
    """Turns a run's raw-archive entries back into pages of records, offline."""

    def __call__(self, entries: Iterable[Entry]) -> Iterator[list[RecordIn]]: ...
