"""Helpers for the web tests: a site over a dual-screened store, and reviewers signed in to it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from review.db import session_scope
from review.models import ScreeningDecision
from review.protocol import Protocol
from review.screen import assign
from review.web import auth
from review.web.app import WebConfig, create_app
from tests.screen_helpers import kept_works, protocol_at, with_design

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
    return WebSite(create_app(WebConfig(engine, protocol, secret)), engine, protocol, works)


def decide(client: TestClient, work_id: int, decision: str, reason: str | None = None, **extra: str) -> int:
    """POST a decision from the screening page's own form; returns the status code."""
    page = client.get("/screen")
    form = {"csrf": csrf_of(page.text), "stage": "title-abstract", "work_id": str(work_id)}
    form |= {"decision": decision, **({"reason_code": reason} if reason else {}), **extra}
    return client.post("/screen/decide", data=form).status_code
