"""The prioritised order: learned from decisions, a sensible default before any, never dropping a work."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session

from review.decisions import labels
from review.protocol import load_protocol
from review.screen import rank
from review.screen.features import CACHE_DIR, FeatureCache, features_for
from tests.factories import add_works, decide

RELEVANT = [
    "Sure Start children's centres: evaluation of outcomes for families with young children in England",
    "Family Hubs and Start for Life: integrated early years family support in English local authorities",
    "Children's centre outreach to disadvantaged families: a national evaluation of Sure Start",
    "Early years parenting support delivered through Family Hubs in England: implementation study",
]
IRRELEVANT = [
    "Hepatic enzyme expression in knockout mice fed a high fat diet",
    "Corrosion resistance of welded steel joints in marine environments",
    "Deep learning for galaxy morphology classification in survey images",
    "Soil nitrogen dynamics under winter wheat in continental climates",
]


def _works(session: Session) -> tuple[list[int], list[int]]:
    # interleaved, so ID order alone would not put the relevant works first
    items = [{"title": t, "abstract": t} for pair in zip(RELEVANT, IRRELEVANT, strict=True) for t in pair]
    ids = add_works(session, items)
    return ids[0::2], ids[1::2]


def _decide(
    session: Session, work_id: int, decision: str, reviewer: str = "reviewer1", role: str = "screener"
) -> None:
    decide(session, work_id, reviewer, decision, role=role)


def test_model_puts_works_like_the_includes_first(session: Session) -> None:
    relevant, irrelevant = _works(session)
    _decide(session, relevant[0], "include")
    _decide(session, irrelevant[0], "exclude")
    queue = relevant[1:] + irrelevant[1:]
    result = rank.rank(session, "title_abstract", sorted(queue))
    assert result.basis == "model" and (result.positives, result.negatives) == (1, 1)
    assert set(result.order[:3]) == set(relevant[1:])


def test_order_never_drops_or_repeats_a_work(session: Session) -> None:
    relevant, irrelevant = _works(session)
    empty = add_works(session, [{"title": None, "abstract": None}, {"title": "", "abstract": ""}], source="x")
    _decide(session, relevant[0], "maybe")
    _decide(session, irrelevant[0], "exclude")
    queue = [*irrelevant, *empty, *relevant, relevant[1]]  # a duplicate ID in the request
    ordered = rank.order(session, "title_abstract", queue)
    assert sorted(ordered) == sorted(set(queue))


def test_before_any_include_the_protocol_terms_lead(session: Session, review_dir: Path) -> None:
    relevant, irrelevant = _works(session)
    protocol = load_protocol(review_dir / "protocol" / "protocol.toml")
    _decide(session, irrelevant[0], "exclude")  # excludes alone cannot train a model
    result = rank.rank(session, "title_abstract", relevant + irrelevant, protocol=protocol)
    assert result.basis == "protocol-terms"
    assert set(result.order[:4]) == set(relevant)


def test_without_decisions_or_protocol_the_order_is_by_id(session: Session) -> None:
    relevant, irrelevant = _works(session)
    queue = [*irrelevant, *relevant]
    result = rank.rank(session, "title_abstract", queue)
    assert (result.basis, list(result.order)) == ("id", sorted(queue))


def test_includes_only_rank_by_similarity(session: Session) -> None:
    relevant, irrelevant = _works(session)
    _decide(session, relevant[0], "include")
    result = rank.rank(session, "title_abstract", relevant[1:] + irrelevant)
    assert result.basis == "like-includes"
    assert set(result.order[:3]) == set(relevant[1:])


def test_labels_follow_standing_decisions(session: Session) -> None:
    relevant, irrelevant = _works(session)
    _decide(session, relevant[0], "include")
    _decide(session, relevant[0], "retracted")  # undone: no label
    _decide(session, relevant[1], "exclude", reviewer="reviewer1")
    _decide(session, relevant[1], "include", reviewer="reviewer2")  # disagreement counts as include
    _decide(session, irrelevant[0], "include")
    _decide(session, irrelevant[0], "exclude", reviewer="adjudicator", role="adjudicator")
    assert labels(session, "title_abstract") == {relevant[1]: 1, irrelevant[0]: 0}


@pytest.mark.sqlite_only  # the on-disk cache sits beside a SQLite file
def test_features_are_cached_beside_the_store_and_refreshed_on_change(session: Session, db_url: str) -> None:
    _works(session)
    first = features_for(session)
    assert list((Path(db_url).parent / CACHE_DIR).glob("tfidf-*.npz"))
    fresh = FeatureCache()  # holds nothing in memory yet
    assert features_for(session, cache=fresh).key == first.key  # read back from disk
    add_works(session, [{"title": "A new work on Family Hubs"}], source="x")
    again = features_for(session)
    assert again.key != first.key and again.matrix.shape[0] == first.matrix.shape[0] + 1


def test_a_work_newer_than_the_cached_matrix_is_ranked_last_not_dropped(session: Session) -> None:
    relevant, irrelevant = _works(session)
    _decide(session, relevant[0], "include")
    _decide(session, irrelevant[0], "exclude")
    features = features_for(session)
    (late,) = add_works(session, [{"title": "Sure Start children's centres evaluation"}], source="x")
    rows = features.rows([late])
    assert not features.has_rows([late], rows)[0]
    # the queue asked before the matrix caught up: the ranking keeps the unknown work, last
    scores, _ = rank._learned_scores(
        features, [relevant[1], late, irrelevant[1]], {relevant[0]: 1, irrelevant[0]: 0}
    )
    assert scores[1] == float("-inf") and scores[0] > scores[2]
