"""Agreement statistics (methods.md section 3), the stage reports and the pilot gate."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine
from sqlmodel import Session

from review.agreement import (
    compute,
    from_table,
    kappa_band,
    kappa_degenerate,
    pilot_gate,
    reason_agreement,
    stage_agreement,
)
from review.db import session_scope
from review.errors import AgreementError, InputError
from review.protocol import Protocol, load_protocol
from tests.conflicts_helpers import ADJ, A, B, assign, decide
from tests.conftest import PROTOCOL, ReviewRunner
from tests.factories import add_works
from tests.screen_helpers import with_design

WORKED = (20, 5, 10, 15)  # both include, only A includes, only B includes, both exclude


def _lists(table: tuple[int, int, int, int]) -> tuple[list[str], list[str]]:
    a, b, c, d = table
    first = ["include"] * (a + b) + ["exclude"] * (c + d)
    second = ["include"] * a + ["exclude"] * b + ["include"] * c + ["exclude"] * d
    return first, second


@pytest.fixture
def protocol() -> Protocol:
    return load_protocol(PROTOCOL)


def test_worked_example_from_methods() -> None:
    result = compute(*_lists(WORKED), seed=2026)
    assert result.n == 50
    assert result.table == WORKED
    assert result.po == pytest.approx(0.70)
    assert result.kappa == pytest.approx(0.40)
    assert result.pabak == pytest.approx(0.40)
    # AC1: pi = (0.5 + 0.6) / 2 = 0.55, p_e* = 2 * 0.55 * 0.45 = 0.495
    assert result.ac1 == pytest.approx((0.70 - 0.495) / (1 - 0.495))


def test_analytic_kappa_interval_matches_hand_calculation() -> None:
    # Fleiss, Cohen & Everitt (1969) worked by hand for the table above: var = 0.0504 / 3.125
    result = from_table(WORKED, seed=1)
    assert result.kappa_se == pytest.approx((0.0504 / 3.125) ** 0.5, abs=1e-4)
    assert result.kappa_ci_analytic is not None
    assert result.kappa_ci_analytic.low == pytest.approx(0.40 - 1.96 * 0.12700, abs=1e-3)
    # the bootstrap interval is about as wide as the analytic one
    assert result.kappa_ci is not None
    width = result.kappa_ci.high - result.kappa_ci.low
    assert width == pytest.approx(2 * 1.96 * 0.127, rel=0.15)


def test_maybe_counts_as_include() -> None:
    assert compute(["maybe", "exclude"], ["include", "exclude"], seed=1).po == 1.0


def test_same_seed_same_intervals_and_other_seed_differs() -> None:
    one, two = from_table(WORKED, seed=5), from_table(WORKED, seed=5)
    assert one == two
    assert from_table(WORKED, seed=6).kappa_ci != one.kappa_ci


def test_one_decision_for_everything_leaves_kappa_undefined() -> None:
    result = compute(["exclude"] * 10, ["exclude"] * 10, seed=1)
    assert result.kappa is None and result.kappa_ci is None
    assert (result.pabak, result.ac1, result.po) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    ("table", "why"),
    [
        ((0, 0, 0, 50), "every record was excluded by both screeners: kappa is undefined"),
        ((50, 0, 0, 0), "every record was included by both screeners: kappa is undefined"),
        ((0, 0, 1, 49), "A included no record: kappa is 0 whatever the agreement"),
        ((0, 3, 0, 47), "B included no record: kappa is 0 whatever the agreement"),
        ((40, 0, 10, 0), "B excluded no record"),  # B included all 50, A 40
    ],
)
def test_kappa_degenerate_says_why_kappa_cannot_judge(table: tuple[int, int, int, int], why: str) -> None:
    assert why in (kappa_degenerate(table, ("A", "B")) or "")
    # kappa is undefined when one category is never used, 0 when one screener never uses one
    assert from_table(table, seed=1).kappa in (None, pytest.approx(0.0))


def test_kappa_degenerate_is_none_when_kappa_can_judge() -> None:
    assert kappa_degenerate(WORKED) is None
    assert kappa_degenerate((10, 0, 0, 40)) is None  # perfect agreement using both categories: kappa 1


def test_bad_input_is_refused() -> None:
    with pytest.raises(InputError, match="paired"):
        compute(["include"], [], seed=1)
    with pytest.raises(AgreementError):
        compute([], [], seed=1)
    with pytest.raises(InputError, match="Unknown decision"):
        compute(["yes"], ["include"], seed=1)


tables = st.tuples(*(st.integers(0, 40),) * 4).filter(lambda t: sum(t) > 0)


@settings(max_examples=60, deadline=None)
@given(includes=st.integers(1, 30), excludes=st.integers(1, 30))
def test_perfect_agreement_gives_one(includes: int, excludes: int) -> None:
    result = from_table((includes, 0, 0, excludes), seed=3, replicates=200)
    assert (result.kappa, result.pabak, result.ac1, result.po) == (1.0, 1.0, 1.0, 1.0)


@settings(max_examples=60, deadline=None)
@given(table=tables, seed=st.integers(0, 2**32 - 1))
def test_swapping_screeners_changes_nothing(table: tuple[int, int, int, int], seed: int) -> None:
    first, second = _lists(table)
    one, two = compute(first, second, seed, replicates=200), compute(second, first, seed, replicates=200)
    assert two.table == (table[0], table[2], table[1], table[3])
    assert (one.po, one.kappa, one.pabak, one.ac1) == (two.po, two.kappa, two.pabak, two.ac1)
    assert (one.kappa_ci, one.pabak_ci, one.ac1_ci, one.kappa_se) == (
        two.kappa_ci,
        two.pabak_ci,
        two.ac1_ci,
        two.kappa_se,
    )


@settings(max_examples=80, deadline=None)
@given(table=tables, seed=st.integers(0, 1000))
def test_intervals_contain_the_estimate_and_stay_in_range(
    table: tuple[int, int, int, int], seed: int
) -> None:
    result = from_table(table, seed, replicates=200)
    for stat in ("po", "kappa", "pabak", "ac1"):
        value, ci = result.value(stat), result.interval(stat)
        if value is None:
            assert ci is None
            continue
        assert ci is not None
        assert -1 - 1e-9 <= ci.low <= value <= ci.high <= 1 + 1e-9
    if result.kappa_ci_analytic is not None:
        assert result.kappa is not None
        assert result.kappa_ci_analytic.low <= result.kappa <= result.kappa_ci_analytic.high


# --- in the store -----------------------------------------------------------------------------


def _dual(
    session: Session, table: tuple[int, int, int, int], purpose: str = "dual", batch: str = "b1"
) -> list[int]:
    """Works screened by A and B with the cells of `table`."""
    works = add_works(session, [{"title": f"t{i}"} for i in range(sum(table))], source=batch)
    first, second = _lists(table)
    for work, x, y in zip(works, first, second, strict=True):
        assign(session, work, purpose=purpose)
        decide(session, work, A, x, "E-TOPIC" if x == "exclude" else None)
        decide(session, work, B, y, "E-TOPIC" if y == "exclude" else None)
    return works


def test_stage_agreement_from_standing_decisions(session: Session, protocol: Protocol) -> None:
    works = _dual(session, WORKED)
    decide(session, works[0], A, "exclude", "E-TOPIC")  # change of mind: the latest counts
    decide(session, works[0], A, "include")
    decide(session, works[1], ADJ, "exclude", "E-TOPIC", role="adjudicator")  # adjudicators do not count
    report = stage_agreement(session, protocol, "title_abstract")
    assert report.overall.n == 50
    assert report.overall.kappa == pytest.approx(0.40)
    assert [(p.reviewer_a, p.reviewer_b) for p in report.pairs] == [(A, B)]
    assert report.statistic == "kappa" and report.threshold == 0.6


def test_pairs_are_every_two_reviewers_sharing_works(session: Session, protocol: Protocol) -> None:
    works = add_works(session, [{"title": f"t{i}"} for i in range(3)])
    for w in works:
        decide(session, w, A, "include")
        decide(session, w, B, "include")
    decide(session, works[0], ADJ, "exclude", "E-TOPIC")  # a third screener on one work
    report = stage_agreement(session, protocol, "title_abstract")
    assert {(p.reviewer_a, p.reviewer_b): p.agreement.n for p in report.pairs} == {
        (ADJ, A): 1,
        (ADJ, B): 1,
        (A, B): 3,
    }
    assert report.overall.n == 5


def test_no_dual_screened_records_is_a_clear_error(session: Session, protocol: Protocol) -> None:
    (w,) = add_works(session, [{"title": "t"}])
    decide(session, w, A, "include")
    with pytest.raises(AgreementError, match="two screeners"):
        stage_agreement(session, protocol, "full_text")
    with pytest.raises(AgreementError, match="two screeners"):
        stage_agreement(session, protocol, "title_abstract")


def test_reason_agreement_among_works_both_excluded(session: Session) -> None:
    works = add_works(session, [{"title": f"t{i}"} for i in range(4)])
    for w, (ra, rb) in zip(
        works, [("E-TOPIC", "E-TOPIC"), ("E-TOPIC", "E-SETTING"), ("E-TYPE", "E-TYPE")], strict=False
    ):
        decide(session, w, A, "exclude", ra)
        decide(session, w, B, "exclude", rb)
    decide(session, works[3], A, "exclude", "E-TOPIC")
    decide(session, works[3], B, "include")
    (found,) = reason_agreement(session, "title_abstract")
    assert (found.both_excluded, found.same_reason) == (3, 2)
    assert found.po == pytest.approx(2 / 3)
    rows = {r.reason: (r.by_a, r.by_b, r.both) for r in found.rows}
    assert rows == {"E-TOPIC": (3, 1, 1), "E-SETTING": (0, 1, 0), "E-TYPE": (1, 1, 1)}


def test_pilot_gate_fails_below_threshold_and_says_what_next(session: Session, protocol: Protocol) -> None:
    _dual(session, WORKED, purpose="pilot")
    gate = pilot_gate(session, protocol, "title_abstract")
    assert not gate.passed
    assert (gate.statistic, gate.n, gate.threshold) == ("kappa", 50, 0.6)
    assert gate.value == pytest.approx(0.40)
    assert "below the threshold" in gate.message
    assert "15 disagreements" in gate.message and "review conflicts --stage title-abstract" in gate.message
    assert (gate.rule, gate.decided_by, gate.degenerate, gate.batch) == ("threshold", "kappa", None, 1)
    assert "no records are left for another pilot batch, change [screening] design" in gate.message
    add_works(session, [{"title": "not given out yet"}], source="late")
    gate = pilot_gate(session, protocol, "title_abstract")
    assert gate.message.endswith(
        "and screen another pilot batch (`review screen assign --stage title-abstract`)."
    )


def test_pilot_gate_judges_the_latest_batch(session: Session, protocol: Protocol) -> None:
    _dual(session, WORKED, purpose="pilot")  # the first batch failed
    _dual(session, (24, 1, 1, 24), purpose="pilot", batch="b2")  # the second, after discussion, agrees well
    gate = pilot_gate(session, protocol, "title_abstract")
    assert gate.passed and gate.n == 50
    assert gate.value == pytest.approx(0.92)
    assert (gate.rule, gate.batch) == ("threshold", 2)
    assert gate.message.startswith("Pilot passed") and "review screen assign" not in gate.message
    assert "No records are left to give out" in gate.message  # every work was in a pilot batch
    add_works(session, [{"title": "not given out yet"}], source="late")
    gate = pilot_gate(session, protocol, "title_abstract")
    assert "Run `review screen assign --stage title-abstract` to give out the remaining" in gate.message


def test_pilot_gate_passes_at_exactly_the_threshold(session: Session, protocol: Protocol) -> None:
    design = protocol.screening.title_abstract.model_copy(
        update={"agreement_statistic": "pabak", "agreement_threshold": 0.4}
    )
    at_threshold = protocol.model_copy(
        update={"screening": protocol.screening.model_copy(update={"title_abstract": design})}
    )
    _dual(session, WORKED, purpose="pilot")  # PABAK 0.40, computed as 0.3999...
    gate = pilot_gate(session, at_threshold, "title_abstract")
    assert gate.passed and gate.statistic == "pabak"
    assert kappa_band(0.39999999999999) == "fair"


def test_pilot_gate_on_a_batch_with_no_include_says_why_and_falls_back(
    session: Session, protocol: Protocol
) -> None:
    _dual(session, (0, 0, 0, 50), purpose="pilot")
    gate = pilot_gate(session, protocol, "title_abstract")  # the protocol of record: fall back to PABAK
    assert gate.passed and gate.value is None and gate.disagreements == 0
    assert (gate.rule, gate.decided_by, gate.decided_value) == ("fallback_statistic", "pabak", 1.0)
    assert gate.degenerate == (
        "every record was excluded by both screeners: kappa is undefined when one category is never used"
    )
    assert gate.message.startswith("Pilot passed by the protocol's rule for degenerate batches")
    assert 'pilot_degenerate = "fallback_statistic"' in gate.message and "pabak = 1.00" in gate.message
    assert "0 disagreements" not in gate.message
    perfect = with_design(protocol, "title_abstract", pilot_degenerate="pass_on_perfect_agreement")
    gate = pilot_gate(session, perfect, "title_abstract")
    assert gate.passed and (gate.rule, gate.decided_by) == ("pass_on_perfect_agreement", "po")
    assert "the screeners agreed on all 50 pilot records (batch 1)" in gate.message


def test_pilot_gate_on_a_batch_with_perfect_agreement(session: Session, protocol: Protocol) -> None:
    _dual(session, (5, 0, 0, 45), purpose="pilot")  # both categories used: kappa is 1 and decides
    gate = pilot_gate(session, protocol, "title_abstract")
    assert gate.passed and gate.rule == "threshold" and gate.degenerate is None
    assert gate.value == pytest.approx(1.0)
    _dual(session, (50, 0, 0, 0), purpose="pilot", batch="b2")  # everything included by both
    gate = pilot_gate(session, protocol, "title_abstract")
    assert gate.passed and gate.batch == 2 and gate.rule == "fallback_statistic"
    assert gate.degenerate is not None and gate.degenerate.startswith("every record was included by both")


def test_a_screener_who_never_includes_goes_by_the_degenerate_rule(
    session: Session, protocol: Protocol
) -> None:
    _dual(session, (0, 0, 1, 49), purpose="pilot")  # only B included, once: kappa 0, PABAK 0.96
    gate = pilot_gate(session, protocol, "title_abstract")
    assert gate.passed and gate.value == pytest.approx(0.0) and gate.decided_value == pytest.approx(0.96)
    assert gate.degenerate == (
        f"{A} included no record: kappa is 0 whatever the agreement when one screener never uses a category"
    )
    perfect = with_design(protocol, "title_abstract", pilot_degenerate="pass_on_perfect_agreement")
    gate = pilot_gate(session, perfect, "title_abstract")
    assert not gate.passed and gate.rule == "pass_on_perfect_agreement"
    assert "only on perfect agreement, and the screeners disagreed on 1 of 50" in gate.message
    assert "Discuss the 1 disagreements" in gate.message


def test_a_degenerate_batch_can_fail_its_fallback(session: Session, protocol: Protocol) -> None:
    _dual(session, (0, 0, 20, 30), purpose="pilot")  # A never includes; they agree on 60%: PABAK 0.20
    ac1 = with_design(protocol, "title_abstract", pilot_fallback_statistic="ac1")
    for p, stat in ((protocol, "pabak"), (ac1, "ac1")):
        gate = pilot_gate(session, p, "title_abstract")
        assert not gate.passed and (gate.rule, gate.decided_by) == ("fallback_statistic", stat)
        assert gate.message.startswith("Pilot not passed under the protocol's rule for degenerate batches")
        assert "below the threshold" in gate.message and "20 disagreements" in gate.message


def test_pilot_gate_waits_for_the_pilot_to_finish(session: Session, protocol: Protocol) -> None:
    assert "No pilot set" in pilot_gate(session, protocol, "title_abstract").message
    works = _dual(session, (3, 0, 0, 3), purpose="pilot")
    (extra,) = add_works(session, [{"title": "late"}], source="late")
    assign(session, extra, purpose="pilot")
    decide(session, extra, A, "include")
    gate = pilot_gate(session, protocol, "title_abstract")
    assert not gate.passed and gate.waiting == 1 and "not finished" in gate.message
    decide(session, extra, B, "include")
    assert pilot_gate(session, protocol, "title_abstract").n == len(works) + 1


# --- CLI ----------------------------------------------------------------------------------------


def test_agreement_command(run, engine: Engine) -> None:
    with session_scope(engine) as session:
        _dual(session, WORKED, purpose="pilot")
    result = run("agreement", "--by", "pair")
    assert result.exit_code == 0, result.output
    assert '"maybe" counts as include' in result.output
    assert "Cohen's kappa" in result.output and "0.40" in result.output
    assert f"{A} / {B}" in result.output
    assert "Agreement is below the threshold" in result.output
    data = json.loads(run("agreement", "--json").output)
    assert data["agreement"]["overall"]["kappa"] == pytest.approx(0.40)
    assert data["pilot_gate"]["passed"] is False
    reasons = run("agreement", "--by", "reason")
    assert reasons.exit_code == 0 and "E-TOPIC" in reasons.output


def test_agreement_after_a_passed_pilot_says_whether_records_are_left_to_give_out(
    run: ReviewRunner, engine: Engine
) -> None:
    with session_scope(engine) as session:
        _dual(session, (24, 1, 1, 24), purpose="pilot")  # a pilot batch of 50 that passes
        add_works(session, [{"title": f"later {i}"} for i in range(6)], source="later")
    before = run("agreement")
    assert before.exit_code == 0, before.output
    assert "Pilot passed" in before.output
    assert "Run `review screen assign --stage title-abstract` to give out the remaining" in before.output
    assert run("screen", "assign").exit_code == 0  # the rest go out by the protocol's after_pilot
    after = run("agreement")
    assert "Pilot passed" in after.output and "give out the remaining records" not in after.output
    assert "No records are left to give out: every one at title-abstract is in a screener's" in after.output


def test_agreement_command_without_dual_screening_fails_cleanly(run) -> None:
    result = run("agreement", "--stage", "full-text")
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "two screeners" in result.stderr
