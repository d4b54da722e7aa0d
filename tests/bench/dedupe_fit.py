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
import csv
import math
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FIT = ("asysd_diabetes", "cytology_screening")


def _sets(shared: Path, extra: list[Path]) -> Iterator[tuple[str, Path, list[str], str | None]]:
    """(name, records file, import options, gold file or None for a `dup_group` column)."""
    dedup = shared / "data" / "dedup"
    yield "asysd_diabetes", dedup / "asysd_diabetes" / "diabetes_labelled_with_groups.utf8.csv", [
        "--id-column", "record_id", "--map", "journal=journal"], None  # fmt: skip
    for folder in [dedup / "cytology_screening", dedup / "special_cases"] + [
        p for d in extra for p in sorted(d.iterdir()) if (p / "merged_record_ids.csv").exists()
    ]:
        yield (
            folder.name,
            folder / "records_pre_merged.csv",
            ["--id-column", "ID", "--map", "doc_type=ENTRYTYPE"],
            str(folder / "merged_record_ids.csv"),
        )
    yield "hard_cases", ROOT / "tests" / "data" / "dedupe" / "hard_cases.csv", ["--id-column", "ID"], None


def _gold(records: Path, gold_file: str | None) -> dict[str, str]:
    with records.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if gold_file is None:
        key = "record_id" if "record_id" in rows[0] else "ID"
        return {r[key]: r["dup_group"] for r in rows}
    labels = {r["ID"]: r["ID"] for r in rows}
    with open(gold_file, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            ids = row["merged_ids"].split(";")
            labels.update({i: ids[0] for i in ids})
    return labels


def labelled_pairs(
    records: Path, options: list[str], gold: dict[str, str]
) -> list[tuple[dict[str, str], bool, Any]]:
    """Every blocked pair's field levels, whether gold calls it one work, and its scored candidate."""
    from click.testing import CliRunner
    from sqlalchemy import text
    from sqlmodel import Session

    from review.cli import cli
    from review.db import make_engine
    from review.dedupe.compare import Columns, compare, named
    from review.dedupe.engine import find_candidates
    from review.dedupe.match import candidate_pairs, title_levels
    from review.dedupe.prepare import from_columns
    from review.dedupe.stage import _load

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "protocol").mkdir()
        shutil.copy(ROOT / "protocol" / "protocol.toml", folder / "protocol" / "protocol.toml")
        args = [
            "--dir",
            str(folder),
            "import",
            str(records),
            "--format",
            "csv",
            "--source",
            records.parent.name,
        ]
        result = CliRunner().invoke(cli, [*args, *options])
        assert result.exit_code == 0, result.output
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
    for name, records, options, gold_file in _sets(shared, args.sets_dir):
        if not records.exists():
            continue
        pairs = labelled_pairs(records, options, _gold(records, gold_file))
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
