"""Estimate the dedupe match weights (review/dedupe/weights.py) from labelled sets.

`python -m tests.bench dedupe_fit [--sets-dir DIR ...] [--fit NAME,NAME]`

Each set is imported with `review import` as a user would; its records are blocked as `review dedupe`
blocks them; every blocked pair is compared field by field and labelled by the gold groups. For each
field level, m is the share of duplicate pairs and u the share of different-work pairs at that level
(add-one smoothing); the weight is log2(m/u). Prints the weights (for pasting into weights.py) and, per
set, how the current weights separate the pairs.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from tests.bench.dedupe import SETS, LabelledSet, extra_sets, gold_labels, import_set

FIT = ("asysd_diabetes", "cytology_screening")


def labelled_pairs(
    spec: LabelledSet, data: Path, gold: dict[str, str]
) -> list[tuple[dict[str, str], bool, Any]]:
    """Every blocked pair's field levels, whether gold calls it one work, and its scored candidate."""
    from sqlalchemy import text
    from sqlmodel import Session

    from review.db import make_engine
    from review.dedupe.compare import Columns, compare, named
    from review.dedupe.engine import find_candidates
    from review.dedupe.match import candidate_pairs, title_levels
    from review.dedupe.prepare import from_columns
    from review.dedupe.stage import _load

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "review"
        import_set(folder, data, spec)  # as the dedupe bench imports it
        engine = make_engine(folder / "review.db")
        with Session(engine) as session:
            cols = _load(session)
            sids = [r for (r,) in session.execute(text("SELECT source_id FROM record ORDER BY id"))]
        engine.dispose()
    cols.pop("work_id"), cols.pop("recompare")
    prep = from_columns(cols)
    pairs = candidate_pairs(prep)
    level, _ = title_levels(prep, pairs)
    lv = compare(prep, Columns.of(prep), pairs, level)
    cands = {(c.i, c.j): c for c in find_candidates(prep)}
    out = []
    for k, (i, j) in enumerate(pairs.tolist()):
        same = gold.get(sids[i], sids[i]) == gold.get(sids[j], sids[j])
        levels = {
            n: v for n, v in named(lv, k).items() if not (n in ("year", "doi") and v in ("far", "differ"))
        }
        out.append((levels, same, cands.get((i, j))))
    return out


def fit(pairs: list[tuple[dict[str, str], bool, Any]]) -> tuple[float, dict[str, dict[str, float]]]:
    """log2(m/u) per level (add-one smoothing), clipped to ±CLIP bits; a level seen in fewer than
    MIN_SEEN pairs keeps its set value (weights.SET_VALUES): too few pairs to estimate it."""
    from review.dedupe.weights import CLIP, LEVELS, MIN_SEEN, SET_VALUES

    m: Counter[tuple[str, str]] = Counter()
    u: Counter[tuple[str, str]] = Counter()
    for lv, same, _ in pairs:
        for name, level in lv.items():
            (m if same else u)[(name, level)] += 1
    n_m = sum(1 for _, s, _ in pairs if s)
    n_u = len(pairs) - n_m
    out: dict[str, dict[str, float]] = {}
    for name, names in LEVELS.items():
        k = len(names)
        out[name] = {}
        for level in names:
            seen = m[(name, level)] + u[(name, level)]
            ratio = ((m[(name, level)] + 1) / (n_m + k)) / ((u[(name, level)] + 1) / (n_u + k))
            estimate = max(-CLIP, min(CLIP, round(math.log2(ratio), 1)))
            fallback = SET_VALUES.get(name, {}).get(level, 0.0)
            out[name][level] = 0.0 if level == "missing" else estimate if seen >= MIN_SEEN else fallback
        counts = ", ".join(f"{lv} {m[(name, lv)]}/{u[(name, lv)]}" for lv in names)
        print(f"  {name:<10} m/u pairs: {counts}")
    return round(math.log2(n_m / max(n_u, 1)), 1), out


def report(name: str, pairs: list[tuple[dict[str, str], bool, Any]]) -> None:
    bands: Counter[tuple[str, bool]] = Counter()
    for _, same, cand in pairs:
        bands[(cand.band if cand else "dropped", same)] += 1
    shown = "  ".join(f"{b}: {bands[(b, True)]} dup / {bands[(b, False)]} not" for b in
                      ("auto", "review", "related", "distinct", "dropped"))  # fmt: skip
    print(f"{name:<20} {shown}")


def main(shared: Path, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench dedupe_fit")
    parser.add_argument("--sets-dir", type=Path, action="append", default=[])
    parser.add_argument("--fit", default=",".join(FIT), help="sets the weights are estimated on")
    args, _ = parser.parse_known_args(argv)
    fitted: list[tuple[dict[str, str], bool, Any]] = []
    for name, spec in {**SETS, **extra_sets(args.sets_dir, SETS)}.items():
        data = spec.data(shared)
        if not (data / spec.file).exists():
            continue
        pairs = labelled_pairs(spec, data, gold_labels(data, spec))
        report(name, pairs)
        if name in args.fit.split(","):
            fitted += pairs
    print(f"\nEstimated on {args.fit} ({len(fitted)} blocked pairs):")
    prior, table = fit(fitted)
    print(f"PRIOR = {prior}")
    print("WEIGHTS = {")
    for name, levels_ in table.items():
        print(f"    {name!r}: {levels_},")
    print("}")
