"""Every next step `review status` prints runs as printed, and a done step's hint goes away."""

from __future__ import annotations

import shlex
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from review.db import session_scope
from review.models import Assignment, ScreeningDecision
from tests.conftest import ReviewRunner
from tests.factories import decide

SCREENERS = ("reviewer1", "reviewer2")
PILOT = 4
WORKS = 10


def _hints(run: ReviewRunner) -> list[str]:
    """The commands under "Next:", without their notes in brackets."""
    result = run("status")
    assert result.exit_code == 0, result.output
    lines = result.stdout.split("Next:")[1].strip().splitlines()
    return [line.strip().split("   (")[0] for line in lines]


def _run_hints(run: ReviewRunner) -> list[str]:
    """Run every hint as printed (quitting any interactive screen at once); all must succeed."""
    hints = _hints(run)
    for hint in hints:
        words = shlex.split(hint)
        assert words[0] == "review", hint
        if words[1] == "extract":  # the form has no quit key: check its work exists instead
            words = ["review", "log", words[2]]
        result = run(*words[1:], input="q\n")
        assert result.exit_code == 0, f"{hint!r} failed:\n{result.output}"
    return hints


def _small_review(review_dir: Path) -> Path:
    """A RIS export of distinct early-years records, and a pilot small enough to fail and retry."""
    protocol = review_dir / "protocol" / "protocol.toml"
    protocol.write_text(protocol.read_text().replace("pilot_size = 50", f"pilot_size = {PILOT}"))
    topics = (
        *("Sure Start centres", "family hubs", "Flying Start", "infant feeding", "toddler sleep"),
        *("parenting classes", "perinatal health", "preschool places", "early help", "home visits"),
    )
    entries = [
        f"TY  - JOUR\nTI  - {topic} in the early years: study {i}\nPY  - {2010 + i}\nLA  - en\nER  - \n"
        for i, topic in enumerate(topics)
    ]
    path = review_dir / "sources" / "export.ris"
    path.write_text("\n".join(entries[:WORKS]))
    return path


def _pilot(engine: Engine) -> list[int]:
    """The works of the latest pilot batch still waiting for reviewer1."""
    with session_scope(engine) as session:
        a = Assignment
        mine = select(a.work_id).where(a.purpose == "pilot", a.reviewer == "reviewer1")
        given = session.exec(mine).all()
        decided = set(session.exec(select(ScreeningDecision.work_id)).all())
    return sorted(w for w in given if w not in decided)


def _screen_pilot(engine: Engine, agree: bool) -> None:
    works = _pilot(engine)
    assert len(works) == PILOT
    with session_scope(engine) as session:
        for i, w in enumerate(works):
            first = "include" if i % 2 else "exclude"
            second = first if agree else ("exclude" if first == "include" else "include")
            for reviewer, decision in (("reviewer1", first), ("reviewer2", second)):
                decide(session, w, reviewer, decision, "E-TOPIC" if decision == "exclude" else None)


def test_every_hint_runs_at_every_step(run: ReviewRunner, engine: Engine, review_dir: Path) -> None:
    imported = run("import", str(_small_review(review_dir)), "--format", "ris", "--source", "testdb")
    assert imported.exit_code == 0, imported.output

    assert _run_hints(run) == ["review dedupe"]  # after import
    assert _run_hints(run) == ["review screen assign --stage title-abstract"]  # after dedupe

    pilot_given = _run_hints(run)  # a pilot batch is out: only its screeners have something to do
    assert pilot_given == [f"review screen --reviewer {r} --stage title-abstract" for r in SCREENERS]

    _screen_pilot(engine, agree=False)
    failing = _run_hints(run)
    assert "review agreement --stage title-abstract" in failing
    assert "review screen assign --stage title-abstract" in failing  # a new pilot batch
    assert not [h for h in failing if "full" in h], "no full-text steps while the pilot fails"

    _screen_pilot(engine, agree=True)  # the second batch
    passed = _run_hints(run)
    assert "review agreement --stage title-abstract" not in passed
    assert "review screen assign --stage title-abstract" in passed  # the rest, after the pilot

    assigned = _hints(run)
    assert "review screen assign --stage title-abstract" not in assigned
    assert "review agreement --stage title-abstract" not in assigned
    status = run("status").stdout
    assert "Pilot passed" in status and "give out the remaining" not in status
    _run_hints(run)

    _finish_screening(engine)  # every queue done, every conflict settled, full text included
    screened = _run_hints(run)
    assert [h for h in screened if h.startswith("review extract ")], screened
    assert not [h for h in screened if h.startswith(("review screen --", "review conflicts"))], screened


def _finish_screening(engine: Engine) -> None:
    from review.conflicts import list_conflicts

    with session_scope(engine) as session:
        for stage in ("title_abstract", "full_text"):
            for c in list_conflicts(session, stage):
                decide(session, c.work_id, "adjudicator", "include", stage=stage, role="adjudicator")
            decided = {(d.work_id, d.reviewer, d.stage) for d in session.exec(select(ScreeningDecision))}
            for a in session.exec(select(Assignment).where(Assignment.stage == stage)).all():
                if (a.work_id, a.reviewer, stage) not in decided:
                    decide(session, a.work_id, a.reviewer, "include", stage=stage)


def test_a_done_step_drops_its_hint(run: ReviewRunner, engine: Engine, review_dir: Path) -> None:
    run("import", str(_small_review(review_dir)), "--format", "ris", "--source", "testdb")
    assert "review dedupe" in _hints(run)
    run("dedupe")
    assert "review dedupe" not in _hints(run)
    run("screen", "assign")
    assert "review screen assign --stage title-abstract" not in _hints(run)
    _screen_pilot(engine, agree=True)
    assert not [h for h in _hints(run) if h.startswith("review screen --reviewer")]
