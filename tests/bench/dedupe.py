"""Dedupe benchmark: labelled sets imported with `review import`, then `review dedupe`, against two
baselines measured in the same run (exact DOI-or-title matching; bib-dedupe if installed), and the
matching core at scale on synthetic records built from the real ones.

`nox -s bench -- dedupe [--quick] [--scale 10000,100000,1000000] [--store SIZES] [--workers N]
[--no-scale] [--no-sets] [--sets-dir DIR] [--misses N]`. The labelled sets: three from
../shared/data/dedup, the hard cases of tests/data/dedupe (real records chosen for what trips matchers
up; see its README), and with --sets-dir DIR every subfolder of DIR in the bib-dedupe benchmark
layout (held-out sets: bib-dedupe's repository keeps such folders under data/, e.g. stroke,
haematology, respiratory and digital_work, each `records_pre_merged.csv` with `merged_record_ids.csv`;
for sets it keeps only the lists of hard pairs, see `dedupe_pairs`; their
licences are their authors', so they stay outside this repository). For `review dedupe` the table
adds the queue left for a person and the recall it would give if decided as gold says.
Each measurement runs in a forked child, so "peak MB" is that child's maximum RSS (including the
~100 MB of imported libraries); "cpu s" beside wall seconds shows how busy the machine was. The
store table (`dedupe.run` on 10k, 100k and 1M stored records) adds "all MB", the dedupe process and
its worker processes together, then how time grew with size and where it went at the largest size.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
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
    root: Path | None = None  # where the files are; None: <shared>/data/dedup/<folder>
    related_file: str | None = None  # `ID_a,ID_b,relation`: pairs kept apart that are related

    def data(self, shared: Path) -> Path:
        return self.root if self.root is not None else shared / "data" / "dedup" / self.folder


HARD_CASES = ROOT / "tests" / "data" / "dedupe"
RECORDS, GROUPS = BIB_DEDUPE_LAYOUT = ("records_pre_merged.csv", "merged_record_ids.csv")
SETS = {
    "asysd_diabetes": LabelledSet(
        "asysd_diabetes", "diabetes_labelled_with_groups.utf8.csv", "record_id", ("journal=journal",), None
    ),
    "cytology_screening": LabelledSet("cytology_screening", RECORDS, "ID", ("doc_type=ENTRYTYPE",), GROUPS),
    "special_cases": LabelledSet("special_cases", RECORDS, "ID", ("doc_type=ENTRYTYPE",), GROUPS),
    # Read as "BibTeX entries saved as CSV" (ID, ENTRYTYPE, author ...): every column, `author` split
    # on " and ". No --map: a mapped `author` column would be read as `;`-separated.
    "hard_cases": LabelledSet(
        "hard_cases", "hard_cases.csv", "ID", (), None, HARD_CASES, "hard_cases_related.csv"
    ),
}
TARGETS = (
    "targets: precision >= 0.999, recall >= 0.98, 0 lost (automatic); "
    "recall >= 0.995 with <= 3% of records queued"
)
LEGEND = (
    "false: predicted pairs gold calls different; queued: record pairs left for a person; "
    "%q: records in a queued pair;\nrecall+q: recall if every queued pair were decided as gold says"
)


def extra_sets(dirs: Sequence[Path], taken: Iterable[str]) -> dict[str, LabelledSet]:
    """Every subfolder of `dirs` in the bib-dedupe benchmark layout, as a labelled set."""
    found: dict[str, LabelledSet] = {}
    names = set(taken)
    for base in dirs:
        if not base.is_dir():
            raise SystemExit(f"--sets-dir {base}: not a folder")
        for sub in sorted(p for p in base.iterdir() if p.is_dir()):
            if not all((sub / f).is_file() for f in BIB_DEDUPE_LAYOUT):
                continue
            name = sub.name if sub.name not in names else f"{base.name}/{sub.name}"
            names.add(name)
            found[name] = LabelledSet(name, RECORDS, "ID", ("doc_type=ENTRYTYPE",), GROUPS, sub)
    return found


def measured(fn: Callable[..., Any], *args: Any) -> tuple[Any, float, float, float]:
    """fn(*args) in a forked child: (result, wall s, cpu s, peak RSS MB of the child)."""
    result, wall, cpu, peak, _ = measured_tree(fn, *args)
    return result, wall, cpu, peak


# Reading a process's smaps walks its page tables under the lock its page faults need: sampled
# every 0.1 s, a 1M run took 74.8 s; every 0.5 s, 66.4 s (one run each, same machine).
SAMPLE_SECONDS = 0.5


def measured_tree(fn: Callable[..., Any], *args: Any) -> tuple[Any, float, float, float, float | None]:
    """`measured`, and the peak memory of the child and the worker processes it forks together:
    their proportional set sizes (shared pages split between the processes sharing them) summed,
    sampled every SAMPLE_SECONDS (None where /proc cannot tell). The cpu seconds include the workers'."""
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def child() -> None:
        wall, cpu = time.perf_counter(), _cpu_with_children()
        out = fn(*args)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        send.send((out, time.perf_counter() - wall, _cpu_with_children() - cpu, peak))

    proc = ctx.Process(target=child)
    proc.start()
    assert proc.pid is not None
    tree: float | None = 0.0
    while not recv.poll(SAMPLE_SECONDS):
        now = _tree_mb(proc.pid)
        tree = None if now is None or tree is None else max(tree, now)
    out, wall, cpu, peak = recv.recv()
    proc.join()
    return out, wall, cpu, peak, tree


