"""Screening prioritisation bench: our ranker vs ASReview's default model vs random, same starts.

`python -m tests.bench screen --shared ../shared [--quick] [--seeds N] [--only NAME] [--records N]`

For every labelled set in shared/data/screening (label column `label_included`) and each seed:
the simulation from one include and one exclude drawn with the seed, ASReview's default model
(when `asreview` is importable) from the same two records, and random orders from them.
Then both stopping designs replayed on our orders (recall at the point each says stop, work
saved): the ranked quasi-sampling test, and the paper's random sample after a heuristic stop;
and the time to re-rank a store of 100,000 works after one more decision.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from review.screen import metrics, rank, simulate, stopping

KEYS = ("wss95", "rrf10", "n95", "n100")


def main(shared: Path, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench screen")
    parser.add_argument("--quick", action="store_true", help="one seed, 20,000 works for the timing")
    parser.add_argument("--seeds", type=int, default=3, help="seeded starts per set")
    parser.add_argument("--only", default="", help="run only sets whose name contains this")
    parser.add_argument("--records", type=int, default=100_000, help="store size for the re-rank timing")
    parser.add_argument("--no-timing", action="store_true", help="skip the re-rank timing")
    args = parser.parse_args(argv)
    seeds = range(1 if args.quick else args.seeds)
    asreview = _asreview_available()
    rows = [_bench_set(name, path, seeds, asreview) for name, path in labelled_sets(shared, args.only)]
    _print_table(rows, asreview, len(seeds))
    if not args.no_timing:
        rerank_timing(shared, 20_000 if args.quick else args.records)


def labelled_sets(shared: Path, only: str = "") -> list[tuple[str, Path]]:
    """(name, path) of every CSV with a `label_included` column under data/screening."""
    root = shared / "data" / "screening"
    found = []
    for path in sorted(root.rglob("*.csv")):
        with path.open(encoding="utf-8-sig") as handle:
            header = handle.readline()
        if "label_included" in header and only.lower() in path.stem.lower():
            found.append((f"{path.parent.name}/{path.stem}" if path.parent != root else path.stem, path))
    return found


def _asreview_available() -> str | None:
    try:
        import asreview
    except ImportError:
        print("asreview not installed: its column is left out (pip install asreview into this environment)")
        return None
    return str(asreview.__version__)


def _bench_set(name: str, path: Path, seeds: Sequence[int], asreview: str | None) -> dict[str, Any]:
    data = simulate.read_labelled_csv(path, "label_included")
    labels = np.asarray(data.labels)
    ours, theirs, rand, stops, samples, seconds = [], [], [], [], [], []
    for seed in seeds:
        started = time.perf_counter()
        result = simulate.simulate(data, seed=seed)
        seconds.append(time.perf_counter() - started)
        ours.append(result.ranked.as_dict())
        rand.append(result.random)
        stops.append(stopping_replay(labels[list(result.order)].tolist()))
        samples.append(sample_replay(labels[list(result.order)].tolist(), seed))
        if asreview:
            order = asreview_order(data.texts, labels, result.prior, seed)
            theirs.append(metrics.evaluate(labels[order].tolist()).as_dict())
    row = {"set": name, "records": len(labels), "includes": int(labels.sum()), "seconds": np.mean(seconds)}
    row |= {f"ours_{k}": _mean(ours, k) for k in KEYS} | {f"random_{k}": _mean(rand, k) for k in KEYS}
    row |= {f"asr_{k}": _mean(theirs, k) for k in KEYS} if theirs else {}
    row |= {"stop_recall": _mean(stops, "recall"), "stop_saved": _mean(stops, "saved")}
    row["stop_met95"] = float(np.mean([s["recall"] >= 0.95 for s in stops]))
    row |= {"sample_recall": _mean(samples, "recall"), "sample_saved": _mean(samples, "saved")}
    row |= {"sample_met95": float(np.mean([s["recall"] >= 0.95 for s in samples]))}
    row |= {"sample_start": _mean(samples, "start")}
    print(f"  {name}: done in {sum(seconds):.1f} s (ours, {len(seeds)} seeds)", flush=True)
    return row


def _mean(results: list[dict[str, Any]], key: str) -> float:
    return float(np.mean([r[key] for r in results]))


def asreview_order(texts: Sequence[str], labels: np.ndarray, prior: Sequence[int], seed: int) -> list[int]:
    """ASReview's default model (its `get_ai_config()`), started from the same prior records."""
    import pandas as pd
    from asreview.learner import ActiveLearningCycle
    from asreview.models.models import get_ai_config
    from asreview.models.queriers import TopDown
    from asreview.models.stoppers import IsFittable
    from asreview.simulation.simulate import Simulate

    np.random.seed(seed)
    frame = pd.DataFrame({"title": list(texts), "abstract": [""] * len(texts)})  # same text as ours
    cycles = [
        ActiveLearningCycle(querier=TopDown(), stopper=IsFittable()),
        ActiveLearningCycle.from_meta(get_ai_config()["value"]),
    ]
    sim = Simulate(frame, labels, cycles, print_progress=False)
    sim.label(list(prior))
    sim.review()
    order = [int(i) for i in sim._results["record_id"].tolist()]
    return order + sorted(set(range(len(labels))) - set(order))


