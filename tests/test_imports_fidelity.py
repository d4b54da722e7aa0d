"""`review import` loses nothing silently: format detection, refusals named, damaged files refused or
skipped entry by entry, repeats and shared IDs, re-imports that repair, exports that round-trip."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from review import dedupe, export, imports
from review.errors import ImportFormatError
from review.formats import read_bibtex, read_csv, read_ris
from review.models import Record, SearchRun, Work
from review.protocol import load_protocol
from tests.conftest import ReviewRunner
from tests.extract_helpers import decide

DATA = Path(__file__).parent / "data" / "imports"


def do_import(
    session: Session, review_dir: Path, path: Path, source: str = "db", fmt: str | None = None, **kw: Any
) -> imports.ImportResult:
    options = imports.ImportOptions(**kw)
    return imports.run(session, path, fmt, source, sources_dir=review_dir / "sources", options=options)


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --- detection ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("scopus.ris", "ris"),
        ("wos.ris", "ris"),
        ("refs.bib", "bibtex"),
        ("pubmed.nbib", "nbib"),
        ("call_for_evidence.csv", "csv"),
        ("with_ids.csv", "csv"),
    ],
)
def test_format_is_detected_and_said(session: Session, review_dir: Path, name: str, fmt: str) -> None:
    options: dict[str, Any] = (
        {"mapping": {"title": "Submission title"}} if name == "call_for_evidence.csv" else {}
    )
    result = do_import(session, review_dir, DATA / name, **options)
    assert result.fmt == fmt and result.detected
    assert result.read > 0 and not result.refused


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "fmt", "said"),
    [
        (b"%PDF-1.7\n%binary", None, "is a PDF document, not a file of records"),
        (_zip(["word/document.xml"]), None, r"is a Word document \(.docx\)"),
        (_zip(["a.ris"]), None, "is a ZIP archive.*unzip it"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            None,
            "Excel 97-2003 workbook.*save it as .xlsx",
        ),
        (b"\x1f\x8b\x08\x00", "ris", "gzip-compressed"),
        (
            _zip(["[Content_Types].xml", "xl/workbook.xml"]),
            "csv",
            r"is an Excel workbook \(.xlsx\), not a CSV",
        ),
        (b"TY  - JOUR\nTI  - T\nER  - \n", "xlsx", r"is a text file, not an Excel workbook"),
        (b"just some words\nand more words\n", None, "Cannot tell what format"),
    ],
)
def test_files_that_are_not_records_are_named_for_what_they_are(
    session: Session, review_dir: Path, tmp_path: Path, content: bytes, fmt: str | None, said: str
) -> None:
    path = write(tmp_path, "upload.dat", content)
    with pytest.raises(ImportFormatError, match=said):
        do_import(session, review_dir, path, fmt=fmt)
    assert session.exec(select(SearchRun)).all() == []


def test_a_format_given_wrongly_says_what_the_file_looks_like(
    session: Session, review_dir: Path, tmp_path: Path
) -> None:
    path = write(tmp_path, "refs.txt", "PMID- 123\nTI  - A title\n")
    with pytest.raises(ImportFormatError, match=r"looks like PubMed nbib.*--format nbib"):
        do_import(session, review_dir, path, fmt="ris")


# --- what is stored, what is refused ------------------------------------------------------------

RIS_WITH_BLANK = """TY  - JOUR
TI  - Children's centres and school readiness
PY  - 2019
ER  -

TY  - JOUR
PY  - 2020
VL  - 3
ER  -

TY  - RPRT
AB  - An abstract without a title is still screenable.
ER  -
"""


def test_a_record_with_nothing_to_screen_is_refused_with_its_line(
    session: Session, review_dir: Path, tmp_path: Path
) -> None:
    result = do_import(session, review_dir, write(tmp_path, "blank.ris", RIS_WITH_BLANK))
    assert (result.read, result.new) == (3, 2)
    (blank,) = result.refused
    assert blank.line == 6 and "no title, no abstract" in blank.message
    run = session.get(SearchRun, result.run_id)
    assert run is not None and run.refused == 1 and run.retrieved == 2 and run.total_reported == 3
    assert run.refusals == [{"line": 6, "reason": str(blank)}]


TITLELESS = """TY  - JOUR
AU  - Zuber, J.
AU  - Le Quintrec, M.
PY  - 2011
JO  - Nat Rev Nephrol
VL  - 7
SP  - 23
EP  - 35
ER  -
"""


def test_a_citation_without_its_title_is_kept_for_dedupe_to_match_on_its_address(
    session: Session, review_dir: Path, tmp_path: Path
) -> None:
    result = do_import(session, review_dir, write(tmp_path, "titleless.ris", TITLELESS))
    assert (result.read, result.new, result.refused) == (1, 1, ())


SHARED_IDS = """TY  - JOUR
ID  - 17
TI  - Family hubs: an evaluation
PY  - 2023
ER  -

