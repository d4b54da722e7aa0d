"""Kept counts (review.tally): what `review status` shows must equal a recount of the store."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, insert, text, update
from sqlmodel import Session, col, select

from review import tally
from review.db import init_db, make_engine, schema_version, session_scope, utcnow
from review.decisions import final_decisions, given
from review.models import SCHEMA_VERSION, Assignment, RuleResult, ScreeningDecision, Tally, Work
from review.screen import decide, queue
from review.screen.rules import active_exclusions
from tests.conftest import ReviewRunner
from tests.dedupe_helpers import add_records
from tests.factories import add_works, assign
from tests.factories import decide as add_decision
from tests.screen_helpers import protocol_at

TA = "title_abstract"


def test_triggers_count_works_records_and_queues_whoever_writes_them(session: Session) -> None:
    add_records(session, [{"title": "a"}, {"title": "b"}], source="openalex")
    add_records(session, [{"title": "a", "source_id": "openalex-0"}], source="openalex")  # an update
    works = add_works(session, [{"title": "c"}], source="govuk")
    assign(session, works[0], ["reviewer1"], purpose="single")
    kept = tally.read(session)
    assert kept["records|openalex"] == 2 and kept["records|govuk"] == 1
    assert kept["works"] == 1 and kept["assigned|title_abstract|reviewer1|single"] == 1
    with tally.counting(session):  # the triggers count queues; what a work in one adds is kept in step
        session.execute(delete(Assignment))
    session.execute(text("DELETE FROM record WHERE source = 'govuk'"))
    kept = tally.read(session)
    assert "assigned|title_abstract|reviewer1|single" not in kept and "records|govuk" not in kept


def test_decide_undo_and_rule_check_move_the_counts(session: Session, review_dir: Path) -> None:
    protocol = protocol_at(review_dir)
    works = add_works(session, [{"title": f"w{i}"} for i in range(3)])
    for w in works:
        assign(session, w, ["reviewer1"], purpose="single")
    decide.record(session, protocol, work_id=works[0], stage="title_abstract", reviewer="reviewer1",
                  decision="include")  # fmt: skip
    decide.record(session, protocol, work_id=works[1], stage="title_abstract", reviewer="reviewer1",
                  decision="exclude", reason_code="E-TOPIC")  # fmt: skip
    c = queue.counts(session, "reviewer1", "title_abstract")
    assert (c.assigned, c.done, c.included) == (3, 2, 1)
    assert tally.read(session)["final|full_text|pending"] == 1
    decide.undo(session, "reviewer1", "title_abstract")
    c = queue.counts(session, "reviewer1", "title_abstract")
    assert (c.assigned, c.done, c.included) == (3, 1, 1)
    assert "final|title_abstract|exclude" not in tally.read(session)
    assert tally.verify(session) == {}


def test_two_reviewers_on_one_work_count_once_and_agree_or_conflict(session: Session) -> None:
    (w,) = add_works(session, [{"title": "w"}])
    assign(session, w)
    add_decision(session, w, "reviewer1", "include")
    assert tally.read(session)["final|title_abstract|pending"] == 1  # awaiting reviewer2
    add_decision(session, w, "reviewer2", "exclude", "E-TOPIC")
    kept = tally.read(session)
    assert kept["final|title_abstract|conflict"] == 1 and "final|title_abstract|pending" not in kept
    add_decision(session, w, "adjudicator", "include", role="adjudicator")
    kept = tally.read(session)
    assert kept["final|title_abstract|include"] == 1 and "final|title_abstract|conflict" not in kept


@pytest.mark.parametrize(("bulk", "batch"), [(3, 1000), (1000, 2)])
def test_a_large_refresh_agrees_whether_rebuilt_or_batched(
    session: Session, monkeypatch: pytest.MonkeyPatch, bulk: int, batch: int
) -> None:
    monkeypatch.setattr(tally, "BULK", bulk)
    monkeypatch.setattr(tally, "BATCH", batch)
    works = add_works(session, [{"title": f"w{i}"} for i in range(6)])
    for i, w in enumerate(works):  # written underneath the stages, as a bulk import would
        session.add(Assignment(work_id=w, stage="title_abstract", reviewer="reviewer1", purpose="single",
                               created_at=utcnow()))  # fmt: skip
        decision = "include" if i % 2 else "maybe"
        session.add(ScreeningDecision(work_id=w, stage="title_abstract", reviewer="reviewer1",
                                      decision=decision, created_at=utcnow()))  # fmt: skip
    session.flush()
    assert tally.verify(session)
    tally.refresh(session, works)
    kept = tally.read(session)
    assert kept["done|title_abstract|reviewer1"] == 6 and kept["included|title_abstract|reviewer1"] == 3
    assert kept["final|title_abstract|include"] == 6  # a maybe goes on to full text
    assert tally.verify(session) == {}


def test_status_check_reports_and_repairs_a_wrong_count(run: ReviewRunner, engine: Engine) -> None:
    with session_scope(engine) as session:
        works = add_works(session, [{"title": "a"}, {"title": "b"}])
        assign(session, works[0], ["reviewer1"], purpose="single")
        add_decision(session, works[0], "reviewer1", "include")
        session.execute(text("UPDATE tally SET n = 7 WHERE key = 'final|title_abstract|include'"))
    result = run("status", "--check")
    assert result.exit_code == 0, result.output
    assert "final|title_abstract|include: 7 -> 1" in result.stdout
    assert "Screening, title/abstract: 1 included" in result.stdout
    again = run("status", "--check")
    assert "every kept count matches" in again.stdout


def test_a_store_from_before_the_tallies_is_migrated_and_counted(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "old.db")
    init_db(engine)
    with session_scope(engine) as session:
        works = add_works(session, [{"title": "a"}, {"title": "b"}])
        assign(session, works[0], ["reviewer1"], purpose="single")
        add_decision(session, works[0], "reviewer1", "include")
    with engine.begin() as conn:  # make it a version 1 store: no tallies, no triggers
        for name in [
            r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'tally%'"))
        ]:
            kind = "TRIGGER" if name.endswith(("_insert", "_delete")) else "TABLE"
            conn.execute(text(f"DROP {kind} IF EXISTS {name}"))
        conn.execute(text("DROP INDEX ix_dedupe_pair_open"))
        conn.execute(text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
    init_db(engine)
    assert schema_version(engine) == SCHEMA_VERSION
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'ix_dedupe_pair_open'")).first()
    with session_scope(engine) as session:
        kept = tally.read(session)
        assert kept["works"] == 2 and kept["final|title_abstract|include"] == 1
        session.add(Work(title="c", created_at=utcnow(), updated_at=utcnow()))
        session.flush()
        assert tally.read(session)["works"] == 3  # the triggers are back
    engine.dispose()


def test_rebuild_resets_every_count(session: Session) -> None:
    works = add_works(session, [{"title": "a"}])
    add_decision(session, works[0], "reviewer1", "include")
    session.add(Tally(key="final|title_abstract|exclude", n=5))
    session.execute(text("UPDATE tally SET n = 40 WHERE key = 'works'"))
    session.flush()
    assert tally.verify(session)
    tally.rebuild(session)
    assert tally.verify(session) == {}


def _unassigned_recount(session: Session, stage: str) -> int:
    """What `review screen assign` would give out, counted the slow way from the store."""
    finals = final_decisions(session, stage)
    ruled = set(active_exclusions(session, stage))
    return sum(1 for w in finals if w not in given(session, stage) and w not in ruled)


def test_works_in_nobodys_queue_are_kept_at_both_stages(session: Session) -> None:
    works = add_works(session, [{"title": f"w{i}"} for i in range(6)])
    assert tally.unassigned(session, TA) == 6
    assign(session, works[0], ["reviewer1"], purpose="single")
    assign(session, works[1], ["reviewer1", "reviewer2"], purpose="dual")  # one work, two queues
    assign(session, works[2], ["reviewer2"], purpose="verify")  # checks a screening: not a screening
    with tally.counting(session):  # a rule takes works[3] out of scope for giving out
        session.add(RuleResult(work_id=works[3], stage=TA, rule="r", reason_code="E-DATE",
                               created_at=utcnow()))  # fmt: skip
    assert tally.unassigned(session, TA) == _unassigned_recount(session, TA) == 3
    add_decision(session, works[0], "reviewer1", "include")  # comes to full text, in nobody's queue there
    add_decision(session, works[4], "reviewer1", "include")  # decided without a queue: still to give out
    assert tally.unassigned(session, "full_text") == _unassigned_recount(session, "full_text") == 2
    assign(session, works[4], ["reviewer1"], purpose="single", stage="full_text")
    assert tally.unassigned(session, "full_text") == 1
    add_decision(session, works[4], "adjudicator", "exclude", "E-TOPIC", role="adjudicator")
    assert tally.unassigned(session, "full_text") == _unassigned_recount(session, "full_text") == 1
    kept = tally.read(session)
    assert tally.unassigned_from(kept, TA) == _unassigned_recount(session, TA) == 3


def test_counting_sees_every_kind_of_screening_write(session: Session) -> None:
    works = add_works(session, [{"title": f"w{i}"} for i in range(4)])
    now = utcnow()
    with tally.counting(session):
        rows = [dict(work_id=w, stage=TA, reviewer="reviewer1", purpose="single", created_at=now)
                for w in works]  # fmt: skip
        session.execute(insert(Assignment), rows)
        with tally.counting(session):  # an inner block leaves the counting to the outer one
            session.add(ScreeningDecision(work_id=works[0], stage=TA, reviewer="reviewer1",
                                          decision="include", created_at=now))  # fmt: skip
        session.execute(insert(RuleResult).values(work_id=works[1], stage=TA, rule="r",
                                                  reason_code="E-DATE", created_at=now))  # fmt: skip
    assert tally.verify(session) == {}
    assert tally.read(session)["done|title_abstract|reviewer1"] == 1
    with tally.counting(session):  # an update by its WHERE clause, and one by primary key
        session.execute(update(RuleResult).where(col(RuleResult.work_id) == works[1]).values(active=False))
    assert "ruled|title_abstract" not in tally.read(session) and tally.verify(session) == {}
    (rule_id,) = session.exec(select(RuleResult.id)).all()
    with tally.counting(session):
        session.execute(update(RuleResult), [{"id": rule_id, "active": True}])
    assert tally.read(session)["ruled|title_abstract"] == 1 and tally.verify(session) == {}
    with pytest.raises(RuntimeError), tally.counting(session):  # a failed write counts nothing
        session.execute(delete(Assignment).where(col(Assignment.work_id) == works[2]))
        raise RuntimeError
    assert tally.verify(session)  # the caller rolls back; here the delete stands uncounted
    tally.refresh(session, [works[2]])
    assert tally.verify(session) == {}
