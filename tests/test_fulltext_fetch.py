"""The fetch stage: candidate URLs in order, one readable document per work, resumable, PRISMA reasons."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from review.db import session_scope
from review.fulltext.fetch import NO_CANDIDATE, fetch_works, works_to_fetch
from review.fulltext.find import candidates
from review.fulltext.status import status
from review.fulltext.store import store_bytes
from review.http import ClientSettings
from review.models import Document, Page, StageRun
from review.settings import Settings
from tests.factories import add_works
from tests.fulltext_helpers import DATA, Server, body, files_under, include, make_pdf, openalex_work, reply

GOOD = make_pdf(["Evaluation of family hubs", "Findings: attendance rose in the second year"])
SCANNED = (DATA / "issue-203-decimalize.pdf").read_bytes()
CLIENT = ClientSettings(tries=1, read_timeout=5, sleep=lambda _: None)
OFFLINE = Settings(govuk_url="http://127.0.0.1:9/govuk-unreachable")  # no test reaches GOV.UK


@pytest.fixture
def server() -> Iterator[Server]:
    with Server().running() as s:
        yield s


def docs(session: Session, work_id: int) -> list[tuple[str, str, str | None]]:
    rows = session.exec(select(Document).where(Document.work_id == work_id).order_by(col(Document.id)))
    return [(d.origin, d.status, d.reason) for d in rows]


def test_urls_are_tried_in_order_until_one_is_readable(session: Session, review_dir: Path, server: Server):
    server.routes |= {"/missing.pdf": reply(404), "/scan.pdf": body(SCANNED), "/good.pdf": body(GOOD)}
    u = server.url
    work = openalex_work(
        session, "Family hubs", [f"{u}/missing.pdf", f"{u}/scan.pdf", f"{u}/good.pdf"], f"{u}/x"
    )
    result = fetch_works(session, review_dir, [work], settings=OFFLINE, client=CLIENT, workers=1)
    assert docs(session, work) == [
        ("openalex_best_oa", "not_retrieved", "HTTP 404 Not Found"),
        ("openalex_location", "unreadable", "no text layer (scanned?)"),
        ("openalex_location", "readable", None),
    ]
    assert (result.attempts, result.retrieved, result.readable, result.unreadable) == (3, 2, 1, 1)
    assert "/x" not in server.hits  # the open-access URL was not needed
    good = session.exec(select(Document).where(Document.status == "readable")).one()
    assert (good.licence, good.version, good.pages, good.method) == ("cc-by", "publishedVersion", 2, "pdfium")
    texts = session.exec(
        select(Page.text).where(Page.document_id == good.id).order_by(col(Page.page_no))
    ).all()
    assert texts == ["Evaluation of family hubs", "Findings: attendance rose in the second year"]


def test_works_without_urls_or_pdfs_get_a_reason(session: Session, review_dir: Path, server: Server):
    server.routes["/landing"] = body(b"<html><body>Article page</body></html>", "text/html")
    landing = openalex_work(session, "Only a landing page", [], f"{server.url}/landing")
    nothing = openalex_work(session, "No open access at all", [])
    result = fetch_works(session, review_dir, [landing, nothing], settings=OFFLINE, client=CLIENT, workers=1)
    assert docs(session, landing) == [("openalex_oa_url", "not_retrieved", "not a PDF (text/html page)")]
    assert docs(session, nothing) == [("none", "not_retrieved", NO_CANDIDATE)]
    assert (result.not_retrieved, result.no_candidates) == (1, 1)
    assert files_under(review_dir / "fulltexts") == set()
    assert works_to_fetch(session) == []  # nothing new to try: a re-run does no work


def test_a_file_fetched_but_not_read_is_read_on_the_next_run(
    session: Session, review_dir: Path, server: Server
):
    server.routes["/ok.pdf"] = body(GOOD)
    work = openalex_work(session, "Interrupted", [f"{server.url}/ok.pdf"])
    stored = store_bytes(review_dir, GOOD, ".pdf")
    url = f"{server.url}/ok.pdf"
    session.add(
        Document(work_id=work, origin="openalex_best_oa", url=url, status="retrieved", path=stored.path)
    )
    assert works_to_fetch(session) == [work]
    result = fetch_works(session, review_dir, [work], settings=OFFLINE, client=CLIENT, workers=1)
    assert (result.attempts, result.readable) == (0, 1)
    assert server.hits == {}


def test_govuk_pdf_and_html_attachments(session: Session, review_dir: Path, server: Server):
    item = b'{"details": {"body": "<p>Intro</p><h2>Findings</h2><p>Take-up of funded childcare rose.</p>"}}'
    server.routes["/api/content/government/publications/eval/report"] = body(item, "application/json")
    attachments = [
        {"url": f"{server.url}/media/abc/table.csv", "attachment_type": "file", "content_type": "text/csv"},
        {"url": "https://www.gov.uk/government/publications/eval/report", "attachment_type": "html",
         "content_type": "text/html", "title": "Evaluation report"},
    ]  # fmt: skip
    (work,) = add_works(
        session, [{"title": "Evaluation", "extra": {"attachments": attachments}}], source="govuk"
    )
    include(session, [work])
    assert [c.origin for c in candidates(session, [work])[work]] == ["govuk_html"]  # the CSV is no full text
    mirror = Settings(govuk_url=server.url)  # the HTML publication is read from the Content API there
    fetch_works(session, review_dir, [work], settings=mirror, client=CLIENT, workers=1)
    doc = session.exec(select(Document).where(Document.work_id == work)).one()
    assert (doc.origin, doc.status, doc.pages, doc.title) == (
        "govuk_html",
        "readable",
        2,
        "Evaluation report",
    )
    assert doc.licence and doc.licence.startswith("OGL")
    assert doc.path and doc.path.endswith(".html")


def test_rerunning_skips_done_work_and_retry_tries_failures_again(
    session: Session, review_dir: Path, server: Server
):
    server.routes["/later.pdf"] = reply(503)
    server.routes["/ok.pdf"] = body(GOOD)
    flaky = openalex_work(session, "Server down today", [f"{server.url}/later.pdf"])
    done = openalex_work(session, "Already fetched", [f"{server.url}/ok.pdf"])
    fetch_works(session, review_dir, [flaky, done], settings=OFFLINE, client=CLIENT, workers=1)
    assert works_to_fetch(session) == []
    assert works_to_fetch(session, retry=True) == [flaky]
    server.routes["/later.pdf"] = body(GOOD)
    todo = works_to_fetch(session, retry=True)
    again = fetch_works(session, review_dir, todo, retry=True, settings=OFFLINE, client=CLIENT, workers=1)
    assert (again.attempts, again.readable) == (1, 1)
    assert server.hits == {"/later.pdf": 2, "/ok.pdf": 1}
    assert docs(session, flaky) == [("openalex_best_oa", "readable", None)]
    assert session.exec(select(Document.attempts).where(Document.work_id == flaky)).one() == 2


def test_only_works_included_at_title_abstract_are_sought(session: Session, server: Server):
    server.routes["/a.pdf"] = body(GOOD)
    wanted = openalex_work(session, "Included", [f"{server.url}/a.pdf"])
    add_works(
        session, [{"title": "Not screened", "extra": {"open_access": {"oa_url": f"{server.url}/a.pdf"}}}]
    )
    assert works_to_fetch(session) == [wanted]


def test_status_counts_works_and_reasons(session: Session, review_dir: Path, server: Server):
    server.routes |= {"/gone.pdf": reply(410), "/ok.pdf": body(GOOD), "/scan.pdf": body(SCANNED)}
    works = [
        openalex_work(session, f"Work {name}", [f"{server.url}/{name}"]) for name in ("gone.pdf", "ok.pdf")
    ]
    works.append(openalex_work(session, "Scanned", [f"{server.url}/scan.pdf"]))
    works.append(openalex_work(session, "Not yet", [f"{server.url}/ok.pdf"]))
    fetch_works(session, review_dir, works[:3], settings=OFFLINE, client=CLIENT, workers=1)
    s = status(session)
    assert s.sought == 4
    assert s.works == {"readable": 1, "unreadable": 1, "retrieved": 0, "not_retrieved": 1, "pending": 1}
    assert s.not_retrieved_reasons == (("HTTP 410 Gone", 1),)
    assert s.unreadable_reasons == (("no text layer (scanned?)", 1),)


def test_cli_fetch_and_status(run, engine: Engine, server: Server):
    server.routes |= {"/gone.pdf": reply(404), "/ok.pdf": body(GOOD)}
    with session_scope(engine) as session:
        openalex_work(session, "Fetched", [f"{server.url}/ok.pdf"])
        openalex_work(session, "Missing", [f"{server.url}/gone.pdf"])
    result = run("fulltext", "fetch")
    assert result.exit_code == 0, result.output
    assert "2 works: 2 URLs tried, 1 file retrieved (1 readable, 0 unreadable), 1 failed" in result.output
    shown = run("fulltext", "status")
    assert "Reports sought for retrieval: 2 works" in shown.output
    assert "not retrieved, HTTP 404 Not Found: 1" in shown.output
    assert "0 works: 0 URLs tried" in run("fulltext", "fetch").output
    with session_scope(engine) as session:
        logged = session.exec(select(StageRun).where(StageRun.stage == "fulltext_fetch")).all()
        assert [(r.status, r.counts and r.counts["readable"]) for r in logged] == [
            ("complete", 1),
            ("complete", 0),
        ]
