"""The status page shows what `review status` shows, from the same report, and what to run next."""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import escape
from sqlalchemy import Engine

from review import status
from review.db import session_scope
from review.screen import curve
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


def test_the_includes_found_curve_and_the_stopping_estimate(engine: Engine, review_dir: Path) -> None:
    site = make_site(engine, review_dir)
    _decide_all(site, "reviewer2", "include")
    with session_scope(engine) as session:
        found = curve.curve(session, "title_abstract")
    assert found.screened == 4
    page = site.sign_in("adjudicator").get("/status").text  # no queue of their own: not blind
    chart = page.split('<svg class="curve" id="curve-title_abstract"')[1].split("</svg>")[0]
    polyline = re.search(r'<polyline class="found" points="([^"]+)"/>', chart)
    assert polyline is not None
    points = polyline.group(1).split()
    assert len(points) == len(found.points) == 5
    assert points[0] == "48.0,186.0"  # (0, 0): the chart's corner, right of and above its captions
    assert found.found == 4 and points[-1] == "404.0,12.0"  # all 4 screened, 4 found: the top right
    assert f">{found.found} found</text>" in chart
    assert (
        '<title id="curve-title_abstract-title">Includes found against works screened at title/abstract'
        in chart
    )
    block = page.split('id="estimate-title_abstract"')[1].split("</div>")[0]
    for line in curve.estimate_lines(found.estimate):
        assert f"<p>{escape(line)}</p>" in block
    assert "<script" not in chart and "style=" not in chart  # the page's CSP allows neither inline


def test_a_blind_screener_sees_no_curve_until_no_longer_blind(engine: Engine, review_dir: Path) -> None:
    site = make_site(engine, review_dir)
    _decide_all(site, "reviewer2", "include")
    blind = site.sign_in("reviewer1").get("/status").text
    assert '<svg class="curve"' not in blind and 'id="estimate-title_abstract"' not in blind
    assert "The includes-found curve and the stopping estimate show once you no longer screen blind" in blind
    _decide_all(site, "reviewer1", "exclude", "E-TOPIC")
    seeing = site.sign_in("reviewer1").get("/status").text
    assert '<svg class="curve" id="curve-title_abstract"' in seeing and "no longer screen blind" not in seeing
