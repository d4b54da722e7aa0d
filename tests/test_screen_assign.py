"""Queues from the protocol's design: dual, pilot then gate, single+verify, rule checks; progress."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlmodel import Session, select

from review.agreement import pilot_batches
from review.agreement.batches import verdicts
from review.errors import InputError
from review.models import Assignment
from review.protocol import Protocol
from review.screen import assign, decide, progress, queue
from tests.conftest import ReviewRunner
from tests.factories import add_works
from tests.screen_helpers import KEPT, kept_works, protocol_at, with_design

TA = "title_abstract"
TEAM = ("reviewer1", "reviewer2")


def _queues(session: Session) -> Counter[tuple[str, str]]:
    return Counter((a.reviewer, a.purpose) for a in session.exec(select(Assignment)))


def _decide_all(session: Session, protocol: Protocol, reviewer: str, decisions: dict[int, str]) -> None:
    for w, d in decisions.items():
        reason = "E-TOPIC" if d == "exclude" else None
        decide.record(
            session, protocol, work_id=w, stage=TA, reviewer=reviewer, decision=d, reason_code=reason
        )


def test_dual_gives_every_work_to_two_and_is_idempotent(session: Session, review_dir: Path) -> None:
    protocol = with_design(protocol_at(review_dir), TA, design="dual")
    kept_works(session, 4)
    first = assign.run(session, protocol, TA, TEAM)
    assert dict(first.added) == {"dual": 8}
    assert _queues(session) == {("reviewer1", "dual"): 4, ("reviewer2", "dual"): 4}
    assert assign.run(session, protocol, TA).added == ()  # the team is remembered; nothing twice
    kept_works(session, 1)
    assert dict(assign.run(session, protocol, TA).added) == {"dual": 2}


def test_adjudicators_get_no_screening_queue_by_default(session: Session, review_dir: Path) -> None:
    protocol = with_design(protocol_at(review_dir), TA, design="dual")
    assert protocol.screeners() == ("reviewer1", "reviewer2")  # the real protocol's adjudicator is left out
    kept_works(session, 3)
    assign.run(session, protocol, TA)  # no --reviewers: the protocol's screeners
    assert _queues(session) == {("reviewer1", "dual"): 3, ("reviewer2", "dual"): 3}


def test_dual_with_three_reviewers_rotates_pairs(session: Session, review_dir: Path) -> None:
    protocol = with_design(protocol_at(review_dir), TA, design="dual")
    ids = kept_works(session, 6)
    assign.run(session, protocol, TA, ("reviewer1", "reviewer2", "adjudicator"))
    per_work = Counter(a.work_id for a in session.exec(select(Assignment)))
    assert per_work == dict.fromkeys(ids, 2)
    assert set(Counter(a.reviewer for a in session.exec(select(Assignment))).values()) == {4}


def test_pilot_gate_then_single_plus_verify(session: Session, review_dir: Path) -> None:
    protocol = with_design(protocol_at(review_dir), TA, design="pilot", pilot_size=4, verify_fraction=0.5)
    kept_works(session, 10)
    first = assign.run(session, protocol, TA, TEAM)
    assert dict(first.added) == {"pilot": 8} and "Pilot batch 1" in first.message
    pilot = sorted(queue.assigned(session, "reviewer1", TA))
    assert pilot == sorted(queue.assigned(session, "reviewer2", TA))
    waiting = assign.run(session, protocol, TA)
    assert waiting.added == () and "not finished" in waiting.message
    agreed = dict(zip(pilot, ["include", "include", "exclude", "exclude"], strict=True))
    for reviewer in TEAM:
        _decide_all(session, protocol, reviewer, agreed)
    passed = assign.run(session, protocol, TA)
    assert passed.gate_passed is True and dict(passed.added) == {"single": 6}
    assert _queues(session)[("reviewer1", "single")] == 3
    singles = [w for w, p in queue.assigned(session, "reviewer1", TA).items() if p == "single"]
    _decide_all(session, protocol, "reviewer1", dict.fromkeys(singles, "exclude"))
    verify = assign.run(session, protocol, TA)
    assert dict(verify.added) == {"verify": 2}  # ceil(50% of 3 excludes), to the other screener
    assert _queues(session)[("reviewer2", "verify")] == 2
    assert assign.run(session, protocol, TA).added == ()


def _failed_pilot(session: Session, review_dir: Path, works: int) -> assign.AssignResult:
    """A pilot batch of 4 on which the two screeners disagree every time, then assign again."""
    protocol = with_design(protocol_at(review_dir), TA, design="pilot", pilot_size=4)
    kept_works(session, works)
    assign.run(session, protocol, TA, TEAM)
    pilot = sorted(queue.assigned(session, "reviewer1", TA))
    _decide_all(session, protocol, "reviewer1", dict(zip(pilot, ["include", "exclude"] * 2, strict=True)))
    _decide_all(session, protocol, "reviewer2", dict(zip(pilot, ["exclude", "include"] * 2, strict=True)))
    return assign.run(session, protocol, TA)


def test_failed_pilot_gives_a_new_batch(session: Session, review_dir: Path) -> None:
    failed = _failed_pilot(session, review_dir, 10)
    assert failed.gate_passed is False and "Pilot not passed" in failed.message
    assert dict(failed.added) == {"pilot": 8} and "batch 2" in failed.message


def test_a_failed_pilot_with_no_works_left_says_what_to_do(session: Session, review_dir: Path) -> None:
    failed = _failed_pilot(session, review_dir, 4)
    assert failed.gate_passed is False and not failed.added
    assert "No works are left for another pilot batch" in failed.message
    assert "change [screening] design" in failed.message and "batch 2" not in failed.message


def _screen_pilot(session: Session, protocol: Protocol, first: list[str], second: list[str]) -> None:
    """Both screeners decide the latest pilot batch, in the order it was given out."""
    batch = pilot_batches(session, TA, protocol.stage_design(TA).pilot_size)[-1]
    _decide_all(session, protocol, "reviewer1", dict(zip(batch.works, first, strict=True)))
    _decide_all(session, protocol, "reviewer2", dict(zip(batch.works, second, strict=True)))


def test_a_pilot_batch_with_no_include_passes_by_the_protocols_rule(
    session: Session, review_dir: Path
) -> None:
    protocol = with_design(protocol_at(review_dir), TA, design="pilot", pilot_size=4)
    kept_works(session, 10)
    assign.run(session, protocol, TA, TEAM)
    _screen_pilot(session, protocol, ["exclude"] * 4, ["exclude"] * 4)
    passed = assign.run(session, protocol, TA)
    assert passed.gate_passed is True and dict(passed.added) == {"single": 6}
    assert "every record was excluded by both screeners: kappa is undefined" in passed.message
    assert 'pilot_degenerate = "fallback_statistic"' in passed.message and "pabak = 1.00" in passed.message
    assert "not passed" not in passed.message and "0 disagreements" not in passed.message


def test_pass_on_perfect_agreement_fails_a_degenerate_batch_with_a_disagreement(
    session: Session, review_dir: Path
) -> None:
    protocol = with_design(
        protocol_at(review_dir),
        TA,
        design="pilot",
        pilot_size=4,
        pilot_degenerate="pass_on_perfect_agreement",
    )
    kept_works(session, 10)
    assign.run(session, protocol, TA, TEAM)
    _screen_pilot(session, protocol, ["exclude"] * 4, ["include"] + ["exclude"] * 3)
    failed = assign.run(session, protocol, TA)
    assert failed.gate_passed is False and dict(failed.added) == {"pilot": 8}
    assert (
        "Pilot not passed under the protocol's rule for degenerate batches (pilot_degenerate = \"pass_on"
        in (failed.message)
    )
    assert "reviewer1 included no record" in failed.message and "Pilot batch 2 (4 records)" in failed.message


def test_batches_and_the_verdicts_acted_on_are_logged_once(session: Session, review_dir: Path) -> None:
    protocol = with_design(protocol_at(review_dir), TA, design="pilot", pilot_size=4)
    kept_works(session, 10)
    assign.run(session, protocol, TA, TEAM)
    _screen_pilot(session, protocol, ["include", "exclude"] * 2, ["exclude", "include"] * 2)
    smaller = with_design(protocol, TA, pilot_size=3)  # a change of batch size keeps batch 1 whole
    assert "Pilot batch 2 (3 records)" in assign.run(session, smaller, TA).message
    assert "not finished" in assign.run(session, smaller, TA).message  # nothing judged: nothing logged
    _screen_pilot(session, smaller, ["include", "exclude", "exclude"], ["include", "exclude", "exclude"])
    assert assign.run(session, smaller, TA).gate_passed is True
    assert assign.run(session, smaller, TA).gate_passed is True  # the same verdict: logged once
    batches = pilot_batches(session, TA, 3)
    assert [(b.number, len(b.works), b.reviewers) for b in batches] == [(1, 4, TEAM), (2, 3, TEAM)]
    assert all(b.given_at is not None for b in batches)
    logged = [(v.batch, v.passed, v.rule, v.statistic, v.n) for v in verdicts(session, TA)]
    assert logged == [(1, False, "threshold", "kappa", 4), (2, True, "threshold", "kappa", 3)]


def test_rule_exclusions_stay_out_of_queues_except_a_checked_sample(
    session: Session, review_dir: Path
) -> None:
    protocol = with_design(protocol_at(review_dir), TA, design="single", rule_check_fraction=0.5)
    kept = kept_works(session, 2)
    old = add_works(session, [{**KEPT, "title": f"Old {i}", "year": 1990} for i in range(4)])
    from review.screen import rules

    rules.run(session, protocol, TA)
    result = assign.run(session, protocol, TA, ("reviewer1",))
    assert (result.eligible, result.rule_excluded) == (2, 4)
    mine = queue.assigned(session, "reviewer1", TA)
    assert {w for w, p in mine.items() if p == "single"} == set(kept)
    checks = {w for w, p in mine.items() if p == "rule_check"}
    assert len(checks) == 2 and checks <= set(old)


def test_designs_needing_two_screeners_refuse_one(session: Session, review_dir: Path) -> None:
    kept_works(session, 2)
    with pytest.raises(InputError, match="at least two screeners"):
        assign.run(session, with_design(protocol_at(review_dir), TA, design="dual"), TA, ("reviewer1",))
    with pytest.raises(InputError, match="Unknown reviewer"):
        assign.run(session, protocol_at(review_dir), TA, ("reviewer1", "nobody"))


def test_progress_counts_from_the_store(session: Session, review_dir: Path) -> None:
    protocol = with_design(protocol_at(review_dir), TA, design="dual")
    ids = kept_works(session, 3)
    assign.run(session, protocol, TA, TEAM)
    _decide_all(session, protocol, "reviewer1", {ids[0]: "include", ids[1]: "exclude"})
    _decide_all(session, protocol, "reviewer2", {ids[0]: "include"})
    result = progress.run(session, protocol, TA)
    r1, r2 = result.reviewers
    assert (r1.reviewer, r1.done, r1.assigned, r1.includes, r1.excludes) == ("reviewer1", 2, 3, 1, 1)
    assert (r2.done, r2.remaining) == (1, 2)
    assert dict(result.finals) == {"include": 1, "exclude": 0, "conflict": 0, "pending": 2}


def test_assign_and_progress_cli(run: ReviewRunner, session: Session) -> None:
    empty = run("screen", "assign")
    assert empty.exit_code == 0 and "No works to screen yet" in empty.output
    kept_works(session, 60)
    session.commit()
    result = run("screen", "assign", "--reviewers", "reviewer1,reviewer2")
    assert result.exit_code == 0, result.output
    assert "New assignments: pilot 100." in result.output
    shown = run("screen", "progress")
    assert shown.exit_code == 0, shown.output
    assert "reviewer1" in shown.output and "10 not yet in a queue" in shown.output
    bad = run("screen", "assign", "--reviewers", "reviewer1,ghost")
    assert bad.exit_code == 1 and "Error: Unknown reviewer(s) ghost" in bad.stderr


def test_full_text_queues_hold_title_abstract_includes_and_keep_the_team(
    session: Session, review_dir: Path
) -> None:
    protocol = with_design(protocol_at(review_dir), TA, design="dual")
    ids = kept_works(session, 3)
    assign.run(session, protocol, TA, TEAM)
    for reviewer in TEAM:
        _decide_all(session, protocol, reviewer, {ids[0]: "include", ids[1]: "maybe", ids[2]: "exclude"})
    result = assign.run(session, protocol, "full_text")  # the real protocol: single+verify at full text
    assert result.reviewers == TEAM and result.eligible == 2
    full = {a.work_id for a in session.exec(select(Assignment).where(Assignment.stage == "full_text"))}
    assert full == {ids[0], ids[1]}
