"""Dedupe's worker processes: the same works and pairs whatever the worker count, tasks in order,
failures and interruptions that leave no child behind, and the in-process fallback."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from review import dedupe
from review.db import session_scope
from review.dedupe import engine as dedupe_engine
from review.dedupe import parallel, stage, works
from review.dedupe.engine import find_candidates
from review.dedupe.prepare import prepare
from tests.dedupe_helpers import add_records, special_cases


@pytest.fixture
def forking() -> None:
    """Skip where worker processes cannot be forked (not Linux, or a thread left running)."""
    if not parallel.can_fork():
        pytest.skip("worker processes are forked on Linux only, in a process without other threads")


WORDS = (
    "school", "meals", "attainment", "primary", "pupils", "nursery", "places", "local", "authority",
    "housing", "benefit", "reform", "universal", "credit", "sanctions", "employment", "outcomes",
    "youth", "justice", "diversion", "mental", "health", "services", "waiting", "times", "social",
    "care", "workforce", "retention", "apprenticeships", "wages", "regional", "inequality",
)  # fmt: skip


def _records(n: int, seed: int = 3) -> list[dict[str, Any]]:
    """`n` records: works with made-up titles, and copies of them as exports differ (case, a typo,
    a dropped subtitle, no DOI, another year), with an erratum or a second part now and then."""
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    while len(out) < n:
        title = " ".join(rng.sample(WORDS, 7)).capitalize()
        if rng.random() < 0.4:
            title += ": " + " ".join(rng.sample(WORDS, 3))
        year = rng.randint(2000, 2024)
        work: dict[str, Any] = {
            "title": title,
            "authors": [
                f"{rng.choice(WORDS).title()}, {rng.choice('ABCDEFG')}." for _ in range(rng.randint(1, 4))
            ],
            "year": year,
            "journal": rng.choice(("Journal of Social Policy", "Policy Studies", "BMJ Open")),
            "volume": str(rng.randint(1, 60)),
            "pages": f"{(p := rng.randint(1, 900))}-{p + rng.randint(2, 20)}",
            "doi": f"10.{rng.randint(1000, 9999)}/{rng.getrandbits(32):x}" if rng.random() < 0.6 else None,
        }
        out.append(work)
        for _ in range(rng.choice((0, 0, 1, 2))):
            copy = dict(work)
            change = rng.random()
            if change < 0.3:
                copy["title"] = title.upper()
            elif change < 0.5:
                k = rng.randrange(len(title) - 1)
                copy["title"] = title[:k] + title[k + 1 :]
            elif change < 0.7:
                copy["title"] = title.split(":")[0]
            if rng.random() < 0.4:
                copy["doi"] = None
            if rng.random() < 0.1:
                copy["year"] = year + 1
            out.append(copy)
        if rng.random() < 0.05:
            out.append({**work, "title": f"Erratum: {title}", "doi": None, "pages": "1"})
        if rng.random() < 0.05:
            out.append({**work, "title": f"{title} 2", "doi": None, "pages": None})
    return out[:n]


@pytest.fixture
def small_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches, pair chunks and row batches small enough that a few hundred records make many
    tasks, so children take some of each kind."""
    monkeypatch.setattr(stage, "BATCH", 40)
    monkeypatch.setattr(stage, "PARALLEL_FROM", 0)
    monkeypatch.setattr(stage, "CHOSEN_APART", 1)
    monkeypatch.setattr(stage, "CHOSEN_SHARE", 3)
    monkeypatch.setattr(dedupe_engine, "PAIR_CHUNK", 25)
    monkeypatch.setattr(works, "_MOVE_BATCH", 30)


