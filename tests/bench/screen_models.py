"""Model search for prioritised screening: candidate learners over every labelled task, same starts.

`python -m tests.bench.screen_models ../shared [--seeds N] [--only NAME] [--models a,b]
[--peer-cache DIR] [--jobs 2]`

Prints WSS@95 per task and on average for each candidate, beside ASReview's default (read from
--peer-cache when given: orders written by an earlier run of `screen`), so a change is chosen on
its mean gain and its worst task, not on one review.
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from review.screen import learners, metrics, simulate

if TYPE_CHECKING:
    import numpy as np
    from scipy.sparse import csr_matrix


def main(shared: Path, argv: list[str]) -> None:
    from tests.bench.screen import tasks

    parser = argparse.ArgumentParser(prog="python -m tests.bench screen_models")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--only", default="")
    parser.add_argument("--models", default=",".join(CANDIDATES))
    parser.add_argument("--peer-cache", type=Path, default=None)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    names = args.models.split(",")
    chosen = sorted(tasks(shared, args.only), key=lambda t: t[1].stat().st_size)  # small sets first
    work = [(t, n, s) for t in chosen for n in names for s in range(args.seeds)]
    results = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for result in pool.map(_run, work, chunksize=1):
            results.append(result)
            print(json.dumps({k: result[k] for k in ("task", "model", "seed", "wss95")}), flush=True)
    _print(results, names, args.peer_cache, args.seeds)


def _run(job: tuple[tuple[str, Path, str], str, int]) -> dict[str, Any]:
    (name, path, column), model, seed = job
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    with threadpool_limits(1):  # the jobs take the cores; OpenBLAS's idle threads would spin
        return _run_one(name, path, column, model, seed)


def _run_one(name: str, path: Path, column: str, model: str, seed: int) -> dict[str, Any]:
    data = simulate.read_labelled_csv(path, column)
    result = simulate.simulate(data, seed=seed, random_runs=1, learner=CANDIDATES[model]())
    return {"task": name, "path": str(path), "column": column, "model": model, "seed": seed,
            **result.ranked.as_dict()}  # fmt: skip


def _print(results: list[dict[str, Any]], names: list[str], cache: Path | None, seeds: int) -> None:
    taskset = list(dict.fromkeys(r["task"] for r in results))
    where = {r["task"]: (Path(r["path"]), r["column"]) for r in results}
    peer = {t: _peer(cache, *where[t], seeds) for t in taskset} if cache else {}
    print(f"{'task':40}" + "".join(f"{n[:9]:>10}" for n in names) + f"{'ASR':>8}")
    table: dict[str, list[float]] = {n: [] for n in [*names, "ASR"]}
    for t in taskset:
        row = [
            statistics.fmean(r["wss95"] for r in results if r["task"] == t and r["model"] == n) for n in names
        ]
        for n, v in zip(names, row, strict=True):
            table[n].append(v)
        table["ASR"].append(peer.get(t, float("nan")))
        print(f"{t:40}" + "".join(f"{v:>10.3f}" for v in row) + f"{peer.get(t, float('nan')):>8.3f}")
    print(
        f"{'MEAN':40}"
        + "".join(f"{statistics.fmean(table[n]):>10.3f}" for n in names)
        + f"{statistics.fmean(table['ASR']):>8.3f}"
    )
    if peer:
        worst = [min(a - b for a, b in zip(table[n], table["ASR"], strict=True)) for n in names]
        print(f"{'worst vs ASR':40}" + "".join(f"{w:>10.3f}" for w in worst))


def _peer(cache: Path, path: Path, column: str, seeds: int) -> float:
    import numpy as np

    labels = simulate.read_labelled_csv(path, column).labels
    values = []
    for seed in range(seeds):
        file = cache / f"{path.stem}.{column}.{seed}.json"
        if not file.exists():
            return float("nan")
        order = json.loads(file.read_text())
        values.append(metrics.evaluate(np.asarray(labels)[order].tolist()).wss95)
    return statistics.fmean(values)


# ---- candidates -------------------------------------------------------------------------------


def _chars(texts: Sequence[str]) -> csr_matrix:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    v = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, max_df=0.95, dtype=np.float32
    )
    return v.fit_transform(texts).tocsr()


def _embed(texts: Sequence[str], dim: int = 256) -> np.ndarray:
    import numpy as np
    import wordllama

    # the wheel ships the tokenizer where load() does not look: point cache_dir at the package
    model = wordllama.WordLlama.load(cache_dir=Path(wordllama.__file__).parent, dim=dim)
    return np.asarray(model.embed(list(texts), norm=True), dtype=np.float32)


def _stack(*blocks: Any) -> csr_matrix:
    from scipy.sparse import csr_matrix, hstack

    return hstack([csr_matrix(b) for b in blocks]).tocsr().astype("float32")


def _words_emb(weight: float, dim: int = 256) -> learners.Featuriser:
    def featurise(texts: Sequence[str]) -> csr_matrix:
        return _stack(learners.words(texts), weight * _embed(texts, dim))

    return featurise


def _words_lsa(weight: float, k: int = 300) -> learners.Featuriser:
    """TF-IDF words plus `weight` times a corpus-trained LSA (truncated SVD of the same TF-IDF, k
    dimensions, rows L2-normalised): latent topics shared by includes whose words differ."""

    def featurise(texts: Sequence[str]) -> csr_matrix:
        from sklearn.decomposition import TruncatedSVD
        from sklearn.preprocessing import normalize

        tfidf = learners.words(texts)
        dims = max(1, min(k, tfidf.shape[1] - 1, tfidf.shape[0] - 1))
        topics = TruncatedSVD(dims, algorithm="randomized", random_state=0).fit_transform(tfidf)
        return _stack(tfidf, weight * normalize(topics))

    return featurise


def _words_d2v_avg(weight: float, seeds: int = 3, dim: int = 100, epochs: int = 40) -> learners.Featuriser:
    """`_words_d2v` with the doc2vec vectors of `seeds` models (seeds 0, 1, ...) averaged: one model's
    vectors move with its seed; their mean moves less."""

    def featurise(texts: Sequence[str]) -> csr_matrix:
        import re

        import numpy as np
        from gensim.models.doc2vec import Doc2Vec, TaggedDocument
        from sklearn.preprocessing import normalize

        docs = [TaggedDocument(re.findall(r"\w+", t.lower()), [k]) for k, t in enumerate(texts)]
        total = np.zeros((len(texts), dim), dtype=np.float64)
        for seed in range(seeds):
            model = Doc2Vec(docs, vector_size=dim, dm=0, min_count=2, epochs=epochs, workers=1, seed=seed)
            total += normalize(np.vstack([model.dv[k] for k in range(len(texts))]))
        return _stack(learners.words(texts), weight * normalize(total))

    return featurise


def _words_d2v(weight: float, dim: int = 100, epochs: int = 40) -> learners.Featuriser:
    """TF-IDF words plus `weight` times doc2vec vectors trained on the task's own texts (PV-DBOW,
    `dim` dimensions, `epochs` passes, words seen twice or more, rows L2-normalised). Needs gensim in
    the bench environment (not a project dependency); one worker thread and a fixed seed, though
    gensim seeds word vectors with Python's `hash` (set PYTHONHASHSEED to repeat a run exactly)."""

    def featurise(texts: Sequence[str]) -> csr_matrix:
        import re

        import numpy as np
        from gensim.models.doc2vec import Doc2Vec, TaggedDocument
        from sklearn.preprocessing import normalize

        docs = [TaggedDocument(re.findall(r"\w+", t.lower()), [k]) for k, t in enumerate(texts)]
        model = Doc2Vec(docs, vector_size=dim, dm=0, min_count=2, epochs=epochs, workers=1, seed=0)
        vectors = np.vstack([model.dv[k] for k in range(len(texts))])
        return _stack(learners.words(texts), weight * normalize(vectors))

    return featurise


