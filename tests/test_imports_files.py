"""`review import --map file=COLUMN`: files a CSV names are checked, then kept for the full-text stage."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from review.db import session_scope
from review.models import Record
from tests.conftest import ReviewRunner
from tests.fulltext_helpers import files_under, make_pdf
from tests.test_imports import DATA, counts

HEADER = ["Ref", "Submission title", "Organisation", "Attached"]
TITLES = (
    "Speech and language support in nurseries",
    "Childminders and the funded hours rates",
    "Family hubs in rural counties",
    "Outreach visits by health visitors",
    "Staff qualifications in pre-schools",
)
MAP = ("--format", "csv", "--source", "cfe", "--id-column", "Ref", "--map", "file=Attached")


def write_csv(folder: Path, files: list[str]) -> Path:
    """A call-for-evidence sheet in `folder`, one submission per file name ("" for none)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "submissions.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i, name in enumerate(files, start=1):
            writer.writerow([f"S{i}", TITLES[i - 1], "Rural Childcare Network", name])
    return path


def records(engine: Engine) -> dict[str, dict[str, object]]:
    with session_scope(engine) as session:
        return {r.source_id: dict(r.extra or {}) for r in session.exec(select(Record))}


def test_named_files_are_kept_by_hash(run: ReviewRunner, engine: Engine, review_dir: Path, tmp_path: Path):
    folder = tmp_path / "cfe"
    speech, hubs = make_pdf(["Speech and language"]), make_pdf(["Family hubs"])
    (folder / "pdfs").mkdir(parents=True)
    (folder / "speech.pdf").write_bytes(speech)
    (folder / "pdfs" / "Hubs Report.PDF").write_bytes(hubs)
    elsewhere = tmp_path / "elsewhere.pdf"
    elsewhere.write_bytes(speech)
    sheet = write_csv(folder, ["speech.pdf", "pdfs/Hubs Report.PDF", str(elsewhere), ""])
    result = run("import", str(sheet), *MAP)
    assert result.exit_code == 0, result.output
    assert "Files of 3 records kept under sources/imports/files/" in result.output
    kept = records(engine)
    sha_speech, sha_hubs = hashlib.sha256(speech).hexdigest(), hashlib.sha256(hubs).hexdigest()
    assert kept["S1"] == {
        "file": "speech.pdf",
        "file_sha256": sha_speech,
        "file_path": f"sources/imports/files/{sha_speech}.pdf",
    }
    assert kept["S2"]["file"] == "pdfs/Hubs Report.PDF"  # the name as written, spaces and all
    assert kept["S2"]["file_path"] == f"sources/imports/files/{sha_hubs}.pdf"
    assert kept["S3"]["file_path"] == kept["S1"]["file_path"]  # same bytes, one copy
    assert "file" not in kept["S4"]
    stored = files_under(review_dir / "sources" / "imports" / "files")
    assert {p.read_bytes() for p in stored} == {speech, hubs} and len(stored) == 2
    again = run("import", str(sheet), *MAP)
    assert "0 new, 4 already present" in again.output
    assert records(engine) == kept
    assert len(files_under(review_dir / "sources" / "imports" / "files")) == 2


def test_unreadable_files_are_listed_by_line_and_nothing_is_stored(
    run: ReviewRunner, db_url: str, review_dir: Path, tmp_path: Path
):
    folder = tmp_path / "cfe"
    folder.mkdir()
    (folder / "ok.pdf").write_bytes(make_pdf(["fine"]))
    (folder / "a folder").mkdir()
    (folder / "empty.pdf").write_bytes(b"")
    sheet = write_csv(folder, ["ok.pdf", "missing.pdf", "https://example.org/x.pdf", "a folder", "empty.pdf"])
    result = run("import", str(sheet), *MAP)
    assert result.exit_code == 1, result.output
    assert "Error: 4 file(s) named in submissions.csv cannot be read; nothing was imported." in result.stderr
    assert f"line 3: 'missing.pdf' not found (looked for {folder / 'missing.pdf'})" in result.stderr
    assert (
        "line 4: 'https://example.org/x.pdf' is a web address, not a file: map that column with --map url"
        in (result.stderr)
    )
    assert "line 5: 'a folder' is not a file" in result.stderr
    assert "line 6: 'empty.pdf' is empty" in result.stderr
    assert "line 2" not in result.stderr
    assert counts(db_url) == [0, 0, 0]
    assert not (review_dir / "sources" / "imports").exists()


def test_a_file_that_is_not_a_pdf_is_kept_and_flagged(run: ReviewRunner, engine: Engine, tmp_path: Path):
    folder = tmp_path / "cfe"
    folder.mkdir()
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 a word document")
    result = run("import", str(write_csv(folder, ["notes.docx"])), *MAP)
    assert result.exit_code == 0, result.output
    assert "1 record names a file that is not a PDF" in result.output
    assert str(records(engine)["S1"]["file_path"]).endswith(".docx")


def test_a_recognised_but_unmapped_file_column_only_names_files(run: ReviewRunner, review_dir: Path):
    args = ("--format", "csv", "--source", "cfe", "--map", "title=Submission title")
    result = run(
        "import", str(DATA / "call_for_evidence.csv"), *args
    )  # its File column names a PDF not there
    assert result.exit_code == 0, result.output
    assert "1 record names a file: to hand the files to the full-text stage, import again with --map" in (
        result.output
    )
    assert not (review_dir / "sources" / "imports" / "files").exists()
