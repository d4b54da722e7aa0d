"""Stage 1, search: harvest the protocol's OpenAlex and GOV.UK searches into the store.

`run` harvests (resuming unfinished runs), `dry_run` reports counts and costs without
harvesting, and `rebuild` re-parses the raw archives under `sources/` without the network.

Unlike the other stages, `run` and `rebuild` take a session *factory* (e.g. `App.session`):
they commit after every page, so an interruption loses at most one page.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from review.errors import SearchError
from review.http import ClientSettings
from review.protocol import Protocol
from review.search.api import BudgetExhaustedError
from review.search.base import Connector, Estimate
from review.search.harvest import Progress, RunSummary, SessionFactory, harvest
from review.search.rebuild import RebuildResult, rebuild
from review.settings import Settings

SOURCES = ("openalex", "govuk")

__all__ = ["SOURCES", "Estimate", "RebuildResult", "RunSummary", "SearchResult", "dry_run", "rebuild", "run"]


@dataclass(frozen=True)
class SearchResult:
    """Every run this invocation touched, and why it stopped early (if it did)."""

    runs: tuple[RunSummary, ...]

    @property
    def unfinished(self) -> tuple[RunSummary, ...]:
        return tuple(r for r in self.runs if r.status != "complete")


def connectors(
    protocol: Protocol, source: str | None, *, settings: Settings, client: ClientSettings | None = None
) -> list[Connector]:
    """The connectors to run, in order; an unknown source name is an error listing the valid ones.

    `settings` says where the services are; `client` how patient to be (default: the search API's).
    """
    if source is not None and source not in SOURCES:
        raise SearchError(f"Unknown source {source!r}: choose one of {', '.join(SOURCES)}.")
    from review.search.govuk import GovukConnector
    from review.search.openalex import OpenAlexConnector

    found: list[Connector] = []
    if source in (None, "openalex"):
        found.append(OpenAlexConnector(protocol, settings, client))
    if source in (None, "govuk"):
        found.append(GovukConnector(protocol, settings, client))
    return found


def _selected(conns: list[Connector], name: str | None) -> list[tuple[Connector, str]]:
    pairs = [(c, n) for c in conns for n in c.names() if name is None or n == name]
    if pairs:
        return pairs
    known = [n for c in conns for n in c.names()]
    if name is None:
        raise SearchError(
            "The protocol has no searches for this source: add [[sources.openalex.searches]] or "
            "[[sources.govuk.searches]] to the protocol."
        )
    raise SearchError(f"No search named {name!r}: the protocol has {', '.join(known) or 'none'}.")


def run(
    sessions: SessionFactory,
    protocol: Protocol,
    root: Path,
    *,
    settings: Settings,
    source: str | None = None,
    name: str | None = None,
    client: ClientSettings | None = None,
    progress: Progress | None = None,
) -> SearchResult:
    """Harvest the selected searches, continuing any unfinished run of the same request.

    A spent OpenAlex daily budget stops the remaining OpenAlex searches (GOV.UK carries on);
    the summaries say when to resume.

    Raises:
        SearchError: bad selection, a refused query, or a service that keeps failing (the run
            is logged as `failed` and resumes next time).
    """
    conns = connectors(protocol, source, settings=settings, client=client)
    try:
        summaries: list[RunSummary] = []
        stopped: set[str] = set()
        for conn, search_name in _selected(conns, name):
            if conn.source in stopped:
                continue
            summary = harvest(
                sessions, conn, search_name, root, protocol_hash=protocol.sha256, progress=progress
            )
            summaries.append(summary)
            if summary.status == "budget_exhausted":
                stopped.add(conn.source)
        return SearchResult(tuple(summaries))
    finally:
        for conn in conns:
            conn.close()


def dry_run(
    protocol: Protocol,
    *,
    settings: Settings,
    source: str | None = None,
    name: str | None = None,
    client: ClientSettings | None = None,
) -> list[Estimate]:
    """Each selected search's reported count and what harvesting it would cost; stores nothing."""
    conns = connectors(protocol, source, settings=settings, client=client)
    try:
        return [conn.estimate(n) for conn, n in _selected(conns, name)]
    except BudgetExhaustedError as exc:
        raise SearchError(
            f"{exc.message} Try the dry run again after {exc.resume_at:%Y-%m-%d %H:%M} UTC."
        ) from exc
    finally:
        for conn in conns:
            conn.close()
