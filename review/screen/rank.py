"""Prioritised screening: order works by predicted relevance, learned from the decisions so far.

Features are TF-IDF over title + abstract + keywords (words and word pairs); the model
(review.screen.learners.DEFAULT, chosen on labelled reviews by tests/bench/screen.py) is two
linear classifiers, retrained on every call from the standing human decisions at the stage
(include and maybe are positive, exclude is negative). A ranking only orders a queue: it never
excludes a work and never writes to the store.

Blinded queues. Where two people's decisions are compared, one screener's decisions must not
reorder the other's queue: after one screener decided 10 works of a 50-work pilot batch, a pooled
model had changed 49 of the 50 positions in the other's queue. So a reviewer's queue is blinded
while they still have a work at the stage given them for `dual` screening, a `pilot` batch or to
`verify` another's exclude, undecided by them and not ruled out (review.decisions.blinded), and
its order is then learned only from (review.decisions.labels with `blinded_for`):
- the reviewer's own standing decisions at the stage (as screener or verifier), and
- settled works (review.decisions.settled): an adjudicator's standing decision, or the agreement
  of two or more screeners once everyone the work is assigned to has decided: the agreeing works
  of a finished pilot batch or dual pair, an exclude its verifier upheld. A settled decision
  overrides the reviewer's own (an adjudication can differ from it; an agreement cannot).
Never from another screener's standing decision on its own: not a work awaiting its second
screener, not a disagreement before adjudication, not a work one screener decided alone. The run
of excludes that starts exploration is counted over the reviewer's own screening. Otherwise (single
screening, or once a reviewer has decided every blinded work in their queue, as after a pilot) the
order pools every screener's decisions, so an include anyone found pulls similar works up.

A model that stops finding includes can be stale: the works it ranks last are never seen, and
an include unlike the others sits there to the end. So once the excludes in a row reach
EXPLORE_SHARE of the works left, every EXPLORE_EVERY-th pick is drawn at random (seeded) from the
works left until an include turns up (`explore`); the simulation uses the same function.

The TF-IDF matrix of the whole store is the slow part (about 30 s per 100,000 works): it is kept
in memory and on disk by review.screen.features (`FeatureCache`); retraining and scoring take well
under 200 ms. The cache holds only text features, the same for every reviewer.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from review import decisions
from review.decisions import SCREENER_ROLES
from review.models import ScreeningDecision, Work
from review.protocol import Protocol
from review.screen import learners, stopping
from review.screen.features import FeatureCache, Features, features_for

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix

EXPLORE_SHARE = 0.20  # excludes in a row, as a share of the works left, that mark a stale model
EXPLORE_EVERY = 3  # then every 3rd pick is drawn at random from the works left
EXPLORE_HEAD = 1000  # only the head of a long queue is interleaved: it is re-ranked long before
SEED = 2026  # the store's exploration draws: reproducible from the decisions alone


def describe(model: str) -> str:
    """The methods text for a ranker built on `model` (a learner's description): when it retrains
    and how it explores."""
    return (
        f"{model}, retrained on the standing decisions at the stage; most likely include first, "
        f"except that after a run of excludes as long as {EXPLORE_SHARE:.0%} of the works left, one "
        f"pick in {EXPLORE_EVERY} is drawn at random (seeded) until an include turns up"
    )


MODEL_TEXT = describe(learners.DEFAULT.text)
# The methods text (review.report.methods) states the rule in these words: keep them true to rank().
BLINDING_TEXT = (
    "While a screener's queue held records given to them for dual screening, a pilot batch or to verify "
    "another screener's excludes, its order was learned only from that screener's own decisions and from "
    "settled records (an adjudicator's decision, or the agreement of two or more screeners once everyone "
    "assigned the record had decided), never from another screener's decision alone; otherwise it was "
    "learned from every screener's decisions."
)
POOLING_TEXT = "The order was learned from every screener's decisions."


@dataclass(frozen=True)
class Ranking:
    """A queue's order and what it was based on."""

    order: tuple[int, ...]
    basis: str  # model | like-includes | protocol-terms | id | random-sample
    positives: int
    negatives: int
    seconds: float
    detail: dict[str, Any] = field(default_factory=dict)
    learned_from: str = "pooled"  # pooled: every screener | blinded: the reviewer's own and settled


def featurise(texts: Sequence[str]) -> csr_matrix:
    """The model's features for `texts` (learners.DEFAULT; fitted on these texts)."""
    return learners.DEFAULT.featurise(texts)


def class_weights(labels: np.ndarray, ratio: float = 9.8) -> np.ndarray:
    """Sample weights that count an include as `ratio` excludes, up to the true class ratio."""
    return learners.class_weights(labels, ratio)


def model_scores(
    matrix: csr_matrix, train_rows: np.ndarray, labels: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """Relevance scores for `rows` from the model (learners.DEFAULT) fitted on `train_rows`
    (higher = more likely include).

    Args:
        matrix: the model's features of every work.
        train_rows: rows with a decision; `labels` holds 1 (include) or 0 (exclude) for each.
        labels: the decisions, aligned with `train_rows`; both classes must be present.
        rows: rows to score.
    """
    return learners.DEFAULT.scores(matrix, train_rows, labels, rows)


def order(
    session: Session,
    stage: str,
    work_ids: Sequence[int],
    *,
    protocol: Protocol | None = None,
    reviewer: str | None = None,
    cache: FeatureCache | None = None,
) -> list[int]:
    """`work_ids` most likely include first (see `rank`); the same IDs, none dropped."""
    return list(rank(session, stage, work_ids, protocol=protocol, reviewer=reviewer, cache=cache).order)


def rank(
    session: Session,
    stage: str,
    work_ids: Sequence[int],
    *,
    protocol: Protocol | None = None,
    reviewer: str | None = None,
    cache: FeatureCache | None = None,
) -> Ranking:
    """Rank `work_ids` by predicted relevance, trained on the standing decisions at `stage`.

    With at least one include (or maybe) and one exclude the model ranks; with includes only,
    similarity to them; with no include, similarity to the protocol's include highlight terms and
    questions (when `protocol` is given); otherwise work ID order. Ties keep ID order. Once a team
    has switched the stage to a random sample for the stopping test (`stopping.start_sample`), the
    order is that sample's seeded random order instead.

    Args:
        session: the store.
        stage: `title_abstract` or `full_text`.
        work_ids: the works to order (a reviewer's queue).
        protocol: the protocol, for the order before any include is known.
        reviewer: whose queue `work_ids` is; give it whenever the order is shown to a person, so
            a blinded queue learns only from their own and settled decisions (module docstring).
            Without it, every screener's decisions are pooled.
        cache: where the text features are kept between calls (`FeatureCache`); without it, the
            cache held for the store's engine.
    """
    started = time.perf_counter()
    ids = sorted(set(work_ids))
    if not ids:
        return Ranking((), "id", 0, 0, 0.0)
    blind = reviewer if reviewer is not None and decisions.blinded(session, reviewer, stage) else None
    known = decisions.labels(session, stage, blinded_for=blind)
    ranked, basis, detail = _ordered(session, stage, ids, known, protocol, blind, cache)
    pos = sum(known.values())
    learned_from = "pooled" if blind is None else "blinded"
    seconds = time.perf_counter() - started
    return Ranking(tuple(ranked), basis, pos, len(known) - pos, seconds, detail, learned_from)


def _ordered(
    session: Session,
    stage: str,
    ids: list[int],
    labels: dict[int, int],
    protocol: Protocol | None,
    blind: str | None,
    cache: FeatureCache | None,
) -> tuple[list[int], str, dict[str, Any]]:
    """`ids` in screening order, the basis of that order, and whether the model is exploring."""
    import numpy as np

    sample = stopping.sample_state(session, stage)
    if sample is not None:
        return stopping.sample_order(ids, sample.seed), "random-sample", {}
    if not any(labels.values()):  # no include: nothing to learn what relevant looks like from
        if protocol is None:
            return ids, "id", {}
        scores, basis = _term_scores(session, ids, protocol), "protocol-terms"
    else:
        scores, basis = _learned_scores(features_for(session, cache=cache), ids, labels)
    # a stable sort on negated scores keeps ID order among ties
    ranked = np.asarray(ids)[np.argsort(-scores, kind="stable")]
    if basis != "model":
        return ranked.tolist(), basis, {}
    run = exclude_run(session, stage, labels, reviewer=blind)
    mixed = explore(ranked, run, len(labels), SEED)
    return mixed.tolist(), basis, {"exclude_run": run, "exploring": mixed is not ranked}


def explore(ranked: np.ndarray, run: int, screened: int, seed: int) -> np.ndarray:
    """`ranked` as is, or, when the model looks stale, with every EXPLORE_EVERY-th pick drawn at random.

    Stale: the last `run` works screened were all excludes, and `run` is at least EXPLORE_SHARE of
    the works left (`ranked`). Picks are numbered from `screened` (works screened so far), so the
    same pattern holds whether the order is taken one work at a time or a few at once; the random
    draws come from a generator seeded with (`seed`, `screened`), so the order is reproducible.

    Args:
        ranked: the works left, most likely include first.
        run: excludes in a row at the end of the screening so far.
        screened: works screened so far.
        seed: seed for the random picks.
    """
    import numpy as np

    if run == 0 or run < EXPLORE_SHARE * len(ranked):
        return ranked
    drawn = iter(np.random.default_rng([seed, screened]).permutation(ranked).tolist())
    best = iter(ranked.tolist())
    head: list[int] = []
    taken: set[int] = set()
    for position in range(min(len(ranked), EXPLORE_HEAD)):
        source = drawn if (screened + position) % EXPLORE_EVERY == 0 else best
        pick = next(w for w in source if w not in taken)
        head.append(pick)
        taken.add(pick)
    tail = [w for w in ranked.tolist() if w not in taken]
    return np.asarray(head + tail, dtype=ranked.dtype)


def exclude_run(session: Session, stage: str, labels: dict[int, int], *, reviewer: str | None = None) -> int:
    """Works screened (first decision at `stage`) since the last include in `labels`; 0 before one.

    With `reviewer`, only that reviewer's own screening counts (a blinded queue): when others
    screen must not change when their queue explores.
    """
    d = ScreeningDecision
    q = select(d.work_id, func.min(d.id)).where(d.stage == stage)
    if reviewer is not None:
        q = q.where(d.reviewer == reviewer, col(d.role).in_(SCREENER_ROLES))
    q = q.group_by(col(d.work_id))
    first = {w: i for w, i in session.exec(q) if w in labels and i is not None}
    last_include = max((i for w, i in first.items() if labels[w] == 1), default=None)
    if last_include is None:
        return 0
    return sum(1 for w, i in first.items() if i > last_include and labels[w] == 0)


def _learned_scores(features: Features, ids: list[int], labels: dict[int, int]) -> tuple[np.ndarray, str]:
    import numpy as np

    known = sorted(labels)
    train_rows = features.rows(known)
    held = features.has_rows(known, train_rows)
    train_rows = train_rows[held]
    y = np.asarray([labels[w] for w in known], dtype=np.int64)[held]
    rows = features.rows(ids)
    found = features.has_rows(ids, rows)
    rows = np.where(found, rows, 0)
    if y.size == 0 or y.min() == 1:  # includes only: nothing to contrast them with yet
        centroid = np.asarray(features.matrix[train_rows].mean(axis=0)).ravel().astype(np.float32)
        scores, basis = np.asarray(features.matrix @ centroid).ravel()[rows], "like-includes"
    else:
        scores, basis = model_scores(features.matrix, train_rows, y, rows), "model"
    # a work the matrix does not know yet (added by another process) goes last, never missing
    return np.where(found, scores, -np.inf), basis


def _term_scores(session: Session, ids: list[int], protocol: Protocol) -> np.ndarray:
    """BM25 of each work's title and abstract against the include highlight terms and questions."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    query = " ".join([*protocol.highlight.include, *protocol.review.questions])
    analyzer = CountVectorizer(ngram_range=(1, 2), stop_words="english").build_analyzer()
    vocabulary = sorted(set(analyzer(query)))
    wanted = set(ids)
    # all rows rather than `IN (...)`: a queue can outgrow SQLite's limit on bound parameters
    texts = {
        w: f"{t or ''} {a or ''}"
        for w, t, a in session.exec(select(Work.id, Work.title, Work.abstract))
        if w in wanted
    }
    docs = [texts.get(i, "") for i in ids]
    counts = CountVectorizer(ngram_range=(1, 2), vocabulary=vocabulary).fit_transform(docs).tocsc()
    return _bm25(counts, np.asarray([len(d.split()) for d in docs], dtype=np.float64))


def _bm25(counts: Any, lengths: np.ndarray, k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    import numpy as np

    n = counts.shape[0]
    df = np.diff(counts.indptr)  # CSC: documents containing each term
    idf = np.log1p((n - df + 0.5) / (df + 0.5))
    norm = k1 * (1 - b + b * lengths / max(lengths.mean(), 1.0))
    coo = counts.tocoo()
    tf = coo.data.astype(np.float64)
    contrib = idf[coo.col] * tf * (k1 + 1) / (tf + norm[coo.row])
    return np.bincount(coo.row, weights=contrib, minlength=n)
