"""A static replay server for the demo: the bundled recordings, answered on 127.0.0.1 (port 0).

OpenAlex `/works` pages are served by their `cursor` (`*` gives page 1, each page's `next_cursor`
the next); the GOV.UK Search API page by `start` and `count`. Anything else is a 404, so a stage
that reaches for something not recorded fails visibly instead of touching the network.

For `review demo --update` the recordings are split in two (`held_back`): first the server serves
all but the held-back part (OpenAlex page 2; the first GOV.UK results, the newest); after `release()`,
a request with an update window (OpenAlex `from_created_date`/`from_updated_date`, GOV.UK
`public_timestamp` from a day after HELD_FROM) gets only the held-back part, as if added since, and
GOV.UK also the next result again, as a document updated since. Nothing is edited: only withheld.
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


GOVUK_HELD = 5  # the newest GOV.UK results, held back until `release()`
HELD_FROM = "2000-01-01"  # a window's start after this is an update's (the demo's review starts 1990)
WINDOW_FILTERS = ("from_created_date:", "from_updated_date:")


class Recordings:
    """The bundled bodies, and the answer to each request path and query."""

    def __init__(self, *, held_back: bool = False) -> None:
        self.openalex = [_load("openalex_page1.json"), _load("openalex_page2.json")]
        self.govuk = _load("govuk_search.json")
        self.requests = 0
        self.held_back = held_back
        self.released = False
        self.queries: list[tuple[str, dict[str, list[str]]]] = []  # every request, for tests

    def release(self) -> None:
        """From now on, answer update windows with what was held back."""
        self.released = True

    def answer(self, path: str, query: dict[str, list[str]]) -> tuple[int, Any]:
        self.requests += 1
        self.queries.append((path, query))
        if path == f"{OPENALEX}/works":
            if self.held_back:
                return self._held_works(query)
            return self._works(query.get("cursor", ["*"])[0])
        if path == f"{GOVUK}/api/search.json":
            start, count = int(query.get("start", ["0"])[0]), int(query.get("count", ["10"])[0])
            return 200, self._govuk(query, start, count)
        return 404, {"error": f"not recorded: {path}"}

    def _govuk(self, query: dict[str, list[str]], start: int, count: int) -> dict[str, Any]:
        results = self.govuk["results"]
        if self.held_back:
            window = query.get("filter_public_timestamp", [""])[0].removeprefix("from:")[:10]
            updating = self.released and window > HELD_FROM
            results = results[: GOVUK_HELD + 1] if updating else results[GOVUK_HELD:]
            page = results[start : start + count] if count else []
            return {**self.govuk, "total": len(results), "start": start, "results": page}
        return {**self.govuk, "start": start, "results": results[start : start + count]}

    def _held_works(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        """Page 1 alone before `release()`; after, page 2 alone for a windowed request."""
        windowed = any(f in query.get("filter", [""])[0] for f in WINDOW_FILTERS)
        first, second = self.openalex
        body = second if self.released and windowed else first
        meta = {**body["meta"], "count": len(body["results"]), "next_cursor": None}
        if query.get("per-page") == ["1"]:
            return 200, {**body, "meta": meta, "results": body["results"][:1]}
        return 200, {**body, "meta": meta}

    def _works(self, cursor: str) -> tuple[int, Any]:
        cursors = ["*"] + [p["meta"]["next_cursor"] for p in self.openalex[:-1]]
        if cursor not in cursors:
            return 400, {"error": "Invalid cursor", "message": f"cursor {cursor!r} was not recorded"}
        return 200, self.openalex[cursors.index(cursor)]


class ReplayServer:
    """Serves `Recordings` from a daemon thread; a context manager that stops it on exit."""

    def __init__(self, *, held_back: bool = False) -> None:
        self.recordings = Recordings(held_back=held_back)
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
