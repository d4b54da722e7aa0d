"""`review log RECORD`: a work's whole history, in time order."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from review import audit
from review.db import session_scope, utcnow
from review.errors import InputError
from review.models import DedupePair, Document, ExtractionValue, Record, RecordHit, RuleResult, SearchRun
from tests.conflicts_helpers import ADJ, A, B, assign, decide
from tests.factories import add_works


def _history(session: Session) -> int:
    """A work found by two searches, merged from two records, screened, disputed and resolved."""
    start = utcnow() - timedelta(days=3)
    (work,) = add_works(session, [{"title": "Sure Start local programmes: impact"}])
    (first,) = session.exec(select(Record).where(Record.work_id == work))
    second = Record(
        source="govuk",
        source_id="/government/publications/sslp",
        title="SSLP impact",
        work_id=work,
        created_at=start,
        updated_at=start,
    )
    runs = [
        SearchRun(source=s, search_name=n, started_at=start, tool_version="0.1")
        for s, n in (("openalex", "sure-start"), ("govuk", "sure-start-govuk"))
    ]
    session.add_all([second, *runs])
    session.flush()
    assert first.id and second.id and runs[0].id and runs[1].id
    session.add_all(
        [
            RecordHit(record_id=first.id, search_run_id=runs[0].id, rank=3),
            RecordHit(record_id=second.id, search_run_id=runs[1].id, rank=1),
            DedupePair(
                record_a=first.id,
                record_b=second.id,
                rule="fuzzy_title+year",
                scores={"title": 0.93},
                band="review",
                decision="merge",
                decided_by=A,
                decided_at=utcnow(),
                created_at=start,
            ),
            RuleResult(
                work_id=work,
                stage="full_text",
                rule="setting",
                reason_code="E-SETTING",
                active=False,
                created_at=utcnow(),
            ),
        ]
    )
    assign(session, work)
    decide(session, work, A, "include")
    decide(session, work, B, "exclude", "E-TOPIC", note="school-age")
    decide(session, work, ADJ, "include", role="adjudicator", note="under-fives are central")
    session.add_all(
        [
            Document(
                work_id=work,
                origin="govuk_attachment",
                url="https://example.org/r.pdf",
                status="unreadable",
                reason="scanned, no text",
                fetched_at=utcnow(),
            ),
            ExtractionValue(
                work_id=work,
                reviewer=A,
                field="study.design",
                value="quasi-experimental",
                page_no=4,
                created_at=utcnow() + timedelta(seconds=1),
            ),
        ]
    )
    session.flush()
    return work


def test_log_holds_the_whole_history_in_time_order(session: Session) -> None:
    work = _history(session)
    log = audit.run(session, work)
    kinds = [e.kind for e in log.events]
    assert set(kinds[:4]) == {"record", "search", "dedupe"}  # harvested and matched three days earlier
    summaries = [e.summary for e in log.events]
    assert any("found by openalex search 'sure-start'" in s for s in summaries)
    assert any("found by govuk search 'sure-start-govuk'" in s for s in summaries)
    assert any(
        "(test test-0) and record" in s
        and "(govuk /government/publications/sslp) matched by fuzzy_title+year" in s
        for s in summaries
    )
    assert any(e.kind == "dedupe" and e.who == A and "merge" in e.summary for e in log.events)
    assert any("excluded by rule setting (E-SETTING) (no longer active)" in s for s in summaries)
    order = [k for k in kinds if k in ("decision", "conflict", "resolution", "document", "extraction")]
    assert order == ["decision", "decision", "conflict", "resolution", "document", "extraction"]
    conflict = next(e for e in log.events if e.kind == "conflict")
    assert conflict.summary == "title-abstract: conflict (reviewer1: include, reviewer2: exclude E-TOPIC)"
    resolution = next(e for e in log.events if e.kind == "resolution")
    assert resolution.who == ADJ and resolution.detail["note"] == "under-fives are central"
    times = [e.at for e in log.events if e.at]
    assert times == sorted(times)


def test_change_of_mind_clears_the_conflict(session: Session) -> None:
    (work,) = add_works(session, [{"title": "t"}])
    decide(session, work, A, "include")
    decide(session, work, B, "exclude", "E-TOPIC")
    decide(session, work, B, "retracted")
    decide(session, work, B, "include")
    log = audit.run(session, work)
    conflicts = [e.summary for e in log.events if e.kind == "conflict"]
    assert conflicts == [
        "title-abstract: conflict (reviewer1: include, reviewer2: exclude E-TOPIC)",
        "title-abstract: screeners now agree",
    ]


def test_unknown_record_is_a_clear_error(session: Session) -> None:
    with pytest.raises(InputError, match="No work 404: `review log` takes a work ID"):
        audit.run(session, 404)


def test_log_command_text_and_json(run, engine: Engine) -> None:
    with session_scope(engine) as session:
        work = _history(session)
    text = run("log", str(work))
    assert text.exit_code == 0, text.output
    assert text.output.startswith(f"Work {work}: Sure Start local programmes: impact")
    assert "adjudicator (adjudicated) include - under-fives are central" in text.output
    events = json.loads(run("log", str(work), "--json").output)
    assert {e["kind"] for e in events} >= {
        "record",
        "search",
        "dedupe",
        "rule",
        "decision",
        "conflict",
        "resolution",
        "document",
        "extraction",
        "assignment",
    }
    assert all(e["at"] is None or e["at"].endswith("+00:00") for e in events)
    missing = run("log", "404")
    assert missing.exit_code == 1 and "No work 404" in missing.stderr
