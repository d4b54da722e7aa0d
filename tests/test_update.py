"""`review update` and `review version` end to end over the demo's replay server (held-back recordings).

The first harvest gets OpenAlex page 1 (40 works) and GOV.UK results 5-29 (25 documents); after v1 is
closed the server answers update windows with OpenAlex page 2 (32 works, new) and GOV.UK results 0-5
(5 new documents and result 5 again, as one updated since): review.demo.replay.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from review import versions
from review.db import session_scope
from review.demo import _story
from review.demo.replay import GOVUK, GOVUK_HELD, OPENALEX, ReplayServer
from review.models import Assignment, Record, ReviewVersion, ScreeningDecision, SearchRun
from review.protocol import load_protocol
from review.report import update
from review.screen import rank, stopping
from review.search import api
from review.settings import Settings
from review.states import Stage
from tests.conftest import ReviewRunner
from tests.search_helpers import FAST

LEAD = "demo-adjudicator"
HELD_OA = 32  # openalex_page2.json
HELD_GOV = GOVUK_HELD + 1  # five new documents and one found again


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch, review_dir: Path) -> Iterator[ReplayServer]:
    text = resources.files("review.data").joinpath("demo", "protocol.toml").read_text(encoding="utf-8")
    (review_dir / "protocol" / "protocol.toml").write_text(text, encoding="utf-8")
    with ReplayServer(held_back=True) as found:
        monkeypatch.setenv("REVIEW_OPENALEX_URL", found.url + OPENALEX)
        monkeypatch.setenv("REVIEW_GOVUK_URL", found.url + GOVUK)
        monkeypatch.setattr(api, "DEFAULT_CLIENT", FAST)
        yield found


def _first_version(server: ReplayServer, review_dir: Path, engine: Engine, run: ReviewRunner) -> None:
    """Harvest, dedupe, screen, adjudicate, full text, extract and report, then close v1."""
    protocol = load_protocol(review_dir)
    settings = Settings(openalex_url=server.url + OPENALEX, govuk_url=server.url + GOVUK)
    for _line in _story(engine, protocol, review_dir, settings):
        pass
    closed = run("version", "close", "v1", "--reviewer", LEAD, "--note", "first report")
    assert closed.exit_code == 0, closed.output
    assert "Closed version v1" in closed.output


def _window_requests(server: ReplayServer, path: str, key: str) -> list[str]:
    return [q[key][0] for p, q in server.recordings.queries if p == path and key in q]


def test_update_fetches_only_the_new_window_and_queues_only_new_works(
    server: ReplayServer, review_dir: Path, engine: Engine, run: ReviewRunner
) -> None:
    _first_version(server, review_dir, engine, run)
    with session_scope(engine) as s:
        v1 = versions.latest(s)
        assert v1 is not None
        first_runs = {r.id: r.started_at.date() for r in s.exec(select(SearchRun))}
        old_records = s.exec(select(func.count()).select_from(Record)).one()
        old_assigned = s.exec(select(func.max(Assignment.id))).one()
        decisions_before = s.exec(select(func.count()).select_from(ScreeningDecision)).one()
    assert (review_dir / "extracted" / "v1" / "prisma.svg").exists()
    assert v1.counts is not None and v1.counts["included"] == len(v1.includes or []) > 0
    server.recordings.release()
    asked = len(server.recordings.queries)

    dry = run("update", "--dry-run")
    assert dry.exit_code == 0, dry.output
    since = first_runs[1].isoformat()
    oa_line = (
        f"openalex/biodiversity-finance: from_created_date from {since} (after run 1): {HELD_OA} records"
    )
    gov_line = f"govuk/moj-statistics: public_timestamp from {since} (after run 2): {HELD_GOV} records"
    assert oa_line in dry.output and gov_line in dry.output
    assert "Nothing was fetched" in dry.output
    dry_queries = server.recordings.queries[asked:]
    # One cheap count per search: OpenAlex per-page=1, GOV.UK count=0; nothing stored.
    assert [q.get("per-page", q.get("count")) for _, q in dry_queries] == [["1"], ["0"]]
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(Record)).one() == old_records

    asked = len(server.recordings.queries)
    updated = run("update")
    assert updated.exit_code == 0, updated.output
    new_queries = server.recordings.queries[asked:]
    oa_filters = [q["filter"][0] for p, q in new_queries if p == f"{OPENALEX}/works"]
    gov_windows = [q["filter_public_timestamp"][0] for p, q in new_queries if p == f"{GOVUK}/api/search.json"]
    assert oa_filters and all(f.endswith(f",from_created_date:{since}") for f in oa_filters)
    assert gov_windows and all(w == f"from:{since},to:2026-12-31" for w in gov_windows)

    with session_scope(engine) as s:
        runs = list(s.exec(select(SearchRun).order_by(col(SearchRun.id))))
        assert [(r.id, r.status, r.retrieved) for r in runs] == [
            (1, "complete", 40), (2, "complete", 25), (3, "complete", HELD_OA), (4, "complete", HELD_GOV),
        ]  # fmt: skip
        assert [(r.filters or {})["update"]["after_run"] for r in runs[2:]] == [1, 2]
        assert all((r.filters or {})["update"]["since"] == since for r in runs[2:])
        records = s.exec(select(func.count()).select_from(Record)).one()
        assert records == old_records + HELD_OA + GOVUK_HELD  # the one found again is the same record
        u = update.compute(s, v1)
        new = versions.new_works(s, v1.closed_at)
        assert u.identified == HELD_OA + HELD_GOV
        assert u.found_again == 1
        assert u.new.databases.records == HELD_OA and u.new.other.records == HELD_GOV
        assert u.new_works == len(new) > 0
        assert u.new.databases.duplicates + u.new.other.duplicates == u.identified - u.new_works
        ruled = {w for w in new if w in set(stopping_ruled(s))}
        given = s.exec(
            select(Assignment.work_id, Assignment.purpose).where(
                col(Assignment.id) > old_assigned, Assignment.stage == Stage.TITLE_ABSTRACT
            )
        ).all()
        assert {w for w, _ in given} <= new  # only new works are queued
        assert sorted(p for _, p in given) == ["dual"] * 2 * (len(new) - len(ruled))
        again = _found_again(s, v1)
        assert again.work_id not in new  # linked to the earlier work and its decisions
        assert s.exec(select(func.count()).where(ScreeningDecision.work_id == again.work_id)).one() > 0
        assert s.exec(select(func.count()).select_from(ScreeningDecision)).one() == decisions_before
    assert "dedupe: ran" in updated.output and "assign: ran" in updated.output
    status = run("status")
    assert status.exit_code == 0, status.output
    closed = f"{versions.aware(v1.closed_at):%Y-%m-%d %H:%M}"
    assert f"Update since version v1 (closed {closed} UTC): 2 search runs, " in status.output
    assert f"{HELD_OA + GOVUK_HELD} new records, {u.new_works} new works" in status.output
    assert f"title/abstract: 0 included, {len(ruled)} excluded ({len(ruled)} by rules), 0 in conflict" in (
        status.output
    )


def stopping_ruled(s: Session) -> set[int]:
    from review.screen.rules import active_exclusions

    return set(active_exclusions(s, Stage.TITLE_ABSTRACT))


def _found_again(s: Session, v1: ReviewVersion) -> Record:
    """The GOV.UK record the update window served again (result GOVUK_HELD of the recording)."""
    hits = update._hit_by(s, [4])
    old = s.exec(select(Record).where(col(Record.id).in_(hits))).all()
    found = [r for r in old if versions.aware(r.created_at) <= versions.aware(v1.closed_at)]
    assert len(found) == 1
    return found[0]


def test_the_update_report_and_the_next_version(
    server: ReplayServer, review_dir: Path, engine: Engine, run: ReviewRunner
) -> None:
    _first_version(server, review_dir, engine, run)
    server.recordings.release()
    assert run("update").exit_code == 0
    with session_scope(engine) as s:
        v1 = versions.latest(s)
        assert v1 is not None
        work = next(iter(versions.open_scope(s) or set()))
        # The ranker is warm-started from v1's settled decisions, and stays blinded (dual screening).
        ranked = rank.rank(s, Stage.TITLE_ABSTRACT, [work], reviewer="demo-reviewer1")
        assert ranked.learned_from == "blinded" and ranked.positives > 0 and ranked.negatives > 0
        # The stopping estimate is per update: nothing of the update is screened yet.
        estimate = stopping.estimate(s, Stage.TITLE_ABSTRACT)
        assert estimate.screened == 0 and estimate.scope == "works first seen since version v1 closed"
        assert estimate.population == len(versions.open_scope(s) or set()) - len(stopping_ruled(s) & (
            versions.open_scope(s) or set()))  # fmt: skip
    reported = run("prisma")
    assert reported.exit_code == 0, reported.output
    out = review_dir / "extracted"
    rows = {r["data"]: r["n"] for r in csv.DictReader(io.StringIO((out / "prisma_update.csv").read_text()))}
    previous = (v1.counts or {})["included"]
    assert rows["previous_studies"] == str(previous)
    assert rows["database_results"] == str(HELD_OA)
    assert rows["website_results"] == str(HELD_GOV)
    assert rows["total_studies"] == str(previous + int(rows["new_studies"]))
    svg = (out / "prisma_update.svg").read_text()
    assert "Studies included in previous version of review" in svg
    assert f"Total studies included in review (n = {previous + int(rows['new_studies'])})" in svg
    methods = (out / "methods_update.md").read_text()
    assert f"version v1 of the review, closed on {v1.closed_at:%-d %B %Y} with {previous} studies" in methods
    assert "filter from_created_date" in methods and "filter public_timestamp" in methods
    assert "1 of them" in methods or "found again" in methods
    appendix = (out / "search_appendix.md").read_text()
    assert "- Update of search 1: only what is new since" in appendix
    closed = run("version", "close", "v2", "--reviewer", LEAD)
    assert closed.exit_code == 0, closed.output
    assert (out / "v2" / "prisma_update.csv").exists()
    listed = run("version", "list")
    assert listed.exit_code == 0
    assert listed.output.startswith("v1  closed") and "\nv2  closed" in listed.output
    with session_scope(engine) as s:
        v2 = versions.latest(s)
        assert v2 is not None and v2.counts is not None
        assert v2.counts["update"]["previous_studies"] == previous
        assert v2.counts["included"] == len(v2.includes or [])


def test_update_needs_a_closed_version_and_names_must_be_new(
    server: ReplayServer, review_dir: Path, engine: Engine, run: ReviewRunner
) -> None:
    refused = run("update")
    assert refused.exit_code == 1 and "review version close NAME" in refused.output
    assert run("version", "list").output.startswith("No version closed yet")
    bad = run("version", "close", "../x", "--reviewer", LEAD)
    assert bad.exit_code == 1 and "cannot name a folder" in bad.output
    assert run("version", "close", "v1", "--reviewer", "nobody").exit_code == 1
    assert run("version", "close", "v1", "--reviewer", LEAD).exit_code == 0
    again = run("version", "close", "v1", "--reviewer", LEAD)
    assert again.exit_code == 1 and "already closed" in again.output


def test_changed_asks_for_updated_works_and_a_failed_update_resumes(
    server: ReplayServer, review_dir: Path, engine: Engine, run: ReviewRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _first_version(server, review_dir, engine, run)
    server.recordings.release()
    dry = run("update", "--dry-run", "--changed", "--source", "openalex")
    assert dry.exit_code == 0 and "from_updated_date from" in dry.output
    assert "from_updated_date:" in server.recordings.queries[-1][1]["filter"][0]
    answer = server.recordings.answer
    broken = {"n": 0}

    def once_refused(path: str, query: dict[str, list[str]]) -> tuple[int, object]:
        if path == f"{GOVUK}/api/search.json" and not broken["n"]:
            broken["n"] += 1
            return 422, {"error": "Unprocessable", "message": "simulated refusal"}
        return answer(path, query)

    monkeypatch.setattr(server.recordings, "answer", once_refused)
    failed = run("update")
    assert failed.exit_code == 1 and "simulated refusal" in failed.output
    with session_scope(engine) as s:
        statuses = [(r.source, r.status) for r in s.exec(select(SearchRun).order_by(col(SearchRun.id)))]
    assert statuses[2:] == [("openalex", "complete"), ("govuk", "failed")]
    resumed = run("update")
    assert resumed.exit_code == 0, resumed.output
    assert "govuk/moj-statistics: complete (resumed)" in resumed.output
    # each search's next window starts from its latest complete run (OpenAlex ran again: run 5)
    assert "(after run 5)" in run("update", "--dry-run", "--source", "openalex").output
    skipped = run("run", "--stages", "search")
    assert "all 2 searches already complete" in skipped.output


@pytest.mark.slow
def test_demo_update_shows_an_update_whose_numbers_are_the_stores(run: ReviewRunner, tmp_path: Path) -> None:
    import re

    from review.db import make_engine

    folder = tmp_path / "demo"
    result = run("demo", "--update", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Version v1 closed" in out and "version v2 closed" in out
    assert re.search(r"from_created_date from \S+ \(after run 1\): 32 records", out)
    found = re.search(r"the update identified (\d+) records \((\d+) found again", out)
    assert found and (int(found.group(1)), int(found.group(2))) == (HELD_OA + HELD_GOV, 1)
    assert "(0 earlier works queued again)" in out
    assert (folder / "extracted" / "v2" / "prisma_update.svg").exists()
    engine = make_engine(str(folder / "review.db"))
    try:
        with session_scope(engine) as s:
            v1, v2 = versions.listing(s)
            u = update.compute(s, v1, until=v2.closed_at)
            assert re.search(rf"{u.new_works} new works, {u.new.included} new studies included", out)
            assert (v2.counts or {})["included"] == u.total_studies
    finally:
        engine.dispose()
