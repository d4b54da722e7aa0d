"""`review serve` security: sign-in by one-time link, signed sessions, CSRF on every form, and a
screener who never sees or writes another screener's decisions."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import Engine
from sqlmodel import col, select
from starlette.routing import Route

from review.db import session_scope, utcnow
from review.errors import InputError
from review.models import Meta
from review.web import auth
from tests.web_helpers import TA, WebSite, csrf_of, decide, make_site, shown_work


@pytest.fixture
def site(engine: Engine, review_dir: Path) -> WebSite:
    return make_site(engine, review_dir)


def _routes(site: WebSite) -> list[tuple[str, str]]:
    """(method, path) of every page and form the site has, but sign-in itself; a path's IDs are
    filled with a real work's (and the first document's)."""
    found = []
    for route in site.app.routes:
        if isinstance(route, Route) and not route.path.startswith("/signin/"):
            path = route.path.replace("{work_id:int}", str(site.works[0]))
            path = path.replace("{document_id:int}", "1").replace("{segment_id:int}", "1")
            found += [(m, path) for m in sorted(route.methods or ()) if m in ("GET", "POST")]
    return found


def test_no_page_answers_without_sign_in(site: WebSite) -> None:
    client = site.client()
    routes = _routes(site)
    assert {p for _, p in routes} >= {"/", "/screen", "/screen/decide", "/status", "/signout"}
    for method, path in routes:
        response = client.request(method, path, data={"work_id": str(site.works[0])})
        assert response.status_code == 401, (method, path)
        assert "Children's centre study" not in response.text
    assert site.decisions() == []


def test_a_sign_in_link_works_once(site: WebSite) -> None:
    token = site.invite("reviewer1")
    first, second = site.client(), site.client()
    page = first.get(f"/signin/{token}")
    assert page.status_code == 200 and "Sign in as reviewer1" in page.text
    assert first.post(f"/signin/{token}", data={"csrf": csrf_of(page.text)}).status_code == 303
    assert first.get("/screen").status_code == 200
    # the same link in another browser: refused on opening and on posting
    assert second.get(f"/signin/{token}").status_code == 403
    own = second.get(f"/signin/{site.invite('reviewer2')}")  # a CSRF token of its own session
    assert second.post(f"/signin/{token}", data={"csrf": csrf_of(own.text)}).status_code == 403
    assert second.get("/screen").status_code == 401


def test_a_page_fetched_before_signing_in_keeps_the_sign_in_form_valid(site: WebSite) -> None:
    """A browser asks for /favicon.ico between the sign-in page and its button: refused, harmlessly."""
    token = site.invite("reviewer1")
    client = site.client()
    page = client.get(f"/signin/{token}")
    assert client.get("/favicon.ico").status_code == 401
    assert client.post(f"/signin/{token}", data={"csrf": csrf_of(page.text)}).status_code == 303


def test_opening_a_link_does_not_spend_it(site: WebSite) -> None:
    """A mail scanner that opens the link must not use it up: only the button signs in."""
    token = site.invite("reviewer1")
    assert site.client().get(f"/signin/{token}").status_code == 200
    client = site.client()
    page = client.get(f"/signin/{token}")
    assert client.post(f"/signin/{token}", data={"csrf": csrf_of(page.text)}).status_code == 303


def test_unknown_and_expired_links_are_refused(site: WebSite) -> None:
    client = site.client()
    assert client.get("/signin/not-a-token").status_code == 403
    with session_scope(site.engine) as session:
        long_ago = utcnow() - auth.INVITE_VALID - timedelta(days=1)
        old = auth.invite(session, site.protocol, "reviewer1", now=long_ago)
    assert client.get(f"/signin/{old}").status_code == 403


def test_the_store_keeps_only_a_hash_of_each_link(site: WebSite) -> None:
    token = site.invite("reviewer1")
    with session_scope(site.engine) as session:
        rows = session.exec(select(Meta).where(col(Meta.key).startswith(auth.INVITE_PREFIX))).all()
    assert len(rows) == 1 and token not in rows[0].key + rows[0].value
    assert json.loads(rows[0].value)["reviewer"] == "reviewer1"


def test_only_the_protocols_reviewers_are_invited(site: WebSite) -> None:
    with pytest.raises(InputError, match="Unknown reviewer 'mallory'"):
        site.invite("mallory")


def test_a_forged_or_altered_session_cookie_is_refused(site: WebSite) -> None:
    client = site.client()
    forged = TimestampSigner("not the secret").sign(b'{"reviewer": "reviewer1"}').decode()
    client.cookies.set("review_session", forged)
    assert client.get("/screen").status_code == 401
    real = site.sign_in("reviewer1")
    payload, stamp, signature = real.cookies["review_session"].split(".")
    other = base64.b64encode(base64.b64decode(payload).replace(b"reviewer1", b"reviewer2")).decode()
    real.cookies.clear()
    real.cookies.set("review_session", f"{other}.{stamp}.{signature}")
    assert real.get("/screen").status_code == 401


def test_every_post_without_the_csrf_token_is_refused(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    form = {"stage": "title-abstract", "work_id": str(site.works[0]), "decision": "include", "text": "x"}
    for method, path in _routes(site):
        if method == "POST":
            assert client.post(path, data=form).status_code == 403, path
            assert client.post(path, data={**form, "csrf": "guessed"}).status_code == 403, path
    assert site.decisions() == []
    assert client.get("/screen").status_code == 200  # still signed in: sign-out was refused too


def test_a_screener_decides_only_as_themselves(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    assert decide(client, site.works[0], "include", reviewer="reviewer2") == 303
    (row,) = site.decisions()
    assert (row.reviewer, row.work_id, row.decision) == ("reviewer1", site.works[0], "include")


def test_a_screener_cannot_decide_outside_their_queue(engine: Engine, review_dir: Path) -> None:
    site = make_site(engine, review_dir)
    with session_scope(engine) as session:
        from tests.screen_helpers import assign_to, kept_works

        (theirs,) = kept_works(session, 1)
        assign_to(session, [theirs], "reviewer2")
    client = site.sign_in("reviewer1")
    assert decide(client, theirs, "include") == 400
    page = client.get("/screen")
    note = {"csrf": csrf_of(page.text), "stage": "title-abstract", "work_id": str(theirs), "text": "hi"}
    assert client.post("/screen/note", data=note).status_code == 400
    assert site.decisions() == []


def test_a_screener_never_sees_another_screeners_decision(site: WebSite) -> None:
    one, two = site.sign_in("reviewer1"), site.sign_in("reviewer2")
    work = shown_work(two.get("/screen").text)
    page = two.get("/screen")
    two.post("/screen/note", data={"csrf": csrf_of(page.text), "stage": "title-abstract",
                                   "work_id": str(work), "text": "reviewer2's private note"})  # fmt: skip
    assert decide(two, work, "include") == 303
    seen = ""
    for _ in site.works:  # walk reviewer1's whole queue, skipping, so every card is read
        page = one.get("/screen")
        seen += page.text
        if "Nothing left to screen" in page.text:
            break
        one.post("/screen/skip", data={"csrf": csrf_of(page.text), "stage": "title-abstract",
                                       "work_id": str(shown_work(page.text))})  # fmt: skip
    assert f"Work {work}:" in seen  # the work is in reviewer1's queue ...
    assert "private note" not in seen and "reviewer2" not in seen  # ... without reviewer2's note or name
    status = one.get("/status").text
    row = status.split("<td>reviewer2</td>")[1].split("</tr>")[0]
    assert "hidden" in row  # reviewer2's include count, while reviewer1 still screens blind


def test_pages_carry_security_headers(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    headers = client.get("/screen").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    token = site.invite("reviewer2")
    other = site.client()
    page = other.get(f"/signin/{token}")
    cookie = other.post(f"/signin/{token}", data={"csrf": csrf_of(page.text)}).headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_decisions_written_at_the_right_stage_only(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    assert client.get("/screen?stage=nonsense").status_code == 404
    assert decide(client, site.works[0], "include") == 303
    assert [d.stage for d in site.decisions()] == [TA]
