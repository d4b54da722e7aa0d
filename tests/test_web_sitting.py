"""The browser's sitting: a due re-ranking runs behind the pages, and nothing done meanwhile is lost.

A ranking in these tests is held at a gate in its background thread, so what happens while it
runs is under the test's control; once let go it returns the queue reversed, so the swapped-in
order is told apart from the order it replaces.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from review.screen import sitting as screen_sitting
from review.screen.sitting import RERANK_EVERY, Order
from review.states import Stage
from review.web.sitting import Sitting
from tests.web_helpers import WebSite, csrf_of, decide, make_site, shown_work

WAIT = 20.0  # seconds a gate or a test waits at most: a hang fails, never blocks the run


class Gate:
    """Holds background rankings until `open`; counts them; can make them fail instead."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.entered = threading.Event()  # a ranking has reached the gate
        self.started = 0
        self.fail = False

    def open(self) -> None:
        self.event.set()

    def reached(self) -> bool:
        """Whether a background ranking has reached the gate (waiting a little for its thread)."""
        return self.entered.wait(WAIT)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    gate = Gate()
    plain = screen_sitting.Sitting.order

    def held(self: screen_sitting.Sitting, work_ids: Sequence[int]) -> Order:
        found = plain(self, work_ids)
        if not threading.current_thread().name.startswith("rank "):
            return found  # the first page's ranking, in the page itself
        gate.started += 1
        gate.entered.set()
        assert gate.event.wait(WAIT), "the test never opened the gate"
        if gate.fail:
            raise RuntimeError("the store went away")
        return Order(tuple(reversed(found.work_ids)), "reversed, for the test")

    monkeypatch.setattr(screen_sitting.Sitting, "order", held)
    yield gate
    gate.open()  # a ranking still held goes on and ends


@pytest.fixture
def site(engine: Engine, review_dir: Path) -> WebSite:
    return make_site(engine, review_dir, n=RERANK_EVERY + 5)


def _sitting(site: WebSite) -> Sitting:
    found: Sitting = site.app.state.site.sittings.of("reviewer1", Stage.TITLE_ABSTRACT)
    return found


def _decide_shown(client: TestClient, times: int) -> list[int]:
    """Decide (include) the shown work `times` times; the works decided, in order."""
    done = []
    for _ in range(times):
        work = shown_work(client.get("/screen").text)
        assert decide(client, work, "include") == 303
        done.append(work)
    return done


def test_a_due_ranking_runs_behind_the_page_and_its_order_is_swapped_in(site: WebSite, gate: Gate) -> None:
    client = site.sign_in("reviewer1")
    _decide_shown(client, RERANK_EVERY)
    sitting = _sitting(site)
    held = list(sitting.remaining)
    page = client.get("/screen")  # due: the ranking starts behind this page, which does not wait
    assert page.status_code == 200
    assert shown_work(page.text) == held[0]
    assert sitting.ranking is not None and gate.reached() and gate.started == 1
    assert "ranked by the protocol" in page.text  # the order held is still the one described
    gate.open()
    assert sitting.wait_for_ranking(WAIT)
    page = client.get("/screen")
    assert shown_work(page.text) == held[-1]
    assert "reversed, for the test" in page.text
    assert sitting.remaining == list(reversed(held))
    assert gate.started == sitting.swapped == 1  # one ranking per due, not one per page