def _cpu_with_children() -> float:
    """CPU seconds of this process and of the children it has waited for (the dedupe workers)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def _tree_mb(pid: int) -> float | None:
    """Summed PSS (MB) of process `pid` and its descendants, from /proc (Linux); None elsewhere."""
    total = 0
    todo = [pid]
    try:
        while todo:
            p = todo.pop()
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
    except (OSError, StopIteration, ValueError):
        return None if not os.path.isdir("/proc/self/task") else total / 1024
    return total / 1024


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def gold_labels(data: Path, spec: LabelledSet) -> dict[str, str]:
    """Source ID → gold group (singletons are their own group)."""
    rows = _read_rows(data / spec.file)
    if spec.gold_file is None:
        return {r[spec.id_column]: r["dup_group"] for r in rows}
    labels = {r[spec.id_column]: r[spec.id_column] for r in rows}
    same_id = _gold_id_map(labels, _read_rows(data / spec.gold_file), spec)
    for row in _read_rows(data / spec.gold_file):
        ids = [same_id[i] for i in row["merged_ids"].split(";")]
        labels.update({i: ids[0] for i in ids})
    return labels


def _gold_id_map(labels: dict[str, str], groups: list[dict[str, str]], spec: LabelledSet) -> dict[str, str]:
    """Gold ID → record ID: the same text, or else the same number (`id_0000018` is `0000000018`:
    some benchmark copies write the record IDs without the `id_` prefix the gold file keeps)."""
    gold_ids = {i for row in groups for i in row["merged_ids"].split(";")}
    if gold_ids <= labels.keys():
        return {i: i for i in gold_ids}
    by_number = {_number(sid): sid for sid in labels}
    mapped = {i: by_number.get(_number(i)) for i in gold_ids}
    missing = sorted(i for i, sid in mapped.items() if sid is None)
    if missing:
        raise SystemExit(f"{spec.folder}: {len(missing)} gold IDs match no record, e.g. {missing[:3]}")
    return {i: sid for i, sid in mapped.items() if sid is not None}


def _number(text: str) -> int | None:
    digits = "".join(c for c in text if c.isdigit())
    return int(digits) if digits else None


def _pairs(labels: Iterable[Any]) -> int:
    return sum(n * (n - 1) // 2 for n in Counter(labels).values())


@dataclass(frozen=True)
class Score:
    gold_pairs: int
    precision: float
    recall: float
    lost: int  # gold groups merged into another group's cluster
    false: int  # predicted pairs that gold says are different works


def scores(pred: dict[str, Any], gold: dict[str, str]) -> Score:
    """Pairwise precision and recall against gold, works lost, and false-merge pairs."""
    ids = list(gold)
    tp = _pairs((pred[i], gold[i]) for i in ids)
    predicted, true = _pairs(pred[i] for i in ids), _pairs(gold[i] for i in ids)
    groups_per_cluster = Counter(c for c, _ in {(pred[i], gold[i]) for i in ids})
    lost = sum(n - 1 for n in groups_per_cluster.values())
    precision, recall = tp / predicted if predicted else 1.0, tp / true if true else 1.0
    return Score(true, precision, recall, lost, predicted - tp)


@dataclass(frozen=True)
class Queue:
    pairs: list[tuple[str, str]]  # pending record pairs, as source IDs
    records_share: float  # records in a queued pair / records
    recall: float  # recall if every queued pair were decided as gold says


def queue_scores(pred: dict[str, Any], gold: dict[str, str], pairs: list[tuple[str, str]]) -> Queue:
    """The queue for a person, and the recall it would give if decided correctly: the queued pairs
    gold calls duplicates joined into the predicted clusters (gold-different pairs stay apart)."""
    parent: dict[Any, Any] = {}

    def find(x: Any) -> Any:
        while x in parent:
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(pred[a]), find(pred[b])
        if gold[a] == gold[b] and ra != rb:
            parent[ra] = rb
    decided = {sid: find(work) for sid, work in pred.items()}
    records = {sid for pair in pairs for sid in pair}
    return Queue(pairs, len(records) / max(len(gold), 1), scores(decided, gold).recall)


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


_PAIR_SOURCES = (
    "SELECT a.source_id, b.source_id{extra} FROM dedupe_pair p"
    " JOIN record a ON a.id = p.record_a JOIN record b ON b.id = p.record_b WHERE {where}"
)


def queued_pairs(folder: Path) -> list[tuple[str, str]]:
    """Record pairs waiting for a person, as source IDs."""
    import sqlite3

    where = "p.band = 'review' AND p.decision IS NULL AND p.undone_at IS NULL"
    with sqlite3.connect(folder / "review.db") as conn:
        rows = conn.execute(_PAIR_SOURCES.format(extra="", where=where)).fetchall()
    return [(a, b) for a, b in rows]


def related_links(folder: Path) -> list[tuple[str, str, str]] | None:
    """Pairs the store marks related (erratum, comment, ...); None if dedupe_pair has no `relation`."""
    import sqlite3

    with sqlite3.connect(folder / "review.db") as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(dedupe_pair)")}
        if "relation" not in columns:
            return None
        sql = _PAIR_SOURCES.format(extra=", p.relation", where="p.relation IS NOT NULL")
        return [(a, b, r) for a, b, r in conn.execute(sql).fetchall()]


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
    def call() -> Any:
        return fn(_rows(folder, *columns))

    return call


def _rows(folder: Path, *columns: str) -> list[tuple[Any, ...]]:
    """Stored records' source IDs and columns, `authors` read from its JSON text."""
    import json

    rows = _stored(folder, *columns)
    if "authors" in columns:
        k = 1 + columns.index("authors")
        rows = [(*r[:k], json.loads(r[k]) if r[k] else None, *r[k + 1 :]) for r in rows]
    return rows


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
Columns = tuple[tuple[str, str], ...]  # (header, format spec) per column
SET_COLUMNS: Columns = (
    *(("set", "<18"), ("method", "<15"), ("records", ">7"), ("pairs", ">6"), ("precision", ">9")),
    *(("recall", ">6"), ("lost", ">4"), ("false", ">5"), ("queued", ">6"), ("%q", ">5")),
    *(("recall+q", ">8"), ("seconds", ">7"), ("cpu s", ">6"), ("peak MB", ">7")),
)
SET_DIGITS = (-1, -1, -1, -1, 4, 4, -1, -1, -1, 1, 4, 2, 2, 0)
SCALE_COLUMNS: Columns = (
    *(("records", ">9"), ("method", "<21"), ("seconds", ">8"), ("cpu s", ">7"), ("peak MB", ">8")),
    *(("precision", ">9"), ("recall", ">7"), ("largest", ">7"), ("s per 10k", ">9")),
)


