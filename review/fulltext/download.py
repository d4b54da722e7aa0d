"""Fetch one URL safely into the review's file store.

http and https only, checked again at every redirect hop; a bounded number of hops; connect, read
and overall timeouts; bounded retries with backoff on timeouts, dropped connections, 429 and 5xx
(a short Retry-After is honoured); at most `host_rps` requests a second to one host; a size cap on
Content-Length and on the bytes actually received; the body's own signature checked (`%PDF-`),
never the content type. A failed fetch comes back as a reason (the PRISMA "not retrieved" reason).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from review import __version__
from review.fulltext.store import Stored, TempFile

REDIRECTS = frozenset({301, 302, 303, 307, 308})
RETRY = frozenset({429, 500, 502, 503, 504})
MB = 1024 * 1024
T = TypeVar("T")
SNIFF = 1024  # bytes read before the signature is judged
MAX_RETRY_AFTER = 60.0  # a server asking for a longer pause is tried again on the next run


@dataclass(frozen=True)
class FetchSettings:
    """How patient and how generous a fetch is. Tests shrink these."""

    max_bytes: int = 50 * MB
    max_redirects: int = 5
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 300.0  # a server dripping bytes cannot hold a fetch longer than this
    tries: int = 3
    backoff: float = 2.0  # first wait between tries; doubles each time
    host_rps: float = 5.0  # requests per second to any one host (GOV.UK allows 10); 0: no limit
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


@dataclass(frozen=True)
class Fetched:
    """The outcome of fetching one URL: a stored file, or the reason there is none."""

    url: str
    stored: Stored | None = None
    reason: str | None = None
    content_type: str | None = None
    attempts: int = 0


class _FailedError(Exception):
    def __init__(self, reason: str, retry: bool = False, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry, self.wait = reason, retry, wait


class _PoliteSession(requests.Session):
    """A requests session that spaces its requests to each host."""

    def __init__(self, settings: FetchSettings) -> None:
        super().__init__()
        self.trust_env = False  # no proxies or netrc from the environment
        self.headers["User-Agent"] = f"review/{__version__} (full-text retrieval for an evidence review)"
        self._interval = 1.0 / settings.host_rps if settings.host_rps > 0 else 0.0
        self._sleep = settings.sleep
        self._next: dict[str, float] = {}

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        host = urlsplit(str(url)).netloc
        now = time.monotonic()
        start = max(now, self._next.get(host, 0.0))
        self._next[host] = start + self._interval
        if start > now:
            self._sleep(start - now)
        return super().request(method, url, *args, **kwargs)


def new_session(settings: FetchSettings | None = None) -> requests.Session:
    """The HTTP session for fetching: an honest User-Agent, `host_rps` requests a second to a host."""
    return _PoliteSession(settings or FetchSettings())


def fetch_to_store(http: requests.Session, url: str, root: Path, settings: FetchSettings) -> Fetched:
    """Fetch `url` and store the body under `root` if it is a PDF; otherwise say why not."""

    def attempt() -> tuple[Stored, str | None]:
        response = _follow(http, url, settings)
        with response, TempFile(root, ".pdf") as temp:
            content_type = _content_type(response, settings)
            _stream(response, settings, "pdf", content_type, temp.write)
            return temp.commit(), content_type

    result, reason, tries = _with_retries(attempt, settings)
    if result is None:
        return Fetched(url, None, reason, None, tries)
    return Fetched(url, result[0], None, result[1], tries)


def fetch_json(http: requests.Session, url: str, settings: FetchSettings) -> tuple[Any, str | None, int]:
    """A JSON document (a GOV.UK content item) in memory: (data or None, reason, tries)."""

    def attempt() -> Any:
        response = _follow(http, url, settings)
        with response:
            chunks: list[bytes] = []
            _stream(response, settings, "json", _content_type(response, settings), chunks.append)
        try:
            return json.loads(b"".join(chunks))
        except ValueError as exc:
            raise _FailedError("malformed JSON", retry=True) from exc

    return _with_retries(attempt, settings)


def _with_retries(attempt: Callable[[], T], settings: FetchSettings) -> tuple[T | None, str | None, int]:
    tries = 0
    while True:
        tries += 1
        try:
            return attempt(), None, tries
        except _FailedError as failed:
            if not failed.retry or tries >= settings.tries:
                suffix = f" after {tries} tries" if failed.retry and tries > 1 else ""
                return None, failed.reason + suffix, tries
            wait = failed.wait if failed.wait is not None else settings.backoff * 2 ** (tries - 1)
        settings.sleep(wait)


def _content_type(response: requests.Response, settings: FetchSettings) -> str | None:
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > settings.max_bytes:
        raise _FailedError(f"larger than {_size(settings.max_bytes)} (Content-Length {int(length):,} bytes)")
    return (response.headers.get("Content-Type") or "").split(";")[0].strip() or None


def _follow(http: requests.Session, url: str, settings: FetchSettings) -> requests.Response:
    for _hop in range(settings.max_redirects + 1):
        _check_scheme(url)
        response = _get(http, url, settings)
        if response.status_code in REDIRECTS and response.headers.get("Location"):
            response.close()
            url = urljoin(url, response.headers["Location"])
            continue
        if response.status_code >= 400:
            response.close()
            raise _refused(response)
        return response
    raise _FailedError(f"too many redirects (more than {settings.max_redirects})")


def _check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise _FailedError(f"unsupported URL scheme {scheme or '(none)'}")


def _get(http: requests.Session, url: str, settings: FetchSettings) -> requests.Response:
    timeout = (settings.connect_timeout, settings.read_timeout)
    try:
        return http.get(url, stream=True, allow_redirects=False, timeout=timeout)
    except requests.Timeout as exc:
        raise _FailedError("timed out", retry=True) from exc
    except requests.ConnectionError as exc:
        raise _FailedError("connection failed", retry=True) from exc
    except requests.RequestException as exc:
        raise _FailedError(f"request failed ({type(exc).__name__})") from exc


def _refused(response: requests.Response) -> _FailedError:
    status, after = response.status_code, response.headers.get("Retry-After", "")
    wait = float(after) if after.isdigit() else None
    if status not in RETRY or (wait is not None and wait > MAX_RETRY_AFTER):
        suffix = f" (asks to wait {wait:.0f} s)" if status in RETRY else ""
        return _FailedError(_http_reason(status) + suffix)
    return _FailedError(_http_reason(status), retry=True, wait=wait)


def _http_reason(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _stream(
    response: requests.Response,
    settings: FetchSettings,
    expect: str,
    ctype: str | None,
    sink: Callable[[bytes], None],
) -> None:
    size = 0
    deadline = time.monotonic() + settings.total_timeout
    first, checked = b"", False
    try:
        for chunk in _chunks(response):
            if not checked:
                first += chunk[: SNIFF - len(first)]
                checked = len(first) >= SNIFF and _check_signature(first, expect, ctype)
            sink(chunk)
            size += len(chunk)
            if size > settings.max_bytes:
                raise _FailedError(f"larger than {_size(settings.max_bytes)}")
            if time.monotonic() > deadline:
                raise _FailedError(f"took longer than {settings.total_timeout:g} s", retry=True)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        timed_out = "timed out" in str(exc).lower()
        raise _FailedError("timed out" if timed_out else "connection broke", retry=True) from exc
    if not checked:
        _check_signature(first, expect, ctype)


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives: a slow server cannot make one read wait for a whole 64 KB chunk."""
    read1 = getattr(response.raw, "read1", None)  # urllib3 >= 2
    if read1 is None:
        yield from response.iter_content(chunk_size=8 * 1024)
        return
    while chunk := read1(64 * 1024, decode_content=True):
        yield chunk


def _check_signature(first: bytes, expect: str, ctype: str | None) -> bool:
    if not first.strip():
        raise _FailedError("empty response")
    if expect == "pdf" and b"%PDF-" not in first:
        # The header may follow a little junk: the spec allows it within the first 1024 bytes.
        raise _FailedError(f"not a PDF ({_kind(first, ctype)})")
    if expect == "json" and not first.lstrip().startswith((b"{", b"[")):
        raise _FailedError(f"not JSON ({ctype or 'unknown content'})")
    return True


def _kind(first: bytes, ctype: str | None) -> str:
    if ctype and ctype.startswith("text/"):
        return f"{ctype} page"
    if first.lstrip()[:1] == b"<":
        return f"an HTML page served as {ctype}" if ctype else "an HTML page"
    return ctype or "unknown content"


def _size(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n:,} bytes"
