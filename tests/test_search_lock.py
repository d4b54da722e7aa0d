"""Two harvests of one search never run at once; a dead harvester's run is resumed."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from review.db import session_scope, utcnow
from review.errors import SearchError
from review.models import SearchRun
from review.search.harvest import holder_alive
from tests.conftest import ReviewRunner
from tests.replay import ReplayServer, Reply
from tests.search_helpers import FAST, OA, OA_PAGES, counts, harvest_source, replay_env, runs


@pytest.fixture
def replay(monkeypatch: pytest.MonkeyPatch, review_dir: Path) -> Iterator[ReplayServer]:
    yield from replay_env(monkeypatch, review_dir)


def _stopped_after_one_page(
    replay: ReplayServer, review_dir: Path, engine: Engine, holder: str, ago: float
) -> None:
    """A run left `running` mid-harvest, held by `holder` whose last page was `ago` minutes ago."""
    second_page = {"cursor": OA_PAGES[0]["meta"]["next_cursor"]}
    down = Reply({"error": "busy", "message": "try later"}, status=503)
    replay.fault(f"{OA}/works", down, times=FAST.tries, when=second_page)
    with pytest.raises(SearchError):
        harvest_source(review_dir, engine, "openalex")
    with session_scope(engine) as session:
        session.exec(
            update(SearchRun).values(
                status="running", holder=holder, heartbeat_at=utcnow() - timedelta(minutes=ago)
            )
        )


def test_a_second_harvest_of_a_running_search_is_refused(
    replay: ReplayServer, review_dir: Path, engine: Engine, run: ReviewRunner
) -> None:
    _stopped_after_one_page(replay, review_dir, engine, f"{socket.gethostname()} {os.getpid()}", 0)
    before = counts(engine)
    result = run("search", "--source", "openalex")
    assert result.exit_code == 1
    assert "is being harvested by another process" in result.stderr and "wait for it" in result.stderr
    assert counts(engine) == before and [r.status for r in runs(engine)] == ["running"]


@pytest.mark.parametrize(
    ("holder", "ago", "resumes"),
    [
        ("otherhost 4242", 1, False),  # another machine, storing pages a minute ago: still at work
        ("otherhost 4242", 20, True),  # another machine, silent for 20 minutes: gone
        (f"{socket.gethostname()} 999999999", 0, True),  # this machine, no such process: killed
    ],
)
def test_a_dead_harvester_is_resumed_a_live_one_is_not(
    replay: ReplayServer, review_dir: Path, engine: Engine, holder: str, ago: float, resumes: bool
) -> None:
    _stopped_after_one_page(replay, review_dir, engine, holder, ago)
    (stopped,) = runs(engine)
    assert holder_alive(stopped) is not resumes
    if not resumes:
        return
    result = harvest_source(review_dir, engine, "openalex")
    assert result.runs[0].resumed and result.runs[0].status == "complete"
    (done,) = runs(engine)
    assert done.holder is None and counts(engine)["runs"] == 1
