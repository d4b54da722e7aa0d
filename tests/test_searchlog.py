"""`review searches`: the search log as a table, CSV and the PRISMA-S appendix, read from the store."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from review import imports, searchlog
from review.db import session_scope
from review.models import StageRun
from review.records import finish_run, start_run
from tests.conftest import ReviewRunner

DATA = Path(__file__).parent / "data" / "imports"
OPENALEX_URL = (
    "https://api.openalex.org/works?filter=title_and_abstract.search:%22family+hubs%22&per_page=100"
)


def add_openalex_run(session: Session) -> None:
    """A search-log entry as the OpenAlex connector writes one."""
    run = start_run(
        session,
        source="openalex",
        search_name="family-hubs",
        arm="databases",
        platform="OpenAlex API via pyalex 0.21",
        request=OPENALEX_URL,
        filters={"publication_year": "2010-2026", "language": "en"},
        protocol_hash="abc",
    )
    run.total_reported, run.retrieved, run.cost_usd = 1234, 1200, 0.12
    finish_run(run, status="budget_exhausted", message="stopped at the daily budget")


@pytest.fixture
def store(engine: Engine, review_dir: Path) -> Engine:
    """A store with an OpenAlex search, a RIS import and a call-for-evidence CSV import."""
    with session_scope(engine) as session:
        add_openalex_run(session)
        for name, fmt, source in (("scopus.ris", "ris", "scopus"), ("call_for_evidence.csv", "csv", "cfe")):
            options = imports.ImportOptions(mapping={"title": "Submission title"} if fmt == "csv" else {})
            imports.run(
                session, DATA / name, fmt, source, sources_dir=review_dir / "sources", options=options
            )
    return engine


def log_of(engine: Engine) -> searchlog.SearchLog:
    with session_scope(engine) as session:
        return searchlog.run(session)


def test_rows_hold_every_run_in_order(store: Engine) -> None:
    log = log_of(store)
    assert [(r["id"], r["source"], r["arm"]) for r in log.runs] == [
        (1, "openalex", "databases"),
        (2, "scopus", "databases"),
        (3, "cfe", "other"),
    ]
    assert log.runs[0]["request"] == OPENALEX_URL
    assert log.dedupe is None


def test_csv_has_all_fields_for_a_spreadsheet(store: Engine) -> None:
    rows = list(csv.DictReader(io.StringIO(searchlog.render_csv(log_of(store)))))
    assert list(rows[0]) == list(searchlog.COLUMNS)
    first = rows[0]
    assert first["request"] == OPENALEX_URL
    assert first["filters"] == '{"language": "en", "publication_year": "2010-2026"}'
    assert (first["total_reported"], first["retrieved"], first["cost_usd"]) == ("1234", "1200", "0.12")
    assert (first["status"], first["message"]) == ("budget_exhausted", "stopped at the daily budget")
    assert datetime.fromisoformat(first["started_at"]) <= datetime.fromisoformat(first["finished_at"])
    assert rows[2]["platform"] == "CSV file call_for_evidence.csv"
    assert rows[2]["message"] == "imported with: --format csv --arm other --map 'title=Submission title'"


def test_table_shows_runs_with_exact_requests(store: Engine) -> None:
    table = searchlog.render_table(log_of(store))
    assert table.splitlines()[0].split() == list(searchlog._TABLE)
    assert f"request:  {OPENALEX_URL}" in table
    assert "scopus.ris" in table and "call_for_evidence.csv" in table
    assert "note:     stopped at the daily budget" in table
    assert "cost: $0.12" in table and "tool:     review 0.1.0" in table
    assert "interface: OpenAlex API via pyalex 0.21  searched: " in table
    assert "interface: not recorded  searched: not recorded" in table  # the imports gave neither


def test_markdown_has_the_prisma_s_items(store: Engine) -> None:
    md = searchlog.render_markdown(log_of(store))
    databases, other = md.split("## Other methods")
    assert "### openalex" in databases and "### scopus" in databases and "### cfe" in other
    assert "- Database: openalex\n- Interface/platform: OpenAlex API via pyalex 0.21" in md
    started = log_of(store).runs[0]["started_at"]
    assert f"- Date searched: {started:%Y-%m-%d}\n" in md  # a harvest: the day it ran
    assert f"```text\n{OPENALEX_URL}\n```" in md  # the query built from the protocol, exactly as sent
    assert '- Limits and filters: {"language": "en", "publication_year": "2010-2026"}' in md
    assert "- Records: 1,234 reported by the source, 1,200 retrieved" in md
    assert "- Records: 3 reported by the source, 3 retrieved" in md
    assert "- Logged: " in md and " UTC" in md
    assert "not yet deduplicated" in md


def test_markdown_reads_deduplication_from_the_stage_run(store: Engine) -> None:
    with session_scope(store) as session:
        session.add(
            StageRun(
                stage="dedupe",
                started_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
                finished_at=datetime(2026, 3, 2, 9, 1, tzinfo=UTC),
                status="complete",
                counts={"method": "DOI, then fuzzy title+year+authors", "records": 6, "duplicates": 2},
                tool_version="0.1.0",
            )
        )
    md = searchlog.render_markdown(log_of(store))
    assert "not yet deduplicated" not in md
    assert "software review 0.1.0" in md and "method: DOI, then fuzzy title+year+authors" in md
    assert "run 2026-03-02 09:01:00 UTC; records: 6, duplicates: 2." in md


def test_empty_log() -> None:
    empty = searchlog.SearchLog(runs=(), dedupe=None)
    assert "No searches yet" in searchlog.render_table(empty)
    assert "No searches have been run yet." in searchlog.render_markdown(empty)
    assert searchlog.render_csv(empty).strip() == ",".join(searchlog.COLUMNS)


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_cli_searches_lists_imports(run: ReviewRunner, fmt: str) -> None:
    run("import", str(DATA / "wos.ris"), "--format", "ris", "--source", "wos")
    run("import", str(DATA / "wos.ris"), "--format", "ris", "--source", "wos")  # the same file: one run
    run("import", str(DATA / "scopus.ris"), "--format", "ris", "--source", "wos")
    result = run("searches", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.output.count("wos.ris sha256:") == 1 and result.output.count("scopus.ris sha256:") == 1
    assert "not recorded" in result.output  # no --interface, --strategy or --searched-on


def test_cli_searches_bad_format_is_usage_error(run: ReviewRunner) -> None:
    assert run("searches", "--format", "xml").exit_code == 2
