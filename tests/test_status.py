"""`review status` gives the right next step in every state of a review."""

from __future__ import annotations

from sqlalchemy import Engine, update

from review.db import session_scope, utcnow
from review.models import ExtractionValue, Record, ReviewVersion, SearchRun
from tests.conftest import ReviewRunner
from tests.factories import add_works, assign, decide


def _next(run: ReviewRunner) -> str:
    result = run("status")
    assert result.exit_code == 0, result.output
    return result.stdout.split("Next:")[1]


def test_new_review_says_search(run: ReviewRunner) -> None:
    assert "review search --dry-run" in _next(run)


def test_harvested_says_dedupe_then_assign(run: ReviewRunner, engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(
            SearchRun(
                source="openalex",
                search_name="s",
                started_at=utcnow(),
                tool_version="t",
                status="budget_exhausted",
            )
        )
        session.add(
            Record(source="openalex", source_id="W1", title="t", created_at=utcnow(), updated_at=utcnow())
        )
    text = _next(run)
    assert "review search   (resumes openalex" in text
    assert "review dedupe   (1 record not yet deduplicated)" in text
    with session_scope(engine) as session:
        add_works(session, [{"title": "a"}])
        session.exec(update(Record).values(work_id=1))
    assert "review screen assign --stage title-abstract" in _next(run)


def test_an_interrupted_update_says_update_not_search(run: ReviewRunner, engine: Engine) -> None:
    with session_scope(engine) as session:
        for status, filters in (("complete", None), ("interrupted", {"update": {"since": "2026-11-01"}})):
            session.add(
                SearchRun(
                    source="openalex",
                    search_name="s",
                    started_at=utcnow(),
                    tool_version="t",
                    status=status,
                    filters=filters,
                )
            )
    text = _next(run)
    assert "review update   (resumes openalex: its last run is interrupted)" in text
    assert "review search   (resumes" not in text


def test_mid_screening_conflicts_and_extraction(run: ReviewRunner, engine: Engine) -> None:
    with session_scope(engine) as session:
        session.add(
            SearchRun(
                source="openalex", search_name="s", started_at=utcnow(), tool_version="t", status="complete"
            )
        )
        works = add_works(session, [{"title": f"w{i}"} for i in range(4)], source="openalex")
        for w in works:
            assign(session, w)
        decide(session, works[0], "reviewer1", "include")
        decide(session, works[0], "reviewer2", "exclude", "E-TOPIC")
    text = _next(run)
    assert "review screen --reviewer reviewer1 --stage title-abstract   (3 to screen)" in text
    assert "review conflicts resolve --reviewer adjudicator --stage title-abstract   (1 conflicts)" in text
    with session_scope(engine) as session:
        for w in works[1:]:
            decide(session, w, "reviewer1", "include")
            decide(session, w, "reviewer2", "include")
        decide(session, works[0], "adjudicator", "exclude", "E-TOPIC", role="adjudicator")
    text = _next(run)
    assert "conflicts resolve" not in text
    assert "review screen --reviewer" not in text.split("full-text")[0]
    assert "review fulltext fetch   (3 included records have no full text yet)" in text
    with session_scope(engine) as session:
        for w in works[1:]:
            decide(session, w, "reviewer1", "include", stage="full_text")
    assert f"review extract {works[1]} --reviewer reviewer1   (3 included studies to extract)" in _next(run)
    with session_scope(engine) as session:
        for w in works[1:]:
            session.add(
                ExtractionValue(
                    work_id=w, reviewer="reviewer1", field="study.title", value="x", created_at=utcnow()
                )
            )
    text = _next(run)
    assert "review extract" not in text


def test_after_a_closed_version_only_the_updates_works_wait_for_assign(
    run: ReviewRunner, engine: Engine
) -> None:
    # Works of the closed version that nobody screened (a stopping rule) are never given out again
    # (review.screen.assign), so they are not "in nobody's queue" for the update.
    with session_scope(engine) as session:
        add_works(session, [{"title": f"old {i}"} for i in range(3)])
        session.add(
            ReviewVersion(name="v1", closed_at=utcnow(), closed_by="r", tool_version="t", out_dir="x")
        )
    with session_scope(engine) as session:
        first, _ = add_works(session, [{"title": "new 1"}, {"title": "new 2"}], source="update")
        assign(session, first)
    assert "review screen assign --stage title-abstract   (1 works in nobody's queue)" in _next(run)
