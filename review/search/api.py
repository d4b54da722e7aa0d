"""How the search connectors use the shared HTTP client (`review.http`): JSON replies and their errors.

What is particular to the search APIs: a 403 is retried too (OpenAlex documents 403 as a rate
limit); a daily-budget 429 is not retried but raises `BudgetExhaustedError`, so the harvest stops
cleanly and says when to resume; and a request that keeps failing is a `SearchError` that says the
run resumes. Every other reply comes back to the connector, which knows how to word it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from review.db import utcnow
from review.errors import SearchError
from review.http import MAX_RETRY_AFTER, TRANSIENT, Client, ClientSettings, HttpError, Reply, retry_after

SECRET_PARAMS = frozenset({"api_key", "api-key"})
# A harvest page is worth more patience than one full-text URL: the whole search waits on it.
DEFAULT_CLIENT = ClientSettings(tries=6, backoff=1.0)


class BudgetExhaustedError(Exception):
    """The service's daily allowance is spent; `resume_at` is when it resets (naive UTC)."""

    def __init__(self, message: str, resume_at: datetime) -> None:
        super().__init__(message)
        self.message = message
        self.resume_at = resume_at


class ApiClient:
    """One service's JSON API over the shared client, with the rules in the module docstring."""

    def __init__(
        self,
        service: str,
        *,
        rps: float,
        client: ClientSettings | None = None,
        email: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.service = service
        self.http = Client(client or DEFAULT_CLIENT, rps=rps, email=email)
        self.headers = dict(headers or {})

    def close(self) -> None:
        self.http.close()

    def get_json(self, url: str) -> Reply:
        """GET `url`: the reply once it is final (any status but a retryable one), JSON parsed."""
        try:
            reply, _tries = self.http.get_json(url, classify=self._retry, headers=self.headers)
        except HttpError as failed:
            raise SearchError(
                f"{self.service} failed for {redact(url)}: {failed}. Check the connection (or the base "
                "URL setting) and run `review search` again: it resumes where it stopped."
            ) from failed
        return reply

    def _retry(self, response: requests.Response) -> bool:
        if response.status_code == 429:
            self._refuse_quota(response)
        return response.status_code in TRANSIENT or response.status_code == 403

    def _refuse_quota(self, response: requests.Response) -> None:
        """Raise for a 429 that no retry within this run can get past: a spent budget, a plan limit."""
        message, wait = _message(response), _quota_wait(response)
        if "budget" in message.lower() or (wait or 0) > MAX_RETRY_AFTER:
            resume = utcnow() + timedelta(seconds=wait or 86400)
            raise BudgetExhaustedError(f"{self.service}: {message}", resume)
        if "upgrade" in message.lower():
            raise SearchError(f"{self.service} refused the request (HTTP 429): {message}")


def redact(url: str) -> str:
    """The URL with any API key parameter removed, for logs and the search log."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in SECRET_PARAMS]
    if len(query) == len(parse_qsl(parts.query, keep_blank_values=True)):
        return url
    return urlunsplit(parts._replace(query=urlencode(query, safe=":,*|")))


def _quota_wait(response: requests.Response) -> float | None:
    """`Retry-After`, or the `retryAfter` the OpenAlex proxy repeats in its 429 body."""
    wait = retry_after(response)
    if wait is not None:
        return wait
    try:
        return max(0.0, float(response.json().get("retryAfter")))
    except (ValueError, TypeError, AttributeError):
        return None


def _message(response: requests.Response) -> str:
    """The service's own words from an error body: `error: message`, or the text itself."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300]
    return error_text(body)


def error_text(body: Any) -> str:
    """`error: message` from an OpenAlex or GOV.UK error body (either key may be missing)."""
    if not isinstance(body, dict):
        return str(body)[:300] if body else ""
    parts = [str(body[k]).strip() for k in ("error", "message") if body.get(k)]
    return ": ".join(parts)
