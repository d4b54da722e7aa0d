"""Dedupe benchmark: labelled sets imported with `review import`, then `review dedupe`, against two
baselines measured in the same run (exact DOI-or-title matching; bib-dedupe if installed), and the
matching core at scale on synthetic records built from the real ones.

`nox -s bench -- dedupe [--quick] [--scale 10000,100000,1000000] [--no-scale]`
Each measurement runs in a forked child, so "peak MB" is that child's maximum RSS (including the
~100 MB of imported libraries); "cpu s" beside wall seconds shows how busy the machine was.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.bench.dedupe_scale import generate, pool_from

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class LabelledSet:
    folder: str
    file: str
    id_column: str
    maps: tuple[str, ...]
    gold_file: str | None  # `;`-joined groups; None: the `dup_group` column


SETS = {
    "asysd_diabetes": LabelledSet(
        "asysd_diabetes", "diabetes_labelled_with_groups.utf8.csv", "record_id", ("journal=journal",), None
    ),
    "cytology_screening": LabelledSet(
        "cytology_screening", "records_pre_merged.csv", "ID", ("doc_type=ENTRYTYPE",), "merged_record_ids.csv"
    ),
    "special_cases": LabelledSet(
        "special_cases", "records_pre_merged.csv", "ID", ("doc_type=ENTRYTYPE",), "merged_record_ids.csv"
    ),
}


def measured(fn: Callable[..., Any], *args: Any) -> tuple[Any, float, float, float]:
    """fn(*args) in a forked child: (result, wall s, cpu s, peak RSS MB of the child)."""
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def child() -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn(*args)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        send.send((out, time.perf_counter() - wall, time.process_time() - cpu, peak))

    proc = ctx.Process(target=child)
    proc.start()
    result = recv.recv()
    proc.join()
    return result  # type: ignore[no-any-return]


def gold_labels(data: Path, spec: LabelledSet) -> dict[str, str]:
    """Source ID → gold group (singletons are their own group)."""
    with (data / spec.file).open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if spec.gold_file is None:
        return {r[spec.id_column]: r["dup_group"] for r in rows}
    labels = {r[spec.id_column]: r[spec.id_column] for r in rows}
    with (data / spec.gold_file).open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            ids = row["merged_ids"].split(";")
            labels.update({i: ids[0] for i in ids})
    return labels


def _pairs(labels: Iterable[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in Counter(labels).values())


def scores(pred: dict[str, Any], gold: dict[str, str]) -> tuple[int, float, float, int]:
    """Gold pairs, pairwise precision and recall, and works lost (gold groups merged into another's)."""
    ids = list(gold)
    tp = _pairs((pred[i], gold[i]) for i in ids)
    predicted, true = _pairs(pred[i] for i in ids), _pairs(gold[i] for i in ids)
    groups_per_cluster = Counter(c for c, _ in {(pred[i], gold[i]) for i in ids})
    lost = sum(n - 1 for n in groups_per_cluster.values())
    return true, tp / predicted if predicted else 1.0, tp / true if true else 1.0, lost


def import_set(folder: Path, data: Path, spec: LabelledSet) -> None:
    """`review init`-like folder, then `review import ... --format csv` as a user would."""
    from click.testing import CliRunner

    from review.cli import cli

    (folder / "protocol").mkdir(parents=True)
    shutil.copy(ROOT / "protocol" / "protocol.toml", folder / "protocol" / "protocol.toml")
    args = ["--dir", str(folder), "import", str(data / spec.file), "--format", "csv", "--source", spec.folder]
    args += ["--id-column", spec.id_column, *[x for m in spec.maps for x in ("--map", m)]]
    result = CliRunner().invoke(cli, args)
    if result.exit_code != 0:
        raise SystemExit(f"review import failed for {spec.folder}: {result.output}{result.stderr}")


def run_review_dedupe(folder: Path) -> dict[str, Any]:
    from click.testing import CliRunner

    from review.cli import cli

    result = CliRunner().invoke(cli, ["--dir", str(folder), "dedupe"])
    if result.exit_code != 0:
        raise SystemExit(f"review dedupe failed: {result.output}{result.stderr}")
    return {sid: work for sid, work in _stored(folder, "work_id")}


def _stored(folder: Path, *columns: str) -> list[tuple[Any, ...]]:
    import sqlite3

    with sqlite3.connect(folder / "review.db") as conn:
        return conn.execute(f"SELECT source_id, {', '.join(columns)} FROM record ORDER BY id").fetchall()


def _queued(folder: Path) -> int:
    """Work pairs left for a person, as the dedupe run logged them."""
    import json
    import sqlite3

    with sqlite3.connect(folder / "review.db") as conn:
        row = conn.execute("SELECT counts FROM stage_run WHERE stage = 'dedupe' ORDER BY id DESC").fetchone()
    return int(json.loads(row[0])["queued_pairs"])


def exact_baseline(rows: Sequence[tuple[Any, ...]]) -> dict[str, Any]:
    """Exact DOI or exact title (lower case, single spaces), joined transitively."""
    from review.normalize import normalize_doi

    parent = list(range(len(rows)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    seen: dict[str, int] = {}
    for k, (_, title, doi) in enumerate(rows):
        keys = [f"doi:{normalize_doi(doi)}" if normalize_doi(doi) else None]
        keys.append(f"t:{' '.join(title.lower().split())}" if title else None)
        for key in filter(None, keys):
            parent[find(k)] = find(seen.setdefault(key, k))
    return {row[0]: find(k) for k, row in enumerate(rows)}


def bib_dedupe_baseline(rows: Sequence[tuple[Any, ...]]) -> dict[str, Any] | None:
    try:
        import pandas as pd
        from bib_dedupe.bib_dedupe import block, cluster, match, prep
    except ImportError:
        return None
    cols = [
        "ID",
        "title",
        "doi",
        "author",
        "year",
        "journal",
        "volume",
        "number",
        "pages",
        "ENTRYTYPE",
        "abstract",
    ]
    frame = pd.DataFrame(
        [
            [
                sid,
                t or "",
                d or "",
                " and ".join(a or []),
                str(y or ""),
                j or "",
                v or "",
                n or "",
                p or "",
                e or "article",
                ab or "",
            ]
            for sid, t, d, a, y, j, v, n, p, e, ab in rows
        ],
        columns=cols,
    )
    groups = cluster(
        match(block(prep(frame, verbosity_level=0), verbosity_level=0), verbosity_level=0), verbosity_level=0
    )
    labels = {sid: sid for sid in frame["ID"]}
    for group in groups:
        first = sorted(group)[0]
        labels.update({i: first for i in group})
    return labels


def _with_rows(fn: Callable[[list[tuple[Any, ...]]], Any], folder: Path, *columns: str) -> Callable[[], Any]:
    import json

    def call() -> Any:
        rows = _stored(folder, *columns)
        if "authors" in columns:  # stored as JSON text
            k = 1 + columns.index("authors")
            rows = [(*r[:k], json.loads(r[k]) if r[k] else None, *r[k + 1 :]) for r in rows]
        return fn(rows)

    return call


BIB_COLUMNS = (
    "title",
    "doi",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doc_type",
    "abstract",
)
SET_COLUMNS = (
    ("set", "<19"),
    ("method", "<21"),
    ("records", ">7"),
    ("gold pairs", ">10"),
    ("precision", ">9"),
)
SET_COLUMNS += (("recall", ">7"), ("lost", ">5"), ("seconds", ">8"), ("cpu s", ">6"), ("peak MB", ">8"))
SCALE_COLUMNS = (("records", ">9"), ("method", "<21"), ("seconds", ">8"), ("cpu s", ">7"), ("peak MB", ">8"))
SCALE_COLUMNS += (("precision", ">9"), ("recall", ">7"), ("largest", ">7"), ("s per 10k", ">9"))


def row(columns: Sequence[tuple[str, str]], values: Sequence[Any], digits: Sequence[int] = ()) -> str:
    """One table line; `digits` gives decimals per column (default: as is)."""
    cells = []
    for k, ((_, align), value) in enumerate(zip(columns, values, strict=True)):
        places = digits[k] if k < len(digits) else -1
        text = f"{value:.{places}f}" if places >= 0 and isinstance(value, float) else str(value)
        cells.append(f"{text:{align}}")
    return " ".join(cells)


def bench_set(name: str, shared: Path) -> None:
    spec = SETS[name]
    data = shared / "data" / "dedup" / spec.folder
    gold = gold_labels(data, spec)
    with tempfile.TemporaryDirectory(prefix=f"bench-dedupe-{name}-") as tmp:
        folder = Path(tmp) / "review"
        import_set(folder, data, spec)
        methods: list[tuple[str, Callable[[], Any]]] = [
            ("review dedupe", lambda: run_review_dedupe(folder)),
            ("exact DOI-or-title", _with_rows(exact_baseline, folder, "title", "doi")),
            ("bib-dedupe", _with_rows(bib_dedupe_baseline, folder, *BIB_COLUMNS)),
        ]
        for label, fn in methods:
            pred, wall, cpu, peak = measured(fn)
            if pred is None:
                print(f"{name:<19} {label:<21} not installed")
                continue
            pairs, precision, recall, lost = scores(pred, gold)
            extra = (
                f"  ({_queued(folder)} work pairs queued for a person)" if label == "review dedupe" else ""
            )
            values = (name, label, len(gold), pairs, precision, recall, lost, wall, cpu, peak)
            print(row(SET_COLUMNS, values, (-1, -1, -1, -1, 4, 4, -1, 2, 2, 0)) + extra, flush=True)


def scale_run(shared: Path, n: int, exact: bool) -> tuple[float, float, float, float, int]:
    """Matching core on n synthetic records: (seconds, cpu seconds, precision, recall, largest cluster)."""
    from review.dedupe.engine import cluster, find_candidates
    from review.dedupe.prepare import from_columns

    syn = generate(_pool(shared), n)
    start, cpu = time.perf_counter(), time.process_time()
    if exact:
        rows = list(zip(syn.cols["id"], syn.cols["title"], syn.cols["doi"], strict=True))
        labels = exact_baseline(rows)
        roots = [labels[i] for i in syn.cols["id"]]
    else:
        prep = from_columns(syn.cols)
        roots = cluster(prep, find_candidates(prep)).roots.tolist()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    tp = _pairs(zip(roots, syn.group, strict=True))
    predicted, true = _pairs(roots), _pairs(syn.group)
    return seconds, cpu, tp / max(predicted, 1), tp / true, max(Counter(roots).values())


def _pool(shared: Path) -> Any:
    records = []
    for name in ("asysd_diabetes", "cytology_screening"):
        spec = SETS[name]
        with (shared / "data" / "dedup" / spec.folder / spec.file).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                records.append({"title": row["title"], "authors": row["author"], "journal": row["journal"]})
    return pool_from(records)


def bench_scale(shared: Path, sizes: Sequence[int]) -> None:
    cores = os.cpu_count()
    print(f"\nScale: matching core (normalise, block, score, cluster) on synthetic records; {cores} cores")
    print("(peak MB includes the generated input records held in memory)")
    print(row(SCALE_COLUMNS, [name for name, _ in SCALE_COLUMNS]))
    for n in sizes:
        for label, exact in (("review dedupe core", False), ("exact DOI-or-title", True)):
            (secs, cpu, precision, recall, largest), *_, peak = measured(scale_run, shared, n, exact)
            values = (n, label, secs, cpu, peak, precision, recall, largest, secs / n * 10_000)
            print(row(SCALE_COLUMNS, values, (-1, -1, 1, 1, 0, 4, 4, -1, 3)), flush=True)


def build_store(shared: Path, n: int, folder: Path) -> None:
    """A store holding n synthetic records (no works yet), written with the importers' bulk upsert."""
    from review.db import init_db, make_engine, session_scope
    from review.records import RecordIn, upsert_records

    syn = generate(_pool(shared), n)
    engine = make_engine(folder / "review.db")
    init_db(engine)
    names = [c for c in syn.cols if c != "id"]
    with session_scope(engine) as session:
        batch = []
        for k, rid in enumerate(syn.cols["id"]):
            values = {name: syn.cols[name][k] for name in names}
            values["authors"] = values["authors"].split("; ") if values["authors"] else None
            values["year"] = int(values["year"])
            batch.append(RecordIn(source_id=str(rid), **values))
            if len(batch) == 50_000:
                upsert_records(session, None, batch)
                batch = []
        upsert_records(session, None, batch)
    engine.dispose()


def dedupe_store(folder: Path) -> tuple[float, float, int]:
    """`dedupe.run` on the store in one transaction: (seconds, cpu seconds, works)."""
    from review import dedupe
    from review.db import make_engine, session_scope

    engine = make_engine(folder / "review.db")
    start, cpu = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        works = dedupe.run(session).works
    return time.perf_counter() - start, time.process_time() - cpu, works


def store_scores(shared: Path, n: int, folder: Path) -> tuple[float, float]:
    group = generate(_pool(shared), n).group
    pred = {sid: work for sid, work in _stored(folder, "work_id")}
    tp = _pairs((pred[str(k + 1)], g) for k, g in enumerate(group))
    return tp / max(_pairs(pred.values()), 1), tp / _pairs(group)


def bench_store(shared: Path, sizes: Sequence[int]) -> None:
    print(
        "\nScale through the store: `dedupe.run` on synthetic records already imported (load, match, write)"
    )
    print(row(STORE_COLUMNS, [name for name, _ in STORE_COLUMNS]))
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-dedupe-store-") as tmp:
            measured(build_store, shared, n, Path(tmp))
            (secs, cpu, works), *_, peak = measured(dedupe_store, Path(tmp))
            (precision, recall), *_ = measured(store_scores, shared, n, Path(tmp))
            values = (n, secs, cpu, peak, works, precision, recall, secs / n * 10_000)
            print(row(STORE_COLUMNS, values, (-1, 1, 1, 0, -1, 4, 4, 3)), flush=True)


STORE_COLUMNS = (("records", ">9"), ("seconds", ">8"), ("cpu s", ">7"), ("peak MB", ">8"), ("works", ">8"))
STORE_COLUMNS += (("precision", ">9"), ("recall", ">7"), ("s per 10k", ">9"))


def main(shared: Path, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench dedupe")
    parser.add_argument("--quick", action="store_true", help="scale only to 100,000 records")
    parser.add_argument("--no-scale", action="store_true", help="labelled sets only")
    parser.add_argument("--scale", default=None, help="comma-separated sizes (default 10000,100000,1000000)")
    args, _ = parser.parse_known_args(argv)
    print(row(SET_COLUMNS, [name for name, _ in SET_COLUMNS]))
    for name in SETS:
        bench_set(name, shared)
    if not args.no_scale:
        sizes = args.scale or ("10000,100000" if args.quick else "10000,100000,1000000")
        bench_scale(shared, [int(s) for s in sizes.split(",")])
        bench_store(shared, [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    print(f"load average at end: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")
