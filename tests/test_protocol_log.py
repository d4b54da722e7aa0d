"""Changes of the screening protocol after screening started: logged once, shown by status and methods."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, select

from review import protocol_log
from review.agreement import pilot_batches
from review.db import session_scope
from review.models import StageRun
from review.screen import assign
from tests.conftest import ReviewRunner
from tests.factories import decide
from tests.screen_helpers import edit_protocol, kept_works, protocol_at, with_design

TA = "title_abstract"
TEAM = ("reviewer1", "reviewer2")
STATISTIC = "screening.title_abstract.agreement_statistic: kappa → ac1"


def _logged(session: Session) -> list[StageRun]:
    return list(session.exec(select(StageRun).where(StageRun.stage == protocol_log.LOG)))


def test_nothing_is_logged_before_screening_starts(session: Session, review_dir: Path) -> None:
    kept_works(session, 2)
    changed = with_design(protocol_at(review_dir), TA, agreement_statistic="ac1")
    assert protocol_log.track(session, changed) is None
    assert protocol_log.pending(session, changed) == () and _logged(session) == []


def test_a_change_after_screening_started_is_logged_once_with_what_changed(
    session: Session, review_dir: Path
) -> None:
    protocol = with_design(protocol_at(review_dir), TA, pilot_size=4)
    kept_works(session, 10)
    assign.run(session, protocol, TA, TEAM)  # screening starts: the settings in force are logged
    assert [r.counts and r.counts["event"] for r in _logged(session)] == ["start"]
    changed = with_design(protocol, TA, agreement_statistic="ac1")
    assert protocol_log.pending(session, changed) == (STATISTIC,)
    change = protocol_log.track(session, changed)
    assert change is not None and change.changes == (STATISTIC,)
    assert change.when() == "after 1 pilot batch at title/abstract"
    assert protocol_log.track(session, changed) is None and protocol_log.pending(session, changed) == ()
    assert [c.changes for c in protocol_log.history(session)] == [(STATISTIC,)]


def test_settings_screening_does_not_depend_on_are_not_a_change(session: Session, review_dir: Path) -> None:
    protocol = protocol_at(review_dir)
    kept_works(session, 4)
    assign.run(session, protocol, TA, TEAM)
    other = protocol.model_copy(update={"queries": {"mine": "SELECT 1"}, "sha256": "another file"})
    assert other.screening_hash() == protocol.screening_hash()
    assert protocol_log.track(session, other) is None


def test_diff_names_criteria_by_code_and_list_items() -> None:
    old = {"criteria": {"exclude": [{"code": "E1", "text": "old"}]}, "rules": {"setting": None},
           "terms": ["x", "y"]}  # fmt: skip
    new = {
        "criteria": {"exclude": [{"code": "E1", "text": "new"}, {"code": "E2", "text": "more"}]},
        "rules": {"setting": {"countries": ["GB"], "reason": "E1"}},
        "terms": ["y", "z"],
    }
    assert protocol_log.diff(old, new) == [
        "criteria.exclude.E1: old → new",
        "criteria.exclude.E2 added (more)",
        "rules.setting.countries added (GB)",
        "rules.setting.reason added (E1)",
        "terms: added z; removed x",
    ]


def _screen_latest(engine: Engine, first: list[str], second: list[str]) -> None:
    with session_scope(engine) as session:
        batch = pilot_batches(session, TA, 4)[-1]
        for reviewer, decisions in zip(TEAM, (first, second), strict=True):
            for work, d in zip(batch.works, decisions, strict=True):
                decide(session, work, reviewer, d, "E-TOPIC" if d == "exclude" else None)


def _ok(run: ReviewRunner, *args: str) -> str:
    result = run(*args)
    assert result.exit_code == 0, (args, result.output, result.stderr)
    return result.stdout


def test_a_mid_review_change_of_statistic_shows_in_status_and_methods(
    run: ReviewRunner, engine: Engine, review_dir: Path
) -> None:
    edit_protocol(review_dir, "pilot_size = 50", "pilot_size = 4")
    with session_scope(engine) as session:
        kept_works(session, 12)
    _ok(run, "screen", "assign", "--reviewers", ",".join(TEAM))
    _screen_latest(engine, ["include", "exclude"] * 2, ["exclude", "include"] * 2)
    assert "Pilot batch 2" in _ok(run, "screen", "assign")
    edit_protocol(review_dir, 'agreement_statistic = "kappa"', 'agreement_statistic = "ac1"')
    status = _ok(run, "status")
    assert "changed since the last screening run" in status and STATISTIC in status
    assert "not finished" in _ok(run, "screen", "assign")  # logs the change; batch 2 still waits
    agreed = ["include", "include", "exclude", "exclude"]
    _screen_latest(engine, agreed, agreed)
    assert "Pilot passed: ac1 = 1.00 on 4 pilot records (batch 2" in _ok(run, "screen", "assign")
    status = _ok(run, "status")
    assert "Screening protocol changed after screening started" in status
    assert "after 2 pilot batches and 8 decisions at title/abstract:" in status and STATISTIC in status
    assert "changed since the last screening run" not in status
    _ok(run, "prisma")
    methods = (review_dir / "extracted" / "methods.md").read_text(encoding="utf-8")
    assert "The screening protocol changed after screening began: on " in methods
    assert f"(after 2 pilot batches and 8 decisions at title/abstract): {STATISTIC}." in methods
    assert "batch 1 (4 records; reviewer1 and reviewer2): Cohen's kappa -1.00 < 0.60, not passed;" in methods
    assert "batch 2 (4 records; reviewer1 and reviewer2): Gwet's AC1 1.00 ≥ 0.60, passed." in methods