def row(columns: Sequence[tuple[str, str]], values: Sequence[Any], digits: Sequence[int] = ()) -> str:
    """One table line; `digits` gives decimals per column (default: as is)."""
    cells = []
    for k, ((_, align), value) in enumerate(zip(columns, values, strict=True)):
        places = digits[k] if k < len(digits) else -1
        text = f"{value:.{places}f}" if places >= 0 and isinstance(value, float) else str(value)
        cells.append(f"{text:{align}}")
    return " ".join(cells)


@dataclass
class SetRun:
    """What one set's `review dedupe` left behind, for the notes printed under the table."""

    name: str
    spec: LabelledSet
    data: Path
    gold: dict[str, str]
    pred: dict[str, Any]
    queue: Queue
    records: dict[str, tuple[Any, ...]]  # source ID → DETAIL_COLUMNS
    links: list[tuple[str, str, str]] | None
    not_stored: list[str] = field(default_factory=list)  # refused by `review import`: scored as singletons


DETAIL_COLUMNS = ("title", "journal", "year", "volume", "pages", "authors")


def bench_set(name: str, spec: LabelledSet, shared: Path) -> SetRun:
    """Import the set, run `review dedupe` and the baselines, print a table line for each."""
    data = spec.data(shared)
    gold = gold_labels(data, spec)
    with tempfile.TemporaryDirectory(prefix=f"bench-dedupe-{spec.folder}-") as tmp:
        folder = Path(tmp) / "review"
        import_set(folder, data, spec)
        methods: list[tuple[str, Callable[[], Any]]] = [
            ("review dedupe", lambda: run_review_dedupe(folder)),
            ("exact DOI/title", _with_rows(exact_baseline, folder, "title", "doi")),
            ("bib-dedupe", _with_rows(bib_dedupe_baseline, folder, *BIB_COLUMNS)),
        ]
        run: SetRun | None = None
        queue: tuple[Any, ...]
        for label, fn in methods:
            pred, wall, cpu, peak = measured(fn)
            if pred is None:
                print(f"{name:<18} {label:<15} not installed")
                continue
            pred = {**{sid: ("not stored", sid) for sid in gold}, **pred}
            score, queue = scores(pred, gold), ("-", "-", "-")
            if label == "review dedupe":
                q = queue_scores(pred, gold, queued_pairs(folder))
                queue = (len(q.pairs), 100 * q.records_share, q.recall)
                details = {r[0]: r[1:] for r in _rows(folder, *DETAIL_COLUMNS)}
                run = SetRun(name, spec, data, gold, pred, q, details, related_links(folder))
                run.not_stored = sorted(set(gold) - details.keys())
            values = (name, label, len(gold), score.gold_pairs, score.precision, score.recall, score.lost)
            values += (score.false, *queue, wall, cpu, peak)
            print(row(SET_COLUMNS, values, SET_DIGITS), flush=True)
    assert run is not None
    return run


