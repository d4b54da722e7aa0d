"""Search bench: parse-and-store throughput for saved OpenAlex pages (`python -m tests.bench search`).

Builds N works by replicating the 200 recorded works of a real /works page (new ids and DOIs),
writes them as raw-archive pages of 200, then times reading the archive, parsing every work
(abstract inversion included) and storing each page in its own transaction into a fresh SQLite
store, as `review search --rebuild` and a live harvest do. Baselines in the same run:
json.loads of the same pages, and a naive per-row ORM add+commit on a 5k subset.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from review.db import init_db, make_engine, session_scope, utcnow
from review.models import Record
from review.records import RawArchive, start_run
from review.search.archive import entries as read_archive
from review.search.harvest import store
from review.search.openalex import FIELDS, parse_page, parse_work

RECORDED = "data/openalex/openalexPro/extracted_bodies/pro_fetch_search_biodiversity_AND_finance__00.json"
PER_PAGE = 200


def build_pages(shared: Path, n: int) -> list[dict[str, Any]]:
    """`n` works in /works pages of PER_PAGE, cut to the fields `review` selects."""
    recorded = json.loads((shared / RECORDED).read_text(encoding="utf-8"))
    seeds = [{k: w[k] for k in FIELDS if k in w} for w in recorded["results"]]
    pages, results = [], []
    for i in range(n):
        work = copy.copy(seeds[i % len(seeds)])
        work["id"] = f"https://openalex.org/W{9_000_000_000 + i}"
        work["doi"] = f"https://doi.org/10.9999/bench.{i}"
        results.append(work)
        if len(results) == PER_PAGE or i == n - 1:
            meta = {**recorded["meta"], "count": n, "per_page": PER_PAGE}
            pages.append({"meta": meta, "results": results, "group_by": []})
            results = []
    return pages


def write_archive(root: Path, pages: list[dict[str, Any]]) -> Path:
    archive = RawArchive(root, "sources/openalex/bench.jsonl.gz")
    for page in pages:
        archive.write({"kind": "page", "request": "bench", "status": 200, "body": page})
    archive.close()
    return archive.path


class Clock:
    """Wall and CPU seconds spent inside `with clock:` blocks (reading the archive stays outside)."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def __enter__(self) -> None:
        self._w, self._c = time.perf_counter(), time.process_time()

    def __exit__(self, *_exc: object) -> None:
        self.wall += time.perf_counter() - self._w
        self.cpu += time.process_time() - self._c


Row = tuple[str, int, Clock]


def read_only(path: Path) -> Row:
    clock, n = Clock(), 0
    with clock:
        n = sum(len(e["body"]["results"]) for e in read_archive(path))
    return "gunzip + json.loads of the pages (baseline)", n, clock


def parse_only(path: Path) -> Row:
    clock, n = Clock(), 0
    for entry in read_archive(path):
        with clock:
            n += len(parse_page(entry["body"]))
    return "parse (abstract inversion etc.)", n, clock


def _bench_run(engine: Engine) -> int:
    with session_scope(engine) as session:
        run = start_run(
            session,
            source="openalex",
            search_name="bench",
            arm="databases",
            platform="bench",
            request="bench",
            filters=None,
            protocol_hash=None,
        )
        assert run.id is not None
        return run.id


def parse_and_store(path: Path, db: Path) -> tuple[Row, Row]:
    engine = make_engine(db)
    init_db(engine)
    run_id, done = _bench_run(engine), 0
    inner, outer = Clock(), Clock()
    with outer:
        for entry in read_archive(path):
            with inner:
                records = parse_page(entry["body"])
                with session_scope(engine) as session:
                    store(session, run_id, records, rank0=done)
            done += len(records)
    engine.dispose()
    return ("parse + upsert, a transaction a page", done, inner), (
        "all of it: read + parse + upsert",
        done,
        outer,
    )


def naive_orm(path: Path, db: Path, limit: int) -> Row:
    engine = make_engine(db)
    init_db(engine)
    clock, done = Clock(), 0
    with Session(engine) as session:
        for entry in read_archive(path):
            for work in entry["body"]["results"][: limit - done]:
                with clock:
                    rec = parse_work(work)
                    now = utcnow()
                    fields = {f: getattr(rec, f) for f in rec.__slots__}
                    session.add(Record(**fields, created_at=now, updated_at=now))
                    session.commit()
                done += 1
            if done >= limit:
                break
    engine.dispose()
    return f"parse + ORM add+commit per row ({limit}, baseline)", done, clock


def main(shared: Path, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench search")
    parser.add_argument("--works", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 works and a 1,000-row ORM baseline")
    args = parser.parse_args(argv)
    n, orm_n = (10_000, 1_000) if args.quick else (args.works, 5_000)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = write_archive(root, build_pages(shared, n))
        rows = [read_only(path), parse_only(path), *parse_and_store(path, root / "b.db")]
        rows.append(naive_orm(path, root / "o.db", orm_n))
    _print(rows)


def _print(rows: list[Row]) -> None:
    orm = rows[-1][1] / rows[-1][2].cpu
    print(f"one process; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'step':<46} {'works':>7} {'wall s':>7} {'cpu s':>7} {'works/s':>8} {'/cpu-s':>8} {'vs ORM':>7}")
    for label, works, clock in rows:
        per_cpu = works / clock.cpu
        print(
            f"{label:<46} {works:>7} {clock.wall:>7.2f} {clock.cpu:>7.2f} {works / clock.wall:>8.0f} "
            f"{per_cpu:>8.0f} {per_cpu / orm:>6.1f}x"
        )
    inner = rows[2][1] / rows[2][2].cpu
    print(
        f"target >= 10,000 works per CPU-second for parse + upsert: {'met' if inner >= 10_000 else 'not met'}"
    )
