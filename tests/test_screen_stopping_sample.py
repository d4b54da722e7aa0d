"""The paper's stopping design: a logged switch to a seeded random order, and the test on that sample."""

from __future__ import annotations

import json
from math import comb

import numpy as np
import pytest
from sqlmodel import Session, select

from review.db import session_scope
from review.errors import InputError
from review.models import StoppingLog
from review.screen import hypergeometric, rank, stopping
from tests.factories import add_works, decide


def _screen(session: Session, work_ids: list[int], decision: str, reviewer: str = "reviewer1") -> None:
    for w in work_ids:
        decide(session, w, reviewer, decision)


def test_sample_test_matches_the_hypergeometric_by_hand() -> None:
    # 19 includes before the switch; 3 sampled, none an include, 7 still unscreened: urn of 10
    test, point, upper = hypergeometric.evaluate_sample(19, [0, 0, 0], 7, recall=0.95)
    assert test.p_value == pytest.approx(comb(8, 3) / comb(10, 3))  # K_tar = 2 includes hidden
    assert (test.sample_size, test.sample_includes, point) == (3, 0, 0.0)
    assert 0 < upper <= 7
    empty, none, all_left = hypergeometric.evaluate_sample(19, [], 7)
    assert (empty.p_value, none, all_left) == (1.0, None, 7)


@pytest.mark.parametrize(
    ("before", "hidden", "unscreened", "work_share"),
    [(30, 10, 250, 1.0), (60, 2, 400, 0.8)],  # a ranker that stopped early; one that nearly finished
)
def test_random_sample_meets_the_recall_target_at_the_stated_confidence(
    before: int, hidden: int, unscreened: int, work_share: float
) -> None:
    rng = np.random.default_rng(7)
    urn = np.asarray([1] * hidden + [0] * (unscreened - hidden))
    recalls, screened = [], []
    for _ in range(400):
        order = rng.permutation(urn).tolist()
        n = hypergeometric.sample_stop(before, order, recall=0.95, confidence=0.95) or len(order)
        recalls.append((before + sum(order[:n])) / (before + hidden))
        screened.append(n)
    assert np.mean(np.asarray(recalls) >= 0.95) >= 0.95
    assert np.mean(screened) < work_share * unscreened  # it stops before screening everything


def test_sample_stop_is_the_first_work_where_the_test_says_stop() -> None:
    order = [0, 1, 0, 0, 0, 1] + [0] * 60
    n = hypergeometric.sample_stop(12, order)
    assert n is not None
    p = [hypergeometric.evaluate_sample(12, order[:i], len(order) - i)[0].p_value for i in range(1, n + 1)]
    assert p[-1] < 0.05 <= min(p[:-1])


def test_sample_order_is_seeded_and_keeps_each_works_place() -> None:
    ids = list(range(1, 201))
    order = stopping.sample_order(ids, seed=5)
    assert sorted(order) == ids and order != ids
    assert stopping.sample_order(list(reversed(ids)), seed=5) == order
    # a shrinking queue (works screened) keeps the others in the same relative order
    rest = set(order[10:])
    assert stopping.sample_order(sorted(rest), seed=5) == order[10:]
    assert stopping.sample_order(ids, seed=6) != order


def test_exclude_run_and_heuristic_run() -> None:
    assert hypergeometric.exclude_run([1, 0, 1, 0, 0, 0]) == 3
    assert hypergeometric.exclude_run([0, 0, 0]) == 0  # no include yet: no stop to suggest
    assert hypergeometric.heuristic_run(300) == 50
    assert hypergeometric.heuristic_run(100_000) == 5000


def test_switch_orders_every_queue_randomly_and_the_test_uses_the_sample(session: Session) -> None:
    ids = add_works(session, [{"title": f"topic {i % 7} work {i}", "abstract": "text"} for i in range(60)])
    _screen(session, ids[:4], "include")
    _screen(session, ids[4:20], "exclude")
    assert rank.rank(session, "title_abstract", ids[20:]).basis == "model"
    state = stopping.start_sample(session, "title_abstract", "reviewer1", seed=11)
    assert (state.seed, state.urn, state.reviewer) == (11, 40, "reviewer1")
    ranking = rank.rank(session, "title_abstract", ids[20:])
    assert ranking.basis == "random-sample"
    assert list(ranking.order) == stopping.sample_order(ids[20:], 11)
    assert rank.rank(session, "full_text", ids[20:]).basis != "random-sample"  # the other stage ranks on
    before = stopping.estimate(session, "title_abstract")
    assert (before.design, before.sample_size, before.p_value) == ("random-sample", 0, 1.0)
    sampled = list(ranking.order[:10])
    _screen(session, sampled[:1], "include")
    _screen(session, sampled[1:], "exclude")
    result = stopping.estimate(session, "title_abstract")
    assert (result.design, result.sample_size, result.sample_includes) == ("random-sample", 10, 1)
    expected, _, _ = hypergeometric.evaluate_sample(4, [1] + [0] * 9, 30)
    assert result.p_value == pytest.approx(expected.p_value)
    assert result.method == stopping.SAMPLE_METHOD
    row = session.exec(select(StoppingLog)).one()
    assert row.reviewer == "reviewer1" and row.estimate is not None
    assert row.estimate["event"] == stopping.SAMPLE_EVENT and row.estimate["screened"] == 20


def test_switch_refuses_twice_and_before_any_screening(session: Session) -> None:
    ids = add_works(session, [{"title": f"work {i}"} for i in range(5)])
    with pytest.raises(InputError, match="Nothing has been screened"):
        stopping.start_sample(session, "title_abstract", "reviewer1")
    _screen(session, ids[:2], "include")
    stopping.start_sample(session, "title_abstract", "reviewer1")
    with pytest.raises(InputError, match="already switched"):
        stopping.start_sample(session, "title_abstract", "reviewer2")
    assert len(session.exec(select(StoppingLog)).all()) == 1


def test_cli_suggests_then_switches_and_reports_on_the_sample(run, engine) -> None:
    with session_scope(engine) as s:
        ids = add_works(s, [{"title": f"work {i}"} for i in range(200)])
        _screen(s, ids[:3], "include")
        _screen(s, ids[3:60], "exclude")
    result = run("screen", "stopping")
    assert result.exit_code == 0, result.output
    assert "The last 57 screened were all excludes" in result.output
    assert "review screen sample" in result.output
    result = run("screen", "sample", "--reviewer", "reviewer1", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "random order (seed 3)" in result.output and "140 unscreened" in result.output
    result = run("screen", "stopping", "--json")
    assert json.loads(result.output)["design"] == "random-sample"
    result = run("screen", "sample", "--reviewer", "reviewer1")
    assert result.exit_code == 1 and "already switched" in result.stderr
    assert "nothing sampled since the switch to random order" in run("screen", "stopping").output
    with session_scope(engine) as s:
        _screen(s, stopping.sample_order(ids[60:], 3)[:30], "exclude")
    result = run("screen", "stop", "--reviewer", "reviewer1")
    assert result.exit_code == 0, result.output
    assert "the 30 screened since the switch to random order held 0 includes" in result.output
