"""Files reviewers add by hand: one for a work, or a folder matched by DOI or title."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from review.db import session_scope
from review.errors import InputError
from review.fulltext.add import add_file, add_folder
from review.models import Document
from tests.factories import add_works
from tests.fulltext_helpers import DATA, files_under, make_pdf


def test_a_file_is_stored_for_a_work_and_read(session: Session, review_dir: Path, tmp_path: Path):
    (work,) = add_works(session, [{"title": "Evaluation"}])
    added = add_file(session, review_dir, work, DATA / "150109DSP-Milw-505-90D.pdf")
    doc = session.get(Document, added.document_id)
    assert doc is not None
    assert (added.status, doc.origin, doc.pages, doc.tables, doc.title) == (
        "readable", "manual", 2, 6, "150109DSP-Milw-505-90D.pdf"
    )  # fmt: skip
    assert (
        doc.path
        and (review_dir / doc.path).read_bytes() == (DATA / "150109DSP-Milw-505-90D.pdf").read_bytes()
    )
    again = add_file(session, review_dir, work, DATA / "150109DSP-Milw-505-90D.pdf")
    assert again.document_id == added.document_id
    assert len(session.exec(select(Document)).all()) == 1


def test_an_unreadable_file_is_kept_with_its_reason(session: Session, review_dir: Path):
    (work,) = add_works(session, [{"title": "Locked"}])
    added = add_file(session, review_dir, work, DATA / "password-example.pdf")
    assert (added.status, added.reason) == ("unreadable", "encrypted: needs a password")


def test_bad_input_is_refused_and_nothing_is_stored(session: Session, review_dir: Path, tmp_path: Path):
    (work,) = add_works(session, [{"title": "Something"}])
    notes = tmp_path / "notes.pdf"
    notes.write_text("not a pdf at all")
    with pytest.raises(InputError, match="No work with ID 999"):
        add_file(session, review_dir, 999, DATA / "la-precinct-bulletin-2014-p1.pdf")
    with pytest.raises(InputError, match="is not a PDF"):
        add_file(session, review_dir, work, notes)
    assert not (review_dir / "fulltexts").exists() or files_under(review_dir / "fulltexts") == set()


def test_a_folder_is_matched_by_doi_and_title(session: Session, review_dir: Path, tmp_path: Path):
    by_name, by_text, by_title, other = add_works(
        session,
        [
            {"title": "Study one", "doi": "10.1234/abc.5678"},
            {"title": "Study two", "doi": "10.5555/xyz-9"},
            {"title": "Evaluation of the family hubs programme: final report"},
            {"title": "An unrelated study of something else entirely"},
        ],
    )
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "10.1234_abc.5678.pdf").write_bytes(make_pdf(["Some text"]))
    (folder / "paper.pdf").write_bytes(make_pdf(["Journal of Things doi:10.5555/xyz-9."]))
    (folder / "hubs.pdf").write_bytes(
        make_pdf(["EVALUATION OF THE FAMILY HUBS PROGRAMME: FINAL REPORT, 2024"])
    )
    (folder / "random.pdf").write_bytes(make_pdf(["Minutes of a meeting about parking"]))
    (folder / "broken.pdf").write_text("<html>not a pdf</html>")
    result = add_folder(session, review_dir, folder, workers=1)
    got = {Path(a.file).name: (a.work_id, a.matched_by, a.status) for a in result.added}
    assert got == {
        "10.1234_abc.5678.pdf": (by_name, "doi_filename", "readable"),
        "paper.pdf": (by_text, "doi_text", "readable"),
        "hubs.pdf": (by_title, "title", "readable"),
    }
    unmatched = {Path(f).name: why for f, why in result.unmatched}
    assert set(unmatched) == {"random.pdf", "broken.pdf"}
    assert "not a PDF" in unmatched["broken.pdf"]
    assert other not in {a.work_id for a in result.added}


def test_cli_add(run, engine: Engine):
    with session_scope(engine) as session:
        (work,) = add_works(session, [{"title": "Bulletin"}])
    result = run("fulltext", "add", str(work), str(DATA / "la-precinct-bulletin-2014-p1.pdf"))
    assert result.exit_code == 0, result.output
    assert f"-> work {work} (by given), document 1: readable" in result.output
    assert run("fulltext", "add").exit_code == 2
    missing = run("fulltext", "add", "999", str(DATA / "la-precinct-bulletin-2014-p1.pdf"))
    assert missing.exit_code == 1 and "Error: No work with ID 999" in missing.stderr
