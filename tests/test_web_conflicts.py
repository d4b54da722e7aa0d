"""The conflict resolution page: adjudicators only, both screeners' decisions once both decided,
and each resolution written as `review conflicts resolve` writes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from review import conflicts
from review.db import session_scope
from tests.web_helpers import TA, WebSite, csrf_of, decide, make_site, shown_work


@pytest.fixture
def site(engine: Engine, review_dir: Path) -> WebSite:
    """Two works in conflict (reviewer1 includes, reviewer2 excludes), one agreed."""
    made = make_site(engine, review_dir, n=3)
    for name, decision in (("reviewer1", "include"), ("reviewer2", "exclude")):
        client = made.sign_in(name)
        for n in range(3):
            work = shown_work(client.get("/screen").text)
            chosen = "include" if n == 2 else decision  # reviewer2's last card: both include it
            assert decide(client, work, chosen, "E-TOPIC" if chosen == "exclude" else None) == 303
    return made


def _open(site: WebSite) -> list[int]:
    with session_scope(site.engine) as session:
        return [c.work_id for c in conflicts.list_conflicts(session, TA)]


def _post(client: TestClient, path: str, **form: str) -> int:
    page = client.get("/screen")
    data = {"csrf": csrf_of(page.text), "stage": "title-abstract", **form}
    return client.post(path, data=data).status_code


def test_a_screener_cannot_open_or_post_to_the_conflicts_page(site: WebSite) -> None:
    screener = site.sign_in("reviewer1")
    assert screener.get("/conflicts").status_code == 403
    assert "/conflicts" not in screener.get("/screen").text  # not in their menu either
    work = str(_open(site)[0])
    form = {"work_id": work, "decision": "include", "text": "mine"}
    for path in ("/conflicts/resolve", "/conflicts/skip", "/conflicts/note"):
        assert _post(screener, path, **form) == 403, path
    assert len(_open(site)) == 2
    assert all(d.role == "screener" for d in site.decisions())


def test_the_adjudicator_sees_both_decisions_and_resolves(site: WebSite) -> None:
    work, other = _open(site)
    adjudicator = site.sign_in("adjudicator")
    page = adjudicator.get("/conflicts").text
    assert shown_work(page) == work and "2 open conflict(s)" in page
    assert "reviewer1" in page and "reviewer2" in page and "E-TOPIC" in page
    assert _post(adjudicator, "/conflicts/note", work_id=str(work), text="read the full report") == 303
    assert "Your note: read the full report" in adjudicator.get("/conflicts").text
    form = {
        "work_id": str(work),
        "decision": "exclude",
        "reason_code": "E-SETTING",
        "note": "read the full report",
    }
    assert _post(adjudicator, "/conflicts/resolve", **form) == 303
    row = site.decisions()[-1]
    assert (row.work_id, row.reviewer, row.role, row.decision) == (
        work,
        "adjudicator",
        "adjudicator",
        "exclude",
    )
    assert (row.reason_code, row.note, row.stage) == ("E-SETTING", "read the full report", TA)
    assert _open(site) == [other]
    page = adjudicator.get("/conflicts").text
    assert f"Resolved: exclude (E-SETTING) on work {work}." in page and shown_work(page) == other


def test_a_bad_resolution_is_refused_by_the_stage(site: WebSite) -> None:
    adjudicator = site.sign_in("adjudicator")
    work = str(_open(site)[0])
    assert _post(adjudicator, "/conflicts/resolve", work_id=work, decision="exclude") == 400
    agreed = next(w for w in site.works if w not in _open(site))
    assert _post(adjudicator, "/conflicts/resolve", work_id=str(agreed), decision="include") == 400
    assert _post(adjudicator, "/conflicts/note", work_id=str(agreed), text="not in conflict") == 400
    assert all(d.role == "screener" for d in site.decisions())


def test_a_skipped_conflict_comes_back_last(site: WebSite) -> None:
    first, second = _open(site)
    adjudicator = site.sign_in("adjudicator")
    assert _post(adjudicator, "/conflicts/skip", work_id=str(first)) == 303
    assert shown_work(adjudicator.get("/conflicts").text) == second
    assert _post(adjudicator, "/conflicts/resolve", work_id=str(second), decision="include") == 303
    assert shown_work(adjudicator.get("/conflicts").text) == first
    assert _post(adjudicator, "/conflicts/resolve", work_id=str(first), decision="maybe") == 303
    assert "No open conflicts at title/abstract" in adjudicator.get("/conflicts").text
    assert "0 in conflict" in adjudicator.get("/status").text


def test_an_adjudicators_post_without_the_csrf_token_is_refused(site: WebSite) -> None:
    adjudicator = site.sign_in("adjudicator")
    form = {"stage": "title-abstract", "work_id": str(_open(site)[0]), "decision": "include", "text": "x"}
    for path in ("/conflicts/resolve", "/conflicts/skip", "/conflicts/note"):
        assert adjudicator.post(path, data=form).status_code == 403, path
    assert all(d.role == "screener" for d in site.decisions()) and len(_open(site)) == 2
