"""Full-text test helpers: a local HTTP server with scripted routes, tiny PDFs, included works."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlmodel import Session

from review import tally
from review.db import utcnow
from review.models import Record, ScreeningDecision
from tests.factories import add_works

DATA = Path(__file__).resolve().parent / "data" / "fulltext"
Route = Callable[[BaseHTTPRequestHandler], None]


def make_pdf(pages: list[str]) -> bytes:
    """A small valid PDF with one line of Helvetica text per page (a correct xref table)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for text in pages:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("latin-1")
        stream = b"BT /F1 12 Tf 72 720 Td (" + escaped + b") Tj ET"
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"
            % content
        )
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(pages)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


class Server:
    """A local HTTP server: `routes[path] = handler_fn`; counts the requests per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                server.hits[path] = server.hits.get(path, 0) + 1
                server.routes.get(path, not_found)(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @contextmanager
    def running(self) -> Iterator[Server]:
        thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.httpd.shutdown()
            self.httpd.server_close()


def not_found(h: BaseHTTPRequestHandler) -> None:
    reply(404)(h)


def reply(code: int, headers: dict[str, str] | None = None) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(code)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", "0")
        h.end_headers()

    return route


def body(
    data: bytes, content_type: str = "application/pdf", *, length: bool = True, delay: float = 0
) -> Route:
    def route(h: BaseHTTPRequestHandler) -> None:
        time.sleep(delay)
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        if length:
            h.send_header("Content-Length", str(len(data)))
        else:
            h.send_header("Connection", "close")
        h.end_headers()
        with suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout or the cap)
            h.wfile.write(data)

    return route


def redirect(location: str, code: int = 302) -> Route:
    return reply(code, {"Location": location})


def sequence(*routes: Route) -> Route:
    """Each request gets the next route; the last one repeats."""
    calls = iter(range(10_000))

    def route(h: BaseHTTPRequestHandler) -> None:
        routes[min(next(calls), len(routes) - 1)](h)

    return route


def include(session: Session, work_ids: list[int], stage: str = "title_abstract") -> None:
    """An include decision by one screener for each work."""
    for work_id in work_ids:
        session.add(
            ScreeningDecision(
                work_id=work_id, stage=stage, reviewer="alice", decision="include", created_at=utcnow()
            )
        )
    session.flush()
    tally.refresh(session, work_ids)


def openalex_work(session: Session, title: str, pdf_urls: list[str], oa_url: str | None = None) -> int:
    """An included work whose OpenAlex record lists `pdf_urls` (the first as best OA location)."""
    locs = [{"pdf_url": u, "landing_page_url": None, "license": "cc-by", "version": "publishedVersion",
             "is_oa": True} for u in pdf_urls]  # fmt: skip
    extra = {"best_oa_location": locs[0] if locs else None, "locations": locs,
             "open_access": {"is_oa": bool(locs), "oa_url": oa_url}}  # fmt: skip
    (work_id,) = add_works(session, [{"title": title, "extra": extra}], source=f"openalex-{title[:20]}")
    include(session, [work_id])
    return work_id


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def record_for(session: Session, work_id: int) -> Record:
    from sqlmodel import select

    found = session.exec(select(Record).where(Record.work_id == work_id)).first()
    assert found is not None
    return found