def _gold_pairs(gold: dict[str, str]) -> Iterator[tuple[str, str]]:
    return (p for ids in _groups(gold).values() for p in itertools.combinations(ids, 2))


def _groups(labels: dict[str, Any]) -> dict[Any, list[str]]:
    groups: dict[Any, list[str]] = {}
    for sid, label in labels.items():
        groups.setdefault(label, []).append(sid)
    return groups


def _pair_lines(kind: str, pair: tuple[str, str], run: SetRun) -> list[str]:
    """A pair as two lines: source ID, year, journal, volume, pages, first 2 authors, title."""
    lines = []
    for k, sid in enumerate(pair):
        title, journal, year, volume, pages, authors = run.records.get(sid, ("?",) * 6)
        names = "; ".join((authors or [])[:2])
        head = (
            f"  {kind if k == 0 else '':<17} {sid} | {year or ''} | {(journal or '')[:30]} | {volume or ''}"
        )
        head += f" | {pages or ''} | {names[:34]}"
        lines.append(f"{head}\n  {'':<17}   {(title or '(no title)')[:100]}")
    return lines


def print_errors(run: SetRun, n: int) -> None:
    """Up to n gold pairs `review dedupe` left apart and n pairs it merged that gold keeps apart."""
    queued = {frozenset(p) for p in run.queue.pairs}
    missed = [p for p in _gold_pairs(run.gold) if run.pred[p[0]] != run.pred[p[1]]]
    false = [
        p
        for ids in _groups({sid: run.pred[sid] for sid in run.gold}).values()
        for p in itertools.combinations(ids, 2)
        if run.gold[p[0]] != run.gold[p[1]]
    ]
    waiting = sum(frozenset(p) in queued for p in missed)
    print(
        f"\n{run.name}: {len(missed)} gold pairs missed ({waiting} queued), {len(false)} false-merge pairs;"
        f" up to {n} of each:"
    )
    for pair in missed[:n]:
        print("\n".join(_pair_lines("missed (queued)" if frozenset(pair) in queued else "missed", pair, run)))
    for pair in false[:n]:
        print("\n".join(_pair_lines("false merge", pair, run)))


