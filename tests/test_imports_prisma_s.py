"""PRISMA-S for imports: the strategy as typed, the day searched and the interface, kept and shown."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlmodel import col, select

from review.db import init_db, make_engine, schema_version, session_scope
from review.models import SCHEMA_VERSION, SearchRun
from tests.conftest import ReviewRunner
from tests.test_imports import counts

DATA = Path(__file__).parent / "data" / "imports"
RIS = str(DATA / "scopus.ris")
# Verbatim means verbatim: a Scopus advanced search with quotes, a backtick run and trailing spaces.
STRATEGY = 'TITLE-ABS-KEY ( "family hub*" OR "children\'s centre*" )  \nAND PUBYEAR > 2009\n```\n'


def import_ris(run: ReviewRunner, *args: str) -> str:
    result = run("import", RIS, "--format", "ris", "--source", "scopus", *args)
    assert result.exit_code == 0, result.output
    return result.output


def runs(engine: Engine) -> list[SearchRun]:
    with session_scope(engine) as session:
        found = list(session.exec(select(SearchRun).order_by(col(SearchRun.id))))
        session.expunge_all()
    return found


def markdown(run: ReviewRunner) -> str:
    result = run("searches", "--format", "markdown")
    assert result.exit_code == 0, result.output
    return result.output


def test_options_are_stored_and_shown_in_the_appendix(run: ReviewRunner, engine: Engine) -> None:
    import_ris(run, "--strategy", STRATEGY, "--searched-on", "2026-03-14", "--interface", "Scopus web")
    (logged,) = runs(engine)
    assert (logged.strategy, logged.searched_on, logged.platform) == (
        STRATEGY,
        date(2026, 3, 14),
        "Scopus web",
    )
    md = markdown(run)
    assert "- Database: scopus\n- Interface/platform: Scopus web\n- Date searched: 2026-03-14\n" in md
    assert f"````text\n{STRATEGY}````\n" in md  # a fence longer than the strategy's own backticks
    assert "- Records: 3 reported by the source, 3 retrieved" in md
    table = run("searches").output
    assert "interface: Scopus web  searched: 2026-03-14" in table
    assert 'strategy: TITLE-ABS-KEY ( "family hub*"' in table


def test_a_strategy_is_read_verbatim_from_a_file(run: ReviewRunner, engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "ovid.txt"
    lines = [
        "1. exp Child, Preschool/",
        "2. (nursery or nurseries).ti,ab.",
        "3. 1 and 2",
        '4. limit 3 to yr="2010 -Current"',
    ]
    ovid = "\r\n".join([*lines, ""])  # a Windows text file: CRLF kept as written
    path.write_bytes(ovid.encode("utf-8"))
    import_ris(run, "--strategy", f"@{path}", "--interface", "Ovid")
    assert runs(engine)[0].strategy == ovid
    rows = list(csv.DictReader(io.StringIO(run("searches", "--format", "csv").output)))
    unix = ovid.replace("\r\n", "\n")  # the csv module reads CRLF inside a cell as LF
    assert (rows[0]["strategy"], rows[0]["search_strategy"], rows[0]["interface"]) == (unix, unix, "Ovid")
    assert rows[0]["date_searched"] == "not recorded"


def test_an_import_without_them_says_not_recorded(run: ReviewRunner) -> None:
    import_ris(run)
    md = markdown(run)
    assert "- Interface/platform: not recorded\n" in md
    assert "- Date searched: not recorded (the export was imported on " in md
    assert "- Search strategy: not recorded (give it with `review import --strategy`)" in md
    assert f"- Date searched: {date.today():%Y-%m-%d}" not in md  # never today passed off as the search date


def test_the_same_file_again_corrects_the_facts_of_its_one_run(run: ReviewRunner, engine: Engine) -> None:
    import_ris(run, "--strategy", "first attempt", "--searched-on", "2026-03-01", "--interface", "Ovid")
    out = import_ris(run, "--strategy", "as typed", "--searched-on", "2026-03-02")
    assert "0 new, 3 already present" in out and "not a new search run" in out
    (logged,) = runs(engine)
    assert (logged.strategy, logged.searched_on, logged.platform) == ("as typed", date(2026, 3, 2), "Ovid")
    md = markdown(run)
    assert "```text\nas typed\n```" in md and "first attempt" not in md


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--searched-on", "14/03/2026"), "--searched-on '14/03/2026' is not a date: give the day"),
        (("--searched-on", "2026-02-30"), "--searched-on '2026-02-30' is not a date"),
        (("--searched-on", "20260314"), "YYYY-MM-DD"),
        (("--searched-on", (date.today() + timedelta(days=2)).isoformat()), "is in the future"),
        (("--strategy", "   "), "--strategy is empty"),
        (("--strategy", "@/no/such/strategy.txt"), "--strategy @/no/such/strategy.txt: cannot read the file"),
        (("--interface", " "), "--interface ' ' is not a name"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_stored(
    run: ReviewRunner, review_dir: Path, db_url: str, args: tuple[str, ...], message: str
) -> None:
    result = run("import", RIS, "--format", "ris", "--source", "scopus", "--strategy", "x", *args)
    assert result.exit_code == 1, result.output
    assert "Error:" in result.stderr and message in result.stderr
    assert counts(db_url) == [0, 0, 0]
    assert not (review_dir / "sources" / "imports").exists()


def test_a_store_from_before_the_columns_is_migrated(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "old.db")
    init_db(engine)
    with engine.begin() as conn:  # make it a version 1 search log: no strategy or searched_on
        for column in ("strategy", "searched_on"):
            conn.execute(text(f"ALTER TABLE search_run DROP COLUMN {column}"))
        conn.execute(text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
    init_db(engine)
    assert schema_version(engine) == SCHEMA_VERSION
    names = {c["name"] for c in inspect(engine).get_columns("search_run")}
    assert {"strategy", "searched_on"} <= names
    engine.dispose()
