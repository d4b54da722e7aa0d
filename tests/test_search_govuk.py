"""GOV.UK harvesting over real HTTP against the replay server: search paging, content items, faults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from review import search
from review.models import Record
from review.search import govuk
from tests.conftest import ReviewRunner, wipe_store
from tests.replay import ReplayServer, Reply
from tests.search_helpers import (
    GOV,
    GOV_LINKS,
    counts,
    harvest_source,
    load,
    records_of,
    replay_env,
    runs,
    sessions_for,
    write_protocol,
)

SEARCH = f"{GOV}/api/search.json"


@pytest.fixture
def replay(monkeypatch: pytest.MonkeyPatch, review_dir: Path) -> Iterator[ReplayServer]:
    yield from replay_env(monkeypatch, review_dir)


def gov_records(engine: Engine) -> dict[str, Record]:
    return records_of(engine, "govuk")


def harvest(review_dir: Path, engine: Engine, **kw: object) -> search.SearchResult:
    result: search.SearchResult = harvest_source(review_dir, engine, "govuk", **kw)
    return result


def test_cli_harvests_search_pages_and_content_items(
    replay: ReplayServer, run: ReviewRunner, engine: Engine
) -> None:
    result = run("search", "--source", "govuk")
    assert result.exit_code == 0, result.stderr
    assert set(gov_records(engine)) == set(GOV_LINKS)
    (logged,) = runs(engine)
    assert (logged.status, logged.retrieved, logged.total_reported, logged.pages) == ("complete", 7, 7, 3)
    assert logged.arm == "other" and logged.request is not None
    assert logged.request.startswith(replay.url + SEARCH)
    sent = replay.hits(SEARCH)
    assert [q.query["start"] for q in sent] == [["0"], ["3"], ["6"]]
    first = sent[0].query
    assert first["filter_content_store_document_type"] == ["research", "official_statistics"]
    assert first["filter_organisations"] == ["ministry-of-justice"]
    assert first["filter_public_timestamp"] == ["from:1998-01-01,to:2026-12-31"]
    assert "content_store_document_type" in first["fields"] and first["count"] == ["3"]
    assert len([r for r in replay.requests if "/api/content/" in r.path]) == 8  # 7 + the 303's target


def test_records_carry_metadata_and_pdf_attachments(
    replay: ReplayServer, review_dir: Path, engine: Engine
) -> None:
    harvest(review_dir, engine)
    recs = gov_records(engine)
    pdf = recs[GOV_LINKS[0]]
    item = load("govuk/content_featured_pdf.json")
    assert pdf.url == "https://www.gov.uk" + GOV_LINKS[0] and pdf.govuk_base_path == GOV_LINKS[0]
    assert pdf.govuk_content_id == item["content_id"] and pdf.countries == ["GB"]
    assert pdf.publisher == "Ministry of Defence" and pdf.doc_type == "foi_release"
    assert pdf.year == int(item["first_published_at"][:4])
    assert pdf.extra and pdf.extra["attachments"] == [
        {
            "url": item["details"]["attachments"][0]["url"],
            "title": "Number of ex-regular service personnel now part of FR20",
            "content_type": "application/pdf",
            "attachment_type": "file",
            "filename": "PUBLIC_1392629965.pdf",
            "number_of_pages": 2,
            "from": "attachments",
        }
    ]
    assert pdf.extra["organisations"] == ["ministry-of-defence"] and pdf.extra["content_status"] == 200


def test_legacy_documents_html_gives_pdf_and_html_attachments(
    replay: ReplayServer, review_dir: Path, engine: Engine
) -> None:
    harvest(review_dir, engine)
    recs = gov_records(engine)
    research = recs[GOV_LINKS[1]].extra or {}
    pdfs = [a for a in research["attachments"] if a["content_type"] == "application/pdf"]
    assert len(pdfs) == 6 and pdfs[0]["number_of_pages"] == 17
    assert pdfs[0]["url"].startswith("https://www.gov.uk/government/uploads/system/uploads/attachment_data/")
    assert pdfs[0]["title"] == "Understanding attitudes, motivations and barriers to adoption and fostering"
    policy = recs[GOV_LINKS[2]].extra or {}
    kinds = [(a["attachment_type"], a["content_type"]) for a in policy["attachments"]]
    assert kinds == [("html", "text/html"), ("file", "application/pdf")]


def test_withdrawn_redirected_and_missing_items_are_kept_and_marked(
    replay: ReplayServer, review_dir: Path, engine: Engine
) -> None:
    harvest(review_dir, engine)
    recs = gov_records(engine)
    withdrawn = recs[GOV_LINKS[3]].extra or {}
    assert withdrawn["withdrawn"] is True and withdrawn["withdrawn_at"] == "2015-01-13T13:05:30Z"
    moved = recs[GOV_LINKS[4]].extra or {}
    assert moved["content_status"] == 200
    assert moved["content_path"] == load("govuk/content_collection.json")["base_path"]
    assert [(recs[link].extra or {})["content_status"] for link in GOV_LINKS[5:]] == [410, 404]
    assert recs[GOV_LINKS[5]].title and recs[GOV_LINKS[5]].publisher == "Ministry of Justice"


def test_html_attachment_in_details_attachments() -> None:
    item = {
        "details": {
            "attachments": [
                {
                    "attachment_type": "html",
                    "id": "1",
                    "title": "Report",
                    "url": "/government/publications/x/report",
                }
            ]
        }
    }
    (found,) = govuk.attachments(item)
    assert found["url"] == "https://www.gov.uk/government/publications/x/report"
    assert (found["attachment_type"], found["content_type"]) == ("html", "text/html")


def test_a_422_quotes_govuk(replay: ReplayServer, run: ReviewRunner) -> None:
    replay.fault(SEARCH, Reply({"error": "Unexpected parameters: page"}, status=422))
    result = run("search", "--source", "govuk")
    assert result.exit_code == 1
    assert (
        "GOV.UK Search API rejected search 'moj-stats' (HTTP 422): Unexpected parameters: page"
        in result.stderr
    )


def test_interrupted_mid_page_resumes_without_duplicates(
    replay: ReplayServer, review_dir: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(govuk, "CHUNK", 2)
    calls = []

    def kill_after_first(n: int) -> None:
        calls.append(n)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        harvest(review_dir, engine, progress=kill_after_first)
    (stopped,) = runs(engine)
    assert (stopped.status, stopped.retrieved, stopped.resume_state) == (
        "interrupted",
        2,
        {"start": 0, "offset": 2},
    )
    result = harvest(review_dir, engine)
    assert result.runs[0].resumed and result.runs[0].status == "complete"
    assert counts(engine) == {"records": 7, "hits": 7, "runs": 1}


def test_dry_run_counts_search_and_content_requests(
    replay: ReplayServer, run: ReviewRunner, engine: Engine
) -> None:
    result = run("search", "--source", "govuk", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "govuk/moj-stats: 7 records, 10 requests" in result.output
    assert replay.hits(SEARCH)[0].query["count"] == ["0"]
    assert counts(engine)["records"] == 0


def test_max_records_limits_the_search_pages(replay: ReplayServer, review_dir: Path, engine: Engine) -> None:
    write_protocol(
        review_dir,
        "[sources.govuk]\nper_page = 3\nfetch_content = false\n"
        '[[sources.govuk.searches]]\nname = "few"\nq = "statistics"\nmax_records = 4\n',
    )
    result = harvest(review_dir, engine)
    assert result.runs[0].retrieved == 4 and set(gov_records(engine)) == set(GOV_LINKS[:4])
    assert [q.query["count"] for q in replay.hits(SEARCH)] == [["3"], ["1"]]
    assert not [r for r in replay.requests if "/api/content/" in r.path]
    assert (gov_records(engine)[GOV_LINKS[0]].extra or {})["content_status"] is None


def test_rebuild_after_an_interrupted_and_resumed_run(
    replay: ReplayServer, review_dir: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from review.db import init_db, make_engine

    monkeypatch.setattr(govuk, "CHUNK", 2)

    def kill(_n: int) -> None:
        raise KeyboardInterrupt

    engine = make_engine(db_url)
    init_db(engine)
    with pytest.raises(KeyboardInterrupt):
        harvest(review_dir, engine, progress=kill)
    harvest(review_dir, engine)
    before = {k: (r.title, r.extra) for k, r in gov_records(engine).items()}
    engine.dispose()
    wipe_store(db_url)
    engine = make_engine(db_url)
    init_db(engine)
    result = search.rebuild(sessions_for(engine), review_dir)
    assert (result.archives, result.runs_created) == (1, 1)
    assert {k: (r.title, r.extra) for k, r in gov_records(engine).items()} == before
    assert counts(engine) == {"records": 7, "hits": 7, "runs": 1}
    assert runs(engine)[0].status == "complete"
    engine.dispose()