def stopping_replay(
    labels: Sequence[int], recall: float = 0.95, confidence: float = 0.95
) -> dict[str, float]:
    """Screen along `labels` until the stopping test says stop: recall then, and share of work saved."""
    n = len(labels)
    step = max(1, n // 400)
    for screened in range(2, n + 1, step):
        test = stopping.ranked_test(labels[:screened], n, recall)
        if test.p_value < 1 - confidence:
            return {"recall": sum(labels[:screened]) / sum(labels), "saved": 1 - screened / n}
    return {"recall": 1.0, "saved": 0.0}


def sample_replay(
    labels: Sequence[int], seed: int, recall: float = 0.95, confidence: float = 0.95
) -> dict[str, float]:
    """The paper's design on a ranked order: ranked until the heuristic stop, then a seeded random order.

    The ranked prefix is the simulation's own order (the model never sees later labels); from the
    heuristic stop, the remaining records come in a random order drawn with `seed`, and the test on
    that random sample (stopping.sample_stop) runs after every record.
    """
    n = len(labels)
    start = _heuristic_stop(labels, stopping.heuristic_run(n))
    before = int(sum(labels[:start]))
    rest = np.random.default_rng(seed).permutation(np.asarray(labels[start:], dtype=np.int64)).tolist()
    drawn = stopping.sample_stop(before, rest, recall=recall, confidence=confidence)
    if drawn is None:
        return {"recall": 1.0, "saved": 0.0, "start": start / n}
    found = before + sum(rest[:drawn])
    return {"recall": found / sum(labels), "saved": 1 - (start + drawn) / n, "start": start / n}


def _heuristic_stop(labels: Sequence[int], run: int) -> int:
    """Records screened in ranked order when the last `run` of them were all excludes (after an include)."""
    last_include = -1
    for i, label in enumerate(labels):
        if label:
            last_include = i
        elif last_include >= 0 and i - last_include >= run:
            return i + 1
    return len(labels)


def _print_table(rows: list[dict[str, Any]], asreview: str | None, seeds: int) -> None:
    peer = f"ASReview {asreview} default (ELAS u4)" if asreview else "ASReview: not installed"
    print(f"\nWSS@95 and RRF@10, mean of {seeds} seeded starts (1 include + 1 exclude); random = mean of")
    print(f"{simulate.RANDOM_RUNS} random orders from the same start; peer: {peer}.")
    head = f"{'set':34}{'N':>6}{'incl':>5} | {'WSS ours':>8}{'ASR':>7}{'rand':>7} | {'RRF ours':>8}{'ASR':>7}"
    print(head + f"{'rand':>7} | {'n95 ours':>8}{'ASR':>7} | {'n100':>6}{'ASR':>7}")
    for r in rows:
        print(_row(r))
    means = {k: statistics.fmean(r[k] for r in rows) for k in rows[0] if isinstance(rows[0][k], float)}
    print(_row({"set": "MEAN", "records": 0, "includes": 0, **means}))
    _verdict(rows, means, asreview)
    _print_stopping(rows, means)


def _row(r: dict[str, Any]) -> str:
    def a(key: str, fmt: str) -> str:
        return format(r[key], fmt) if key in r else "-".rjust(int(fmt.split(".")[0].lstrip(">")))

    return (
        f"{r['set']:34}{r['records'] or '':>6}{r['includes'] or '':>5} | {r['ours_wss95']:>8.3f}"
        f"{a('asr_wss95', '>7.3f')}{r['random_wss95']:>7.3f} | {r['ours_rrf10']:>8.3f}"
        f"{a('asr_rrf10', '>7.3f')}{r['random_rrf10']:>7.3f} | {r['ours_n95']:>8.0f}{a('asr_n95', '>7.0f')}"
        f" | {r['ours_n100']:>6.0f}"
        f"{a('asr_n100', '>7.0f')}"
    )


def _verdict(rows: list[dict[str, Any]], means: dict[str, float], asreview: str | None) -> None:
    worse = [r["set"] for r in rows if r["ours_wss95"] < r["random_wss95"]]
    print(f"\nWorse than random on WSS@95: {', '.join(worse) or 'none'}")
    if asreview:
        ours, theirs = means["ours_wss95"], means["asr_wss95"]
        print(f"Mean WSS@95 ours {ours:.3f}, ASReview {theirs:.3f}: {ours - theirs:+.3f} (target >= 0)")


def _print_stopping(rows: list[dict[str, Any]], means: dict[str, float]) -> None:
    print(
        "\nStopping (recall 95%, confidence 95%) replayed on our orders. ranked = quasi-sampling on the"
        "\nrecent tail; sample = ranked until a run of max(50, 5% of N) excludes, then a seeded random"
        "\norder and the test on that random sample. met = share of runs reaching 95% recall."
    )
    head = f"{'set':34} | {'ranked recall':>13}{'saved':>7}{'met':>6} | {'sample at':>9}{'recall':>8}"
    print(f"{head}{'saved':>7}{'met':>6}")
    for r in [*rows, {"set": "MEAN", **means}]:
        print(
            f"{r['set']:34} | {r['stop_recall']:>13.3f}{r['stop_saved']:>7.1%}{r['stop_met95']:>6.0%} | "
            f"{r['sample_start']:>9.1%}{r['sample_recall']:>8.3f}{r['sample_saved']:>7.1%}{r['sample_met95']:>6.0%}"
        )
    for design in ("stop", "sample"):
        met = statistics.fmean(r[f"{design}_met95"] for r in rows)
        print(f"{'ranked' if design == 'stop' else 'sample'}: reached 95% recall in {met:.0%} of runs, "
              f"mean work saved {means[f'{design}_saved']:.1%} (target: >= 95% of runs)")  # fmt: skip


def rerank_timing(shared: Path, records: int, decisions: int = 1000, repeats: int = 5) -> None:
    """Fit-vectorise once, then time `rank.rank` over every work after each new decision."""
    from sqlmodel import Session

    from review.db import init_db, make_engine

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(str(Path(tmp) / "review.db"))
        init_db(engine)
        with Session(engine) as session:
            ids = _synthetic_store(session, shared, records, decisions)
            started = time.perf_counter()
            features = rank.features_for(session)
            cold = time.perf_counter() - started
            first = _timed_rank(session, ids, decisions)  # includes importing scikit-learn's SVM
            timed = [_timed_rank(session, ids, decisions + 1 + i) for i in range(repeats)]
            _dual_store(session, ids, decisions)
            blind = [_timed_rank(session, ids, decisions + repeats + 1 + i, "r1") for i in range(repeats)]
        engine.dispose()
    wall = statistics.median(w for w, _ in timed) * 1000
    cpu = statistics.median(c for _, c in timed) * 1000
    blind_wall, blind_max = statistics.median(w for w, _ in blind) * 1000, max(w for w, _ in blind) * 1000
    print(
        f"\nRe-rank timing, {records:,} works ({features.matrix.shape[1]:,} features, "
        f"{features.matrix.nnz:,} non-zeros), {decisions} decisions, load average {os.getloadavg()[0]:.1f}:\n"
        f"  TF-IDF once {cold:.1f} s (cached beside the store after that); "
        f"first re-rank in a process {first[0] * 1000:.0f} ms;\n"
        f"  retrain + re-rank after one decision: median {wall:.0f} ms wall, {cpu:.0f} ms CPU; "
        f"max {max(w for w, _ in timed) * 1000:.0f} ms wall (target <= 200 ms);\n"
        f"  the same, blinded (dual queues of two, both screeners' decisions): median "
        f"{blind_wall:.0f} ms wall, max {blind_max:.0f} ms"
    )


def _timed_rank(session: Any, ids: list[int], nth: int, reviewer: str | None = None) -> tuple[float, float]:
    _decide(session, ids[nth], "exclude")
    wall, cpu = time.perf_counter(), time.process_time()
    result = rank.rank(session, "title_abstract", ids, reviewer=reviewer)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert result.basis == "model" and len(result.order) == len(ids)
    assert result.learned_from == ("pooled" if reviewer is None else "blinded")
    return wall, cpu


def _dual_store(session: Any, ids: list[int], decisions: int) -> None:
    """Every work queued to r1 and r2 for dual screening; r2 decides r1's works, disagreeing on 1 in 25."""
    from sqlalchemy import insert

    from review.db import utcnow
    from review.models import Assignment, ScreeningDecision

    now = utcnow()
    session.execute(
        insert(Assignment),
        [{"work_id": w, "stage": "title_abstract", "reviewer": r, "purpose": "dual", "created_at": now}
         for w in ids for r in ("r1", "r2")],
    )  # fmt: skip
    labels = ["include" if (i % 20 == 0) != (i % 25 == 0) else "exclude" for i in range(decisions)]
    session.execute(
        insert(ScreeningDecision),
        [{"work_id": ids[i], "stage": "title_abstract", "reviewer": "r2", "role": "screener",
          "decision": d, "created_at": now} for i, d in enumerate(labels)],
    )  # fmt: skip
    session.commit()


def _synthetic_store(session: Any, shared: Path, records: int, decisions: int) -> list[int]:
    """Works made of real sentences from the benchmark sets, so the vocabulary stays realistic."""
    from sqlalchemy import insert

    from review.db import utcnow
    from review.models import ScreeningDecision, Work

    sentences = _sentences(shared)
    rng = np.random.default_rng(0)
    now = utcnow()
    rows = [
        {"title": sentences[rng.integers(len(sentences))][:150],
         "abstract": " ".join(sentences[j] for j in rng.integers(len(sentences), size=8)),
         "created_at": now, "updated_at": now}
        for _ in range(records)
    ]  # fmt: skip
    session.execute(insert(Work), rows)
    ids = list(range(1, records + 1))
    labels = ["include" if i % 20 == 0 else "exclude" for i in range(decisions)]
    session.execute(
        insert(ScreeningDecision),
        [{"work_id": ids[i], "stage": "title_abstract", "reviewer": "r1", "role": "screener",
          "decision": d, "created_at": now} for i, d in enumerate(labels)],
    )  # fmt: skip
    session.commit()
    return ids


def _sentences(shared: Path) -> list[str]:
    import csv

    found = []
    for _, path in labelled_sets(shared):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                found += [s.strip() for s in (row.get("abstract") or "").split(". ") if len(s) > 30]
    return found


def _decide(session: Any, work_id: int, decision: str) -> None:
    from review.db import utcnow
    from review.models import ScreeningDecision

    session.add(
        ScreeningDecision(
            work_id=work_id, stage="title_abstract", reviewer="r1", decision=decision, created_at=utcnow()
        )
    )
    session.commit()