def print_links(run: SetRun) -> None:
    """How many pairs the store marks related, and how many of the set's known related work pairs
    (a link between any record of one work and any record of the other counts)."""
    if run.links is None:
        print(f"{run.name}: related links: no `relation` column on dedupe_pair yet")
        return
    by_kind = Counter(r for _, _, r in run.links)
    text = ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items())) or "none"
    line = f"{run.name}: related links: {len(run.links)} ({text})"
    known = _related_works(run)
    if known:
        found: dict[frozenset[str], set[str]] = {}
        for a, b, relation in run.links:
            works = frozenset((run.gold[a], run.gold[b]))
            if works in known:
                found.setdefault(works, set()).add(relation)
        same = sum(known[w] in relations for w, relations in found.items())
        line += f"; {len(found)} of {len(known)} known related works linked, {same} with the right relation"
    # Some gold sets group an erratum, a reply or a later version with its article; dedupe keeps
    # them apart by policy and links them. Recall with those links counted as found:
    linked = [(a, b) for a, b, _ in run.links if a in run.gold and b in run.gold]
    by_policy = sum(run.gold[a] == run.gold[b] for a, b in linked)
    if by_policy:
        line += (
            f"; {by_policy} link(s) join records the gold calls one work: recall counting them "
            f"{queue_scores(run.pred, run.gold, linked).recall:.4f}"
        )
    print(line)


def _related_works(run: SetRun) -> dict[frozenset[str], str]:
    """The set's known related pairs (`related_file`) as pairs of gold works."""
    if not run.spec.related_file:
        return {}
    rows = _read_rows(run.data / run.spec.related_file)
    return {frozenset((run.gold[r["ID_a"]], run.gold[r["ID_b"]])): r["relation"] for r in rows}


def _case_classes(case: str) -> list[str]:
    """The classes a hard-cases record illustrates: `merge: ...` and `apart: ...` parts of `case`."""
    return [part.strip() for part in case.split(" | ") if part.strip().startswith(("merge:", "apart:"))]


def print_classes(run: SetRun) -> None:
    """Per class of the hard-cases set, how `review dedupe` left its pairs: a `merge:` class's pairs
    of one work must merge; an `apart:` class's pairs of different works must stay apart (counted
    where the works are known related or their titles share half their words: two unrelated
    statistics series in one class are no test)."""
    rows = _read_rows(run.data / run.spec.file)
    titles = {r[run.spec.id_column]: _words(r["title"]) for r in rows}
    related = _related_works(run)
    members: dict[str, list[str]] = {}
    for r in rows:
        for cls in _case_classes(r.get("case", "")):
            members.setdefault(cls, []).append(r[run.spec.id_column])
    queued = {frozenset(p) for p in run.queue.pairs}
    print(f"\n{run.name} by class, review dedupe:{'':<54} pairs right queued wrong")
    for cls, ids in sorted(members.items(), key=lambda item: (item[0].startswith("apart:"), item[0].lower())):
        merge = cls.startswith("merge:")
        pairs = [
            (a, b)
            for a, b in itertools.combinations(ids, 2)
            if (run.gold[a] == run.gold[b]) == merge
            and (merge or frozenset((run.gold[a], run.gold[b])) in related or _alike(titles[a], titles[b]))
        ]
        states = Counter(_state(p, merge, run.pred, queued) for p in pairs)
        flag = "  <--" if states["wrong"] else ""
        counts = f"{len(pairs):>5} {states['right']:>5} {states['queued']:>6} {states['wrong']:>5}"
        print(f"  {cls[:82]:<82} {counts}{flag}")


