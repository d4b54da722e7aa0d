"""The includes-found curve: includes found against works screened, in the stopping test's order."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest
from sqlmodel import Session

from review.screen import curve, stopping
from tests.factories import add_works, decide

TA = "title_abstract"


def test_the_curve_counts_includes_and_maybes_in_first_decision_order(session: Session) -> None:
    ids = add_works(session, [{"title": f"work {i}"} for i in range(8)])
    for work, decision in zip(ids, ["include", "exclude", "maybe", "exclude", "exclude"], strict=False):
        decide(session, work, "reviewer1", decision, "E-TOPIC" if decision == "exclude" else None)
    decide(session, ids[0], "reviewer2", "exclude", "E-TOPIC")  # a second decision: not screened twice
    found = curve.curve(session, TA)
    assert found.points == ((0, 0), (1, 1), (2, 1), (3, 2), (4, 2), (5, 2))
    assert (found.screened, found.found, found.population, found.stage) == (5, 2, 8, TA)
    assert found.estimate == stopping.estimate(session, TA)


def test_nothing_screened_is_a_curve_of_one_point(session: Session) -> None:
    add_works(session, [{"title": "work"}])
    found = curve.curve(session, TA)
    assert (found.points, found.screened, found.found, found.population) == (((0, 0),), 0, 0, 1)
    assert found.estimate.unseen_estimate is None


def test_a_long_screening_is_thinned_with_both_ends_kept() -> None:
    assert curve.thinned(3, 200) == [0, 1, 2, 3]
    kept = curve.thinned(100_000, 200)
    assert len(kept) == 200 and kept[0] == 0 and kept[-1] == 100_000
    assert kept == sorted(set(kept))
    assert max(b - a for a, b in pairwise(kept)) <= 100_000 // 199 + 1
    assert curve.thinned(10, 1) == [0, 10]


def test_the_thinned_curve_keeps_the_count_at_each_point_kept(session: Session) -> None:
    ids = add_works(session, [{"title": f"work {i}"} for i in range(30)])
    labels = [1 if i % 7 == 0 else 0 for i in range(30)]
    for work, label in zip(ids, labels, strict=True):
        decide(session, work, "reviewer1", "include" if label else "exclude", None if label else "E-TOPIC")
    found = curve.curve(session, TA, most=5)
    assert [n for n, _ in found.points] == [0, 8, 15, 22, 30]  # 7.5 rounds to even
    assert all(count == sum(labels[:n]) for n, count in found.points)
    assert found.found == 5


def test_the_estimate_in_words(session: Session) -> None:
    ids = add_works(session, [{"title": f"work {i}"} for i in range(40)])
    for w in ids[:5]:
        decide(session, w, "reviewer1", "include")
    for w in ids[5:25]:
        decide(session, w, "reviewer1", "exclude", "E-TOPIC")
    e = stopping.estimate(session, TA)
    assert e.unseen_estimate is not None and e.recall_lower is not None
    head, unseen, verdict = curve.estimate_lines(e)
    assert head == "25 of 40 works screened at title/abstract, 5 includes found; 15 unscreened."
    assert unseen == (
        f"Includes still unseen: about {e.unseen_estimate:.1f}, at most {e.unseen_upper} (95% confidence); "
        f"recall at least {e.recall_lower:.1%}."
    )
    assert verdict == (
        f"Recall target 95%: not met: keep screening (p = {e.p_value:.4f}; the last {e.sample_size} "
        f"screened held {e.sample_includes} includes)."
    )
    met = curve.estimate_lines(replace(e, target_met=True, exclude_run=60, heuristic_run=50))
    assert met[2].startswith("Recall target 95%: met (p = ")
    assert met[3] == (
        "The last 60 screened were all excludes (heuristic stop: 50): switching to random order "
        "(`review screen sample`) gives the test a true random sample."
    )


@pytest.mark.parametrize(
    ("design", "words"),
    [
        ("ranked", "screen some works first"),
        ("random-sample", "nothing sampled since the switch to random order"),
    ],
)
def test_the_estimate_before_there_is_anything_to_estimate_from(
    session: Session, design: str, words: str
) -> None:
    add_works(session, [{"title": "work"}])
    e = replace(stopping.estimate(session, TA), design=design)
    assert curve.estimate_lines(e) == (
        "0 of 1 works screened at title/abstract, 0 includes found; 1 unscreened.",
        f"Nothing to estimate from yet: {words}.",
    )
