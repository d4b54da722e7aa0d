"""Fetch one URL into the review's file store, through the shared HTTP client (`review.http`).

The client does the politeness, the scheme and redirect checks, the caps and the retries. This
module adds what full text needs: the body's own signature is judged (`%PDF-`), never the
declared content type; an error status is final unless the client retries it (429, 5xx: a
publisher's 403 is a paywall or a bot wall, which no retry opens); and a failed fetch comes back
as a reason, the PRISMA "not retrieved" reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from review.fulltext.store import Stored, TempFile
from review.http import Client, HttpError, content_type, http_reason

SNIFF = 1024  # bytes read before the signature is judged
HOST_RPS = 5.0  # requests a second to any one host (GOV.UK allows 10)


@dataclass(frozen=True)
class Fetched:
    """The outcome of fetching one URL: a stored file, or the reason there is none."""

    url: str
    stored: Stored | None = None
    reason: str | None = None
    content_type: str | None = None
    attempts: int = 0


def fetch_to_store(http: Client, url: str, root: Path) -> Fetched:
    """Fetch `url` and store the body under `root` if it is a PDF; otherwise say why not."""

    def read(response: requests.Response) -> tuple[Stored, str | None]:
        _refuse_error(response)
        ctype = content_type(response)
        with TempFile(root, ".pdf") as temp:
            sniffed = _PdfSniffer(ctype, temp.write)
            http.stream(response, sniffed)
            sniffed.finish()
            return temp.commit(), ctype

    try:
        (stored, ctype), tries = http.get(url, read)
    except HttpError as failed:
        return Fetched(url, None, str(failed), None, failed.tries)
    return Fetched(url, stored, None, ctype, tries)


def fetch_json(http: Client, url: str) -> tuple[Any, str | None, int]:
    """A JSON document (a GOV.UK content item) in memory: (data or None, reason, tries)."""
    try:
        reply, tries = http.get_json(url)
    except HttpError as failed:
        return None, str(failed), failed.tries
    if reply.status >= 400:
        return None, http_reason(reply.status), tries
    return reply.body, None, tries


def _refuse_error(response: requests.Response) -> None:
    if response.status_code >= 400:
        raise HttpError(http_reason(response.status_code))


class _PdfSniffer:
    """A sink that judges the body by its first `SNIFF` bytes before passing any of it on."""

    def __init__(self, ctype: str | None, sink: Callable[[bytes], None]) -> None:
        self.ctype, self.sink = ctype, sink
        self.first, self.checked = b"", False

    def __call__(self, chunk: bytes) -> None:
        if not self.checked:
            self.first += chunk[: SNIFF - len(self.first)]
            self.checked = len(self.first) >= SNIFF and _check_pdf(self.first, self.ctype)
        self.sink(chunk)

    def finish(self) -> None:
        if not self.checked:
            _check_pdf(self.first, self.ctype)


def _check_pdf(first: bytes, ctype: str | None) -> bool:
    if not first.strip():
        raise HttpError("empty response")
    if b"%PDF-" not in first:
        # The header may follow a little junk: the spec allows it within the first 1024 bytes.
        raise HttpError(f"not a PDF ({_kind(first, ctype)})")
    return True


def _kind(first: bytes, ctype: str | None) -> str:
    if ctype and ctype.startswith("text/"):
        return f"{ctype} page"
    if first.lstrip()[:1] == b"<":
        return f"an HTML page served as {ctype}" if ctype else "an HTML page"
    return ctype or "unknown content"
