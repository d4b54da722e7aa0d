"""The writers' page: the protocol's saved queries and its evidence map, any read-only SQL, and the
downloads a report needs (query results as CSV or XLSX, the PRISMA flow diagram, the methods text).

Everything is read, nothing written. Queries run through review.query (read-only at the database
engine, `meta` refused), as `review query` runs them; the diagram and the methods text come from
review.report, as `review prisma` writes them; sheets from review.formats.sheet. The page answers
writers, and reviewers who screen blind at no stage (its SQL reads every decision).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from review import query
from review.errors import QueryError
from review.formats.sheet import Sheet, csv_text, save_xlsx
from review.report import counts, methods, svg
from review.web import auth
from review.web.app import Site, checked_form, render, signed_in, site

EVIDENCE_MAP = "evidence_map"  # the saved query the page shows as the evidence map
MOST_ROWS = 500  # shown on the page; downloads hold every row
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def routes() -> list[Route]:
    return [
        Route("/writers", writers_page),
        Route("/writers/query", query_post, methods=["POST"]),
        Route("/writers/download", download, methods=["GET", "POST"]),
        Route("/writers/prisma.svg", prisma_svg),
        Route("/writers/methods.md", methods_text),
    ]


@dataclass(frozen=True)
class Shown:
    """A query's result as the page shows it (or why it failed)."""

    sql: str
    saved: str | None
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = ()
    total: int = 0
    error: str | None = None


async def _reader(request: Request) -> Site:
    """The site, once the signed-in person may read outputs (403 otherwise)."""
    here, who = site(request), signed_in(request)

    def allowed() -> bool:
        with here.store() as session:
            return auth.may_read_outputs(session, who)

    if not await run_in_threadpool(allowed):
        raise HTTPException(
            403, "The writers' page reads every decision: it opens once you screen blind at no stage."
        )
    return here


def _db(here: Site) -> str:
    return here.config.engine.url.render_as_string(hide_password=False)


def _run(here: Site, sql: str, saved: str | None) -> Shown:
    try:
        found = query.run_query(_db(here), sql)
    except QueryError as exc:
        return Shown(sql, saved, error=str(exc))
    return Shown(sql, saved, found.columns, tuple(found.rows[:MOST_ROWS]), len(found.rows))


def _asked(params: FormData | QueryParams, here: Site) -> tuple[str, str | None]:
    """The SQL asked for: a saved query by name, or the text typed."""
    saved, sql = params.get("saved"), params.get("sql")
    if isinstance(saved, str) and saved:
        return query.saved_query(here.protocol, saved), saved
    if isinstance(sql, str) and sql.strip():
        return sql, None
    raise HTTPException(400, "Give a saved query's name or some SQL.")


async def writers_page(request: Request, shown: Shown | None = None) -> Response:
    here = await _reader(request)
    queries = here.protocol.queries
    evidence = None
    if EVIDENCE_MAP in queries:
        evidence = await run_in_threadpool(_run, here, queries[EVIDENCE_MAP], EVIDENCE_MAP)
    return render(request, "writers.html", queries=queries, evidence=evidence, shown=shown,
                  most=MOST_ROWS)  # fmt: skip


async def query_post(request: Request) -> Response:
    here = await _reader(request)
    form = await checked_form(request)
    sql, saved = _asked(form, here)
    shown = await run_in_threadpool(_run, here, sql, saved)
    return await writers_page(request, shown)


async def download(request: Request) -> Response:
    """A query's whole result as CSV or XLSX: a saved one by GET, any SQL by a form's POST."""
    here = await _reader(request)
    params: FormData | QueryParams = request.query_params
    if request.method == "POST":
        params = await checked_form(request)
    elif params.get("sql"):
        raise HTTPException(405, "Typed SQL is downloaded from the page's form (POST).")
    sql, saved = _asked(params, here)
    fmt = params.get("format", "csv")
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(400, "Download as csv or xlsx.")
    found = await run_in_threadpool(query.run_query, _db(here), sql)
    name = saved or "query"
    if fmt == "csv":
        body = csv_text(found.columns, found.rows).encode("utf-8")
        return _attachment(body, "text/csv; charset=utf-8", f"{name}.csv")
    return _attachment(await run_in_threadpool(_xlsx, name, found), XLSX, f"{name}.xlsx")


def _xlsx(name: str, found: query.QueryResult) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "query.xlsx"
        save_xlsx(path, [Sheet(name[:31], found.columns, found.rows)])
        return path.read_bytes()


def _attachment(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type,
                    headers={"content-disposition": f'attachment; filename="{filename}"'})  # fmt: skip


async def prisma_svg(request: Request) -> Response:
    here = await _reader(request)

    def draw() -> str:
        with here.store() as session:
            return svg.render(counts(session, _reason_texts(here)))

    text = await run_in_threadpool(draw)
    return Response(text, media_type="image/svg+xml")


async def methods_text(request: Request) -> Response:
    here = await _reader(request)

    def write() -> str:
        with here.store() as session:
            return methods.paragraph(session, here.protocol, counts(session, _reason_texts(here)))

    text = await run_in_threadpool(write)
    return Response(text, media_type="text/markdown; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="methods.md"'})  # fmt: skip


def _reason_texts(here: Site) -> dict[str, str]:
    return {c.code: c.text for c in here.protocol.criteria.exclude}
