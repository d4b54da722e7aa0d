"""The one HTTP client of every network stage: OpenAlex and GOV.UK searches, full-text downloads.

For every request it:

- sends one honest User-Agent, `review/<version>`, with the contact address when one is known
  (the `mailto:` convention of OpenAlex's polite pool);
- spaces its requests to each host (at most `rps` a second);
- fetches http and https only, checked at every redirect hop; follows at most `max_redirects`
  hops by hand, so headers meant for one origin (an API key) never travel to another;
- bounds the wait: connect, read and overall timeouts, and a size cap on the declared
  Content-Length and on the bytes actually received;
- retries in one loop: timeouts, dropped connections, a body cut short or malformed, 429 and 5xx
  are tried again up to `tries` times with doubling backoff. A `Retry-After` up to
  `MAX_RETRY_AFTER` is honoured; a longer one ends the request at once (waiting hours inside one
  run helps nobody: the caller says to try again later). Whether any other status (a 403) is
  worth another try is the caller's `Classifier`, because it depends on who answers.

A request that fails for good raises `HttpError`; `str(error)` is the reason in words, which the
full-text stage stores as the PRISMA "not retrieved" reason.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import requests
import urllib3

from review import __version__

MB = 1024 * 1024
# The one cap on a server's `Retry-After`: a per-second limit asks for about a second, an
# overloaded server for a minute or two; anything longer is a quota (OpenAlex's daily budget asks
# for hours) or an outage, and is reported instead of waited out.
MAX_RETRY_AFTER = 120.0
REDIRECTS = frozenset({301, 302, 303, 307, 308})
TRANSIENT = frozenset({429, 500, 502, 503, 504})
T = TypeVar("T")
# Whether a final (non-redirect) response is worth another try. It may read the body, or raise
# the caller's own error (a spent daily budget) to stop at once.
Classifier = Callable[[requests.Response], bool]


def transient(response: requests.Response) -> bool:
    """The default classifier: 429 and 5xx are worth another try; every other status is final."""
    return response.status_code in TRANSIENT


@dataclass(frozen=True)
class ClientSettings:
    """How patient and how generous the client is. Each use picks its own; tests shrink them."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # seconds to wait for the response, or for the next bytes of it
    total_timeout: float = 300.0  # a server dripping bytes cannot hold one request longer than this
    tries: int = 3  # attempts per request, the first included
    backoff: float = 2.0  # first wait between tries; doubles each time
    max_backoff: float = 60.0
    rps: float | None = None  # overrides the use's own requests a second per host; 0: no limit
    max_bytes: int = 50 * MB
    max_redirects: int = 5
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