def _words(title: str) -> frozenset[str]:
    return frozenset("".join(c if c.isalnum() else " " for c in title.lower()).split())


def _alike(a: frozenset[str], b: frozenset[str]) -> bool:
    """Titles that share at least half the words of the shorter."""
    return bool(a and b) and len(a & b) >= min(len(a), len(b)) / 2


def _state(pair: tuple[str, str], merge: bool, pred: dict[str, Any], queued: set[frozenset[str]]) -> str:
    """A pair left for a person is `queued`; else `right` if merged (or kept apart) as it should be."""
    if frozenset(pair) in queued:
        return "queued"
    return "right" if (pred[pair[0]] == pred[pair[1]]) == merge else "wrong"


def scale_run(shared: Path, n: int, exact: bool) -> tuple[float, float, float, float, int]:
    """Matching core on n synthetic records: (seconds, cpu seconds, precision, recall, largest cluster)."""
    from review.dedupe.engine import cluster, find_candidates
    from review.dedupe.prepare import from_columns
    from review.runtime import collector_paused

    syn = generate(_pool(shared), n)
    start, cpu = time.perf_counter(), time.process_time()
    if exact:
        rows = list(zip(syn.cols["id"], syn.cols["title"], syn.cols["doi"], strict=True))
        labels = exact_baseline(rows)
        roots = [labels[i] for i in syn.cols["id"]]
    else:
        with collector_paused():  # as `dedupe.run` does
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
        for row in _read_rows(spec.data(shared) / spec.file):
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


def dedupe_store(folder: Path, workers: int | None = None) -> tuple[float, float, int, dict[str, float]]:
    """`dedupe.run` on the store in one transaction: (seconds, cpu seconds, works, seconds by phase)."""
    from review import dedupe
    from review.db import make_engine, session_scope

    engine = make_engine(folder / "review.db")
    start, cpu = time.perf_counter(), _cpu_with_children()
    with session_scope(engine) as session:
        result = dedupe.run(session, workers=workers)
        committed = time.perf_counter()
    phases = {**result.seconds, "commit": round(time.perf_counter() - committed, 3)}
    return time.perf_counter() - start, _cpu_with_children() - cpu, result.works, phases


def store_scores(shared: Path, n: int, folder: Path) -> tuple[float, float]:
    group = generate(_pool(shared), n).group
    pred = {sid: work for sid, work in _stored(folder, "work_id")}
    tp = _pairs((pred[str(k + 1)], g) for k, g in enumerate(group))
    return tp / max(_pairs(pred.values()), 1), tp / _pairs(group)


def bench_store(shared: Path, sizes: Sequence[int], workers: int | None = None) -> None:
    """The store table: `dedupe.run` at each size, its growth, and where the largest run's time went."""
    from review.dedupe.parallel import default_workers

    processes = default_workers() if workers is None else workers
    print(
        "\nScale through the store: `dedupe.run` on synthetic records already imported (load, match, write,"
        f" commit); {processes} worker process(es), {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at start"
    )
    print("(peak MB: the dedupe process; all MB: it and its workers, shared pages counted once)")
    print(row(STORE_COLUMNS, [name for name, _ in STORE_COLUMNS]))
    timed: list[tuple[int, float]] = []
    phases: dict[str, float] = {}
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="bench-dedupe-store-") as tmp:
            measured(build_store, shared, n, Path(tmp))
            # The build's writes go to disk now, not while the next run is timed (at a million
            # records: 63.0/64.9 s timed without this, 61.6/63.4 s with it, runs alternated).
            os.sync()
            (secs, cpu, works, phases), _, _, peak, tree = measured_tree(dedupe_store, Path(tmp), workers)
            (precision, recall), *_ = measured(store_scores, shared, n, Path(tmp))
            values = (n, secs, cpu, peak, "-" if tree is None else tree, works, precision, recall)
            print(row(STORE_COLUMNS, (*values, secs / n * 10_000), (-1, 1, 1, 0, 0, -1, 4, 4, 3)), flush=True)
            timed.append((n, secs))
    print(growth_line(timed))
    if phases:
        print(f"where the time went at {sizes[-1]:,} records: " + phase_line(phases))


