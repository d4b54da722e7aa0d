"""Helpers for the web tests: a site over a dual-screened store, and reviewers signed in to it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from review import dedupe
from review.db import session_scope
from review.dedupe import PairView
from review.models import Document, ScreeningDecision
from review.protocol import Protocol
from review.screen import assign
from review.web import auth
from review.web.app import WebConfig, create_app
from tests.dedupe_helpers import add_records
from tests.extract_helpers import add_fulltext, included
from tests.extract_helpers import decide as extract_decide
from tests.fulltext_helpers import make_pdf
from tests.screen_helpers import assign_to, kept_works, protocol_at, with_design

TA = "title_abstract"
SCREENERS = ("reviewer1", "reviewer2")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
WORK = re.compile(r'name="work_id" value="(\d+)"')


@dataclass
class WebSite:
    """A site over a store where `works` are in both screeners' dual queues."""

    app: Starlette
    engine: Engine
    protocol: Protocol
    works: list[int]

    def invite(self, name: str) -> str:
        with session_scope(self.engine) as session:
            return auth.invite(session, self.protocol, name)

    def invite_writer(self, name: str) -> str:
        with session_scope(self.engine) as session:
            return auth.invite(session, self.protocol, name, writer=True)

    def sign_in_writer(self, name: str = "Sam Writer") -> TestClient:
        client = self.client()
        token = self.invite_writer(name)
        page = client.get(f"/signin/{token}")
        assert client.post(f"/signin/{token}", data={"csrf": csrf_of(page.text)}).status_code == 303
        return client

    def client(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)

    def sign_in(self, name: str) -> TestClient:
        """A browser of its own (its own cookies), signed in as `name` through a one-time link."""
        client = self.client()
        token = self.invite(name)
        page = client.get(f"/signin/{token}")
        assert page.status_code == 200, page.text
        done = client.post(f"/signin/{token}", data={"csrf": csrf_of(page.text)})
        assert done.status_code == 303, done.text
        return client

    def decisions(self) -> list[ScreeningDecision]:
        with session_scope(self.engine) as session:
            return list(session.exec(select(ScreeningDecision).order_by(col(ScreeningDecision.id))))

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html
    return found.group(1)


def shown_work(html: str) -> int:
    found = WORK.search(html)
    assert found, html
    return int(found.group(1))


def make_site(engine: Engine, review_dir: Path, n: int = 4) -> WebSite:
    protocol = with_design(protocol_at(review_dir), TA, design="dual")
    with session_scope(engine) as session:
        works = kept_works(session, n)
        assign.run(session, protocol, TA, SCREENERS)
        secret = auth.signing_secret(session)
    app = create_app(WebConfig(engine, protocol, secret, root=review_dir))
    return WebSite(app, engine, protocol, works)


# Sentences the extraction suggesters pick up: a design, a programme, a nation, a sample size.
STUDY_PAGES = [
    "Background. Children's centres were opened across England from 2004.",
    "Methods. This randomised controlled trial of Sure Start Local Programmes followed 1,234 children.",
]


def included_study(
    engine: Engine, review_dir: Path, pdf: bool = True, screened: bool = True
) -> tuple[int, int]:
    """A work included at both stages (or, unless `screened`, at title/abstract and in reviewer1's
    full-text queue), with a readable full text (a stored PDF when `pdf`); returns (work ID,
    document ID)."""
    with session_scope(engine) as session:
        if screened:
            (work_id,) = included(session, [{"title": "Sure Start evaluation", "year": 2012}])
        else:
            (work_id,) = kept_works(session, 1, title="Sure Start evaluation")
            extract_decide(session, work_id, TA, "include")
            assign_to(session, [work_id], "reviewer1", stage="full_text")
        doc_id = add_fulltext(session, work_id, STUDY_PAGES)
        doc = session.get(Document, doc_id)
        assert doc is not None
        if pdf:
            folder = review_dir / "fulltexts"
            folder.mkdir(exist_ok=True)
            (folder / f"{work_id}.pdf").write_bytes(make_pdf(STUDY_PAGES))
            doc.path, doc.content_type = f"fulltexts/{work_id}.pdf", "application/pdf"
        else:
            doc.url, doc.method = "https://www.gov.uk/government/publications/sure-start", "html"
        session.add(doc)
    return work_id, doc_id


PAPER = {
    "title": "Universal free school meals and attainment in English primary schools",
    "authors": ["Holford, Angus", "Rabe, Birgitta"],
    "year": 2022,
    "journal": "Education Economics",
    "volume": "30",
    "pages": "112-130",
}


def queued_pair(engine: Engine) -> PairView:
    """Two records dedupe queues for a person (the same title and year, little else)."""
    with session_scope(engine) as session:
        add_records(session, [PAPER, {"title": PAPER["title"], "year": PAPER["year"]}])
        dedupe.run(session)
        view = dedupe.next_pending(session)
    assert view is not None
    return view


def decide(client: TestClient, work_id: int, decision: str, reason: str | None = None, **extra: str) -> int:
    """POST a decision from the screening page's own form; returns the status code."""
    page = client.get("/screen")
    form = {"csrf": csrf_of(page.text), "stage": "title-abstract", "work_id": str(work_id)}
    form |= {"decision": decision, **({"reason_code": reason} if reason else {}), **extra}
    return client.post("/screen/decide", data=form).status_code
