"""A static replay server for the demo: the bundled recordings, answered on 127.0.0.1 (port 0).

OpenAlex `/works` pages are served by their `cursor` (`*` gives page 1, each page's `next_cursor`
the next); the GOV.UK Search API page by `start` and `count`. Anything else is a 404, so a stage
that reaches for something not recorded fails visibly instead of touching the network.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

OPENALEX, GOVUK = "/openalex", "/govuk"


def _load(name: str) -> Any:
    return json.loads(resources.files("review.data").joinpath("demo", name).read_text(encoding="utf-8"))


class Recordings:
    """The bundled bodies, and the answer to each request path and query."""

    def __init__(self) -> None:
        self.openalex = [_load("openalex_page1.json"), _load("openalex_page2.json")]
        self.govuk = _load("govuk_search.json")
        self.requests = 0

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        self.requests += 1
        if path == f"{OPENALEX}/works":
            return self._works(query.get("cursor", ["*"])[0])
        if path == f"{GOVUK}/api/search.json":
            start, count = int(query.get("start", ["0"])[0]), int(query.get("count", ["10"])[0])
            page = self.govuk["results"][start : start + count]
            return 200, {**self.govuk, "start": start, "results": page}
        return 404, {"error": f"not recorded: {path}"}

    def _works(self, cursor: str) -> tuple[int, Any]:
        cursors = ["*"] + [p["meta"]["next_cursor"] for p in self.openalex[:-1]]
        if cursor not in cursors:
            return 400, {"error": "Invalid cursor", "message": f"cursor {cursor!r} was not recorded"}
        return 200, self.openalex[cursors.index(cursor)]


class ReplayServer:
    """Serves `Recordings` from a daemon thread; a context manager that stops it on exit."""

    def __init__(self) -> None:
        self.recordings = Recordings()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.recordings))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(recordings: Recordings) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            status, body = recordings.answer(parts.path, parse_qs(parts.query, keep_blank_values=True))
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return _Handler
