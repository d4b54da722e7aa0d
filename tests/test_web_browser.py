"""`review serve` in a real browser: Playwright driving Debian's chromium.

Two screeners sign in from their one-time links in two browser contexts and screen a dual batch
by keyboard alone; each sees only their own work, and every decision lands in the store and in
`review status`. A screenshot of each page is saved under the test's tmp_path (an artefact to look
at, not compared pixel by pixel).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn
from sqlalchemy import Engine

from review import status
from review.db import session_scope
from tests.web_helpers import TA, WebSite, make_site

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"no browser: Debian's chromium is not at {CHROMIUM} (apt-get install chromium; .ci/run does)",
    ),
]
# What each screener presses on each of the batch's cards, in the order the cards come.
# reviewer2 excludes two works and reviewer1 only one: at least one include-exclude conflict.
KEYS = {"reviewer1": ["i", "e2", "i", "i"], "reviewer2": ["i", "m", "e1", "e3"]}


@pytest.fixture
def served(engine: Engine, review_dir: Path) -> Iterator[tuple[WebSite, str]]:
    """The site on a free local port, served by uvicorn in a thread for the test's length."""
    site = make_site(engine, review_dir)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(site.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
    yield site, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def browser() -> Iterator[Browser]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


def _sign_in(browser: Browser, site: WebSite, url: str, name: str, shots: Path) -> Page:
    page = browser.new_context().new_page()
    page.goto(f"{url}/signin/{site.invite(name)}")
    page.screenshot(path=shots / f"signin-{name}.png", full_page=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the sign-in button has the focus
    assert page.url.endswith("/screen"), page.content()
    return page


def _press(page: Page, keys: str) -> None:
    """One decision: `i` or `m`, or `e` and then the reason's key; each saves and loads the next card."""
    if keys.startswith("e"):
        page.keyboard.press("e")
        assert page.locator("#exclude").is_visible()
        keys = keys[1:]
    with page.expect_navigation():
        page.keyboard.press(keys)


def _screen(page: Page, name: str, shots: Path) -> dict[int, str]:
    """Decide every card of the screener's batch by key; returns work -> the keys pressed."""
    pressed: dict[int, str] = {}
    for n, keys in enumerate(KEYS[name]):
        work = int(page.locator("#decide input[name=work_id]").get_attribute("value") or 0)
        if n == 0:
            page.screenshot(path=shots / f"screen-{name}.png", full_page=True)
            _note_and_undo(page, work)
        pressed[work] = keys
        _press(page, keys)
    assert page.locator("#done").is_visible()
    page.screenshot(path=shots / f"done-{name}.png", full_page=True)
    return pressed


def _note_and_undo(page: Page, work: int) -> None:
    """n, a note, Ctrl+Enter; then a decision taken back with u: the same work comes back."""
    page.keyboard.press("n")
    page.keyboard.type("seen in the browser")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.locator("#note-shown").inner_text() == "Your note: seen in the browser"
    _press(page, "m")
    with page.expect_navigation():
        page.keyboard.press("u")
    assert f"Undone: your decision on work {work}" in page.content()
    assert page.locator("#decide input[name=work_id]").get_attribute("value") == str(work)


def _expected(keys: str, codes: list[str]) -> tuple[str, str | None]:
    if keys.startswith("e"):
        return "exclude", codes[int(keys[1:]) - 1]
    return {"i": "include", "m": "maybe"}[keys], None


def test_two_screeners_screen_a_dual_batch_by_keyboard(
    served: tuple[WebSite, str], browser: Browser, tmp_path: Path
) -> None:
    site, url = served
    shots = tmp_path / "screenshots"
    shots.mkdir()
    one = _sign_in(browser, site, url, "reviewer1", shots)
    two = _sign_in(browser, site, url, "reviewer2", shots)
    pressed = {"reviewer1": _screen(one, "reviewer1", shots)}
    two.goto(f"{url}/status")  # reviewer2 still screens blind: reviewer1's includes are withheld
    assert "hidden" in two.locator("#stage-title_abstract").inner_text()
    two.screenshot(path=shots / "status-blind-reviewer2.png", full_page=True)
    two.goto(f"{url}/screen")
    assert "seen in the browser" not in two.content()  # reviewer1's note is not on reviewer2's card
    pressed["reviewer2"] = _screen(two, "reviewer2", shots)
    conflicts = _check_store(site, pressed)
    _resolve_one(browser, site, url, shots)
    one.goto(f"{url}/status")
    one.screenshot(path=shots / "status.png", full_page=True)
    assert "hidden" not in one.locator("#stage-title_abstract").inner_text()
    assert f"{conflicts - 1} in conflict" in one.locator("#stage-title_abstract").inner_text()
    assert sorted(p.name for p in shots.iterdir()) == sorted(
        [f"{kind}-{name}.png" for kind in ("signin", "screen", "done") for name in KEYS]
        + ["status-blind-reviewer2.png", "status.png", "signin-adjudicator.png", "conflicts-adjudicator.png"]
    )


def _resolve_one(browser: Browser, site: WebSite, url: str, shots: Path) -> None:
    """The adjudicator sees both screeners' decisions and settles the first conflict: e, then 1."""
    page = _sign_in(browser, site, url, "adjudicator", shots)
    page.goto(f"{url}/conflicts")
    votes = page.locator("#votes").inner_text()
    assert "reviewer1" in votes and "reviewer2" in votes
    page.screenshot(path=shots / "conflicts-adjudicator.png", full_page=True)
    work = int(page.locator("#decide input[name=work_id]").get_attribute("value") or 0)
    _press(page, "e1")
    row = site.decisions()[-1]
    assert (row.work_id, row.reviewer, row.role, row.decision) == (
        work,
        "adjudicator",
        "adjudicator",
        "exclude",
    )
    assert row.reason_code == site.protocol.criteria.exclude[0].code


def _check_store(site: WebSite, pressed: dict[str, dict[int, str]]) -> int:
    """Every decision as pressed, in the store and in `review status`; returns the conflicts."""
    codes = [c.code for c in site.protocol.criteria.exclude]
    rows = site.decisions()
    retracted = {d.supersedes for d in rows if d.decision == "retracted"}
    standing = {
        (d.reviewer, d.work_id): d for d in rows if d.decision != "retracted" and d.id not in retracted
    }
    for name, by_work in pressed.items():
        assert sorted(by_work) == sorted(site.works)
        for work, keys in by_work.items():
            row = standing[(name, work)]
            assert (row.decision, row.reason_code) == _expected(keys, codes)
            assert (row.stage, row.role) == (TA, "screener")
    first = next(iter(pressed["reviewer1"]))
    assert standing[("reviewer1", first)].note == "seen in the browser"  # the note rode on the decision
    with session_scope(site.engine) as session:
        report = status.run(session, site.protocol)
    (ta,) = [s for s in report.stages if s.stage == TA]
    assert {r.reviewer: r.done for r in ta.reviewers} == {"reviewer1": 4, "reviewer2": 4}
    assert ta.finals.get("conflict", 0) >= 1
    return ta.finals["conflict"]
