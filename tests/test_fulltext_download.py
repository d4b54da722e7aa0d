"""Safe fetching against a local HTTP server: redirects, errors, wrong content, caps, timeouts."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from contextlib import suppress
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from review.errors import InputError
from review.fulltext.download import fetch_json, fetch_to_store
from review.http import Client, ClientSettings
from tests.fulltext_helpers import Server, body, files_under, make_pdf, redirect, reply, sequence

PDF = make_pdf(["A tiny report on family hubs"])


@pytest.fixture
def server() -> Iterator[Server]:
    with Server().running() as s:
        yield s


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def settings(waits: list[float]) -> ClientSettings:
    return ClientSettings(
        max_bytes=10_000, connect_timeout=1, read_timeout=0.3, tries=3, rps=0, sleep=waits.append
    )


def fetch(server: Server, path: str, root: Path, settings: ClientSettings) -> tuple[str | None, Path | None]:
    with Client(settings, rps=0) as http:
        got = fetch_to_store(http, server.url + path if "://" not in path else path, root)
    return got.reason, (root / got.stored.path if got.stored else None)


def test_a_pdf_is_stored_by_its_sha256_inside_the_review(
    server: Server, tmp_path: Path, settings: ClientSettings
):
    server.routes["/paper.pdf"] = body(PDF)
    reason, path = fetch(server, "/paper.pdf", tmp_path, settings)
    sha = hashlib.sha256(PDF).hexdigest()
    assert reason is None
    assert path == tmp_path / "fulltexts" / sha[:2] / f"{sha}.pdf"
    assert path.read_bytes() == PDF
    assert files_under(tmp_path) == {path}  # no temporary file left behind


def test_redirects_are_followed_a_bounded_number_of_times(
    server: Server, tmp_path: Path, settings: ClientSettings
):
    server.routes |= {"/a": redirect("/b", 301), "/b": redirect(server.url + "/c", 307), "/c": body(PDF)}
    server.routes["/loop"] = redirect("/loop")
    assert fetch(server, "/a", tmp_path, settings)[0] is None
    reason, path = fetch(server, "/loop", tmp_path, settings)
    assert reason == "too many redirects (more than 5)" and path is None
    assert server.hits["/loop"] == 6


def test_a_redirect_to_another_scheme_is_refused(server: Server, tmp_path: Path, settings: ClientSettings):
    server.routes["/sneaky"] = redirect("file:///etc/passwd")
    assert fetch(server, "/sneaky", tmp_path, settings)[0] == "unsupported URL scheme file"
    assert fetch(server, "ftp://example.org/paper.pdf", tmp_path, settings)[0] == "unsupported URL scheme ftp"


@pytest.mark.parametrize(("code", "reason"), [(404, "HTTP 404 Not Found"), (410, "HTTP 410 Gone")])
def test_missing_documents_fail_at_once(
    server: Server, tmp_path: Path, settings: ClientSettings, waits: list[float], code: int, reason: str
):
    server.routes["/gone"] = reply(code)
    assert fetch(server, "/gone", tmp_path, settings) == (reason, None)
    assert server.hits["/gone"] == 1 and waits == []


def test_server_errors_are_retried_with_backoff(
    server: Server, tmp_path: Path, settings: ClientSettings, waits: list[float]
):
    server.routes["/flaky"] = sequence(reply(503), reply(502), body(PDF))
    server.routes["/down"] = reply(503)
    assert fetch(server, "/flaky", tmp_path, settings)[0] is None
    assert waits == [2.0, 4.0]
    assert fetch(server, "/down", tmp_path, settings)[0] == "HTTP 503 Service Unavailable after 3 tries"
    assert server.hits["/down"] == 3


def test_retry_after_is_honoured_when_short(
    server: Server, tmp_path: Path, settings: ClientSettings, waits: list[float]
):
    server.routes["/busy"] = sequence(reply(429, {"Retry-After": "7"}), body(PDF))
    server.routes["/closed"] = reply(503, {"Retry-After": "86400"})
    assert fetch(server, "/busy", tmp_path, settings)[0] is None
    assert waits == [7.0]
    reason = "HTTP 503 Service Unavailable (asks to wait 86400 s)"
    assert fetch(server, "/closed", tmp_path, settings) == (reason, None)
    assert server.hits["/closed"] == 1


def test_an_html_page_where_a_pdf_was_promised_is_not_stored(
    server: Server, tmp_path: Path, settings: ClientSettings
):
    page = b"<!doctype html><html><body>Please log in to read this article</body></html>"
    server.routes["/landing"] = body(page, "text/html; charset=utf-8")
    server.routes["/liar.pdf"] = body(page, "application/pdf")
    assert fetch(server, "/landing", tmp_path, settings) == ("not a PDF (text/html page)", None)
    assert (
        fetch(server, "/liar.pdf", tmp_path, settings)[0]
        == "not a PDF (an HTML page served as application/pdf)"
    )
    assert files_under(tmp_path) == set()


def test_an_oversized_body_is_cut_off(server: Server, tmp_path: Path, settings: ClientSettings):
    big = PDF + b"%" + b"x" * 20_000
    server.routes["/big-declared"] = body(big)
    server.routes["/big-undeclared"] = body(big, length=False)
    reason, _ = fetch(server, "/big-declared", tmp_path, settings)
    assert reason == f"larger than 10,000 bytes (Content-Length {len(big):,} bytes)"
    assert fetch(server, "/big-undeclared", tmp_path, settings) == ("larger than 10,000 bytes", None)
    assert files_under(tmp_path) == set()


def test_a_slow_server_times_out_after_bounded_tries(
    server: Server, tmp_path: Path, settings: ClientSettings, waits: list[float]
):
    server.routes["/slow"] = body(PDF, delay=1.0)
    assert fetch(server, "/slow", tmp_path, settings) == ("timed out after 3 tries", None)
    assert len(waits) == 2


def test_a_server_dripping_bytes_is_cut_off_by_the_overall_timeout(server: Server, tmp_path: Path):
    def drip(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/pdf")
        h.end_headers()
        with suppress(BrokenPipeError, ConnectionResetError):
            for _ in range(20):
                h.wfile.write(PDF[:100])
                h.wfile.flush()
                time.sleep(0.1)

    server.routes["/drip.pdf"] = drip
    patient = ClientSettings(read_timeout=1, total_timeout=0.5, tries=1, rps=0)
    assert fetch(server, "/drip.pdf", tmp_path, patient) == ("took longer than 0.5 s", None)


def test_a_body_cut_short_is_retried_then_reported(server: Server, tmp_path: Path, settings: ClientSettings):
    def short(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(PDF) + 5000))
        h.end_headers()
        h.wfile.write(PDF)
        h.close_connection = True

    server.routes["/short.pdf"] = short
    assert fetch(server, "/short.pdf", tmp_path, settings) == ("connection broke after 3 tries", None)
    assert files_under(tmp_path) == set()


def test_requests_to_one_host_are_spaced(server: Server, tmp_path: Path):
    waits: list[float] = []
    polite = ClientSettings(sleep=waits.append)
    server.routes["/a.pdf"] = body(PDF)
    with Client(polite, rps=2) as http:
        for _ in range(3):
            assert fetch_to_store(http, server.url + "/a.pdf", tmp_path).stored
    assert len(waits) == 2 and 0.3 < waits[0] <= 0.5 and 0.8 < waits[1] <= 1.0  # sleeps recorded, not slept


def test_names_from_urls_or_headers_cannot_escape_the_review(
    server: Server, tmp_path: Path, settings: ClientSettings
):
    root = tmp_path / "review"
    root.mkdir()
    evil = body(PDF)
    server.routes["/..%2F..%2Fevil.pdf"] = evil
    server.routes["/x/../../evil.pdf"] = evil
    before = files_under(tmp_path)
    for path in ("/..%2F..%2Fevil.pdf", "/x/../../evil.pdf"):
        fetch(server, path, root, settings)
    created = files_under(tmp_path) - before
    assert created and all(p.is_relative_to(root / "fulltexts") for p in created)


def test_a_store_folder_that_points_outside_the_review_is_refused(
    server: Server, tmp_path: Path, settings: ClientSettings
):
    root, outside = tmp_path / "review", tmp_path / "elsewhere"
    root.mkdir()
    outside.mkdir()
    (root / "fulltexts").symlink_to(outside)
    server.routes["/paper.pdf"] = body(PDF)
    with pytest.raises(InputError, match="outside the review folder"):
        fetch(server, "/paper.pdf", root, settings)
    assert files_under(outside) == set()


def test_json_is_fetched_into_memory(server: Server, settings: ClientSettings):
    server.routes["/api/content/x"] = body(b'{"details": {"body": "<p>Hi</p>"}}', "application/json")
    server.routes["/api/content/gone"] = reply(410)
    with Client(settings, rps=0) as http:
        assert fetch_json(http, server.url + "/api/content/x") == (
            {"details": {"body": "<p>Hi</p>"}},
            None,
            1,
        )
        assert fetch_json(http, server.url + "/api/content/gone")[1] == "HTTP 410 Gone"
