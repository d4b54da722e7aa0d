"""A local HTTP server that replays recorded bodies and injects scripted faults.

Routes answer by path (a handler sees the parsed query); faults are queued per path and served
before the route, each for a number of requests, so a test can say "the second page gets a 429,
then everything works". Every request received is recorded for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Query = dict[str, list[str]]


@dataclass
class Reply:
    """What the server sends: a JSON (or raw text) body, status, headers, an optional fault."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (beyond the client timeout = a timeout)
    truncate: bool = False  # send only the first half of the body (invalid JSON)


Handler = Callable[[Query], Reply]


@dataclass
class Received:
    path: str
    query: Query
    url: str  # path and query as sent
    headers: dict[str, str]


@dataclass
class _Fault:
    reply: Reply
    times: int
    when: dict[str, str] | None


class ReplayServer:
    """ThreadingHTTPServer on 127.0.0.1, port 0; use as a context manager or start()/stop()."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.faults: dict[str, list[_Fault]] = {}
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def route(self, path: str, handler: Handler | Reply) -> None:
        """Answer `path` with a fixed reply or a handler of the query."""
        self.routes[path] = _fixed(handler) if isinstance(handler, Reply) else handler

    def fault(self, path: str, reply: Reply, *, times: int = 1, when: dict[str, str] | None = None) -> None:
        """Serve `reply` for the next `times` requests to `path` (whose query matches `when`)."""
        self.faults.setdefault(path, []).append(_Fault(reply, times, when))

    def hits(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def answer(self, path: str, query: Query) -> Reply:
        with self._lock:
            for fault in self.faults.get(path, []):
                matches = all(query.get(k, [None])[0] == v for k, v in (fault.when or {}).items())
                if fault.times > 0 and matches:
                    fault.times -= 1
                    return fault.reply
        handler = self.routes.get(path)
        if handler is None:
            return Reply({"error": f"no route for {path}"}, status=404)
        return handler(query)


def _fixed(reply: Reply) -> Handler:
    return lambda _query: reply


def _make_handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=True)
            with server._lock:
                server.requests.append(Received(parts.path, query, self.path, dict(self.headers.items())))
            reply = server.answer(parts.path, query)
            if reply.delay:
                time.sleep(reply.delay)
            self._send(reply)

        def _send(self, reply: Reply) -> None:
            body = reply.body
            data = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body))
            raw = data.encode() if isinstance(data, str) else data
            if reply.truncate:
                raw = raw[: len(raw) // 2]
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return _Handler
