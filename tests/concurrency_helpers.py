"""Worker processes for tests/test_concurrency.py (importable by spawned children)."""

from __future__ import annotations

from multiprocessing.queues import Queue
from pathlib import Path

from review.db import make_engine, session_scope
from review.protocol import load_protocol
from review.screen import assign, decide, queue

STAGE = "title_abstract"
Result = tuple[str, object]  # what a worker puts on the queue: (its name, its outcome)


def assigner(url: str, protocol_path: str, reviewers: list[str], out: Queue[Result]) -> None:
    engine = make_engine(url)
    with session_scope(engine) as session:
        result = assign.run(session, load_protocol(Path(protocol_path)), STAGE, reviewers)
    out.put(("assign", dict(result.added)))
    engine.dispose()


def screener(url: str, protocol_path: str, reviewer: str, out: Queue[Result]) -> None:
    """Decide every work in the queue one transaction at a time, then change mind on every third."""
    engine = make_engine(url)
    protocol = load_protocol(Path(protocol_path))
    with session_scope(engine) as session:
        pending = list(queue.build(session, reviewer, STAGE, ordered=False).pending)
    events = 0
    for work_id in pending + pending[::3]:
        include = (work_id + events) % 2 == 0
        with session_scope(engine) as session:
            decide.record(
                session,
                protocol,
                work_id=work_id,
                stage=STAGE,
                reviewer=reviewer,
                decision="include" if include else "exclude",
                reason_code=None if include else "E-TOPIC",
            )
        events += 1
    out.put((reviewer, events))
    engine.dispose()
