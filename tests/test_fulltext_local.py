"""A file kept at import (`--map file=COLUMN`) is a work's first full text: read from disk, no network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from review.db import session_scope
from review.models import Document, Page, Record
from tests.conftest import ReviewRunner
from tests.fulltext_helpers import Server, body, include, make_pdf
from tests.test_imports_files import MAP, write_csv

SPEECH = ["Speech and language support in nurseries", "A survey of 210 settings"]


@pytest.fixture
def server() -> Iterator[Server]:
    with Server().running() as s:
        yield s


def import_and_include(
    run: ReviewRunner, engine: Engine, folder: Path, rows: list[list[str]]
) -> dict[str, int]:
    """Import a sheet of (file, URL) rows, dedupe, include every work; work ID by the row's Ref."""
    sheet = write_csv(folder, [file for file, _ in rows])
    text = sheet.read_text(encoding="utf-8").splitlines()
    urls = ["URL", *(url for _, url in rows)]
    sheet.write_text("\n".join(f"{line},{url}" for line, url in zip(text, urls, strict=True)) + "\n")
    for args in (("import", str(sheet), *MAP), ("dedupe",)):
        result = run(*args)
        assert result.exit_code == 0, result.output
    with session_scope(engine) as session:
        works = {r.source_id: r.work_id for r in session.exec(select(Record)) if r.work_id is not None}
        include(session, sorted(works.values()))
    return works


def documents(engine: Engine, work_id: int) -> list[Document]:
    with session_scope(engine) as session:
        found = list(
            session.exec(select(Document).where(Document.work_id == work_id).order_by(col(Document.id)))
        )
        session.expunge_all()
    return found


def test_a_kept_file_is_read_first_without_the_network(
    run: ReviewRunner, engine: Engine, review_dir: Path, tmp_path: Path, server: Server
):
    folder = tmp_path / "cfe"
    folder.mkdir()
    (folder / "speech.pdf").write_bytes(make_pdf(SPEECH))
    (folder / "notes.docx").write_bytes(b"PK\x03\x04 not a pdf")
    (folder / "hubs.pdf").write_bytes(make_pdf(["Family hubs in rural counties"]))
    server.routes |= {
        "/speech.pdf": body(make_pdf(["the web copy"])),
        "/minders.pdf": body(make_pdf(["web"])),
    }
    works = import_and_include(
        run,
        engine,
        folder,
        [
            ["speech.pdf", f"{server.url}/speech.pdf"],
            ["notes.docx", f"{server.url}/minders.pdf"],
            ["hubs.pdf", ""],
        ],
    )
    hubs_copy = review_dir / str(_extra(engine, "S3")["file_path"])
    hubs_copy.unlink()  # the kept copy went missing from sources/
    result = run("fulltext", "fetch")
    assert result.exit_code == 0, result.output
    assert "3 works: 4 URLs tried, 2 files retrieved (2 readable, 0 unreadable), 2 failed" in result.output

    (speech,) = documents(engine, works["S1"])
    kept = _extra(engine, "S1")
    assert (speech.origin, speech.status, speech.title, speech.url) == (
        "record_file", "readable", "speech.pdf", kept["file_path"]
    )  # fmt: skip
    assert speech.sha256 == kept["file_sha256"] and speech.record_id is not None
    assert "/speech.pdf" not in server.hits  # the submission's own copy was enough
    with session_scope(engine) as session:
        pages = session.exec(
            select(Page.text).where(Page.document_id == speech.id).order_by(col(Page.page_no))
        )
        assert list(pages) == SPEECH

    docx, web = documents(engine, works["S2"])
    assert (docx.origin, docx.status) == ("record_file", "not_retrieved")
    assert (
        docx.reason
        and docx.reason.startswith("the imported file notes.docx: ")
        and "is not a PDF" in docx.reason
    )
    assert (web.origin, web.status, server.hits["/minders.pdf"]) == ("record_url", "readable", 1)

    (missing,) = documents(engine, works["S3"])
    assert missing.status == "not_retrieved"
    gone = _extra(engine, "S3")["file_path"]
    assert missing.reason == f"the imported file hubs.pdf is missing from {gone}: import the CSV again"

    again = run("fulltext", "fetch")
    assert "0 URLs tried" in again.output
    assert len(documents(engine, works["S1"])) == 1


def _extra(engine: Engine, ref: str) -> dict[str, str]:
    with session_scope(engine) as session:
        record = session.exec(select(Record).where(Record.source_id == ref)).one()
        return dict(record.extra or {})
