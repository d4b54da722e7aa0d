"""Searching the pages of full texts: ranked hits with work, page and snippet."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session, delete

from review.db import session_scope
from review.errors import InputError
from review.fulltext.add import add_file
from review.fulltext.search import search
from review.models import Page
from tests.factories import add_works
from tests.fulltext_helpers import DATA, make_pdf

REPORT = DATA / "150109DSP-Milw-505-90D.pdf"


@pytest.fixture
def stored(session: Session, review_dir: Path, tmp_path: Path) -> tuple[int, int]:
    report, other = add_works(session, [{"title": "Milwaukee 90-day report"}, {"title": "Other"}])
    add_file(session, review_dir, report, REPORT)
    brief = tmp_path / "brief.pdf"
    brief.write_bytes(make_pdf(["Law enforcement was mentioned once", "Nothing else"]))
    add_file(session, review_dir, other, brief)
    return report, other


def test_a_phrase_from_a_real_report_finds_its_page(session: Session, stored: tuple[int, int]):
    report, _ = stored
    hits = search(session, '"recommendations for further changes in policies"')
    assert [(h.work_id, h.page_no, h.title) for h in hits] == [(report, 2, "Milwaukee 90-day report")]
    assert "**Recommendations" in hits[0].snippet  # SQLite marks the phrase, PostgreSQL each word
    assert [h.page_no for h in search(session, '"case tracking number"')] == [1]


def test_hits_are_ranked_best_first(session: Session, stored: tuple[int, int]):
    report, other = stored
    hits = search(session, "law enforcement")
    assert {h.work_id for h in hits} == {report, other}
    assert hits == sorted(hits, key=lambda h: h.score)


def test_text_that_is_not_fts_syntax_is_searched_as_words(session: Session, stored: tuple[int, int]):
    assert search(session, "child's \"medical") != []
    with pytest.raises(InputError, match="empty"):
        search(session, "  ")


def test_the_index_follows_the_pages(session: Session, stored: tuple[int, int]):
    session.exec(delete(Page))
    assert search(session, "enforcement") == []
    if session.get_bind().dialect.name == "sqlite":
        assert session.execute(text("SELECT count(*) FROM page_fts")).scalar() == 0


def test_cli_search(run, engine: Engine, review_dir: Path):
    with session_scope(engine) as session:
        (work,) = add_works(session, [{"title": "Milwaukee 90-day report"}])
        add_file(session, review_dir, work, REPORT)
    result = run("fulltext", "search", '"temporary physical custody"')
    assert result.exit_code == 0, result.output
    assert f"work {work}, page 2 (document 1): Milwaukee 90-day report" in result.output
    assert "**Temporary" in result.output
    assert "1 page found." in result.output
    assert "No page matches." in run("fulltext", "search", "zeppelin").output


def test_postgresql_searches_through_a_text_index(session: Session, stored: tuple[int, int]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the GIN index is PostgreSQL's; SQLite's FTS5 index is tested above")
    names = session.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'page'")).all()
    assert ("ix_page_tsv",) in [tuple(n) for n in names]
    session.execute(text("SET LOCAL enable_seqscan = off"))
    query = "SELECT id FROM page WHERE to_tsvector('english', text) @@ websearch_to_tsquery('english', 'law')"
    plan = " ".join(r[0] for r in session.execute(text("EXPLAIN " + query)))
    assert "ix_page_tsv" in plan
    assert search(session, "law enforcement")
