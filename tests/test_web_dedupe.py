"""Possible duplicates in the browser: two records side by side, differences marked, decided
through review.dedupe as `review dedupe review` decides them, with who and when."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from review.db import session_scope
from review.models import DedupeEvent, DedupePair
from tests.web_helpers import WebSite, csrf_of, make_site, queued_pair


@pytest.fixture
def site(engine: Engine, review_dir: Path) -> WebSite:
    return make_site(engine, review_dir)


def _decide(client: TestClient, pair_id: int, decision: str) -> int:
    page = client.get("/dedupe")
    form = {"csrf": csrf_of(page.text), "pair_id": str(pair_id), "decision": decision}
    return client.post("/dedupe/decide", data=form).status_code


def _events(site: WebSite) -> list[tuple[int, str, str]]:
    with session_scope(site.engine) as session:
        return [(e.pair_id, e.action, e.reviewer) for e in session.exec(select(DedupeEvent))]


def test_the_pair_is_shown_side_by_side_with_its_differences(site: WebSite) -> None:
    view = queued_pair(site.engine)
    page = site.sign_in("reviewer1").get("/dedupe")
    assert page.status_code == 200
    assert f"Pair {view.pair_id}: the same work?" in page.text
    assert "1 pair(s) of works to decide" in page.text
    assert "match probability" in page.text
    journal = page.text.split("journal</th>")[1].split("</tr>")[0]
    assert "<mark class='diff'>Education</mark>" in journal  # only one record names the journal
    assert '<tr class="differs"><th>* journal' in page.text
    assert "<tr><th>title</th>" in page.text  # the same title: not marked
    assert 'data-key="m"' in page.text and 'data-key="k"' in page.text and 'data-key="s"' in page.text


def test_same_work_merges_the_pair_with_who(site: WebSite) -> None:
    view = queued_pair(site.engine)
    client = site.sign_in("reviewer2")
    assert _decide(client, view.pair_id, "merge") == 303
    page = client.get("/dedupe").text
    assert f"Saved: pair {view.pair_id} is the same work into work" in page
    assert "No possible duplicates left to decide" in page
    assert _events(site) == [(view.pair_id, "merge", "reviewer2")]


def test_different_works_keeps_both_and_a_decided_pair_is_refused(site: WebSite) -> None:
    view = queued_pair(site.engine)
    one, two = site.sign_in("reviewer1"), site.sign_in("reviewer2")
    page = two.get("/dedupe")  # reviewer2 has the pair on screen ...
    assert _decide(one, view.pair_id, "keep_both") == 303  # ... when reviewer1 decides it
    form = {"csrf": csrf_of(page.text), "pair_id": str(view.pair_id), "decision": "merge"}
    assert two.post("/dedupe/decide", data=form).status_code == 409
    assert _events(site) == [(view.pair_id, "keep_both", "reviewer1")]
    with session_scope(site.engine) as session:
        pair = session.get(DedupePair, view.pair_id)
        assert pair is not None and (pair.decision, pair.decided_by) == ("keep_both", "reviewer1")


def test_a_skipped_pair_comes_back(site: WebSite) -> None:
    view = queued_pair(site.engine)
    client = site.sign_in("reviewer1")
    assert _decide(client, view.pair_id, "skip") == 303
    page = client.get("/dedupe").text
    assert f"Skipped pair {view.pair_id}" in page and f"Pair {view.pair_id}:" in page  # the only one left
    assert _decide(client, view.pair_id, "nonsense") == 400
    assert _events(site) == []


def test_writers_and_strangers_do_not_decide_duplicates(site: WebSite) -> None:
    view = queued_pair(site.engine)
    writer = site.sign_in_writer()
    assert writer.get("/dedupe").status_code == 403
    page = writer.get("/status")
    form = {"csrf": csrf_of(page.text), "pair_id": str(view.pair_id), "decision": "merge"}
    assert writer.post("/dedupe/decide", data=form).status_code == 403
    assert site.client().get("/dedupe").status_code == 401
    assert _events(site) == []
