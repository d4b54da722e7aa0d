"""Exploration: a stale model (a long run of excludes) gets a share of seeded random picks."""

from __future__ import annotations

import numpy as np
from sqlmodel import Session

from review.screen import rank, simulate
from tests.factories import add_works, decide
from tests.test_screen_simulate import SAMPLE


def test_a_short_run_keeps_the_model_order() -> None:
    ranked = np.arange(100, 200)
    short = int(rank.EXPLORE_SHARE * len(ranked)) - 1
    assert rank.explore(ranked, short, 40, seed=1) is ranked
    assert rank.explore(ranked, 0, 40, seed=1) is ranked


def test_a_long_run_mixes_in_seeded_random_picks() -> None:
    ranked = np.arange(100, 300)
    run = int(rank.EXPLORE_SHARE * len(ranked)) + 1
    mixed = rank.explore(ranked, run, 40, seed=1)
    assert sorted(mixed.tolist()) == ranked.tolist()  # nothing dropped or repeated
    # picks 40, 42, ... (every EXPLORE_EVERY-th, numbered from the works screened) are random draws;
    # the others follow the model's order
    head = mixed[:40].tolist()
    best = [w for i, w in enumerate(head) if (40 + i) % rank.EXPLORE_EVERY]
    drawn = set(head) - set(best)
    assert best == [w for w in ranked.tolist() if w not in drawn][: len(best)]
    assert max(ranked.tolist().index(w) for w in drawn) > 40  # drawn from the whole queue
    assert np.array_equal(rank.explore(ranked, run, 40, seed=1), mixed)  # reproducible
    assert not np.array_equal(rank.explore(ranked, run, 42, seed=1), mixed)  # new draws after decisions
    assert not np.array_equal(rank.explore(ranked, run, 40, seed=2), mixed)


def test_the_store_queue_explores_after_a_long_run_and_stops_after_an_include(session: Session) -> None:
    ids = add_works(session, [{"title": f"topic {i % 9} study {i}", "abstract": "words"} for i in range(60)])
    decide(session, ids[0], "reviewer1", "include")
    for w in ids[1:20]:
        decide(session, w, "reviewer1", "exclude")
    first = rank.rank(session, "title_abstract", ids[20:])
    assert first.basis == "model" and first.detail == {"exclude_run": 19, "exploring": True}
    assert rank.rank(session, "title_abstract", ids[20:]).order == first.order  # same decisions, same order
    decide(session, ids[20], "reviewer2", "include")
    after = rank.rank(session, "title_abstract", ids[21:])
    assert after.detail == {"exclude_run": 0, "exploring": False}


def test_the_simulation_uses_the_same_exploration_and_is_reproducible() -> None:
    data = simulate.read_labelled_csv(SAMPLE, "label_included")
    first = simulate.simulate(data, seed=4, random_runs=2)
    assert simulate.simulate(data, seed=4, random_runs=2).order == first.order
    assert "drawn at random (seeded)" in first.as_dict()["model"]