def test_a_decision_made_while_a_ranking_runs_is_kept_and_not_shown_again(site: WebSite, gate: Gate) -> None:
    client = site.sign_in("reviewer1")
    before = _decide_shown(client, RERANK_EVERY)
    sitting = _sitting(site)
    meanwhile = _decide_shown(client, 2)  # the first page of these starts the ranking
    assert sitting.ranking is not None and gate.reached()
    last_of_queue = list(sitting.remaining)[-1]  # first once reversed: decide it too meanwhile
    page = client.get("/screen")
    form = {"csrf": csrf_of(page.text), "stage": "title-abstract", "work_id": str(last_of_queue)}
    assert client.post("/screen/decide", data={**form, "decision": "maybe"}).status_code == 303
    gate.open()
    assert sitting.wait_for_ranking(WAIT)
    rest = _decide_shown(client, len(site.works) - len(before) - len(meanwhile) - 1)
    assert "Nothing left to screen" in client.get("/screen").text
    shown = [*before, *meanwhile, last_of_queue, *rest]
    assert sorted(shown) == sorted(site.works)  # each work decided once: none lost, none twice
    rows = [(d.work_id, d.decision) for d in site.decisions()]
    assert sorted(rows) == sorted([(w, "maybe" if w == last_of_queue else "include") for w in shown])


def test_an_undo_while_a_ranking_runs_still_shows_the_undone_work_next(site: WebSite, gate: Gate) -> None:
    client = site.sign_in("reviewer1")
    _decide_shown(client, RERANK_EVERY)
    sitting = _sitting(site)
    (last,) = _decide_shown(client, 1)  # its page started the ranking
    assert sitting.ranking is not None and gate.reached()
    page = client.get("/screen")
    form = {"csrf": csrf_of(page.text), "stage": "title-abstract"}
    assert client.post("/screen/undo", data=form).status_code == 303
    assert shown_work(client.get("/screen").text) == last
    gate.open()
    assert sitting.wait_for_ranking(WAIT)
    assert shown_work(client.get("/screen").text) == last  # the new order keeps it first
    assert sitting.remaining[0] == last and sitting.remaining.count(last) == 1


def test_a_skip_while_a_ranking_runs_stays_skipped(site: WebSite, gate: Gate) -> None:
    client = site.sign_in("reviewer1")
    _decide_shown(client, RERANK_EVERY)
    sitting = _sitting(site)
    page = client.get("/screen")
    skipped = shown_work(page.text)
    form = {"csrf": csrf_of(page.text), "stage": "title-abstract", "work_id": str(skipped)}
    assert client.post("/screen/skip", data=form).status_code == 303
    gate.open()
    assert sitting.wait_for_ranking(WAIT)
    assert skipped not in sitting.remaining and sitting.skipped == [skipped]
    rest = _decide_shown(client, len(site.works) - RERANK_EVERY - 1)
    assert skipped not in rest
    assert shown_work(client.get("/screen").text) == skipped  # back once the rest are done


def test_a_failed_ranking_keeps_the_order_held_and_says_so(
    site: WebSite, gate: Gate, caplog: pytest.LogCaptureFixture
) -> None:
    client = site.sign_in("reviewer1")
    _decide_shown(client, RERANK_EVERY)
    sitting = _sitting(site)
    held = list(sitting.remaining)
    gate.fail = True
    with caplog.at_level(logging.ERROR, logger="review.web.sitting"):
        assert shown_work(client.get("/screen").text) == held[0]
        gate.open()
        assert sitting.wait_for_ranking(WAIT)
    assert "Re-ranking reviewer1's queue failed; the order held is kept" in caplog.text
    assert sitting.ranking is None and sitting.remaining == held
    _decide_shown(client, len(held))
    assert "Nothing left to screen" in client.get("/screen").text


def test_a_page_waits_for_the_ranking_only_when_the_order_held_has_run_out(site: WebSite, gate: Gate) -> None:
    client = site.sign_in("reviewer1")
    _decide_shown(client, RERANK_EVERY)
    sitting = _sitting(site)
    client.get("/screen")  # starts the ranking
    with sitting.lock:
        sitting.remaining.clear()  # as if every work held had been decided in other tabs
    threading.Timer(0.3, gate.open).start()
    page = client.get("/screen")  # waits for the ranking rather than start a second one
    assert gate.started == 1 and sitting.ranking is None
    assert shown_work(page.text) in site.works
