"""The methods text's pilot batches (failed ones too, by which rule) and protocol changes."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session

from review.protocol import Protocol
from review.report import calibration
from review.screen import assign, decide
from tests.screen_helpers import kept_works, protocol_at, with_design

TA = "title_abstract"
TEAM = ("reviewer1", "reviewer2")
LABEL = "title and abstract"


def _screen_latest(session: Session, protocol: Protocol, first: list[str], second: list[str]) -> None:
    from review.agreement import pilot_batches

    batch = pilot_batches(session, TA, protocol.stage_design(TA).pilot_size)[-1]
    for reviewer, decisions in zip(TEAM, (first, second), strict=True):
        for work, d in zip(batch.works, decisions, strict=True):
            reason = "E-TOPIC" if d == "exclude" else None
            decide.record(session, protocol, work_id=work, stage=TA, reviewer=reviewer, decision=d,
                          reason_code=reason)  # fmt: skip


def test_every_batch_is_listed_with_its_rule_failed_ones_too(session: Session, review_dir: Path) -> None:
    protocol = with_design(
        protocol_at(review_dir),
        TA,
        design="pilot",
        pilot_size=4,
        pilot_degenerate="pass_on_perfect_agreement",
    )
    kept_works(session, 16)
    assert calibration.pilot_batches(session, protocol, TA, LABEL) == ""
    assign.run(session, protocol, TA, TEAM)
    _screen_latest(session, protocol, ["include", "exclude"] * 2, ["exclude", "include"] * 2)
    assign.run(session, protocol, TA)  # batch 1 fails: batch 2
    _screen_latest(session, protocol, ["exclude"] * 4, ["include"] + ["exclude"] * 3)
    assign.run(session, protocol, TA)  # batch 2 fails by the perfect-agreement rule: batch 3
    text = calibration.pilot_batches(session, protocol, TA, LABEL)
    assert text.startswith("Pilot calibration at title and abstract took 3 batches (12 records): ")
    assert "batch 1 (4 records; reviewer1 and reviewer2): Cohen's kappa -1.00 < 0.60, not passed;" in text
    assert (
        "batch 2 (4 records; reviewer1 and reviewer2): Cohen's kappa 0.00 (reviewer1 included no record: "
        "kappa is 0 whatever the agreement when one screener never uses a category); under the protocol's "
        'rule for degenerate batches (pilot_degenerate = "pass_on_perfect_agreement") it needed perfect '
        "agreement (3 of 4 records agreed), not passed;"
    ) in text
    assert "batch 3 (4 records; reviewer1 and reviewer2): still being screened (4 records wait)." in text
    _screen_latest(session, protocol, ["exclude"] * 4, ["exclude"] * 4)
    fallback = with_design(protocol, TA, pilot_degenerate="fallback_statistic")
    text = calibration.pilot_batches(session, fallback, TA, LABEL)
    assert (
        "batch 3 (4 records; reviewer1 and reviewer2): Cohen's kappa undefined (every record was excluded "
        "by both screeners: kappa is undefined when one category is never used), so judged by PABAK 1.00 "
        '≥ 0.60 under the protocol\'s rule for degenerate batches (pilot_degenerate = "fallback_statistic"), '
        "passed (worked out for this report: the gate has not acted on this batch yet)."
    ) in text


def test_a_batch_judged_again_after_a_protocol_change_reports_both(
    session: Session, review_dir: Path
) -> None:
    protocol = with_design(protocol_at(review_dir), TA, design="pilot", pilot_size=4, agreement_threshold=0.4)
    kept_works(session, 6)
    assign.run(session, protocol, TA, TEAM)
    _screen_latest(
        session, protocol, ["include", "include", "exclude", "exclude"], ["include"] + ["exclude"] * 3
    )
    assert assign.run(session, protocol, TA).gate_passed is True  # kappa 0.50
    stricter = with_design(protocol, TA, agreement_threshold=0.6)
    assert assign.run(session, stricter, TA).gate_passed is False
    text = calibration.pilot_batches(session, stricter, TA, LABEL)
    assert "Cohen's kappa 0.50 ≥ 0.40, passed; judged again on " in text
    assert text.endswith(": Cohen's kappa 0.50 < 0.60, not passed.")
    changes = calibration.protocol_changes(session)
    assert changes.startswith("The screening protocol changed after screening began: on ")
    assert "(after 1 pilot batch and 8 decisions at title/abstract): " in changes
    assert changes.endswith("screening.title_abstract.agreement_threshold: 0.4 → 0.6.")
    assert calibration.design_rule(protocol, TA).startswith(" (a batch kappa cannot judge")
    assert calibration.design_rule(with_design(protocol, TA, agreement_statistic="ac1"), TA) == ""
