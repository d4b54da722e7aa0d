"""Final decisions are derived from the decision log: agreement, conflicts, undo, rules, adjudication."""

from __future__ import annotations

from sqlmodel import Session

from review import tally
from review.db import utcnow
from review.decisions import (
    blinded,
    counts,
    current_decisions,
    final_decisions,
    settled,
    standing_votes,
    summary,
)
from review.models import RuleResult
from tests.factories import add_works, assign, decide


def test_agreement_conflict_pending_and_single(session: Session) -> None:
    w = add_works(session, [{"title": f"t{i}"} for i in range(5)])
    for work in w[:3]:
        assign(session, work, ("a",))
        assign(session, work, ("b",))
    decide(session, w[0], "a", "include")
    decide(session, w[0], "b", "maybe")  # maybe counts as include
    decide(session, w[1], "a", "include")
    decide(session, w[1], "b", "exclude", "E-TOPIC")
    decide(session, w[2], "a", "exclude", "E-TOPIC")  # b has not decided yet
    decide(session, w[3], "a", "exclude", "E-SETTING")  # single screening, no assignment
    finals = final_decisions(session, "title_abstract")
    assert [finals[x].status for x in w] == ["include", "conflict", "pending", "exclude", "pending"]
    assert finals[w[3]].reason_code == "E-SETTING"
    assert counts(finals)["pending"] == 2
    assert summary(session, "title_abstract") == counts(finals)
    assert len(final_decisions(session, "title_abstract", touched_only=True)) == 4


def test_undo_and_change_of_mind_use_latest_event(session: Session) -> None:
    (w,) = add_works(session, [{"title": "t"}])
    decide(session, w, "a", "exclude", "E-TOPIC")
    decide(session, w, "a", "retracted")
    assert final_decisions(session, "title_abstract")[w].status == "pending"
    decide(session, w, "a", "include")
    assert final_decisions(session, "title_abstract")[w].status == "include"


def test_adjudication_beats_conflict_and_rules_are_automation(session: Session) -> None:
    w = add_works(session, [{"title": "t1"}, {"title": "t2"}])
    decide(session, w[0], "a", "include")
    decide(session, w[0], "b", "exclude", "E-TOPIC")
    decide(session, w[0], "c", "exclude", "E-TOPIC", role="adjudicator")
    session.add(
        RuleResult(
            work_id=w[1], stage="title_abstract", rule="date_range", reason_code="E-DATE", created_at=utcnow()
        )
    )
    session.flush()
    tally.refresh(session, w)
    finals = final_decisions(session, "title_abstract")
    assert (finals[w[0]].status, finals[w[0]].basis) == ("exclude", "adjudication")
    assert (finals[w[1]].status, finals[w[1]].basis, finals[w[1]].reason_code) == (
        "exclude",
        "automation",
        "E-DATE",
    )


def test_full_text_scope_and_reason_conflicts(session: Session) -> None:
    w = add_works(session, [{"title": "t1"}, {"title": "t2"}])
    decide(session, w[0], "a", "include")
    decide(session, w[1], "a", "exclude", "E-TOPIC")
    decide(session, w[0], "a", "exclude", "E-TOPIC", stage="full_text")
    decide(session, w[0], "b", "exclude", "E-SETTING", stage="full_text")
    finals = final_decisions(session, "full_text")
    assert list(finals) == [w[0]]
    assert finals[w[0]].status == "conflict"


def test_settled_is_adjudication_or_everyone_assigned_agreeing(session: Session) -> None:
    w = add_works(session, [{"title": f"t{i}"} for i in range(6)])
    for work in w[:4]:
        assign(session, work, ("a", "b"))
    decide(session, w[0], "a", "include")
    decide(session, w[0], "b", "maybe")  # agreement: settled, as an include
    decide(session, w[1], "a", "include")
    decide(session, w[1], "b", "exclude", "E-TOPIC")  # conflict: not settled ...
    decide(session, w[2], "a", "exclude", "E-TOPIC")  # b has not decided: not settled
    decide(session, w[3], "a", "include")
    decide(session, w[3], "b", "exclude", "E-TOPIC")
    decide(session, w[3], "c", "exclude", "E-TOPIC", role="adjudicator")  # ... until adjudicated
    decide(session, w[4], "a", "exclude", "E-TOPIC")  # one screener alone: not settled
    found = settled(session, "title_abstract")
    assert {x: (f.status, f.basis) for x, f in found.items()} == {
        w[0]: ("include", "agreement"),
        w[3]: ("exclude", "adjudication"),
    }
    finals = final_decisions(session, "title_abstract")
    assert all(finals[x] == f for x, f in found.items())  # the same judgement as every count


def test_standing_votes_are_current_decisions_as_plain_rows(session: Session) -> None:
    w = add_works(session, [{"title": "t1"}, {"title": "t2"}])
    decide(session, w[0], "a", "include")
    decide(session, w[0], "a", "exclude", "E-TOPIC")  # a change of mind: the latest stands
    decide(session, w[1], "a", "include")
    decide(session, w[1], "a", "retracted")  # undone: none
    decide(session, w[1], "b", "maybe", role="verifier")
    rows = standing_votes(session, "title_abstract")
    full = sorted(current_decisions(session, "title_abstract"), key=lambda c: c.event_id)
    assert rows == [(c.work_id, c.reviewer, c.role, c.decision) for c in full]
    assert rows == [(w[0], "a", "screener", "exclude"), (w[1], "b", "verifier", "maybe")]
    assert standing_votes(session, "title_abstract", reviewer="b") == rows[1:]


def test_blinded_while_a_dual_pilot_or_verify_work_waits_for_the_reviewer(session: Session) -> None:
    w = add_works(session, [{"title": f"t{i}"} for i in range(4)])
    assign(session, w[0], ("a",), purpose="single")
    assert not blinded(session, "a", "title_abstract")  # single screening: nothing compared
    for work, purpose in ((w[1], "dual"), (w[2], "pilot"), (w[3], "verify")):
        assign(session, work, ("a",), purpose=purpose)
        assert blinded(session, "a", "title_abstract")
        decide(
            session, work, "a", "exclude", "E-TOPIC", role="verifier" if purpose == "verify" else "screener"
        )
        assert not blinded(session, "a", "title_abstract")  # decided: no blinded work left
    decide(session, w[2], "a", "retracted")  # undone: the pilot work waits again
    assert blinded(session, "a", "title_abstract") and not blinded(session, "b", "title_abstract")
    session.add(
        RuleResult(work_id=w[2], stage="title_abstract", rule="r", reason_code="E-DATE", created_at=utcnow())
    )
    session.flush()
    tally.refresh(session, [w[2]])
    assert not blinded(session, "a", "title_abstract")  # a rule keeps it out of the queue
    assert not blinded(session, "a", "full_text")
