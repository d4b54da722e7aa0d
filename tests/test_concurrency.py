"""Many screeners at once, as separate processes: nothing lost, doubled or given out twice."""

from __future__ import annotations

import json
import multiprocessing
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from review.db import session_scope
from review.decisions import final_decisions
from review.models import Assignment, ScreeningDecision
from tests import concurrency_helpers as helpers
from tests.factories import add_works

REVIEWERS = [f"s{i}" for i in range(1, 9)]
WORKS = 160
TIMEOUT = 120


def _single_design(review_dir: Path) -> Path:
    path = review_dir / "protocol" / "protocol.toml"
    text = path.read_text()
    text = text.replace(
        'reviewers = ["reviewer1", "reviewer2", "adjudicator"]', f"reviewers = {json.dumps(REVIEWERS)}"
    )
    text = text.replace('design = "pilot"', 'design = "single"').replace("rule_check_fraction = 0.1", "")
    text = text.replace('adjudicators = ["adjudicator"]', "adjudicators = []")
    path.write_text(text)
    return path


def session_reviewers(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(Assignment.reviewer)))


def _spawn(target: Callable[..., None], *argsets: tuple[object, ...]) -> list[helpers.Result]:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, out)) for args in argsets]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=TIMEOUT)
        if p.is_alive():
            p.kill()
        assert p.exitcode == 0, f"worker {p.name} failed or hung (exit code {p.exitcode})"
    return [out.get(timeout=5) for _ in procs]


def test_eight_screeners_at_once(engine: Engine, db_url: str, review_dir: Path) -> None:
    protocol = str(_single_design(review_dir))
    with session_scope(engine) as session:
        add_works(
            session, [{"title": f"Family hubs report {i}", "abstract": "early years"} for i in range(WORKS)]
        )
    # Two `screen assign` runs race: under the single design each work must still go to one person.
    _spawn(helpers.assigner, (db_url, protocol, REVIEWERS), (db_url, protocol, REVIEWERS))
    with Session(engine) as session:
        per_work = Counter(
            w for w in session.exec(select(Assignment.work_id).where(Assignment.stage == "title_abstract"))
        )
    assert len(per_work) == WORKS and set(per_work.values()) == {1}

    results = dict(_spawn(helpers.screener, *[(db_url, protocol, r) for r in REVIEWERS]))
    with Session(engine) as session:
        stored = dict(
            session.exec(
                select(ScreeningDecision.reviewer, func.count()).group_by(col(ScreeningDecision.reviewer))
            ).all()
        )
        assert stored == results  # every decision each process wrote is there, none doubled
        finals = final_decisions(session, "title_abstract")
    per_reviewer = Counter(r for r in session_reviewers(engine))
    # Each screener decided its whole queue once, then a third of it again (a change of mind).
    assert results == {r: n + (n + 2) // 3 for r, n in per_reviewer.items()}
    assert len(finals) == WORKS
    assert {f.status for f in finals.values()} <= {"include", "exclude"}
