"""The writers' page: saved queries and the evidence map, read-only SQL, downloads (CSV, XLSX, the
PRISMA diagram, the methods text); writers sign in as writers and read nothing else."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import Engine
from starlette.testclient import TestClient

from review.db import session_scope
from review.errors import InputError
from review.web import auth
from tests.conftest import ReviewRunner
from tests.web_helpers import WebSite, csrf_of, decide, make_site, shown_work


@pytest.fixture
def site(engine: Engine, review_dir: Path) -> WebSite:
    return make_site(engine, review_dir)


def _query(client: TestClient, sql: str = "", saved: str = "") -> Any:
    page = client.get("/writers")
    return client.post("/writers/query", data={"csrf": csrf_of(page.text), "sql": sql, "saved": saved})


def test_a_writer_signs_in_to_the_writers_page_only(site: WebSite) -> None:
    writer = site.sign_in_writer("Sam Writer")
    assert writer.get("/").headers["location"] == "/writers"
    page = writer.get("/writers")
    assert page.status_code == 200 and "Sam Writer (writer)" in page.text
    assert 'href="/screen' not in page.text  # no screening in a writer's menu
    for path in ("/screen", "/screen?stage=full-text", "/conflicts", "/dedupe", "/extract"):
        assert writer.get(path).status_code == 403, path
    assert writer.get("/status").status_code == 200


def test_saved_queries_the_evidence_map_and_any_sql(site: WebSite) -> None:
    writer = site.sign_in_writer()
    page = writer.get("/writers").text
    assert "study_table" in page and "preconditions" in page
    assert 'id="evidence-error"' in page  # the extraction tables do not exist yet: said, not hidden
    error = page.split('id="evidence-error">')[1].split("</p>")[0]
    assert "The query failed" in error and "extract_early_years" in error
    answer = _query(writer, "SELECT COUNT(*) AS works FROM work")
    assert answer.status_code == 200
    table = answer.text.split('id="result"')[1]
    assert "<th>works</th>" in table and f"<td>{len(site.works)}</td>" in table


def test_the_sql_box_writes_nothing_and_never_reads_meta(site: WebSite) -> None:
    writer = site.sign_in_writer()
    wrote = _query(writer, "DELETE FROM work").text
    assert "read-only" in wrote
    assert site.client().get("/writers").status_code == 401
    if site.engine.dialect.name == "sqlite":  # the engine refuses `meta`, where the secret may be
        secret = _query(writer, "SELECT value FROM meta").text
        assert "refused" in secret
        with session_scope(site.engine) as session:
            assert auth.signing_secret(session) not in secret


def test_on_postgresql_the_cookie_secret_is_never_kept_in_the_store(
    run: ReviewRunner, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL cannot refuse one table to a read-only query: the secret must come from outside."""
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: None)
    result = run("serve")
    if db_url.startswith("postgresql"):
        assert result.exit_code == 1 and "the store is on PostgreSQL: set REVIEW_WEB_SECRET" in result.stderr
    else:
        assert result.exit_code == 0, result.output


def test_downloads(site: WebSite) -> None:
    writer = site.sign_in_writer()
    page = writer.get("/writers")
    form = {"csrf": csrf_of(page.text), "sql": "SELECT id, title FROM work ORDER BY id", "format": "csv"}
    csv = writer.post("/writers/download", data=form)
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.headers["content-disposition"] == 'attachment; filename="query.csv"'
    assert csv.text.splitlines()[:2] == ["id,title", f"{site.works[0]},Children's centre study 0"]
    xlsx = writer.post("/writers/download", data={**form, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and [c.value for c in sheet[1]] == ["id", "title"]
    assert writer.post("/writers/download", data={**form, "csrf": "guessed"}).status_code == 403
    assert writer.get("/writers/download?sql=SELECT+1").status_code == 405  # typed SQL only by the form
    saved = writer.get("/writers/download?saved=study_table&format=csv")
    assert saved.status_code == 400 and "extract_early_years" in saved.text
    svg = writer.get("/writers/prisma.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and "<svg" in svg.text
    methods = writer.get("/writers/methods.md")
    assert methods.text.startswith("# Methods") and "attachment" in methods.headers["content-disposition"]


def test_a_screener_reads_the_writers_page_only_once_not_blind(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    refused = client.get("/writers")
    assert refused.status_code == 403 and "screen blind at no stage" in refused.text
    assert client.get("/writers/prisma.svg").status_code == 403
    for _ in site.works:
        decide(client, shown_work(client.get("/screen").text), "include")
    assert client.get("/writers").status_code == 200
    assert site.sign_in("adjudicator").get("/writers").status_code == 200  # no queue to be blind in


def test_a_revoked_writer_is_signed_out(site: WebSite) -> None:
    writer = site.sign_in_writer("Sam Writer")
    unused = site.invite_writer("Sam Writer")
    with session_scope(site.engine) as session:
        assert auth.revoke_writer(session, "Sam Writer")
        assert not auth.revoke_writer(session, "Sam Writer")
    assert writer.get("/writers").status_code == 401
    other = site.client()
    page = other.get(f"/signin/{unused}")
    assert other.post(f"/signin/{unused}", data={"csrf": csrf_of(page.text)}).status_code == 403


def test_a_reviewer_is_not_made_a_writer(site: WebSite) -> None:
    with pytest.raises(InputError, match="one of the protocol's reviewers"):
        site.invite_writer("reviewer1")
    with pytest.raises(InputError, match="Writer name"):
        site.invite_writer("<script>")


def test_serve_invites_and_revokes_writers(run: ReviewRunner) -> None:
    invited = run("serve", "--invite", "Sam Writer", "--writer")
    assert invited.exit_code == 0, invited.output
    assert "/signin/" in invited.output
    revoked = run("serve", "--revoke", "Sam Writer")
    assert revoked.exit_code == 0 and "Sam Writer is no longer a writer" in revoked.output
    again = run("serve", "--revoke", "Sam Writer")
    assert again.exit_code == 1 and "not on the store's list of writers" in again.stderr
    assert run("serve", "--writer").exit_code == 2
