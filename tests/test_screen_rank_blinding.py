"""Blinded queues: while two people's decisions are compared, one screener's decisions never reorder
the other's queue; settled decisions train both; single screening pools; the screen and the methods
text say so."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from review.db import session_scope
from review.decisions import labels
from review.protocol import load_protocol
from review.report import methods
from review.screen import rank
from review.screen.features import FeatureCache, Features
from tests.conftest import ReviewRunner
from tests.factories import add_works, assign, decide
from tests.screen_helpers import with_design

TA = "title_abstract"
TOPICS = [
    "sure start children's centres family hubs early years parenting support england evaluation",
    "corrosion welded steel joints marine engineering fatigue cracks",
    "galaxy morphology survey images deep learning telescope",
    "soil nitrogen winter wheat crop yield climate",
    "school attainment teachers classroom pupils mathematics",
]


def _works(session: Session, n: int = 50) -> list[int]:
    """`n` works mixing two topics each (seeded), so a model's order shifts with every label."""
    rng = random.Random(15)
    items = []
    for i in range(n):
        words = [w for t in rng.sample(TOPICS, 2) for w in rng.sample(t.split(), 4)]
        items.append({"title": f"Study {i}: " + " ".join(words), "abstract": " ".join(rng.sample(words, 6))})
    return add_works(session, items)


def _queue(session: Session, works: list[int], reviewers: tuple[str, ...], purpose: str) -> None:
    for w in works:
        assign(session, w, reviewers, purpose=purpose)


def _decide_some(session: Session, reviewer: str, works: list[int], includes: int) -> None:
    for i, w in enumerate(works):
        if i < includes:
            decide(session, w, reviewer, "include")
        else:
            decide(session, w, reviewer, "exclude", "E-TOPIC")


def _order(session: Session, reviewer: str, pending: list[int]) -> rank.Ranking:
    return rank.rank(session, TA, pending, reviewer=reviewer)


@pytest.mark.parametrize("purpose", ["pilot", "dual"])
def test_another_screeners_decisions_leave_a_blinded_queue_exactly_unchanged(
    session: Session, purpose: str
) -> None:
    works = _works(session)
    _queue(session, works, ("reviewer1", "reviewer2"), purpose)
    _decide_some(session, "reviewer2", works[:4], includes=2)  # reviewer2's own model
    pending = works[4:]
    before = _order(session, "reviewer2", pending)
    assert (before.basis, before.learned_from) == ("model", "blinded")
    assert (before.positives, before.negatives) == (2, 2)
    pooled_before = rank.rank(session, TA, pending).order

    # reviewer1 decides 10 works: two reviewer2 has decided (one alike, one not), eight still in
    # reviewer2's queue
    decide(session, works[0], "reviewer1", "include")  # agrees with reviewer2: settled, same label
    decide(session, works[2], "reviewer1", "include")  # disagrees: a conflict trains nobody yet
    _decide_some(session, "reviewer1", works[10:18], includes=3)
    after = _order(session, "reviewer2", pending)
    assert after.order == before.order and (after.positives, after.negatives) == (2, 2)
    pooled_after = rank.rank(session, TA, pending).order
    moved = sum(a != b for a, b in zip(pooled_before, pooled_after, strict=True))
    assert moved > len(pending) // 2  # pooled, the same decisions would have reshuffled the queue


def test_verifiers_queue_is_blind_to_the_screener_being_checked(session: Session) -> None:
    works = _works(session)
    _queue(session, works[:25], ("reviewer1",), "single")
    _queue(session, works[25:], ("reviewer2",), "single")
    _decide_some(session, "reviewer1", works[:6], includes=1)
    _queue(session, works[2:4], ("reviewer2",), "verify")  # two of reviewer1's excludes, to check
    _decide_some(session, "reviewer2", works[25:29], includes=2)
    pending = [*works[2:4], *works[29:]]
    before = _order(session, "reviewer2", pending)
    assert before.learned_from == "blinded" and before.negatives == 2  # not reviewer1's excludes
    _decide_some(session, "reviewer1", works[6:16], includes=4)
    assert _order(session, "reviewer2", pending).order == before.order


def test_adjudication_and_agreement_settle_a_work_for_every_blinded_queue(session: Session) -> None:
    works = _works(session)
    _queue(session, works[:20], ("reviewer1", "reviewer2"), "dual")
    _queue(session, works[20:], ("reviewer1", "reviewer3"), "dual")  # pairs rotate among three
    _decide_some(session, "reviewer2", works[:4], includes=2)
    _decide_some(session, "reviewer1", works[:4], includes=2)
    decide(session, works[3], "reviewer1", "include")  # reviewer1 changes their mind: a conflict
    pending = works[4:20]
    before = _order(session, "reviewer2", pending)
    assert labels(session, TA, blinded_for="reviewer2")[works[3]] == 0  # their own

    decide(session, works[3], "adjudicator", "include", role="adjudicator")
    settled = _order(session, "reviewer2", pending)
    for reviewer in ("reviewer1", "reviewer2"):
        assert labels(session, TA, blinded_for=reviewer)[works[3]] == 1
    assert settled.order != before.order and (settled.positives, settled.negatives) == (3, 1)

    # reviewer1 and reviewer3 agree on a work reviewer2 never sees: it trains reviewer2 once both decided
    decide(session, works[20], "reviewer1", "include")
    assert works[20] not in labels(session, TA, blinded_for="reviewer2")  # awaiting
    decide(session, works[20], "reviewer3", "maybe")
    assert labels(session, TA, blinded_for="reviewer2")[works[20]] == 1


