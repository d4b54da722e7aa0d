"""The screening page: the CLI's order, each action saved at once in the store, field by field."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import select
from starlette.testclient import TestClient

from review.db import session_scope, utcnow
from review.models import ScreeningNote
from review.screen import queue, rank
from review.screen.sitting import RERANK_EVERY
from tests.web_helpers import TA, WebSite, csrf_of, decide, make_site, shown_work


@pytest.fixture
def site(engine: Engine, review_dir: Path) -> WebSite:
    return make_site(engine, review_dir)


def _post(client: TestClient, path: str, **form: str) -> int:
    page = client.get("/screen")
    data = {"csrf": csrf_of(page.text), "stage": "title-abstract", **form}
    return client.post(path, data=data).status_code


def test_the_first_card_is_the_one_the_cli_would_show(site: WebSite) -> None:
    with session_scope(site.engine) as session:
        pending = queue.build(session, "reviewer1", TA, ordered=False).pending
        ranking = rank.rank(session, TA, pending, protocol=site.protocol, reviewer="reviewer1")
    page = site.sign_in("reviewer1").get("/screen")
    assert page.status_code == 200
    assert shown_work(page.text) == ranking.order[0]
    assert "reviewer1 · title/abstract: 0/4 done, 0 included · ranked by the protocol" in page.text


def test_an_include_is_saved_at_once_with_who_and_when(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    work = shown_work(client.get("/screen").text)
    before = utcnow()
    assert decide(client, work, "include") == 303
    (row,) = site.decisions()
    assert (row.work_id, row.stage, row.reviewer, row.role) == (work, TA, "reviewer1", "screener")
    assert (row.decision, row.reason_code, row.note, row.supersedes) == ("include", None, None, None)
    assert before <= row.created_at.replace(tzinfo=before.tzinfo) <= utcnow()
    page = client.get("/screen").text
    assert f"Saved: include on work {work}." in page
    assert "1/4 done, 1 included" in page and shown_work(page) != work


def test_an_exclude_needs_one_of_the_protocols_reasons(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    work = shown_work(client.get("/screen").text)
    assert decide(client, work, "exclude") == 400
    assert decide(client, work, "exclude", "E-NOT-A-CODE") == 400
    assert site.decisions() == []
    assert decide(client, work, "exclude", "E-TOPIC") == 303
    (row,) = site.decisions()
    assert (row.decision, row.reason_code, row.reviewer) == ("exclude", "E-TOPIC", "reviewer1")


def test_undo_retracts_the_latest_decision_and_shows_its_work_again(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    work = shown_work(client.get("/screen").text)
    decide(client, work, "maybe")
    assert _post(client, "/screen/undo") == 303
    maybe, undone = site.decisions()
    assert (undone.decision, undone.supersedes, undone.reviewer, undone.work_id) == (
        "retracted", maybe.id, "reviewer1", work
    )  # fmt: skip
    page = client.get("/screen").text
    assert f"Undone: your decision on work {work}" in page and shown_work(page) == work
    assert "0/4 done" in page
    assert _post(client, "/screen/undo") == 303
    assert "Nothing to undo." in client.get("/screen").text


def test_a_note_is_kept_at_once_and_rides_on_the_decision(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    work = shown_work(client.get("/screen").text)
    assert _post(client, "/screen/note", work_id=str(work), text="  check the setting  ") == 303
    with session_scope(site.engine) as session:
        (note,) = session.exec(select(ScreeningNote)).all()
    assert (note.work_id, note.stage, note.reviewer) == (work, TA, "reviewer1")
    assert note.text == "check the setting"
    page = client.get("/screen").text
    assert "Your note: check the setting" in page and shown_work(page) == work
    page_form_note = 'name="note" value="check the setting"'
    assert page_form_note in page
    assert decide(client, work, "include", note="check the setting") == 303
    assert site.decisions()[0].note == "check the setting"
    assert _post(client, "/screen/note", work_id=str(work), text="   ") == 400


def test_a_skipped_work_comes_back_after_the_rest(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    first = shown_work(client.get("/screen").text)
    assert _post(client, "/screen/skip", work_id=str(first)) == 303
    seen = []
    for _ in range(len(site.works) - 1):
        work = shown_work(client.get("/screen").text)
        seen.append(work)
        decide(client, work, "include")
    assert first not in seen and sorted([first, *seen]) == sorted(site.works)
    assert shown_work(client.get("/screen").text) == first
    assert site.decisions() and all(d.work_id != first for d in site.decisions())


def test_the_queue_done_page(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    for _ in site.works:
        decide(client, shown_work(client.get("/screen").text), "include")
    page = client.get("/screen").text
    assert "Nothing left to screen at title/abstract" in page and "4 of 4 decided" in page
    assert [d.reviewer for d in site.decisions()] == ["reviewer1"] * 4


def test_terms_criteria_and_reason_keys_are_beside_the_record(engine: Engine, review_dir: Path) -> None:
    site = make_site(engine, review_dir, n=1)
    page = site.sign_in("reviewer1").get("/screen").text
    include_term = site.protocol.highlight.include[0]
    assert any(t.lower() in page.lower() for t in site.protocol.highlight.include)
    assert '<mark class="term-include">' in page, include_term
    for n, criterion in enumerate(site.protocol.criteria.exclude[:9], start=1):
        assert f'data-reason-key="{n}"><kbd>{n}</kbd> {criterion.code}:' in page
    for criterion in site.protocol.criteria.include:
        assert f"<b>{criterion.code}</b>" in page


def test_text_from_the_store_is_escaped(engine: Engine, review_dir: Path) -> None:
    site = make_site(engine, review_dir, n=0)
    with session_scope(engine) as session:
        from tests.screen_helpers import assign_to, kept_works

        abstract = "Family support <script>alert(1)</script> in the early years."
        (work,) = kept_works(session, 1, abstract=abstract)
        assign_to(session, [work], "reviewer1")
    page = site.sign_in("reviewer1").get("/screen").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_two_tabs_of_one_reviewer_decide_what_they_show(site: WebSite) -> None:
    client = site.sign_in("reviewer1")
    shown = shown_work(client.get("/screen").text)
    decide(client, shown, "include")
    decide(client, shown, "exclude", "E-TOPIC")  # a stale tab changes its mind on the same work
    rows = site.decisions()
    assert [(r.work_id, r.decision) for r in rows] == [(shown, "include"), (shown, "exclude")]
    with session_scope(site.engine) as session:
        assert queue.counts(session, "reviewer1", TA).done == 1


def test_screeners_deciding_at_once_lose_and_double_nothing(engine: Engine, review_dir: Path) -> None:
    """Eight browser sessions (two screeners, four each) all deciding at the same time: one decision
    per card shown, none lost, none doubled."""
    site = make_site(engine, review_dir, n=12)
    tabs = [site.sign_in(name) for name in ("reviewer1", "reviewer2") * 4]

    def screen(client: TestClient) -> list[int]:
        decided = []
        while "Nothing left to screen" not in (page := client.get("/screen").text):
            work = shown_work(page)
            if decide(client, work, "include") == 303:
                decided.append(work)
        return decided

    with ThreadPoolExecutor(len(tabs)) as pool:
        done = list(pool.map(screen, tabs))
    rows = site.decisions()
    assert len(rows) == sum(len(d) for d in done)  # every POST saved, each once
    for name in ("reviewer1", "reviewer2"):
        mine = [r.work_id for r in rows if r.reviewer == name]
        assert sorted(set(mine)) == sorted(site.works)
    with session_scope(engine) as session:
        assert (
            queue.counts(session, "reviewer1", TA).done == queue.counts(session, "reviewer2", TA).done == 12
        )


def test_an_undone_work_comes_back_next_even_when_the_queue_is_reranked(
    engine: Engine, review_dir: Path
) -> None:
    site = make_site(engine, review_dir, n=RERANK_EVERY + 3)
    client = site.sign_in("reviewer1")
    last = 0
    for _ in range(RERANK_EVERY):  # the next page re-ranks the queue
        last = shown_work(client.get("/screen").text)
        decide(client, last, "include")
    assert _post(client, "/screen/undo") == 303
    assert shown_work(client.get("/screen").text) == last
