"""`review serve` in a real browser: Playwright driving Debian's chromium.

Two screeners sign in from their one-time links in two browser contexts and screen a dual batch
by keyboard alone; each sees only their own work, and every decision lands in the store and in
`review status`; the adjudicator settles a conflict; a reviewer fills an extraction form field by
field, screens a full text beside its PDF, decides a possible duplicate and codes a segment of an
interview with the codebook beside it; a writer runs SQL on the writers' page. The status page
draws the includes-found curve. A screenshot of each page is saved under the test's tmp_path (an artefact to
look at, not compared pixel by pixel; the run prints the folder).
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
from sqlmodel import col, select

from review import status
from review.db import session_scope
from review.evidence import imports
from review.evidence.read import Attributes
from review.models import DedupePair, EvidenceCoding, ExtractionValue
from review.web import auth
from tests.web_helpers import TA, WebSite, included_study, make_site, queued_pair

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
EVIDENCE = Path(__file__).parent / "data" / "evidence"
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
    served: tuple[WebSite, str], browser: Browser, tmp_path: Path, review_dir: Path
) -> None:
    site, url = served
    shots = tmp_path / "screenshots"
    shots.mkdir()
    print(f"\nScreenshots of each page: {shots}")
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
    assert one.locator("#curve-title_abstract polyline.found").count() == 1  # the includes-found curve
    assert "works screened at title/abstract" in one.locator("#estimate-title_abstract").inner_text()
    assert f"{conflicts - 1} in conflict" in one.locator("#stage-title_abstract").inner_text()
    _extract_one(one, site, url, review_dir, shots)
    _full_text(one, site, url, review_dir, shots)
    _dedupe(one, site, url, shots)
    _code_evidence(one, site, url, shots)
    _writers(browser, site, url, shots)
    assert sorted(p.name for p in shots.iterdir()) == sorted(
        [f"{kind}-{name}.png" for kind in ("signin", "screen", "done") for name in KEYS]
        + ["status-blind-reviewer2.png", "status.png", "signin-adjudicator.png", "conflicts-adjudicator.png"]
        + ["extract.png", "screen-full-text.png", "dedupe.png", "signin-writer.png", "writers.png"]
        + ["coding.png"]
    )


def _saved(page: Page, key: str) -> None:
    """Wait until the field's own line says its value was saved (each field saves on its own)."""
    page.locator(f'[data-status-for="{key}"]').filter(has_text="saved").wait_for()
    assert page.locator(f'[data-status-for="{key}"]').inner_text() == "saved"


def _extract_one(page: Page, site: WebSite, url: str, review_dir: Path, shots: Path) -> None:
    """reviewer1 types a citation, accepts the design suggested from page 2 and ticks a nation; each
    is in the store before the page is left."""
    work_id, doc_id = included_study(site.engine, review_dir)
    page.goto(f"{url}/extract/{work_id}")
    citation = page.locator('[id="in-study.citation"]')
    citation.fill("Melhuish et al. 2012")
    citation.press("Tab")
    _saved(page, "study.citation")
    page.locator('[data-accept="design.design"]').click()
    _saved(page, "design.design")
    page.locator('input[name="f:setting.nations"][value="Wales"]').check()
    _saved(page, "setting.nations")
    page.screenshot(path=shots / "extract.png", full_page=True)
    with session_scope(site.engine) as session:
        rows = session.exec(select(ExtractionValue).where(col(ExtractionValue.reviewer) == "reviewer1")).all()
    by_field = {r.field: r for r in rows}
    assert by_field["study.citation"].value == "Melhuish et al. 2012"
    assert by_field["setting.nations"].value == ["England", "Wales"]
    design = by_field["design.design"]
    assert (design.value, design.role, design.document_id, design.page_no) == ("RCT", "extractor", doc_id, 2)
    with session_scope(site.engine) as session:
        assert status.run(session, site.protocol).extracted == 1  # `review status` counts it


def _full_text(page: Page, site: WebSite, url: str, review_dir: Path, shots: Path) -> None:
    """At full text the stored PDF is framed beside the card and its text shown with highlights."""
    work_id, doc_id = included_study(site.engine, review_dir, screened=False)
    page.goto(f"{url}/screen?stage=full-text")
    assert page.locator("#decide input[name=work_id]").get_attribute("value") == str(work_id)
    assert page.locator(f'iframe[src="/documents/{doc_id}"]').is_visible()
    assert page.locator(f"#page-{doc_id}-2 mark.term-include").first.inner_text() == "Sure Start"
    page.screenshot(path=shots / "screen-full-text.png", full_page=True)


def _dedupe(page: Page, site: WebSite, url: str, shots: Path) -> None:
    """A queued pair, decided by key: k, different works."""
    view = queued_pair(site.engine)
    page.goto(f"{url}/dedupe")
    assert page.locator("tr.differs").count() >= 1
    page.screenshot(path=shots / "dedupe.png", full_page=True)
    with page.expect_navigation():
        page.keyboard.press("k")
    assert page.locator("#done").is_visible()
    with session_scope(site.engine) as session:
        pair = session.get(DedupePair, view.pair_id)
    assert pair is not None and (pair.decision, pair.decided_by) == ("keep_both", "reviewer1")


def _code_evidence(page: Page, site: WebSite, url: str, shots: Path) -> None:
    """An interview imported; reviewer1 ticks two codes of the codebook beside its first turn and saves."""
    with session_scope(site.engine) as session:
        imports.import_files(session, [EVIDENCE / "interview.vtt"], Attributes())
    page.goto(f"{url}/coding")
    segment = int((page.locator("#segment").inner_text()).removeprefix("Segment "))
    assert "Thank you for joining." in page.locator("#segment-text").inner_text()
    page.locator('#codebook input[value="governance"]').check()
    page.locator('#codebook input[value="outreach"]').check()
    page.locator("#note").fill("from the browser")
    page.screenshot(path=shots / "coding.png", full_page=True)
    with page.expect_navigation():
        page.locator("#save").click()
    assert f"Saved segment {segment}: governance, outreach." in page.content()
    with session_scope(site.engine) as session:
        (row,) = session.exec(select(EvidenceCoding)).all()
    assert (row.segment_id, row.coder, row.codes, row.note, row.via) == (
        segment, "reviewer1", ["governance", "outreach"], "from the browser", "web"
    )  # fmt: skip


def _writers(browser: Browser, site: WebSite, url: str, shots: Path) -> None:
    """A writer signs in to the writers' page, runs SQL there, and is refused the screening page."""
    page = browser.new_context().new_page()
    with session_scope(site.engine) as session:
        token = auth.invite(session, site.protocol, "writer", writer=True)
    page.goto(f"{url}/signin/{token}")
    page.screenshot(path=shots / "signin-writer.png", full_page=True)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/writers")
    page.locator("#sql-text").fill("SELECT COUNT(*) AS works FROM work")
    with page.expect_navigation():
        page.locator("#run-sql").click()
    assert page.locator("#result td").first.inner_text().isdigit()
    assert page.locator("#prisma").evaluate("img => img.naturalWidth") > 0  # the diagram drew
    page.screenshot(path=shots / "writers.png", full_page=True)
    assert page.goto(f"{url}/screen").status == 403  # type: ignore[union-attr]


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
