"""Full texts beside the full-text screening card: the stored PDF (shown by the browser's own
viewer), or a link to the GOV.UK page the text was read from, and the extracted page text with the
protocol's terms marked.

A stored file is served by its document ID only, from the review folder (review.fulltext.store
`resolve` refuses any stored path that leaves it), and only to the protocol's reviewers.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from review.fulltext.store import resolve
from review.models import Document, Page
from review.protocol import Protocol
from review.web import views
from review.web.app import reviewing, site

MOST_CHARS = 200_000  # of extracted text on one page load: a long report stays quick to open
PDF_HEADERS = {
    # Framed by the screening page of this site only; the PDF viewer needs no more than that.
    "content-security-policy": "frame-ancestors 'self'",
    "x-frame-options": "SAMEORIGIN",
    "content-disposition": "inline",
}


def routes() -> list[Route]:
    return [Route("/documents/{document_id:int}", document_file)]


@dataclass(frozen=True)
class PageText:
    page_no: int
    text: Markup


@dataclass(frozen=True)
class FullText:
    """One document sought for a work, as the full-text screening page shows it."""

    document_id: int
    status: str
    title: str
    url: str | None
    stored: bool  # a file in the review folder the browser can show
    web_page: bool  # read from a web page (GOV.UK): linked, since it cannot be framed
    pages: tuple[PageText, ...]
    cut: bool  # more text than shown


def full_texts(session: Session, protocol: Protocol, work_id: int) -> list[FullText]:
    """The work's documents, readable ones first, each with its highlighted page text."""
    include, exclude = protocol.highlight.include, protocol.highlight.exclude
    docs = session.exec(select(Document).where(Document.work_id == work_id).order_by(col(Document.id))).all()
    found, budget = [], MOST_CHARS
    for doc in sorted(docs, key=lambda d: d.status != "readable"):
        assert doc.id is not None
        pages, cut = [], False
        for page in session.exec(select(Page).where(Page.document_id == doc.id).order_by(col(Page.page_no))):
            if budget <= 0:
                cut = True
                break
            budget -= len(page.text)
            pages.append(PageText(page.page_no, views.highlight(page.text, include, exclude)))
        html = doc.method == "html" or (doc.content_type or "").startswith("text/html")
        title = doc.title or doc.url or f"document {doc.id}"
        web_page = html and bool(doc.url)
        found.append(
            FullText(
                document_id=doc.id,
                status=doc.status,
                title=title,
                url=doc.url,
                stored=is_pdf(doc),
                web_page=web_page,
                pages=tuple(pages),
                cut=cut,
            )
        )
    return found


def is_pdf(doc: Document) -> bool:
    """A stored PDF: the only files served (a stored web page served from this site could run its
    scripts as the site)."""
    html = doc.method == "html" or (doc.content_type or "").startswith("text/html")
    kind = doc.content_type or "application/pdf"
    return bool(doc.path) and not html and kind.startswith("application/pdf")


async def document_file(request: Request) -> Response:
    reviewing(request)
    here = site(request)
    document_id = request.path_params["document_id"]

    def find() -> Document | None:
        with here.store() as session:
            return session.get(Document, document_id)

    doc = await run_in_threadpool(find)
    if doc is None or not is_pdf(doc) or here.config.root is None:
        raise HTTPException(404, f"No stored PDF for document {document_id}.")
    path = resolve(here.config.root, doc.path or "")
    if not path.is_file():
        raise HTTPException(404, f"The file of document {document_id} is missing from the review folder.")
    return FileResponse(path, media_type="application/pdf", headers=PDF_HEADERS)
