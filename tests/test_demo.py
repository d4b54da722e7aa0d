"""`review demo` end to end, and `review run --offline` on a review that has works but no decisions."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from review import tally
from review.db import make_engine, session_scope
from review.decisions import summary
from review.models import Record, Work
from review.report import counts
from tests.conftest import ReviewRunner
from tests.factories import add_works


@pytest.mark.slow
def test_demo_builds_a_review_whose_store_matches_what_it_printed(run: ReviewRunner, tmp_path: Path) -> None:
    before = os.environ["REVIEW_OPENALEX_URL"]
    folder = tmp_path / "demo"
    result = run("demo", "--dir", str(folder))
    assert result.exit_code == 0, result.output
    out = result.output
    assert (folder / "extracted" / "prisma.svg").read_text().startswith("<svg")
    assert (folder / "extracted" / "extract_demo.csv").exists()
    assert "not about the early-years review" in out
    engine = make_engine(str(folder / "review.db"))
    try:
        with session_scope(engine) as s:
            _check_numbers(s, out)
            assert tally.verify(s) == {}  # its status screen's counts agree with a recount
    finally:
        engine.dispose()
    assert os.environ["REVIEW_OPENALEX_URL"] == before  # the demo's pointing at its server is undone
    assert f"review --dir {folder.resolve()} status" in out


def _number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, (pattern, text)
    return int(found.group(1))


def _check_numbers(s: Session, out: str) -> None:
    records = s.exec(select(func.count()).select_from(Record)).one()
    works = s.exec(select(func.count()).select_from(Work)).one()
    assert _number(r"Search: (\d+) records", out) == records > 0
    assert _number(r"Works after dedupe: (\d+)", out) == works <= records
    # An article and its preprint (RePEc, SSRN) are linked, not merged; so are quarterly statistics.
    assert re.search(r"Kept apart but linked as related items: .*preprint", out)
    ft = summary(s, "full_text")
    assert _number(r"at full text: .*include (\d+)", out) == ft["include"] > 0
    ta = summary(s, "title_abstract")
    assert _number(r"title/abstract now include (\d+)", out) == ta["include"]
    assert ta["conflict"] == 0 and _number(r"resolved (\d+)", out) > 0
    assert _number(r"Report: (\d+) included", out) == counts(s, {}).included == ft["include"]
    assert "Again, `review run --offline`: no change." in out


def test_demo_refuses_a_folder_that_is_not_empty(run: ReviewRunner, tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("keep me")
    result = run("demo", "--dir", str(tmp_path))
    assert result.exit_code == 1 and "is not empty" in result.stderr
    assert (tmp_path / "old.txt").read_text() == "keep me"


def test_run_offline_on_a_fresh_review_queues_screening_and_says_who_waits(
    run: ReviewRunner, engine: Engine
) -> None:
    with session_scope(engine) as s:
        add_works(s, [{"title": f"Sure Start children's centres study {i}", "year": 2010} for i in range(6)])
    result = run("run", "--offline", "--reviewers", "reviewer1,reviewer2")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "search: skipped\n    offline: the pipeline continues with the 6 records in the store" in out
    assert "fulltext: skipped\n    offline" in out
    assert "prefill: skipped\n    no work is included at full text yet" in out
    assert re.search(r"title/abstract screening: reviewer1 has \d+ records to screen, reviewer2 has \d+", out)
    again = run("run", "--offline")
    assert "assign: ran (assigned 0" in again.stdout


def test_run_rejects_an_unknown_stage_before_doing_anything(run: ReviewRunner, review_dir: Path) -> None:
    result = run("run", "--stages", "search,screening")
    assert result.exit_code == 1
    assert "Unknown stage(s) screening: choose from search, dedupe" in result.stderr
    assert not (review_dir / "review.db").exists()


def test_an_interrupted_run_keeps_the_stages_that_finished(
    engine: Engine, review_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from review import pipeline
    from review.models import RuleResult
    from review.protocol import load_protocol

    with session_scope(engine) as s:
        add_works(s, [{"title": "An editorial", "year": 1990}, {"title": "Sure Start", "year": 2010}])

    def interrupted(ctx: object) -> pipeline.StageOutcome:
        raise KeyboardInterrupt

    monkeypatch.setitem(pipeline._RUNNERS, "rank", interrupted)
    protocol = load_protocol(review_dir / "protocol" / "protocol.toml")
    with pytest.raises(KeyboardInterrupt):
        pipeline.run(lambda: session_scope(engine), protocol, review_dir, offline=True)
    with session_scope(engine) as s:
        assert s.exec(select(func.count()).select_from(RuleResult)).one() > 0  # `rules` was committed


def test_demo_lines_wrap_at_the_terminal_edge_between_words() -> None:
    from review.cli.pipeline import _wrapped

    line = "  PRISMA databases: 72 records, 0 duplicates, 8 excluded by automation, 64 screened, 18 excluded"
    wrapped = _wrapped(line, 60).splitlines()
    assert all(len(part) < 60 for part in wrapped)
    assert wrapped[0].startswith("  PRISMA") and wrapped[1].startswith("    ")  # indented under its text
    assert " ".join(" ".join(wrapped).split()) == " ".join(line.split())  # no word broken or lost
    assert _wrapped(line, None) == line  # not a terminal: lines as they are, for pipes and files
