"""Interactive latency at scale: `review status` and a screener's next record at 10k, 100k and 1M works.

`nox -s bench -- scale [--sizes 10000,100000,1000000] [--postgres URL]` builds a store of each size
(one record per work, half of them in a scored dedupe pair, two screeners with half the works
each, 1% of works already decided), then times the status computation, the next-record fetch (the
terminal screen's step), the status line and a decision (with the kept counts it moves) 20 times
each, and prints p50/p95 in milliseconds.
PostgreSQL runs when --postgres or REVIEW_TEST_POSTGRES_URL names a server. Target (issue 8):
p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, insert, text

from review import tally
from review.db import init_db, make_engine, session_scope, utcnow
from review.models import Assignment, DedupePair, Record, ScreeningDecision, Work

BATCH = 20_000
PROTOCOL = Path(__file__).resolve().parents[2] / "protocol" / "protocol.toml"
REPEATS = 20


def build(engine: Engine, n: int, seed: int = 7) -> None:
    """n works, n records, two screeners' assignments and 1% decided (bulk Core inserts)."""
    rng = random.Random(seed)
    now = utcnow()
    with engine.begin() as conn:
        for start in range(1, n + 1, BATCH):
            ids = range(start, min(start + BATCH, n + 1))
            conn.execute(
                insert(Work),
                [
                    {
                        "id": i,
                        "title": f"Sure Start evaluation report {i}",
                        "year": 1998 + i % 28,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(Record),
                [
                    {
                        "source": "openalex",
                        "source_id": f"W{i}",
                        "work_id": i,
                        "title": f"Sure Start evaluation report {i}",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in ids
                ],
            )
            conn.execute(
                insert(Assignment),
                [
                    {
                        "work_id": i,
                        "stage": "title_abstract",
                        "reviewer": "reviewer1" if i % 2 else "reviewer2",
                        "purpose": "single",
                        "created_at": now,
                    }
                    for i in ids
                ],
            )
            # Scored candidate pairs, as dedupe leaves them: most told apart, 0.1% waiting for a person.
            conn.execute(
                insert(DedupePair),
                [
                    {
                        "record_a": i,
                        "record_b": i + 1,
                        "rule": "fuzzy_title",
                        "band": "review" if i % 1000 == 1 else "distinct",
                        "created_at": now,
                    }
                    for i in ids
                    if i % 2 and i + 1 < ids.stop
                ],
            )
            decided = [i for i in ids if rng.random() < 0.01]
            conn.execute(
                insert(ScreeningDecision),
                [
                    {
                        "work_id": i,
                        "stage": "title_abstract",
                        "reviewer": "reviewer1" if i % 2 else "reviewer2",
                        "role": "screener",
                        "decision": rng.choice(["include", "exclude"]),
                        "reason_code": None,
                        "created_at": now,
                    }
                    for i in decided
                ],
            )
        if engine.dialect.name == "postgresql":
            for table in ("work", "record", "dedupe_pair", "assignment", "screening_decision"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
    # Rows went in underneath the stages: count them once, as `review status --check` would.
    with session_scope(engine) as session:
        tally.rebuild(session)
    if engine.dialect.name == "postgresql":
        # What autovacuum does soon after a bulk load; timing while it runs measures the vacuum.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def measure(engine: Engine) -> dict[str, tuple[float, float]]:
    from review import status
    from review.protocol import load_protocol
    from review.screen import decide, queue

    protocol = load_protocol(PROTOCOL)

    def status_once() -> None:
        with session_scope(engine) as session:
            status.run(session)

    with session_scope(engine) as session:
        start = time.perf_counter()
        pending = list(queue.build(session, "reviewer1", "title_abstract", ordered=False).pending)
        opened = (time.perf_counter() - start) * 1000

    def next_record() -> None:
        # What the terminal does per card: is it still undecided, and its card. The status line is
        # read every card from the kept counts, measured on its own below.
        with session_scope(engine) as session:
            work_id = pending.pop(0)
            queue.is_decided(session, "reviewer1", "title_abstract", work_id)
            queue.items(session, [work_id], "title_abstract", "reviewer1")

    def recount() -> None:
        with session_scope(engine) as session:
            queue.counts(session, "reviewer1", "title_abstract")

    def decision() -> None:
        # A keypress: the decision and the kept counts it moves (review.tally), committed.
        with session_scope(engine) as session:
            decide.record(session, protocol, work_id=pending.pop(0), stage="title_abstract",
                          reviewer="reviewer1", decision="include")  # fmt: skip

    return {
        "status": timed(status_once),
        "next record": timed(next_record),
        "queue recount": timed(recount),
        "decide": timed(decision),
        "queue open": (opened, opened),
    }


def _engine(backend: str, pg_url: str, folder: Path, n: int) -> Engine:
    if backend == "sqlite":
        return make_engine(folder / f"scale-{n}.db")
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    return engine


def _flag(name: str, p95: float) -> str:
    if name == "queue open":  # once a sitting, before the first card: not an interactive step
        return "  (once a sitting)"
    return "" if p95 <= 50 else "  (over the 50 ms target)"


def main(shared: Path, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench scale")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--postgres", default=os.environ.get("REVIEW_TEST_POSTGRES_URL", ""))
    args, _ = parser.parse_known_args(argv)
    backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
    print(f"{'backend':<11} {'works':>9} {'build s':>8}  {'measure':<12} {'p50 ms':>8} {'p95 ms':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            for n in (int(s) for s in args.sizes.split(",")):
                engine = _engine(backend, args.postgres, Path(tmp), n)
                init_db(engine)
                start = time.perf_counter()
                build(engine, n)
                built = time.perf_counter() - start
                for name, (p50, p95) in measure(engine).items():
                    flag = _flag(name, p95)
                    print(
                        f"{backend:<11} {n:>9} {built:>8.1f}  {name:<12} {p50:>8.1f} {p95:>8.1f}{flag}",
                        flush=True,
                    )
                engine.dispose()
    if not args.postgres:
        print("PostgreSQL not measured: pass --postgres URL or set REVIEW_TEST_POSTGRES_URL.")
