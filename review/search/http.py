"""The polite HTTP client both connectors share: a rate limit, bounded retries and clear errors.

Transient trouble (timeouts, connection resets, 5xx, a per-second 429, a truncated JSON body) is
retried with bounded exponential backoff; `Retry-After` is honoured. A daily-budget 429 is not
retried: it raises `BudgetExhausted` so the harvest can stop cleanly and say when to resume.
Everything else that is not a 2xx comes back to the connector, which knows how to word it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from review import __version__
from review.db import utcnow
from review.errors import SearchError

RETRY_STATUSES = frozenset({403, 500, 502, 503, 504})
SECRET_PARAMS = frozenset({"api_key", "api-key"})
# A per-second 429 asks for about a second; anything this long is a quota, not a burst.
LONG_RETRY_AFTER = 120.0


@dataclass(frozen=True)
class ClientSettings:
    """How patient the client is. Tests shrink these; the defaults suit the live services."""

    timeout: float = 30.0  # seconds to wait for a response
    retries: int = 5  # extra attempts after the first, per request
    backoff: float = 1.0  # first wait after a failure; doubles each time
    max_backoff: float = 60.0  # cap on one backoff wait (a Retry-After is honoured up to LONG_RETRY_AFTER)
    rps: float | None = None  # overrides each service's own request rate (tests)
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)


DEFAULT_SETTINGS = ClientSettings()


class BudgetExhaustedError(Exception):
    """The service's daily allowance is spent; `resume_at` is when it resets (naive UTC)."""

    def __init__(self, message: str, resume_at: datetime) -> None:
        super().__init__(message)
        self.message = message
        self.resume_at = resume_at


@dataclass(frozen=True)
class Reply:
    """A response the connector must interpret: status, the final URL, headers and parsed JSON."""

    status: int
    url: str
    headers: dict[str, str]
    body: Any


class RateLimiter:
    """At most `rps` requests per second from this process (spaced, not bursty)."""

    def __init__(self, rps: float, sleep: Callable[[float], None]) -> None:
        self.interval = 1.0 / rps if rps > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()
        self._sleep = sleep

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            self._sleep(delay)


def redact(url: str) -> str:
    """The URL with any API key parameter removed, for logs and the search log."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in SECRET_PARAMS]
    if len(query) == len(parse_qsl(parts.query, keep_blank_values=True)):
        return url
    return urlunsplit(parts._replace(query=urlencode(query, safe=":,*|")))


class PoliteClient:
    """GETs JSON with a rate limit and bounded retries; see the module docstring."""

    def __init__(
        self,
        service: str,
        *,
        rps: float,
        settings: ClientSettings | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.service = service
        self.settings = settings or DEFAULT_SETTINGS
        self.limiter = RateLimiter(self.settings.rps or rps, self.settings.sleep)
        self.session = requests.Session()
        self.session.headers.update(headers or {})
        email = (headers or {}).get("From")
        self.session.headers["User-Agent"] = f"review/{__version__}" + (f" (mailto:{email})" if email else "")

    def close(self) -> None:
        self.session.close()

    def get_json(self, url: str) -> Reply:
        """GET `url`: the reply once it is final (any status but a retryable one), JSON parsed."""
        problem, hint = "", None
        for attempt in range(self.settings.retries + 1):
            if attempt:
                self.settings.sleep(self._wait(attempt, hint))
            self.limiter.wait()
            reply, hint, problem = self._attempt(url)
            if reply is not None:
                return reply
        raise SearchError(
            f"{self.service} failed {self.settings.retries + 1} times for {redact(url)}: {problem}. "
            "Check the connection (or the base URL setting) and run `review search` again: "
            "it resumes where it stopped."
        )

    def _attempt(self, url: str) -> tuple[Reply | None, float | None, str]:
        try:
            resp = self.session.get(url, timeout=self.settings.timeout)
        except requests.Timeout:
            return None, None, f"no answer within {self.settings.timeout:g} s"
        except requests.RequestException as exc:
            return None, None, f"the connection failed ({type(exc).__name__})"
        hint, problem = self._transient(resp)
        if problem:
            return None, hint, problem
        reply = self._parse(resp)
        if reply is None:
            return None, None, "the response was not valid JSON (truncated?)"
        return reply, None, ""

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(retry_after, LONG_RETRY_AFTER)
        return min(self.settings.backoff * 2.0 ** (attempt - 1), self.settings.max_backoff)

    def _transient(self, resp: requests.Response) -> tuple[float | None, str]:
        """(Retry-After seconds, description) for a retryable reply; (None, "") when it is final."""
        retry_after = _retry_after(resp)
        if resp.status_code == 429:
            message = _message(resp)
            if "budget" in message.lower() or (retry_after or 0) > LONG_RETRY_AFTER:
                resume = utcnow() + timedelta(seconds=retry_after or 86400)
                raise BudgetExhaustedError(f"{self.service}: {message}", resume)
            if "upgrade" in message.lower():
                raise SearchError(f"{self.service} refused the request (HTTP 429): {message}")
            return retry_after, f"rate limited (HTTP 429: {message})"
        if resp.status_code in RETRY_STATUSES:
            return retry_after, f"HTTP {resp.status_code} {_message(resp)}".rstrip()
        return None, ""

    @staticmethod
    def _parse(resp: requests.Response) -> Reply | None:
        """The reply with its JSON body; None for a 2xx whose body is empty or cut short."""
        try:
            body = resp.json()
        except ValueError:  # requests' JSONDecodeError, also raised for an empty body
            if resp.status_code < 300:
                return None
            body = resp.text or None
        return Reply(resp.status_code, resp.url, dict(resp.headers), body)


def _retry_after(resp: requests.Response) -> float | None:
    value: Any = resp.headers.get("Retry-After")
    if value is None and resp.status_code == 429:
        try:
            value = resp.json().get("retryAfter")  # the OpenAlex proxy repeats it in the body
        except (ValueError, AttributeError):
            value = None
    try:
        return max(0.0, float(value)) if value is not None else None
    except (TypeError, ValueError):
        return None


def _message(resp: requests.Response) -> str:
    """The service's own words from an error body: `error: message`, or the text itself."""
    try:
        body = resp.json()
    except ValueError:
        return resp.text.strip()[:300]
    return error_text(body)


def error_text(body: Any) -> str:
    """`error: message` from an OpenAlex or GOV.UK error body (either key may be missing)."""
    if not isinstance(body, dict):
        return str(body)[:300] if body else ""
    parts = [str(body[k]).strip() for k in ("error", "message") if body.get(k)]
    return ": ".join(parts)
