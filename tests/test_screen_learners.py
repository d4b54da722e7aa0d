"""The screening models in review.screen.learners, and the simulation that takes one."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from review.screen import learners, rank, simulate

SAMPLE = Path(__file__).parent / "data" / "screen" / "donners_2021_sample.csv"
TEXTS = [
    "randomised trial of aspirin after stroke",
    "aspirin and stroke recurrence in a cohort",
    "soil bacteria in alpine meadows",
    "meadow grasses and soil nitrogen",
    "stroke prevention with aspirin: a trial",
    "nitrogen cycling by soil microbes",
]


def test_words_gives_one_float32_row_per_text_and_survives_empty_texts() -> None:
    matrix = learners.words(TEXTS)
    assert matrix.shape[0] == len(TEXTS) and matrix.dtype == np.float32
    assert learners.words(["", ""]).shape == (2, 1)


def test_every_model_ranks_the_unseen_like_include_first() -> None:
    labels = np.asarray([1, 0, 0])
    for learner in (learners.DEFAULT, learners.CANDIDATE, learners.SVM):
        matrix = learner.featurise(TEXTS)
        scores = learner.scores(matrix, np.asarray([0, 2, 3]), labels, np.asarray([1, 4, 5]))
        assert scores.shape == (3,)
        assert max(scores[0], scores[1]) > scores[2], learner.name


def test_simulation_uses_and_reports_the_learner_it_is_given() -> None:
    data = simulate.read_labelled_csv(SAMPLE, "label_included")
    default = simulate.simulate(data, seed=2, random_runs=1)
    assert default.as_dict()["model"] == rank.MODEL_TEXT
    assert rank.MODEL_TEXT.startswith(learners.DEFAULT.text)
    candidate = simulate.simulate(data, seed=2, random_runs=1, learner=learners.CANDIDATE)
    assert candidate.as_dict()["model"] == rank.describe(learners.CANDIDATE.text)
    assert candidate.prior == default.prior
