"""Final decisions are derived from the decision log: agreement, conflicts, undo, rules, adjudication."""

from __future__ import annotations

from sqlmodel import Session

from review.db import utcnow
from review.decisions import counts, final_decisions, summary
from review.models import Assignment, RuleResult, ScreeningDecision
from tests.factories import add_works


def _decide(
    session: Session,
    work: int,
    reviewer: str,
    decision: str,
    reason: str | None = None,
    stage: str = "title_abstract",
    role: str = "screener",
) -> None:
    session.add(
        ScreeningDecision(
            work_id=work,
            stage=stage,
            reviewer=reviewer,
            role=role,
            decision=decision,
            reason_code=reason,
            created_at=utcnow(),
        )
    )
    session.flush()


def _assign(session: Session, work: int, reviewer: str, stage: str = "title_abstract") -> None:
    session.add(Assignment(work_id=work, stage=stage, reviewer=reviewer, purpose="dual", created_at=utcnow()))
    session.flush()


def test_agreement_conflict_pending_and_single(session: Session) -> None:
    w = add_works(session, [{"title": f"t{i}"} for i in range(5)])
    for work in w[:3]:
        _assign(session, work, "a")
        _assign(session, work, "b")
    _decide(session, w[0], "a", "include")
    _decide(session, w[0], "b", "maybe")  # maybe counts as include
    _decide(session, w[1], "a", "include")
    _decide(session, w[1], "b", "exclude", "E-TOPIC")
    _decide(session, w[2], "a", "exclude", "E-TOPIC")  # b has not decided yet
    _decide(session, w[3], "a", "exclude", "E-SETTING")  # single screening, no assignment
    finals = final_decisions(session, "title_abstract")
    assert [finals[x].status for x in w] == ["include", "conflict", "pending", "exclude", "pending"]
    assert finals[w[3]].reason_code == "E-SETTING"
    assert counts(finals)["pending"] == 2
    assert summary(session, "title_abstract") == counts(finals)
    assert len(final_decisions(session, "title_abstract", touched_only=True)) == 4


def test_undo_and_change_of_mind_use_latest_event(session: Session) -> None:
    (w,) = add_works(session, [{"title": "t"}])
    _decide(session, w, "a", "exclude", "E-TOPIC")
    _decide(session, w, "a", "retracted")
    assert final_decisions(session, "title_abstract")[w].status == "pending"
    _decide(session, w, "a", "include")
    assert final_decisions(session, "title_abstract")[w].status == "include"


def test_adjudication_beats_conflict_and_rules_are_automation(session: Session) -> None:
    w = add_works(session, [{"title": "t1"}, {"title": "t2"}])
    _decide(session, w[0], "a", "include")
    _decide(session, w[0], "b", "exclude", "E-TOPIC")
    _decide(session, w[0], "c", "exclude", "E-TOPIC", role="adjudicator")
    session.add(
        RuleResult(
            work_id=w[1], stage="title_abstract", rule="date_range", reason_code="E-DATE", created_at=utcnow()
        )
    )
    session.flush()
    finals = final_decisions(session, "title_abstract")
    assert (finals[w[0]].status, finals[w[0]].basis) == ("exclude", "adjudication")
    assert (finals[w[1]].status, finals[w[1]].basis, finals[w[1]].reason_code) == (
        "exclude",
        "automation",
        "E-DATE",
    )


def test_full_text_scope_and_reason_conflicts(session: Session) -> None:
    w = add_works(session, [{"title": "t1"}, {"title": "t2"}])
    _decide(session, w[0], "a", "include")
    _decide(session, w[1], "a", "exclude", "E-TOPIC")
    _decide(session, w[0], "a", "exclude", "E-TOPIC", stage="full_text")
    _decide(session, w[0], "b", "exclude", "E-SETTING", stage="full_text")
    finals = final_decisions(session, "full_text")
    assert list(finals) == [w[0]]
    assert finals[w[0]].status == "conflict"