class HttpError(Exception):
    """A request that failed: why, whether another try may help, and how long the server asked to wait."""

    def __init__(self, reason: str, *, retry: bool = False, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry, self.wait = reason, retry, wait
        self.tries = 1

    def __str__(self) -> str:
        return self.reason + (f" after {self.tries} tries" if self.retry and self.tries > 1 else "")


@dataclass(frozen=True)
class Reply:
    """A JSON response: status, the URL finally served (after redirects), headers, the parsed body.

    The body of an error status that is not JSON is its text (None when empty).
    """

    status: int
    url: str
    headers: dict[str, str]
    body: Any


class HostLimiter:
    """At most `rps` requests a second to each host (spaced, not bursty); safe across threads."""

    def __init__(self, rps: float, sleep: Callable[[float], None]) -> None:
        self.interval = 1.0 / rps if rps > 0 else 0.0
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()
        self._sleep = sleep

    def wait(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next.get(host, 0.0))
            self._next[host] = start + self.interval
        if start > now:
            self._sleep(start - now)


def user_agent(email: str | None) -> str:
    """The User-Agent every request sends: the tool, its version, and who to contact when known."""
    contact = f"; mailto:{email}" if email else ""
    return f"review/{__version__} (rapid evidence review{contact})"


class Client:
    """GETs with the guarantees in the module docstring. A context manager; one per stage run."""

    def __init__(
        self, settings: ClientSettings | None = None, *, rps: float, email: str | None = None
    ) -> None:
        self.settings = settings or ClientSettings()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent(email)
        chosen = self.settings.rps if self.settings.rps is not None else rps
        self.limiter = HostLimiter(chosen, self.settings.sleep)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.session.close()

    def get(
        self,
        url: str,
        read: Callable[[requests.Response], T],
        *,
        classify: Classifier = transient,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[T, int]:
        """`read` of the final response to GET `url`, and how many tries it took.

        `read` gets every response `classify` calls final, whatever its status; it may raise
        `HttpError(retry=True)` for a body worth fetching again. `headers` go to `url`'s origin only.

        Raises:
            HttpError: the request failed for good (`tries` says after how many attempts).
        """
        tries = 0
        while True:
            tries += 1
            try:
                response = self._follow(url, classify, headers)
                with response:
                    return read(response), tries
            except HttpError as failed:
                if not failed.retry or tries >= self.settings.tries:
                    failed.tries = tries
                    raise
                self.settings.sleep(self._backoff(tries, failed.wait))

    def get_json(
        self, url: str, *, classify: Classifier = transient, headers: Mapping[str, str] | None = None
    ) -> tuple[Reply, int]:
        """The JSON reply to GET `url` (whatever its final status), and how many tries it took."""

        def read(response: requests.Response) -> Reply:
            chunks: list[bytes] = []
            self.stream(response, chunks.append)
            return _json_reply(response, b"".join(chunks))

        return self.get(url, read, classify=classify, headers=headers)

    def stream(self, response: requests.Response, sink: Callable[[bytes], None]) -> int:
        """Hand the body to `sink` as it arrives, within the size cap and the overall timeout."""
        cap, limit = self.settings.max_bytes, self.settings.total_timeout
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise HttpError(f"larger than {size_text(cap)} (Content-Length {int(declared):,} bytes)")
        size, deadline = 0, time.monotonic() + limit
        try:
            for chunk in _chunks(response):
                sink(chunk)
                size += len(chunk)
                if size > cap:
                    raise HttpError(f"larger than {size_text(cap)}")
                if time.monotonic() > deadline:
                    raise HttpError(f"took longer than {limit:g} s", retry=True)
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            timed_out = "timed out" in str(exc).lower()
            raise HttpError("timed out" if timed_out else "connection broke", retry=True) from exc
        return size

    def _follow(self, url: str, classify: Classifier, headers: Mapping[str, str] | None) -> requests.Response:
        origin = _origin(url)
        for _hop in range(self.settings.max_redirects + 1):
            check_scheme(url)
            response = self._send(url, headers if _origin(url) == origin else None)
            if response.status_code in REDIRECTS and response.headers.get("Location"):
                response.close()
                url = urljoin(url, response.headers["Location"])
                continue
            try:
                again = classify(response)
            except BaseException:
                response.close()
                raise
            if again:
                response.close()
                raise _try_again(response)
            return response
        raise HttpError(f"too many redirects (more than {self.settings.max_redirects})")

    def _send(self, url: str, headers: Mapping[str, str] | None) -> requests.Response:
        self.limiter.wait(urlsplit(url).netloc)
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            return self.session.get(url, headers=headers, stream=True, allow_redirects=False, timeout=timeout)
        except requests.Timeout as exc:
            raise HttpError("timed out", retry=True) from exc
        except requests.ConnectionError as exc:
            raise HttpError("connection failed", retry=True) from exc
        except requests.RequestException as exc:
            raise HttpError(f"request failed ({type(exc).__name__})") from exc

    def _backoff(self, tries: int, asked: float | None) -> float:
        if asked is not None:
            return asked  # at most MAX_RETRY_AFTER: a longer ask is not retried
        return min(self.settings.backoff * 2.0 ** (tries - 1), self.settings.max_backoff)


def check_scheme(url: str) -> None:
    """Refuse anything but http and https (a record's URL, or a redirect, may name file: or ftp:)."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise HttpError(f"unsupported URL scheme {scheme or '(none)'}")


def retry_after(response: requests.Response) -> float | None:
    """The `Retry-After` header in seconds (the HTTP-date form is not used by these services)."""
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def http_reason(status: int) -> str:
    """`HTTP 404 Not Found`: a status in words."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def content_type(response: requests.Response) -> str | None:
    """The media type the server declares, without parameters (`application/pdf`)."""
    return (response.headers.get("Content-Type") or "").split(";")[0].strip() or None


def size_text(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n:,} bytes"


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _try_again(response: requests.Response) -> HttpError:
    reason, wait = http_reason(response.status_code), retry_after(response)
    if wait is not None and wait > MAX_RETRY_AFTER:
        return HttpError(f"{reason} (asks to wait {wait:.0f} s)")
    return HttpError(reason, retry=True, wait=wait)


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """The body as it arrives: a slow server cannot make one read wait for a whole 64 KB chunk."""
    read1 = getattr(response.raw, "read1", None)  # urllib3 >= 2
    if read1 is None:
        yield from response.iter_content(chunk_size=8 * 1024)
        return
    while chunk := read1(64 * 1024, decode_content=True):
        yield chunk


def _json_reply(response: requests.Response, raw: bytes) -> Reply:
    ok = 200 <= response.status_code < 300
    text = raw.lstrip()
    if ok and text and not text.startswith((b"{", b"[")):
        raise HttpError(f"not JSON ({content_type(response) or 'unknown content'})")
    try:
        body = json.loads(raw)
    except ValueError as exc:  # cut short, or empty: another try may get it whole
        if ok:
            raise HttpError("malformed JSON", retry=True) from exc
        body = raw.decode("utf-8", "replace").strip() or None
    return Reply(response.status_code, response.url, dict(response.headers), body)