def test_single_screening_still_pools(session: Session) -> None:
    works = _works(session)
    _queue(session, works[:25], ("reviewer1",), "single")
    _queue(session, works[25:], ("reviewer2",), "single")
    _decide_some(session, "reviewer2", works[25:29], includes=2)
    pending = works[29:]
    before = _order(session, "reviewer2", pending)
    _decide_some(session, "reviewer1", works[:10], includes=4)
    after = _order(session, "reviewer2", pending)
    assert before.learned_from == after.learned_from == "pooled"
    assert (after.positives, after.negatives) == (6, 8) and after.order != before.order
    assert after.order == rank.rank(session, TA, pending).order  # the same as the stage-wide order


def test_a_finished_pilot_unblinds_the_queue(session: Session) -> None:
    works = _works(session)
    _queue(session, works[:10], ("reviewer1", "reviewer2"), "pilot")
    _queue(session, works[10:], ("reviewer2",), "single")
    _decide_some(session, "reviewer2", works[:9], includes=3)
    assert _order(session, "reviewer2", [works[9], *works[10:]]).learned_from == "blinded"
    decide(session, works[9], "reviewer2", "exclude", "E-TOPIC")  # their last pilot work
    _decide_some(session, "reviewer1", works[:5], includes=1)
    after = _order(session, "reviewer2", works[10:])
    assert after.learned_from == "pooled" and after.order == rank.rank(session, TA, works[10:]).order


def test_the_exclude_run_of_a_blinded_queue_counts_only_its_own_screening(session: Session) -> None:
    works = _works(session, 12)
    decide(session, works[0], "reviewer2", "include")
    decide(session, works[1], "reviewer1", "include")
    for w in works[2:6]:
        decide(session, w, "reviewer1", "exclude", "E-TOPIC")
    decide(session, works[6], "reviewer2", "exclude", "E-TOPIC")
    own = labels(session, TA, blinded_for="reviewer2")
    assert rank.exclude_run(session, TA, own, reviewer="reviewer2") == 1
    assert rank.exclude_run(session, TA, labels(session, TA)) == 5


def test_each_reviewer_gets_a_model_of_their_own_from_one_cached_matrix(session: Session) -> None:
    works = _works(session)
    _queue(session, works, ("reviewer1", "reviewer2"), "dual")
    _decide_some(session, "reviewer1", works[:4], includes=1)
    _decide_some(session, "reviewer2", works[4:8], includes=3)
    pending = works[8:]
    cache = FeatureCache()
    one, two = (rank.rank(session, TA, pending, reviewer=r, cache=cache) for r in ("reviewer1", "reviewer2"))
    assert isinstance(cache.held, Features)  # the text features only: shared, holding no one's labels
    assert (one.positives, one.negatives, two.positives, two.negatives) == (1, 3, 3, 1)
    assert one.order != two.order
    again = rank.rank(session, TA, pending, reviewer="reviewer2", cache=FeatureCache())
    assert again.order == two.order  # the same, cached or not


def test_the_status_line_says_what_the_order_learned_from(
    run: ReviewRunner, engine: Engine, review_dir: Path
) -> None:
    with session_scope(engine) as s:
        works = _works(s, 40)
        _queue(s, works[:20], ("reviewer1", "reviewer2"), "dual")
        _queue(s, works[20:], ("reviewer2",), "single")
        _decide_some(s, "reviewer1", works[:2], includes=1)
        _decide_some(s, "reviewer2", works[20:22], includes=1)
    blinded = run("screen", "--reviewer", "reviewer1", input="q")
    assert blinded.exit_code == 0, blinded.output
    said = "ranked by the model, learned from your own and settled decisions only (blinded)"
    assert said in blinded.output
    still = run("screen", "--reviewer", "reviewer2", input="q")
    assert still.exit_code == 0, still.output
    assert "(blinded)" in still.output  # reviewer2's dual works wait in their queue
    with session_scope(engine) as s:
        _decide_some(s, "reviewer2", works[:20][::-1], includes=19)  # one exclude last: not exploring
    pooled = run("screen", "--reviewer", "reviewer2", input="q")  # only single works left
    assert pooled.exit_code == 0, pooled.output
    assert "ranked by the model, learned from all screeners' decisions" in pooled.output


def test_the_status_line_says_why_a_blinded_queue_has_no_model_yet() -> None:
    from review.screen.sitting import describe_order as _ordering

    terms = rank.Ranking((1, 2), "protocol-terms", 0, 3, 0.0, learned_from="blinded")
    assert _ordering(terms) == (
        "ranked by the protocol's terms (blinded: no include yet among your own and settled decisions)"
    )
    pooled = rank.Ranking((1, 2), "protocol-terms", 0, 3, 0.0)
    assert _ordering(pooled) == "ranked by the protocol's terms"
    like = rank.Ranking((1, 2), "like-includes", 1, 0, 0.0, learned_from="blinded")
    assert _ordering(like).endswith("learned from your own and settled decisions only (blinded)")


def test_the_methods_text_states_the_rule(review_dir: Path) -> None:
    protocol = load_protocol(review_dir)
    text = methods._prioritisation(protocol)  # the real protocol: a pilot, then single+verify
    assert text.endswith(rank.BLINDING_TEXT) and rank.MODEL_TEXT in text
    assert "learned only from that screener's own decisions and from settled records" in text
    single = with_design(with_design(protocol, TA, design="single"), "full_text", design="single")
    assert methods._prioritisation(single).endswith(" The order was learned from every screener's decisions.")


def test_the_methods_file_carries_the_rule(run: ReviewRunner, review_dir: Path) -> None:
    assert run("prisma").exit_code == 0
    assert rank.BLINDING_TEXT in (review_dir / "extracted" / "methods.md").read_text(encoding="utf-8")
