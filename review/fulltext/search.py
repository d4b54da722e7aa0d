"""Search the pages of the full texts: SQLite FTS5 with bm25 ranking, PostgreSQL full-text search.

On SQLite the query is FTS5 syntax (`word`, `"a phrase"`, `a AND b`, `prefix*`); a query that is
not valid FTS5 is searched again as plain words. On PostgreSQL it is `websearch_to_tsquery` syntax.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from review.errors import InputError, StoreError

MARK = ("**", "**")  # around matched words in snippets

SQLITE_QUERY = """
SELECT d.work_id, w.title, p.document_id, p.page_no,
       snippet(page_fts, 0, :open, :close, ' … ', 16) AS snippet, bm25(page_fts) AS score
FROM page_fts
JOIN page p ON p.id = page_fts.rowid
JOIN document d ON d.id = p.document_id
LEFT JOIN work w ON w.id = d.work_id
WHERE page_fts MATCH :query
ORDER BY score
LIMIT :limit
"""

POSTGRES_QUERY = """
SELECT d.work_id, w.title, p.document_id, p.page_no,
       ts_headline('english', p.text, q,
                   'MaxWords=30, MinWords=12, StartSel=' || :open || ', StopSel=' || :close) AS snippet,
       -ts_rank(to_tsvector('english', p.text), q) AS score
FROM page p
JOIN document d ON d.id = p.document_id
LEFT JOIN work w ON w.id = d.work_id,
     websearch_to_tsquery('english', :query) q
WHERE to_tsvector('english', p.text) @@ q
ORDER BY score
LIMIT :limit
"""


@dataclass(frozen=True)
class Hit:
    """One matching page: which work and document, the page, a snippet, and its rank score."""

    work_id: int
    title: str | None
    document_id: int
    page_no: int
    snippet: str
    score: float  # lower is better (bm25, or minus the PostgreSQL rank)


def search(session: Session, query: str, *, limit: int = 20) -> list[Hit]:
    """The pages that best match `query`, best first."""
    if not query.strip():
        raise InputError("The search query is empty: give words or a quoted phrase to look for.")
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {"query": query, "limit": limit, "open": MARK[0], "close": MARK[1]}
    if dialect == "sqlite":
        return _sqlite(session, params)
    if dialect == "postgresql":
        return _rows(session.execute(text(POSTGRES_QUERY), params))
    raise StoreError(f"Full-text search needs SQLite or PostgreSQL, not {dialect}.")


def _sqlite(session: Session, params: dict[str, Any]) -> list[Hit]:
    try:
        with session.begin_nested():
            return _rows(session.execute(text(SQLITE_QUERY), params))
    except OperationalError as exc:
        if "no such table" in str(exc.orig):
            raise StoreError("This store has no full-text index: open it once with this review.") from exc
    # Not valid FTS5 (a stray quote, a colon): search the same words as plain terms.
    words = ['"' + w.replace('"', '""') + '"' for w in params["query"].split()]
    return _rows(session.execute(text(SQLITE_QUERY), {**params, "query": " ".join(words)}))


def _rows(result: Any) -> list[Hit]:
    return [
        Hit(r.work_id, r.title, r.document_id, r.page_no, r.snippet or "", float(r.score)) for r in result
    ]
