"""Shared pieces of the search tests: recorded bodies, a small protocol, and replay routes."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from review.db import session_scope
from review.http import ClientSettings
from review.models import Record, RecordHit, SearchRun
from review.search import api
from tests.conftest import DATA, PROTOCOL
from tests.replay import Query, ReplayServer, Reply

OA, GOV = "/oa", "/gov"
FAST = ClientSettings(
    connect_timeout=0.5, read_timeout=0.5, tries=3, backoff=0.01, max_backoff=0.02, rps=1000.0
)

SOURCES_TOML = """
[sources.openalex]
per_page = 2
email = "team@example.org"

[[sources.openalex.searches]]
name = "biodiversity"
title_and_abstract = "biodiversity AND finance, policy"
filters = { publication_year = "1990-2010" }

[sources.govuk]
per_page = 3

[[sources.govuk.searches]]
name = "moj-stats"
q = '"statistics"'
document_types = ["research", "official_statistics"]
organisations = ["ministry-of-justice"]
"""

PER_SECOND_429 = Reply(
    {
        "error": "Rate limit exceeded",
        "message": "Rate limit exceeded: 30 requests per second. Please slow down.",
    },
    status=429,
    headers={"Retry-After": "1"},
)
# The proxy's daily-budget body (openalex-api-proxy src/index.ts, api.md A.9).
BUDGET_429 = Reply(
    {
        "error": "Rate limit exceeded",
        "message": "Insufficient budget. This request costs $0.001 but you only have $0 remaining. "
        "Resets at midnight UTC. Need more? Add funds at https://openalex.org/pricing",
        "retryAfter": 43200,
        "costUsd": 0.001,
        "dailyRemainingUsd": 0,
        "creditsRequired": 10,
        "creditsRemaining": 0,
    },
    status=429,
    headers={"Retry-After": "43200"},
)


def load(relpath: str) -> Any:
    return json.loads((DATA / relpath).read_text(encoding="utf-8"))


def write_protocol(root: Path, sources: str = SOURCES_TOML) -> None:
    """The real protocol's review and criteria, with small test searches."""
    head = PROTOCOL.read_text(encoding="utf-8").split("# --- Sources")[0]
    (root / "protocol" / "protocol.toml").write_text(head + sources, encoding="utf-8")


OA_PAGES = [load(f"openalex/works_page{n}.json") for n in (1, 2, 3)]
GOV_SEARCH = load("govuk/search_all.json")
OA_IDS = {w["id"].rsplit("/", 1)[-1] for p in OA_PAGES for w in p["results"]}
GOV_LINKS = [r["link"] for r in GOV_SEARCH["results"]]


def openalex_handler(query: Query) -> Reply:
    """Cursor pages by `cursor`; a per-page=1 request is the dry-run count."""
    if query.get("per-page") == ["1"]:
        first = OA_PAGES[0]
        return Reply({**first, "meta": {**first["meta"], "per_page": 1}, "results": first["results"][:1]})
    cursors = ["*"] + [p["meta"]["next_cursor"] for p in OA_PAGES[:-1]]
    cursor = query.get("cursor", ["?"])[0]
    if cursor not in cursors:
        return Reply({"error": "Invalid cursor", "message": f"unknown cursor {cursor}"}, status=400)
    return Reply(OA_PAGES[cursors.index(cursor)])


def govuk_search_handler(query: Query) -> Reply:
    start, count = int(query.get("start", ["0"])[0]), int(query.get("count", ["10"])[0])
    return Reply({**GOV_SEARCH, "start": start, "results": GOV_SEARCH["results"][start : start + count]})


CONTENT = {
    GOV_LINKS[0]: "featured_pdf",
    GOV_LINKS[1]: "legacy_research",
    GOV_LINKS[2]: "legacy_policy_html",
    GOV_LINKS[3]: "withdrawn",
}


def serve(server: ReplayServer) -> None:
    """Routes for both services: OpenAlex under /oa, GOV.UK under /gov (mirrors with a prefix)."""
    server.route(f"{OA}/works", openalex_handler)
    server.route(f"{GOV}/api/search.json", govuk_search_handler)
    for link, name in CONTENT.items():
        server.route(f"{GOV}/api/content{link}", Reply(load(f"govuk/content_{name}.json")))
    collection = load("govuk/content_collection.json")
    server.route(f"{GOV}/api/content{collection['base_path']}", Reply(collection))
    redirect = {"Location": f"{server.url}{GOV}/api/content{collection['base_path']}"}
    server.route(f"{GOV}/api/content{GOV_LINKS[4]}", Reply({}, status=303, headers=redirect))
    server.route(f"{GOV}/api/content{GOV_LINKS[5]}", Reply({"error": "gone"}, status=410))
    server.route(f"{GOV}/api/content{GOV_LINKS[6]}", Reply({"error": "not found"}, status=404))


def replay_env(monkeypatch: pytest.MonkeyPatch, review_dir: Path) -> Iterator[ReplayServer]:
    """A replay server for both services, the env pointing at it, fast retries, the test protocol.

    The CLI reads the env once (`review.settings.from_env`); library calls get it from `harvest_source`.

    Test modules wrap this in their own `replay` fixture (`yield from replay_env(...)`).
    """
    server = ReplayServer()
    serve(server)
    server.start()
    monkeypatch.setenv("REVIEW_OPENALEX_URL", server.url + OA)
    monkeypatch.setenv("REVIEW_GOVUK_URL", server.url + GOV + "/")
    monkeypatch.setattr(api, "DEFAULT_CLIENT", FAST)
    write_protocol(review_dir)
    yield server
    server.stop()


def sessions_for(engine: Engine) -> Callable[[], AbstractContextManager[Session]]:
    return lambda: session_scope(engine)


def counts(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return {
            "records": s.exec(select(func.count()).select_from(Record)).one(),
            "hits": s.exec(select(func.count()).select_from(RecordHit)).one(),
            "runs": s.exec(select(func.count()).select_from(SearchRun)).one(),
        }


def runs(engine: Engine) -> list[SearchRun]:
    with session_scope(engine) as s:
        return list(s.exec(select(SearchRun).order_by(col(SearchRun.id))))


def records_of(engine: Engine, source: str) -> dict[str, Record]:
    """The stored records of one source, by their source ID."""
    with session_scope(engine) as s:
        return {r.source_id: r for r in s.exec(select(Record).where(Record.source == source))}


def harvest_source(review_dir: Path, engine: Engine, source: str, **kw: Any) -> Any:
    """Run the search stage for one source against the review folder's protocol."""
    from review import search
    from review.protocol import load_protocol
    from review.settings import from_env

    protocol = load_protocol(review_dir)
    settings = from_env(os.environ, protocol)  # the test is the edge: the env `replay_env` set
    return search.run(sessions_for(engine), protocol, review_dir, settings=settings, source=source, **kw)