def growth_line(timed: Sequence[tuple[int, float]]) -> str:
    """How time grows with size: `10,000 -> 100,000: x10.0 records, x11.2 time; ...`; linear is
    time growing as the records do."""
    steps = [
        f"{a:,} -> {b:,}: x{b / a:.1f} records, x{tb / ta:.1f} time"
        for (a, ta), (b, tb) in itertools.pairwise(timed)
        if ta > 0
    ]
    return "growth: " + ("; ".join(steps) if steps else "one size only")


def phase_line(phases: dict[str, float]) -> str:
    """Seconds by phase with their shares: `read and normalise 14.2 s (23%), ...`."""
    total = sum(phases.values()) or 1.0
    return ", ".join(f"{name} {secs:.1f} s ({100 * secs / total:.0f}%)" for name, secs in phases.items())


STORE_COLUMNS: Columns = (
    *(("records", ">9"), ("seconds", ">8"), ("cpu s", ">7"), ("peak MB", ">8"), ("all MB", ">7")),
    *(("works", ">8"), ("precision", ">9"), ("recall", ">7"), ("s per 10k", ">9")),
)


def main(shared: Path, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench dedupe")
    parser.add_argument("--quick", action="store_true", help="scale only to 100,000 records")
    parser.add_argument("--no-scale", action="store_true", help="labelled sets only")
    parser.add_argument("--scale", default=None, help="comma-separated sizes (default 10000,100000,1000000)")
    parser.add_argument("--store", default=None, help="sizes through the store (default as --scale's)")
    parser.add_argument("--workers", type=int, default=None, help="dedupe worker processes (default: 2)")
    parser.add_argument("--no-sets", action="store_true", help="scale only: skip the labelled sets")
    parser.add_argument(
        "--sets-dir",
        type=Path,
        action="append",
        default=[],
        help="a folder whose subfolders hold records_pre_merged.csv + merged_record_ids.csv (repeatable)",
    )
    parser.add_argument("--misses", type=int, default=0, metavar="N", help="print N missed and N false pairs")
    args, _ = parser.parse_known_args(argv)
    if not args.no_sets:
        bench_sets({**SETS, **extra_sets(args.sets_dir, SETS)}, shared, args.misses)
    if not args.no_scale:
        sizes = args.scale or ("10000,100000" if args.quick else "10000,100000,1000000")
        bench_scale(shared, [int(s) for s in sizes.split(",")])
        store = args.store or ("10000,100000" if args.quick else "10000,100000,1000000")
        bench_store(shared, [int(s) for s in store.split(",")], args.workers)
    print(f"load average at end: {os.getloadavg()[0]:.1f} (cores: {os.cpu_count()})")


def bench_sets(sets: dict[str, LabelledSet], shared: Path, misses: int) -> None:
    """The table for every labelled set, then each set's notes: related links, hard-case classes, and
    with `misses` its missed and false pairs."""
    print(TARGETS)
    print(LEGEND)
    print(row(SET_COLUMNS, [name for name, _ in SET_COLUMNS]))
    runs = [bench_set(name, spec, shared) for name, spec in sets.items()]
    print()
    for run in runs:
        if run.not_stored:
            names = ", ".join(run.not_stored[:5])
            print(f"{run.name}: not stored by `review import`, scored as works of their own: {names}")
    for run in runs:
        print_links(run)
    for run in runs:
        if run.spec.gold_file is None and run.spec.related_file:
            print_classes(run)
    for run in runs if misses else ():
        print_errors(run, misses)