TY  - JOUR
ID  - 17
TI  - Start for Life: a process study
PY  - 2024
ER  -

TY  - JOUR
ID  - 17
TI  - Family hubs: an evaluation
PY  - 2023
ER  -
"""


def test_records_sharing_an_id_are_both_kept_and_exact_repeats_counted_once(
    session: Session, review_dir: Path, tmp_path: Path
) -> None:
    result = do_import(session, review_dir, write(tmp_path, "ids.ris", SHARED_IDS))
    assert (result.read, result.new, result.repeated, result.kept_apart) == (3, 2, 1, ("17-2",))
    stored = {r.source_id: r.title for r in session.exec(select(Record)).all()}
    assert stored == {"17": "Family hubs: an evaluation", "17-2": "Start for Life: a process study"}
    again = do_import(session, review_dir, write(tmp_path, "ids-again.ris", SHARED_IDS + "\n"))
    assert (again.new, again.present, again.changed) == (0, 2, 0)


def test_field_summary_counts_each_field(session: Session, review_dir: Path) -> None:
    result = do_import(session, review_dir, DATA / "scopus.ris")
    assert result.fields["title"] == 3 and result.fields["DOI"] == 2  # the second record has none
    assert result.fields["volume"] >= 1 and result.fields["keywords"] >= 1


# --- damaged files --------------------------------------------------------------------------------

DAMAGED = """TY  - JOUR
TI  - A good record
PY  - 2020
ER  -

TY  - JOUR
TI  - A damaged record
PY  - 2021
this line is not a field
ER  -