def _outcome(session: Session) -> tuple[list[tuple[int, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """What a run left: the records of each work, the stored pairs, each work's fields (by its records,
    not its ID: PostgreSQL does not reuse IDs after a rollback)."""
    members: dict[int, list[int]] = {}
    for rid, wid in session.execute(text("SELECT id, work_id FROM record ORDER BY id")):
        members.setdefault(wid, []).append(rid)
    groups = sorted(tuple(m) for m in members.values())
    pairs = session.execute(
        text(
            "SELECT record_a, record_b, rule, band, relation, decision, decided_by, CAST(scores AS TEXT) "
            "FROM dedupe_pair ORDER BY record_a, record_b"
        )
    ).all()
    fields = session.execute(
        text(
            "SELECT w.title, CAST(w.authors AS TEXT), w.year, w.doi, w.journal, w.volume, w.pages, "
            "(SELECT min(r.id) FROM record r WHERE r.work_id = w.id) AS first FROM work w ORDER BY first"
        )
    ).all()
    return groups, [tuple(p) for p in pairs], [tuple(f) for f in fields]


def _run_twice(session: Session, first: int, second: int) -> tuple[Any, Any]:
    """The outcome of a run with `first` workers and, rolled back to the same start, with `second`."""
    outcomes = []
    for workers in (first, second):
        point = session.begin_nested()
        dedupe.run(session, workers=workers)
        outcomes.append(_outcome(session))
        point.rollback()
    return outcomes[0], outcomes[1]


def test_two_workers_give_the_same_works_and_pairs_as_one(
    session: Session, small_tasks: None, forking: None
) -> None:
    items, _ = special_cases()
    add_records(session, [*items, *_records(400)])
    one, two = _run_twice(session, 1, 2)
    assert one == two
    groups, pairs, fields = one
    assert len(groups) < 400 < sum(map(len, groups))  # duplicates were merged
    assert any(len(g) > 2 for g in groups) and {p[3] for p in pairs} >= {"auto", "related"}
    assert len(fields) == len(groups)


def test_an_incremental_run_with_workers_matches_one_without(
    session: Session, small_tasks: None, forking: None
) -> None:
    records = _records(300, seed=5)
    add_records(session, records[:200])
    dedupe.run(session, workers=2)
    add_records(session, records[200:], source="later")
    one, two = _run_twice(session, 1, 2)
    assert one == two


def test_without_fork_every_task_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "can_fork", lambda: False)

    def where(k: int) -> tuple[int, int]:
        return k, os.getpid()

    with parallel.Pool(where, 2) as pool:
        assert pool.processes == 1
        assert list(pool.map(range(5))) == [(k, os.getpid()) for k in range(5)]


def test_when_no_process_can_be_forked_the_work_runs_here(
    forking: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(_: Any) -> None:
        raise OSError("Resource temporarily unavailable")

    def negated(k: int) -> int:
        return -k

    monkeypatch.setattr(multiprocessing.get_context("fork").Process, "start", refused)
    with parallel.Pool(negated, 2) as pool:
        assert pool.processes == 1
        assert list(pool.map([-1, -2])) == [1, 2]


def test_results_come_in_task_order_from_both_processes(forking: None) -> None:
    def slow_square(k: int) -> tuple[int, int]:
        time.sleep(0.01 * (k % 3))
        return k * k, os.getpid()

    with parallel.Pool(slow_square, 2) as pool:
        assert pool.processes == 2
        found = list(pool.map(range(30)))
    assert [v for v, _ in found] == [k * k for k in range(30)]
    assert len({pid for _, pid in found}) == 2  # the child took some, this process the rest
    assert multiprocessing.active_children() == []


def test_a_submitted_task_runs_in_the_child_while_this_process_goes_on(forking: None) -> None:
    def square(k: int) -> tuple[int, int]:
        return k * k, os.getpid()

    with parallel.Pool(square, 2) as pool:
        result = pool.submit(7)
        here = square(3)  # this process works meanwhile
        assert result() == (49, result()[1])
        assert result()[1] != os.getpid() and here == (9, os.getpid())
    with parallel.Pool(square, 1) as pool:  # no child: the task runs here when asked for
        assert pool.submit(5)() == (25, os.getpid())


def test_tasks_beyond_the_default_depth_queue_in_the_child_and_all_come_back(forking: None) -> None:
    def square(k: int) -> tuple[int, int]:
        return k * k, os.getpid()

    with parallel.Pool(square, 2) as pool:
        results = [pool.submit(k, depth=20) for k in range(20)]
        assert [r() for r in results] == [(k * k, results[0]()[1]) for k in range(20)]
        assert results[0]()[1] != os.getpid()  # all twenty went to the child


def test_turns_give_each_number_to_one_process_only(forking: None) -> None:
    turns = parallel.Turns()

    def draw(_: None) -> list[int]:
        drawn = []
        while (k := turns.draw(400)) is not None:
            drawn.append(k)
            time.sleep(0.002)  # both processes are drawing at once
        return drawn

    with parallel.Pool(draw, 2) as pool:
        theirs = pool.submit(None)
        mine = draw(None)
        assert sorted([*mine, *theirs()]) == list(range(400))
        assert mine and theirs()  # both took some
    assert turns.draw(400) is None and parallel.Turns().draw(1) == 0 and parallel.Turns().draw(0) is None


def test_a_failing_task_raises_here_with_the_workers_traceback(forking: None) -> None:
    def fail_on_three(k: int) -> int:
        if k == 3 and parallel.threads() == 1 and os.getpid() != parent:
            raise ValueError("bad record 3")
        return k

    parent = os.getpid()
    with pytest.raises(parallel.WorkerError, match="bad record 3"), parallel.Pool(fail_on_three, 2) as pool:
        # The child is idle for tasks 0, 2, 4... when this process runs the others: task 3 may land
        # on either side, so keep the child busy until it gets one.
        for _ in pool.map(_every_task_to_the_child(pool, range(10))):
            pass
    assert multiprocessing.active_children() == []


def _every_task_to_the_child(pool: parallel.Pool[int, Any], tasks: range) -> Iterator[int]:
    """Tasks, each drawn only when the child is idle, so the child runs every one."""
    for task in tasks:
        while any(child.slots for child in pool._children):
            pool._collect(block=True)
        yield task


def test_an_interruption_ends_the_children(forking: None) -> None:
    started: list[int] = []

    def tasks() -> Iterator[int]:
        yield 0  # the child takes it and sleeps
        started.extend(c.process.pid for c in pool._children)
        raise KeyboardInterrupt

    def sleep(_: int) -> None:
        time.sleep(30)

    with pytest.raises(KeyboardInterrupt), parallel.Pool(sleep, 2) as pool:
        list(pool.map(tasks()))
    assert started and multiprocessing.active_children() == []
    for pid in started:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_children_ignore_ctrl_c_and_threads_are_one_inside_them(forking: None) -> None:
    def inside(_: int) -> tuple[Any, int]:
        return signal.getsignal(signal.SIGINT), parallel.threads()

    with parallel.Pool(inside, 2) as pool:
        child_says = next(pool.map(_every_task_to_the_child(pool, range(1))))
        assert parallel.threads() == 1  # this process shares the cores with its child
    assert child_says == (signal.SIG_IGN, 1)
    assert parallel.threads() == -1


def test_surname_bits_do_not_depend_on_the_process_hash() -> None:
    prep = prepare(
        [
            {"id": 1, "title": "A study", "authors": ["Smith, J", "Jones, K"]},
            {"id": 2, "title": "B study", "authors": ["Jones, K"]},
            {"id": 3, "title": "C study", "authors": None},
        ]
    )
    masks = dedupe_engine._surname_masks(prep)
    assert masks.tolist() == [0b11, 0b10, 0]  # bits by first appearance: smith 0, jones 1


def test_candidates_are_the_same_with_one_worker_or_two(small_tasks: None, forking: None) -> None:
    rows = [{"id": k + 1, **r} for k, r in enumerate(_records(300, seed=11))]
    one = find_candidates(prepare(rows), workers=1)
    two = find_candidates(prepare(rows), workers=2)
    assert [(c.i, c.j, c.band, c.scores, c.relation) for c in one] == [
        (c.i, c.j, c.band, c.scores, c.relation) for c in two
    ]
    assert {c.band for c in one} >= {"auto", "related"}


def test_the_columns_made_in_two_processes_are_those_made_in_one(forking: None) -> None:
    rows = [{"id": k + 1, **r} for k, r in enumerate(_records(200, seed=5))]
    one, two = prepare(rows), prepare(rows)
    dedupe_engine._warm(one, workers=1)
    dedupe_engine._warm(two, workers=2)
    made_one, made_two = one._cache, two._cache
    assert sorted(made_one) == sorted(made_two)
    assert {"authors", "heads", "tails", "surname_masks", "first:journal"} <= set(made_one)
    for name, array in made_one.items():
        assert array.dtype == made_two[name].dtype, name
        assert array.tolist() == made_two[name].tolist(), name


def test_a_run_with_nothing_new_reads_no_records(engine: Engine) -> None:
    with session_scope(engine) as s:
        add_records(s, _records(20))
        first = dedupe.run(s, workers=2)
    with session_scope(engine) as s:
        again = dedupe.run(s, workers=2)
    assert (again.examined, again.new, again.works, again.auto_merges) == (20, 0, first.works, 0)


def test_a_run_writes_with_a_larger_page_cache_and_gives_it_back(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        pytest.skip("SQLite's page cache")
    monkeypatch.setattr(stage, "PAGE_CACHE_KIB_PER_RECORD", 1000.0)  # 20 records ask for 20 MB
    add_records(session, _records(20))
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar_one()
    during = []
    finish = works.finish_moves

    def watched(*args: Any, **kwargs: Any) -> None:
        during.append(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
        finish(*args, **kwargs)

    monkeypatch.setattr(works, "finish_moves", watched)
    dedupe.run(session)
    assert during == [-20_000]
    assert conn.exec_driver_sql("PRAGMA cache_size").scalar_one() == before == -2000
