"""`review import`: every format lands in the store, re-imports are idempotent, bad files change nothing."""

from __future__ import annotations

import hashlib
import shlex
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from review import imports
from review.db import make_engine
from review.errors import ImportFormatError, InputError
from review.models import Record, SearchRun
from tests.conftest import ReviewRunner

DATA = Path(__file__).parent / "data" / "imports"


def counts(db_url: str) -> list[int]:
    """[records, search runs, record hits] in the store."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [
                conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
                for table in ("record", "search_run", "record_hit")
            ]
    finally:
        engine.dispose()


def scalar(session: Session, sql: str) -> object:
    return session.execute(text(sql)).scalar_one()


def do_import(
    session: Session, review_dir: Path, name: str, fmt: str, source: str, **kw: Any
) -> imports.ImportResult:
    options = imports.ImportOptions(**kw)
    return imports.run(session, DATA / name, fmt, source, sources_dir=review_dir / "sources", options=options)


@pytest.mark.parametrize(
    ("name", "fmt", "source", "options", "arm", "n"),
    [
        ("scopus.ris", "ris", "scopus", {}, "databases", 3),
        ("wos.ris", "ris", "wos", {}, "databases", 2),
        ("refs.bib", "bibtex", "zotero", {}, "databases", 3),
        ("pubmed.nbib", "nbib", "pubmed", {}, "databases", 2),
        ("call_for_evidence.csv", "csv", "cfe", {"mapping": {"title": "Submission title"}}, "other", 3),
        ("with_ids.csv", "csv", "eyr", {"id_column": "Ref", "arm": "databases"}, "databases", 2),
    ],
)
def test_each_format_is_stored_and_logged(
    session: Session,
    review_dir: Path,
    name: str,
    fmt: str,
    source: str,
    options: dict[str, object],
    arm: str,
    n: int,
) -> None:
    result = do_import(session, review_dir, name, fmt, source, **options)
    assert (result.read, result.new, result.present, result.repeated) == (n, n, 0, 0)
    run = session.get(SearchRun, result.run_id)
    assert run is not None
    digest = hashlib.sha256((DATA / name).read_bytes()).hexdigest()
    assert (run.source, run.search_name, run.arm, run.status) == (source, name, arm, "complete")
    assert run.request == f"{DATA / name} sha256:{digest}"
    assert run.platform.endswith(f"file {name}")
    assert (run.total_reported, run.retrieved, run.raw_sha256) == (n, n, digest)
    assert run.raw_path == f"sources/imports/{digest}{Path(name).suffix}"
    assert (review_dir / run.raw_path).read_bytes() == (DATA / name).read_bytes()
    stored = session.exec(select(Record).where(Record.source == source)).all()
    assert len(stored) == n
    assert all(r.title and r.first_run_id == run.id for r in stored)


def test_stored_record_keeps_the_file_fields(session: Session, review_dir: Path) -> None:
    do_import(session, review_dir, "pubmed.nbib", "nbib", "pubmed")
    record = session.exec(select(Record).where(Record.source_id == "31234567")).one()
    assert record.doi == "10.1111/hv.2019.0012"
    assert record.authors == ["Ahmed, Fatima", "Walsh, Declan"]
    assert record.pmid == "31234567" and record.year == 2019
    assert record.extra is not None and record.extra["nbib"]["MH"] == ["Humans", "Home Care Services"]


def test_reimport_of_the_same_file_is_idempotent_and_the_same_run(session: Session, review_dir: Path) -> None:
    first = do_import(session, review_dir, "no_ids.ris", "ris", "dfe")
    second = do_import(session, review_dir, "no_ids.ris", "ris", "dfe")
    assert (first.read, first.new, first.present, first.repeated) == (3, 2, 0, 1)  # an exact repeat
    assert (second.read, second.new, second.present, second.same_file) == (3, 0, 2, True)
    assert scalar(session, "SELECT count(*) FROM record") == 2
    assert second.run_id == first.run_id and scalar(session, "SELECT count(*) FROM search_run") == 1
    assert scalar(session, f"SELECT count(*) FROM record_hit WHERE search_run_id = {second.run_id}") == 2
    assert len(list((review_dir / "sources" / "imports").iterdir())) == 1


def test_same_records_under_another_source_are_separate(session: Session, review_dir: Path) -> None:
    do_import(session, review_dir, "scopus.ris", "ris", "scopus")
    result = do_import(session, review_dir, "scopus.ris", "ris", "scopus-rerun")
    assert result.new == 3


@pytest.mark.parametrize(
    ("fmt", "source", "options", "message"),
    [
        ("ris", "openalex", {}, "cannot be used for an import"),
        ("ris", "scopus", {"arm": "registers"}, "Unknown arm"),
        ("ris", "scopus", {"id_column": "ID"}, "CSV and XLSX files only"),
        ("pdf", "scopus", {}, "Unknown format"),
    ],
)
def test_bad_arguments(
    session: Session, review_dir: Path, fmt: str, source: str, options: dict[str, object], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        do_import(session, review_dir, "scopus.ris", fmt, source, **options)


def test_non_utf8_file_names_the_line_and_encoding_option_reads_it(
    session: Session, review_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        "title,organisation\nCaf\u00e9 culture and childcare,Caf\u00e9 Network\n".encode("cp1252")
    )
    with pytest.raises(ImportFormatError, match=r"not UTF-8 text \(byte 0xe9 on line 2\).*--encoding"):
        imports.run(session, path, "csv", "cfe", sources_dir=review_dir / "sources")
    result = imports.run(
        session,
        path,
        "csv",
        "cfe",
        sources_dir=review_dir / "sources",
        options=imports.ImportOptions(encoding="cp1252"),
    )
    assert result.new == 1
    assert scalar(session, "SELECT title FROM record") == "Café culture and childcare"


def test_empty_file_is_rejected(session: Session, review_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "empty.ris"
    path.write_bytes(b"\xef\xbb\xbf\n  \n")
    with pytest.raises(ImportFormatError, match=r"empty\.ris is empty"):
        imports.run(session, path, "ris", "x", sources_dir=review_dir / "sources")


# --- CLI ------------------------------------------------------------------------------------


def test_cli_import_prints_counts(run: ReviewRunner) -> None:
    args = ("import", str(DATA / "with_ids.csv"), "--format", "csv", "--source", "eyr", "--id-column", "Ref")
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "2 records read: 2 new, 0 already present." in result.output
    again = run(*args)
    assert "2 records read: 0 new, 2 already present." in again.output


def test_cli_import_reports_repeats_within_a_file(run: ReviewRunner, tmp_path: Path) -> None:
    path = tmp_path / "rep.csv"
    path.write_text("id,title\nA,One\nA,One again\nB,Two\nB,Two\n", encoding="utf-8")
    result = run("import", str(path), "--format", "csv", "--source", "x", "--id-column", "id")
    assert "4 records read: 3 new, 0 already present." in result.output
    assert "1 record repeated another in the file exactly: stored once." in result.output
    assert "1 record shares an ID with a different record: both kept (stored as A-2)" in result.output


def test_cli_map_option(run: ReviewRunner) -> None:
    result = run(
        "import",
        str(DATA / "call_for_evidence.csv"),
        "--format",
        "csv",
        "--source",
        "cfe",
        "--map",
        "title=Submission title",
        "--map",
        "abstract=Summary",
    )
    assert result.exit_code == 0, result.output
    assert "3 records read: 3 new" in result.output


@pytest.mark.parametrize(
    ("name", "fmt", "extra", "message"),
    [
        ("broken_line.ris", "ris", (), "line 4: 'AU - Clarke, Tom' is not a RIS field"),
        ("missing_er.ris", "ris", (), "line 6: the record starting here has no `ER  -`"),
        ("not_ris.ris", "ris", (), "not a RIS file"),
        ("broken.bib", "bibtex", (), "line 7:"),
        ("broken.nbib", "nbib", (), "line 3:"),
        ("no_title.csv", "csv", (), "--map title=COLUMN"),
        ("with_ids.csv", "csv", ("--id-column", "Key"), "--id-column 'Key' is not in the header"),
    ],
)
def test_cli_bad_file_changes_nothing(
    run: ReviewRunner,
    db_url: str,
    review_dir: Path,
    name: str,
    fmt: str,
    extra: tuple[str, ...],
    message: str,
) -> None:
    run("import", str(DATA / "wos.ris"), "--format", "ris", "--source", "wos")
    before = counts(db_url)
    result = run("import", str(DATA / name), "--format", fmt, "--source", "bad", *extra)
    assert result.exit_code == 1, result.output
    assert "Error:" in result.stderr and message in result.stderr
    assert "nothing was imported" in result.stderr
    assert counts(db_url) == before
    assert len(list((review_dir / "sources" / "imports").iterdir())) == 1


@pytest.mark.parametrize(
    "args",
    [
        ("--format", "pdf", "--source", "x"),
        ("--format", "csv", "--source", "x", "--map", "colour=Title"),
        ("--format", "csv", "--source", "x", "--map", "title"),
        ("--format", "ris"),
    ],
)
def test_cli_usage_errors_exit_2(run: ReviewRunner, args: tuple[str, ...]) -> None:
    result = run("import", str(DATA / "scopus.ris"), *args)
    assert result.exit_code == 2, result.output


def test_cli_import_help_creates_no_database(run: ReviewRunner, review_dir: Path) -> None:
    result = run("import", "--help")
    assert result.exit_code == 0 and "Example:" in result.output
    assert not (review_dir / "review.db").exists()


def test_import_larger_than_one_batch(session: Session, review_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "big.ris"
    path.write_text(
        "".join(f"TY  - JOUR\nTI  - Report number {i}\nPY  - 2020\nER  - \n\n" for i in range(4500))
    )
    result = imports.run(session, path, "ris", "big", sources_dir=review_dir / "sources")
    assert (result.read, result.new) == (4500, 4500)
    assert scalar(session, "SELECT count(DISTINCT source_id) FROM record") == 4500


def test_utf16_excel_export_is_read_by_its_bom(session: Session, review_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("Title\tOrganisation\nNursery places in 2024\tLocal Council\n".encode("utf-16"))
    result = imports.run(session, path, "csv", "cfe", sources_dir=review_dir / "sources")
    assert result.new == 1
    assert scalar(session, "SELECT publisher FROM record") == "Local Council"


def test_kept_copy_and_logged_options_reimport_the_same_records(
    run: ReviewRunner, review_dir: Path, session: Session
) -> None:
    args = ("--format", "csv", "--source", "cfe", "--map", "title=Submission title", "--map", "url=URL")
    assert run("import", str(DATA / "call_for_evidence.csv"), *args).exit_code == 0
    logged = session.exec(select(SearchRun)).one()
    assert logged.raw_path is not None and logged.message is not None
    options = shlex.split(logged.message.removeprefix("imported with: "))
    again = run("import", str(review_dir / logged.raw_path), "--source", logged.source, *options)
    assert "3 records read: 0 new, 3 already present." in again.output, again.output
