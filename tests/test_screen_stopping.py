"""The stopping test: its statistics on known values, and the store-backed estimate and log."""

from __future__ import annotations

import json
from math import comb

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from review import tally
from review.db import session_scope, utcnow
from review.models import RuleResult, StoppingLog
from review.screen import hypergeometric, stopping
from tests.factories import add_works, decide


def test_k_target_is_the_fewest_unseen_includes_that_miss_the_target() -> None:
    # 19 seen: recall < 95% needs more than 20 includes in all, so at least 2 more in the urn
    assert hypergeometric.k_target(includes_seen=19, sample_includes=0, recall=0.95) == 2
    # includes found in the sample are in the urn too
    assert hypergeometric.k_target(includes_seen=19, sample_includes=3, recall=0.95) == 5
    assert hypergeometric.k_target(includes_seen=10, sample_includes=0, recall=0.5) == 11


def test_p_missed_matches_the_hypergeometric_by_hand() -> None:
    # urn of 10 holding K_tar = 2 includes (19 seen, none in the sample); 3 draws, none an include
    expected = comb(8, 3) / comb(10, 3)
    assert hypergeometric.p_missed(10, 3, 0, 19, 0.95) == pytest.approx(expected)
    # an urn too small to hold K_tar includes: the target cannot have been missed
    assert hypergeometric.p_missed(1, 1, 0, 19, 0.95) == 0.0


def test_ranked_test_takes_the_smallest_p_over_tails() -> None:
    labels = [1] * 19 + [0] * 3
    test = hypergeometric.ranked_test(labels, population=29, recall=0.95)
    assert (test.sample_size, test.sample_includes) == (3, 0)
    assert test.p_value == pytest.approx(comb(8, 3) / comb(10, 3))


@given(
    seen=st.integers(1, 60),
    zeros=st.integers(1, 300),
    unscreened=st.integers(1, 2000),
)
def test_more_screening_without_includes_lowers_p(seen: int, zeros: int, unscreened: int) -> None:
    population = seen + zeros + unscreened
    before = hypergeometric.ranked_test([1] * seen + [0] * zeros, population, 0.95).p_value
    after = hypergeometric.ranked_test([1] * seen + [0] * (zeros + 1), population, 0.95).p_value
    assert after <= before + 1e-12


def test_a_long_run_of_excludes_meets_the_target_and_a_short_one_does_not() -> None:
    order = [1] * 30 + [0] * 20
    assert hypergeometric.ranked_test(order, population=2000, recall=0.95).p_value > 0.05
    order = [1] * 30 + [0] * 1800  # 2 missed includes would hide among 170 unscreened
    assert hypergeometric.ranked_test(order, population=2000, recall=0.95).p_value < 0.05


def test_unseen_upper_bound_shrinks_with_the_sample() -> None:
    small = hypergeometric.unseen_upper(unscreened=1000, sample=50, sample_includes=0, confidence=0.95)
    large = hypergeometric.unseen_upper(unscreened=1000, sample=500, sample_includes=0, confidence=0.95)
    assert 0 < large < small <= 1000
    # with the bound as K, seeing no include in the sample is still (just) plausible at 5%
    assert hypergeometric.unseen_upper(0, 10, 0, 0.95) == 0


def _decide(session: Session, work_ids: list[int], decision: str, reviewer: str = "reviewer1") -> None:
    for w in work_ids:
        decide(session, w, reviewer, decision)


def test_estimate_reads_the_store_and_ignores_unscreened_rule_exclusions(session: Session) -> None:
    ids = add_works(session, [{"title": f"work {i}"} for i in range(40)])
    _decide(session, ids[:5], "include")
    _decide(session, ids[5:25], "exclude")
    session.add(
        RuleResult(
            work_id=ids[39],
            stage="title_abstract",
            rule="date_range",
            reason_code="E-DATE",
            created_at=utcnow(),
        )
    )
    session.flush()
    tally.refresh(session, [ids[39]])
    result = stopping.estimate(session, "title_abstract")
    assert (result.population, result.screened, result.remaining) == (39, 25, 14)
    assert result.includes_seen == 5
    assert not result.target_met
    assert result.unseen_estimate is not None
    assert 0 <= result.unseen_estimate <= result.unseen_upper <= 14
    assert "Callaghan" in result.method


def test_log_stop_keeps_the_estimate_and_method(session: Session) -> None:
    ids = add_works(session, [{"title": f"work {i}"} for i in range(10)])
    _decide(session, ids[:2], "include")
    _decide(session, ids[2:6], "exclude")
    logged = stopping.log_stop(session, "title_abstract", "reviewer1", recall=0.9)
    row = session.exec(select(StoppingLog)).one()
    assert row.id == logged.log_id
    assert (row.reviewer, row.screened, row.remaining) == ("reviewer1", 6, 4)
    assert row.estimate is not None and row.estimate["recall_target"] == 0.9
    assert row.method.startswith("Callaghan")


def test_cli_stopping_and_stop(run, engine) -> None:
    result = run("screen", "stopping")
    assert result.exit_code == 0, result.output
    assert "Nothing to estimate from yet: screen some works first." in result.output
    assert "Method: Callaghan" in result.output
    with session_scope(engine) as s:
        ids = add_works(s, [{"title": f"work {i}"} for i in range(30)])
        _decide(s, ids[:3], "include")
        _decide(s, ids[3:20], "exclude")
    result = run("screen", "stopping", "--stage", "title-abstract", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["remaining"] == 10
    result = run("screen", "stop", "--reviewer", "reviewer1", "--stage", "title-abstract")
    assert result.exit_code == 0, result.output
    assert "Callaghan" in result.output and "Logged" in result.output
    with session_scope(engine) as s:
        assert s.exec(select(StoppingLog.screened)).one() == 20
    result = run("screen", "stop", "--reviewer", "nobody")
    assert result.exit_code == 1
    assert "Error:" in result.stderr
