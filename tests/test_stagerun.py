"""Stage bookkeeping: every run leaves a `stage_run` row, a failed one with its error, while the
failed stage's own writes roll back (SQLite and PostgreSQL)."""

from __future__ import annotations

from contextlib import AbstractContextManager

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from review import dedupe
from review.db import session_scope, utcnow
from review.models import Record, StageRun, Work
from review.stagerun import batched_stage_run, stage_run
from tests.dedupe_helpers import add_records


class StageBrokeError(RuntimeError):
    pass


def _runs(engine: Engine, stage: str) -> list[StageRun]:
    with session_scope(engine) as s:
        return list(s.exec(select(StageRun).where(StageRun.stage == stage).order_by(col(StageRun.id))))


def _works(engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.exec(select(func.count()).select_from(Work)).one())


def _two_records(engine: Engine) -> None:
    with session_scope(engine) as s:
        add_records(
            s, [{"title": "Family hubs in England", "year": 2021}, {"title": "Sure Start", "year": 2019}]
        )


def test_a_run_records_its_counts_and_completes(engine: Engine) -> None:
    _two_records(engine)
    with session_scope(engine) as s:
        result = dedupe.run(s, protocol_hash="abc")
    [run] = _runs(engine, "dedupe")
    assert (run.id, run.status, run.protocol_hash, run.error) == (result.run_id, "complete", "abc", None)
    assert run.finished_at is not None and (run.counts or {})["records_examined"] == 2


def test_a_failing_stage_leaves_a_failed_run_and_none_of_its_writes(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _two_records(engine)

    def broken(session: Session) -> None:
        raise StageBrokeError("disk on fire")

    monkeypatch.setattr("review.dedupe.stage._compared_again", broken)  # after the works are written
    with pytest.raises(StageBrokeError), session_scope(engine) as s:
        dedupe.run(s)
    [run] = _runs(engine, "dedupe")
    assert (run.status, run.error, run.counts) == ("failed", "StageBrokeError: disk on fire", None)
    assert run.finished_at is not None
    assert _works(engine) == 0
    with session_scope(engine) as s:
        assert {r.work_id for r in s.exec(select(Record))} == {None}
    monkeypatch.undo()
    with session_scope(engine) as s:  # the stage runs again from where it was
        assert dedupe.run(s).works == 2
    assert [r.status for r in _runs(engine, "dedupe")] == ["failed", "complete"]


def test_a_caller_that_catches_the_failure_keeps_the_row_not_the_work(engine: Engine) -> None:
    _two_records(engine)
    with session_scope(engine) as s:
        try:
            with stage_run(s, "trial"):
                s.add(Work(created_at=utcnow(), updated_at=utcnow()))
                s.flush()
                raise StageBrokeError("half done")
        except StageBrokeError:
            pass
    [run] = _runs(engine, "trial")
    assert (run.status, run.error) == ("failed", "StageBrokeError: half done")
    assert _works(engine) == 0


def test_a_batched_stage_keeps_its_committed_batches_and_records_the_failure(engine: Engine) -> None:
    def sessions() -> AbstractContextManager[Session]:
        return session_scope(engine)

    with pytest.raises(StageBrokeError), batched_stage_run(sessions, "batched", counts={"works": 2}) as run:
        [started] = _runs(engine, "batched")
        assert started.status == "running"  # committed before the work: one left so was interrupted
        with session_scope(engine) as s:
            s.add(Work(created_at=utcnow(), updated_at=utcnow()))
        run.counts = {"done": 1}
        raise StageBrokeError("second batch")
    [ended] = _runs(engine, "batched")
    assert (ended.status, ended.error, ended.counts) == (
        "failed",
        "StageBrokeError: second batch",
        {"done": 1},
    )
    assert _works(engine) == 1


def test_the_store_refuses_an_unknown_run_status(engine: Engine) -> None:
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(StageRun(stage="x", started_at=utcnow(), status="stuck", tool_version="0"))
