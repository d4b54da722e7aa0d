"""End to end through the CLI against the local replay server, then `review run` as a no-op."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from review.db import session_scope
from review.models import Record, StageRun
from tests.conftest import DATA, PROTOCOL, ReviewRunner
from tests.pipeline_helpers import fill_sheet, table_counts
from tests.replay import ReplayServer, Reply
from tests.search_helpers import replay_env

PDF = DATA / "fulltext" / "la-precinct-bulletin-2014-p1.pdf"


@pytest.fixture
def replay(monkeypatch: pytest.MonkeyPatch, review_dir: Path) -> Iterator[ReplayServer]:
    yield from replay_env(monkeypatch, review_dir)


def ok(run: ReviewRunner, *args: str, input: str | None = None) -> str:
    result = run(*args, input=input)
    assert result.exit_code == 0, (args, result.output, result.stderr)
    return result.output


def _no_urls(engine: Engine) -> set[int]:
    """OpenAlex works whose records name no full-text URL: fetching them needs no network."""
    with session_scope(engine) as s:
        found = set()
        for r in s.exec(select(Record).where(Record.source == "openalex")):
            extra = r.extra or {}
            locs = [extra.get("best_oa_location") or {}, *(extra.get("locations") or [])]
            if not any(loc and loc.get("pdf_url") for loc in locs) and not (
                extra.get("open_access") or {}
            ).get("oa_url"):
                found.add(r.work_id)
        return {w for w in found if w is not None}


INCLUDE_TA = {1, 3, 13}  # two OpenAlex works and a call-for-evidence submission, none with a URL
INCLUDE_FT = {1, 13}


def _ta_decision(row: dict[str, str]) -> tuple[str, str]:
    return ("include", "") if int(row["work_id"]) in INCLUDE_TA else ("exclude", "E-TOPIC")


def _test_protocol(review_dir: Path) -> None:
    """The search tests' protocol with the real extraction form, without the setting and topic rules
    (they would leave nothing to screen among these recordings)."""
    path = review_dir / "protocol" / "protocol.toml"
    form = PROTOCOL.read_text(encoding="utf-8").split("# --- Extraction form")[1]
    lines = (path.read_text(encoding="utf-8") + "\n# --- Extraction form" + form).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("setting = "))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("], reason"))
    path.write_text("\n".join(lines[:start] + lines[end + 1 :]) + "\n", encoding="utf-8")


def test_whole_pipeline_through_the_cli(
    run: ReviewRunner, replay: ReplayServer, engine: Engine, review_dir: Path, tmp_path: Path
) -> None:
    _test_protocol(review_dir)
    ok(run, "search")
    cfe = (
        "--format",
        "csv",
        "--source",
        "cfe",
        "--map",
        "title=Submission title",
        "--map",
        "abstract=Summary",
    )
    # The submissions' links point at the local server (a 404 there): tests never leave 127.0.0.1.
    submissions = tmp_path / "call_for_evidence.csv"
    text = (DATA / "imports" / "call_for_evidence.csv").read_text(encoding="utf-8")
    submissions.write_text(text.replace("https://example.org", replay.url), encoding="utf-8")
    ok(run, "import", str(submissions), *cfe)
    ok(run, "dedupe")
    ok(run, "screen", "rules", "--stage", "title-abstract")
    ok(run, "screen", "assign", "--stage", "title-abstract", "--reviewers", "reviewer1,reviewer2")
    assert INCLUDE_TA - {13} <= _no_urls(engine)  # so `fulltext fetch` below needs no network
    for reviewer in ("reviewer1", "reviewer2"):
        sheet = tmp_path / f"{reviewer}.csv"
        ok(run, "screen", "export", "--reviewer", reviewer, "--format", "csv", "--output", str(sheet))
        fill_sheet(sheet, _ta_decision if reviewer == "reviewer1" else _disagree_on_4)
        ok(run, "screen", "import", str(sheet))
    assert "4" in ok(run, "conflicts", "--stage", "title-abstract")
    ok(run, "conflicts", "resolve", "--reviewer", "adjudicator", "--work", "4", "--decision", "exclude",
       "--reason", "E-TOPIC")  # fmt: skip
    fetched = ok(run, "fulltext", "fetch")
    assert "1 failed, 2 works with no full-text URL" in fetched  # a submission's link: HTTP 404
    ok(run, "fulltext", "add", "1", str(PDF))
    for _ in range(2):  # decide, then verify the excludes
        ok(run, "screen", "assign", "--stage", "full-text", "--reviewers", "reviewer1,reviewer2")
        for reviewer in ("reviewer1", "reviewer2"):
            sheet = tmp_path / f"ft-{reviewer}.csv"
            ok(run, "screen", "export", "--reviewer", reviewer, "--format", "csv", "--stage", "full-text",
               "--output", str(sheet))  # fmt: skip
            if fill_sheet(sheet, _ft_decision):
                ok(run, "screen", "import", str(sheet))
    for work_id in INCLUDE_FT:
        ok(run, "extract", str(work_id), "--reviewer", "reviewer1", input=_form_answers(review_dir))
        ok(run, "extract", "verify", str(work_id), "--reviewer", "reviewer2", input="\n" * 60)
    prisma = ok(run, "prisma")
    assert "1 included" in prisma.splitlines()[0] and "1 included" in prisma.splitlines()[1]
    assert (review_dir / "extracted" / "prisma.svg").exists()
    before = table_counts(engine)
    again = ok(run, "run")
    assert table_counts(engine) == before
    assert (
        "Nothing new: every stage was already up to date." in again and "Nothing waits for people." in again
    )
    assert "search: skipped\n    all 2 searches already complete" in again
    _every_stage_logged_its_run(engine)


# Each stage's run, with one of its counts (the methods text and PRISMA read these keys).
STAGE_COUNTS = {
    "import": "read",
    "dedupe": "records_examined",
    "screen_rules_title_abstract": "examined",
    "screen_assign_title_abstract": "eligible",
    "fulltext_fetch": "works",
    "screen_rules_full_text": "examined",
    "screen_assign_full_text": "eligible",
    "extract_prefill": "suggestions",
    "report": "included",
}


def _every_stage_logged_its_run(engine: Engine) -> None:
    with session_scope(engine) as s:
        runs = s.exec(select(StageRun).where(col(StageRun.stage).in_(STAGE_COUNTS))).all()
    assert {r.stage for r in runs} == set(STAGE_COUNTS)
    for r in runs:
        assert r.status == "complete" and r.finished_at is not None and r.error is None, r.stage
        assert isinstance((r.counts or {}).get(STAGE_COUNTS[r.stage]), int), (r.stage, r.counts)


def test_a_failed_search_is_reported_and_the_pipeline_goes_on(
    run: ReviewRunner, replay: ReplayServer
) -> None:
    replay.fault("/oa/works", Reply({"error": "down"}, status=503), times=100)
    result = run("run", "--stages", "search,dedupe,rules")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "search: failed (searches 1, retrieved 7, new records 7)" in out
    assert "openalex/biodiversity failed: " in out and "503" in out
    assert "dedupe: ran (examined 7" in out and "rules: ran" in out
    replay.faults.clear()
    resumed = run("run", "--stages", "search")
    assert "search: ran (searches 1, retrieved 5, new records 5)" in resumed.stdout


def _disagree_on_4(row: dict[str, str]) -> tuple[str, str]:
    return ("include", "") if row["work_id"] == "4" else _ta_decision(row)


def _ft_decision(row: dict[str, str]) -> tuple[str, str]:
    return ("include", "") if int(row["work_id"]) in INCLUDE_FT else ("exclude", "E-TOPIC")


REQUIRED_ANSWERS = {
    "citation": "Test 2000",
    "document_type": "review",
    "year": "2000",
    "nations": "UK-wide",
    "programmes": "other",
    "design": "other",
    "key_findings": "A finding",
    "appraisal_tool": "AACODS",
    "overall_quality": "low",
}


def _form_answers(review_dir: Path) -> str:
    """Terminal input for the extraction form: the required fields answered, Enter for the rest."""
    from review.protocol import load_protocol

    protocol = load_protocol(review_dir / "protocol" / "protocol.toml")
    assert protocol.extraction is not None
    names = [f.name for _, f in protocol.extraction.all_fields()]
    return "".join(REQUIRED_ANSWERS.get(n, "") + "\n" for n in names)
