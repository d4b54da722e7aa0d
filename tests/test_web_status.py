"""The status page shows what `review status` shows, from the same report, and what to run next."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import Engine

from review import status
from review.db import session_scope
from tests.web_helpers import WebSite, decide, make_site, shown_work


def _stage_line(page: str, stage: str) -> str:
    section = page.split(f'id="stage-{stage}"')[1]
    found = re.search(r"<p>(\d+ included.*?pending)</p>", section)
    assert found, section
    return found.group(1)


def _decide_all(site: WebSite, name: str, decision: str, reason: str | None = None) -> None:
    client = site.sign_in(name)
    for _ in site.works:
        decide(client, shown_work(client.get("/screen").text), decision, reason)


def test_the_status_page_has_the_counts_of_review_status(engine: Engine, review_dir: Path) -> None:
    site = make_site(engine, review_dir)
    _decide_all(site, "reviewer1", "include")
    _decide_all(site, "reviewer2", "exclude", "E-TOPIC")
    with session_scope(engine) as session:
        report = status.run(session, site.protocol)
    text = status.render(report)
    page = site.sign_in("reviewer1").get("/status")
    assert page.status_code == 200
    ta = _stage_line(page.text, "title_abstract")
    assert f"Screening, title/abstract: {ta}" in text  # the same sentence as the terminal's
    assert "4 in conflict" in ta
    assert f"<p>Works after deduplication: {report.works}</p>" in page.text
    for step in report.next_steps:
        assert f"<code>{step}</code>" in page.text
    assert "review conflicts resolve --reviewer adjudicator" in page.text


def test_include_counts_show_once_the_screener_is_no_longer_blind(engine: Engine, review_dir: Path) -> None:
    site = make_site(engine, review_dir)
    _decide_all(site, "reviewer2", "include")
    blind = site.sign_in("reviewer1").get("/status").text
    assert "<td>reviewer2</td><td>4</td><td>4</td>" in blind
    assert 'title="hidden while you screen blind">hidden' in blind
    adjudicator = site.sign_in("adjudicator").get("/status").text  # no queue of their own to blind
    assert "screen blind" not in adjudicator
    _decide_all(site, "reviewer1", "exclude", "E-TOPIC")
    seeing = site.sign_in("reviewer1").get("/status").text
    assert "screen blind" not in seeing
    assert "<td>reviewer2</td><td>4</td><td>4</td>\n      <td>4</td>" in seeing