TY  - JOUR
TI  - Another good record
PY  - 2022
ER  -
"""


def test_damaged_file_is_refused_whole_naming_the_line(
    session: Session, review_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(ImportFormatError, match=r"(?s)line 9:.*--skip-invalid to store the 2 good entries"):
        do_import(session, review_dir, write(tmp_path, "damaged.ris", DAMAGED))
    assert session.exec(select(Record)).all() == []


def test_skip_invalid_stores_the_good_entries_and_logs_the_skipped(
    session: Session, review_dir: Path, tmp_path: Path
) -> None:
    result = do_import(session, review_dir, write(tmp_path, "damaged.ris", DAMAGED), skip_invalid=True)
    assert result.new == 2 and len(result.refused) == 1 and result.refused[0].line == 9
    titles = sorted(r.title or "" for r in session.exec(select(Record)).all())
    assert titles == ["A good record", "Another good record"]
    run = session.get(SearchRun, result.run_id)
    assert run is not None and run.refused == 1 and "--skip-invalid" in (run.message or "")
    assert run.refusals is not None and run.refusals[0]["line"] == 9


# --- re-imports -------------------------------------------------------------------------------------


def test_same_file_again_is_not_a_new_search_run(session: Session, review_dir: Path) -> None:
    first = do_import(session, review_dir, DATA / "scopus.ris", interface="Scopus web")
    second = do_import(session, review_dir, DATA / "scopus.ris", searched_on="2026-03-02")
    assert second.same_file and second.run_id == first.run_id
    assert (second.new, second.present, second.changed) == (0, 3, 0)
    (run,) = session.exec(select(SearchRun)).all()
    assert run.platform == "Scopus web" and str(run.searched_on) == "2026-03-02"


def test_corrected_file_repairs_the_work_and_dedupe_compares_it_again(
    session: Session, review_dir: Path, tmp_path: Path
) -> None:
    original = (
        "TY  - JOUR\nID  - A1\nTI  - Sure Start local programmes\nPY  - 2005\nAU  - Belsky, Jay\nER  - \n\n"
        + (
            "TY  - JOUR\nID  - A2\nTI  - Family hubs in England: early findings of the national evaluation\n"
            "PY  - 2024\nAU  - Lewis, Jane\nER  - \n"
        )
    )
    do_import(session, review_dir, write(tmp_path, "v1.ris", original))
    dedupe.run(session)
    other = "TY  - JOUR\nID  - B1\nTI  - The impact of Sure Start local programmes on child development\n"
    do_import(
        session,
        review_dir,
        write(tmp_path, "other.ris", other + "PY  - 2005\nAU  - Belsky, J.\nER  - \n"),
        source="other",
    )
    dedupe.run(session)
    assert session.execute(text("SELECT count(*) FROM work")).scalar_one() == 3
    corrected = original.replace(
        "TI  - Sure Start local programmes",
        "TI  - The impact of Sure Start local programmes on child development",
    )
    result = do_import(session, review_dir, write(tmp_path, "v2.ris", corrected))
    assert (result.new, result.present, result.changed) == (0, 2, 1)
    record = session.exec(select(Record).where(Record.source_id == "A1")).one()
    work = session.get(Work, record.work_id)
    assert work is not None and work.title == "The impact of Sure Start local programmes on child development"
    assert record.recompare
    again = dedupe.run(session)
    assert again.new == 1 and again.auto_merges == 1
    assert session.execute(text("SELECT count(*) FROM work")).scalar_one() == 2
    assert not session.execute(text("SELECT recompare FROM record WHERE source_id = 'A1'")).scalar_one()


def test_cli_summary_says_format_fields_refusals_and_run(run: ReviewRunner, tmp_path: Path) -> None:
    path = write(tmp_path, "damaged.ris", DAMAGED + RIS_WITH_BLANK)
    refused = run("import", str(path), "--source", "db")
    assert refused.exit_code == 1 and "Error: damaged.ris: 1 of its entries cannot be read" in refused.output
    result = run("import", str(path), "--source", "db", "--skip-invalid")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Read damaged.ris as RIS (a line starts with `TY  - `)."
    assert "6 records read: 4 new, 0 already present." in lines
    assert "Fields: title 3, abstract 1, authors 0, year 3, DOI 0, journal 0, type 4" in lines
    assert "2 records not stored (listed in `review searches`):" in lines
    assert any(line.startswith("  line 9: ") for line in lines)
    assert lines[-1].startswith("Search run 1; file kept as sources/imports/")
    again = run("import", str(path), "--source", "db", "--skip-invalid")
    assert "Same file as search run 1 (same sha256): not a new search run." in again.output


# --- exports round-trip -----------------------------------------------------------------------------

RICH = {
    "title": "Family hubs and the Start for Life offer: an implementation study",
    "abstract": "We studied 75 local authorities.",
    "authors": ["Lewis, Jane", "Department for Education"],
    "year": 2024,
    "publication_date": "2024-03-15",
    "doi": "10.1234/eyp.2024.7",
    "journal": "Early Years Policy",
    "volume": "12",
    "issue": "2",
    "pages": "101-119",
    "issn": "1234-5678",
    "publisher": "Policy Press",
    "keywords": ["family hubs", "integration"],
    "url": "https://example.org/eyp/7",
    "language": "eng",
}


def test_exports_carry_every_bibliographic_field_and_read_back(
    session: Session, review_dir: Path, tmp_path: Path
) -> None:
    from review.formats import write_ris

    path = write(tmp_path, "rich.ris", write_ris([{**RICH, "doc_type": "JOUR", "id": "R1"}]))
    do_import(session, review_dir, path)
    dedupe.run(session)
    (work,) = session.exec(select(Work)).all()
    assert work.id is not None
    decide(session, work.id, "title_abstract", "include")
    decide(session, work.id, "full_text", "include")
    out = tmp_path / "out"
    export.run(session, load_protocol(review_dir), out)
    for back in (
        read_ris((out / "included.ris").read_text(), "x")[0],
        read_bibtex((out / "included.bib").read_text(), "x")[0],
        read_csv((out / "included.csv").read_text(), "x")[0],
    ):
        got = {k: getattr(back, k) for k in RICH}
        assert got == RICH


# --- schema 3 ---------------------------------------------------------------------------------------


@pytest.mark.sqlite_only
def test_a_schema_2_store_gains_the_fields_and_its_works_are_filled(tmp_path: Path) -> None:
    from review.db import init_db, make_engine, schema_version, session_scope
    from review.migrations.v003 import _M003_COLUMNS
    from review.models import SCHEMA_VERSION
    from tests.factories import add_works

    engine = make_engine(tmp_path / "old.db")
    init_db(engine)
    with session_scope(engine) as s:
        add_works(s, [{"title": "A", "volume": "3", "pages": "1-9", "keywords": ["hubs"]}])
        s.execute(text("UPDATE work SET volume = NULL, pages = NULL, keywords = NULL"))
    with engine.begin() as conn:  # make it a schema 2 store: none of the new columns
        conn.execute(text("DROP INDEX ix_record_recompare"))
        for table, columns in _M003_COLUMNS.items():
            for column, _ in columns:
                if table != "record" or column in (
                    "other_titles",
                    "journal_abbrev",
                    "other_ids",
                    "recompare",
                ):
                    conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
        conn.execute(text("UPDATE meta SET value = '2' WHERE key = 'schema_version'"))
    init_db(engine)
    assert schema_version(engine) == SCHEMA_VERSION
    with session_scope(engine) as s:
        (work,) = s.exec(select(Work)).all()
        assert (work.volume, work.pages, work.keywords) == ("3", "1-9", ["hubs"])
        assert s.exec(select(Record)).one().recompare is False
    engine.dispose()


def test_status_asks_for_dedupe_after_a_corrected_file(run: ReviewRunner, tmp_path: Path) -> None:
    first = "TY  - RPRT\nID  - R1\nTI  - Family hubs: a guide\nPY  - 2022\nER  -\n"
    assert run("import", str(write(tmp_path, "v1.ris", first)), "--source", "dfe").exit_code == 0
    assert run("dedupe").exit_code == 0
    assert "not yet deduplicated" not in run("status").output
    second = first.replace("a guide", "a programme guide")
    out = run("import", str(write(tmp_path, "v2.ris", second)), "--source", "dfe").output
    assert "1 record read: 0 new, 1 already present (1 changed)." in out
    assert "1 record changed since the last import: their works are updated" in out
    assert "review dedupe   (1 record not yet deduplicated)" in run("status").output
    again = run("dedupe")
    assert "1 record (0 new, 1 changed by a re-import)" in again.output
    assert "not yet deduplicated" not in run("status").output


# --- damaged files of every format, through the stage -----------------------------------------------

DAMAGED_TABLE = 'Title,Year\nA good row,2020\n"A stray "quote" row",2021\nAnother good row,2022\n'


def _damaged_workbook(tmp_path: Path) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (
        ["Title", "Year"],
        ["A good row", 2020],
        ["A broken row", "#REF!"],
        ["Another good row", 2022],
    ):
        sheet.append(row)
    sheet["B3"].data_type = "e"  # an Excel error cell, as a broken formula leaves it
    path = tmp_path / "damaged.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize(
    ("name", "fmt", "good", "line"),
    [
        ("ris_damaged_tag.ris", "ris", 2, 10),
        ("bib_stray_braces.bib", "bibtex", 3, 8),
        ("nbib_damaged.nbib", "nbib", 2, 8),
        ("wos_damaged.txt", "wos", 2, 13),
        ("endnote_broken.xml", "endnote", 2, 12),
        ("csl_broken.json", "csljson", 2, 10),
        ("damaged.csv", "csv", 2, 3),
        ("damaged.xlsx", "xlsx", 2, 3),
    ],
)
def test_each_format_damaged_is_refused_at_its_line_or_skipped_entry_by_entry(
    session: Session, review_dir: Path, tmp_path: Path, name: str, fmt: str, good: int, line: int
) -> None:
    path = DATA / name
    if name == "damaged.csv":
        path = write(tmp_path, name, DAMAGED_TABLE)
    elif name == "damaged.xlsx":
        path = _damaged_workbook(tmp_path)
    with pytest.raises(ImportFormatError, match=rf"(?s)nothing was imported.*line {line}:.*--skip-invalid"):
        do_import(session, review_dir, path)
    assert session.exec(select(Record)).all() == []
    result = do_import(session, review_dir, path, skip_invalid=True)
    assert result.fmt == fmt and result.new == good and result.refused[0].line == line
    assert len(session.exec(select(Record)).all()) == good
    run = session.get(SearchRun, result.run_id)
    assert run is not None and run.refused == len(result.refused) and run.retrieved == good


# --- one search exported in several files -----------------------------------------------------------


def test_several_files_of_one_export_are_one_search_run(
    run: ReviewRunner, session: Session, tmp_path: Path
) -> None:
    part1 = write(tmp_path, "savedrecs.ris", SHARED_IDS.split("\n\n")[0] + "\n")
    part2 = write(tmp_path, "savedrecs(1).ris", DAMAGED)
    refused = run("import", str(part1), str(part2), "--source", "wos")
    assert refused.exit_code == 1 and "savedrecs(1).ris, line 9: " in refused.output
    result = run("import", str(part1), str(part2), "--source", "wos", "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "4 records read: 3 new, 0 already present." in result.output
    (logged,) = session.exec(select(SearchRun)).all()
    assert logged.search_name == "savedrecs.ris + savedrecs(1).ris" and logged.refused == 1
    assert logged.request is not None and logged.request.count("sha256:") == 2
    again = run("import", str(part1), str(part2), "--source", "wos", "--skip-invalid")
    assert "not a new search run" in again.output
    mixed = run("import", str(part1), str(DATA / "refs.bib"), "--source", "wos")
    assert mixed.exit_code == 1 and "must be one export in one format" in mixed.output


def test_a_submission_that_is_only_its_document_is_kept(
    session: Session, review_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "sub.pdf").write_bytes(b"%PDF-1.4\n% a submission\n")
    table = write(tmp_path, "cfe.csv", "Ref,Title,File\nC1,,sub.pdf\nC2,A titled submission,\n")
    result = do_import(session, review_dir, table, mapping={"file": "File"}, id_column="Ref")
    assert (result.new, result.refused, result.files) == (2, (), 1)