def _words_chars(texts: Sequence[str]) -> csr_matrix:
    import numpy as np

    return _stack(learners.words(texts) / np.sqrt(2), _chars(texts) / np.sqrt(2))


def _lr(c: float, ratio: float = 9.8) -> learners.Scorer:
    def scores(matrix: csr_matrix, train: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=c, solver="liblinear")
        lr.fit(matrix[train], labels, sample_weight=learners.class_weights(labels, ratio))
        return learners.linear_scores(matrix, lr.coef_, float(lr.intercept_[0]), rows)

    return scores


def _svm(c: float, ratio: float = 9.8) -> learners.Scorer:
    def scores(matrix: csr_matrix, train: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
        from sklearn.svm import LinearSVC

        svm = LinearSVC(C=c)
        svm.fit(matrix[train], labels, sample_weight=learners.class_weights(labels, ratio))
        return learners.linear_scores(matrix, svm.coef_, float(svm.intercept_[0]), rows)

    return scores


def _nb(alpha: float, complement: bool) -> learners.Scorer:
    def scores(matrix: csr_matrix, train: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
        from sklearn.naive_bayes import ComplementNB, MultinomialNB

        nb = (ComplementNB if complement else MultinomialNB)(alpha=alpha)
        nb.fit(matrix[train], labels, sample_weight=learners.class_weights(labels))
        if complement:
            return learners.linear_scores(
                matrix, nb.feature_log_prob_[1] - nb.feature_log_prob_[0], 0.0, rows
            )
        logp = nb.feature_log_prob_
        return learners.linear_scores(matrix, logp[1] - logp[0], 0.0, rows)

    return scores


def _z(x: np.ndarray) -> np.ndarray:
    import numpy as np

    return np.asarray((x - x.mean()) / (x.std() + 1e-12))


def _mix(*scorers: learners.Scorer, weights: Sequence[float] = ()) -> learners.Scorer:
    """The sum of the scorers' standardised scores, each times its weight (1 when not given)."""
    factors = list(weights) or [1.0] * len(scorers)

    def scores(matrix: csr_matrix, train: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
        import numpy as np

        parts = (w * _z(s(matrix, train, labels, rows)) for w, s in zip(factors, scorers, strict=True))
        return np.asarray(sum(parts))

    return scores


def _svm_words_lr_emb(dim: int = 256, c: float = 1.0) -> learners.Scorer:
    """Score-level fusion: the SVM on the TF-IDF block plus a logistic regression on the embedding
    block (the last `dim` columns of `_words_emb`'s matrix), each standardised. Fused this way the
    dense embedding is not swamped by the many sparse word columns, as it is when concatenated."""
    split: dict[int, tuple[Any, Any]] = {}

    def scores(matrix: csr_matrix, train: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
        import numpy as np

        if id(matrix) not in split:
            split.clear()
            split[id(matrix)] = (matrix[:, :-dim].tocsr(), np.asarray(matrix[:, -dim:].todense()))
        words, emb = split[id(matrix)]
        return np.asarray(
            _z(learners.svm_scores(words, train, labels, rows)) + _z(_lr(c)(emb, train, labels, rows))
        )

    return scores


def _nearest(matrix: csr_matrix, train: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Each row's highest cosine similarity to a known include (rows are L2-normalised)."""
    import numpy as np

    includes = matrix[train[labels == 1]]
    sims = (matrix[rows] @ includes.T).toarray() if includes.shape[0] else np.zeros((len(rows), 1))
    return np.asarray(sims.max(axis=1), dtype=np.float64)


def _centroid(matrix: csr_matrix, train: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Each row's cosine similarity to the mean of the known includes (Rocchio's relevance feedback)."""
    import numpy as np

    mean = np.asarray(matrix[train[labels == 1]].mean(axis=0)).ravel()
    norm = float(np.linalg.norm(mean)) or 1.0
    return learners.linear_scores(matrix, mean / norm, 0.0, rows)


def _mixed_query(scorer: learners.Scorer, every: int) -> learners.Scorer:
    """Query strategy mixing uncertainty into certainty: every `every`-th pick is the record the model
    is least sure of (score nearest the SVM's boundary, 0) instead of the likeliest include. The
    simulation scores once per pick on these sets (all under 3,000 records), so calls count picks."""

    def scores(matrix: csr_matrix, train: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
        import numpy as np

        found = scorer(matrix, train, labels, rows)
        return -np.abs(found) if len(train) % every == 0 else found

    return scores


def _pseudo_negatives(scorer: learners.Scorer, count: int) -> learners.Scorer:
    """Cormack and Grossman's BMI (the TREC Total Recall baseline): `count` records drawn at random
    from those not yet screened join the training set as presumed excludes. Includes are rare, so
    nearly all are excludes, and the model sees the whole collection's vocabulary, not only the
    screened part. The draw is seeded by the number screened, so a run repeats exactly."""

    def scores(matrix: csr_matrix, train: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> np.ndarray:
        import numpy as np

        rng = np.random.default_rng(len(train))
        drawn = rng.choice(rows, size=min(count, len(rows)), replace=False)
        both = np.concatenate([train, drawn])
        return scorer(matrix, both, np.concatenate([labels, np.zeros(len(drawn), dtype=labels.dtype)]), rows)

    return scores


def _learner(name: str, featurise: learners.Featuriser, scores: learners.Scorer) -> Any:
    return lambda: learners.Learner(name, featurise, scores, name)


CANDIDATES: dict[str, Any] = {
    "svm": _learner("svm", learners.words, learners.svm_scores),
    "lr1": _learner("lr1", learners.words, _lr(1.0)),
    "lr10": _learner("lr10", learners.words, _lr(10.0)),
    "mnb": _learner("mnb", learners.words, _nb(3.822, False)),
    "cnb": _learner("cnb", learners.words, _nb(0.3, True)),
    "svm_ch": _learner("svm_ch", _words_chars, learners.svm_scores),
    "svm_e.5": _learner("svm_e.5", _words_emb(0.5), learners.svm_scores),
    "svm_e1": _learner("svm_e1", _words_emb(1.0), learners.svm_scores),
    "lr_e1": _learner("lr_e1", _words_emb(1.0), _lr(1.0)),
    "svm+lr": _learner("svm+lr", learners.words, _mix(learners.svm_scores, _lr(10.0))),
    "svm+lre": _learner("svm+lre", _words_emb(1.0), _svm_words_lr_emb()),
    "svm+nn": _learner("svm+nn", learners.words, _mix(learners.svm_scores, _nearest)),
    "svm+nn.5": _learner("svm+nn.5", learners.words, _mix(learners.svm_scores, _nearest, weights=(1.0, 0.5))),
    "svm+cen": _learner("svm+cen", learners.words, _mix(learners.svm_scores, _centroid)),
    "svm_lsa.5": _learner("svm_lsa.5", _words_lsa(0.5), learners.svm_scores),
    "svm_lsa1": _learner("svm_lsa1", _words_lsa(1.0), learners.svm_scores),
    "svm_d2v.5": _learner("svm_d2v.5", _words_d2v(0.5), learners.svm_scores),
    "svm_d2v.25": _learner("svm_d2v.25", _words_d2v(0.25), learners.svm_scores),
    "svm_d2v.15": _learner("svm_d2v.15", _words_d2v(0.15), learners.svm_scores),
    "svm_u10": _learner("svm_u10", learners.words, _mixed_query(learners.svm_scores, 10)),
    "svm_d2v3.25": _learner("svm_d2v3.25", _words_d2v_avg(0.25), learners.svm_scores),
    "svm+lr_d2v.25": _learner("svm+lr_d2v.25", _words_d2v(0.25), learners.svm_lr_scores),
    "svm+mnb": _learner("svm+mnb", learners.words, _mix(learners.svm_scores, _nb(3.822, False))),
    "svm_pn100": _learner("svm_pn100", learners.words, _pseudo_negatives(learners.svm_scores, 100)),
    "svm_pn30": _learner("svm_pn30", learners.words, _pseudo_negatives(learners.svm_scores, 30)),
}


if __name__ == "__main__":
    import sys

    main(Path(sys.argv[1]), sys.argv[2:])
