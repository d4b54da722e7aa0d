"""GOV.UK connector: the Search API finds documents, the Content API says what files they hold.

Both APIs are fetched at most `RPS` times a second (the Content API's published limit). Each
search page is processed in chunks of `CHUNK` results; a chunk's records and its place in the
search are committed together, so an interruption loses at most one chunk.

`Record.extra` for a GOV.UK record (what the full-text stage reads)::

    {
      "attachments": [            # in the publication's own order; [] when it lists none
        {
          "url": str,             # absolute: https://assets.publishing.service.gov.uk/... for
                                  # files, https://www.gov.uk/... for HTML publications
          "title": str | None,
          "content_type": str | None,  # "application/pdf" for PDFs (select on this, not the
                                       # extension), "text/html" for HTML publications
          "attachment_type": "file" | "html" | "external",
          "filename": str | None,
          "number_of_pages": int | None,
          "from": "attachments" | "documents",  # details.attachments, or the legacy HTML list
        }, ...
      ],
      "organisations": [str],     # organisation slugs, e.g. "department-for-education"
      "document_type": str | None,  # content item document_type (e.g. "research")
      "public_updated_at": str | None,
      "withdrawn": bool,
      "withdrawn_at": str | None,
      "content_status": int | None,  # Content API status: 200, 404, 410; None if not fetched
      "content_path": str | None,    # base path served (differs after a 303 redirect)
    }
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

from review.errors import SearchError
from review.http import ClientSettings, Reply
from review.protocol import GovukSearch, Protocol
from review.records import RecordIn
from review.search.api import ApiClient, error_text, redact
from review.search.base import Entry, Estimate, Page, Plan, Window
from review.settings import Settings

SOURCE = "govuk"
SITE = "https://www.gov.uk"  # canonical links are stored against the public site, not a mirror
PLATFORM = "GOV.UK Search API and Content API"
RPS = 10.0
CHUNK = 50
FIELDS = [
    "title",
    "description",
    "link",
    "public_timestamp",
    "first_published_at",
    "content_store_document_type",
    "organisations",
    "is_withdrawn",
    "content_id",
    "format",
]
CONTENT_MISSING = frozenset({404, 410})


class GovukConnector:
    """Runs the protocol's `[[sources.govuk.searches]]`."""

    source = SOURCE

    def __init__(self, protocol: Protocol, settings: Settings, client: ClientSettings | None = None) -> None:
        self.protocol = protocol
        self.config = protocol.sources.govuk
        self.base = settings.govuk_url
        self.client = ApiClient("GOV.UK", rps=RPS, client=client, email=settings.email)
        self._searches = {s.name: s for s in self.config.searches}
        self.windows: dict[str, Window] = {}

    def names(self) -> list[str]:
        return list(self._searches)

    def close(self) -> None:
        self.client.close()

    def search_url(self, name: str, start: int, count: int) -> str:
        search = self._searches[name]
        params: list[tuple[str, str | int]] = [("q", search.q)]
        params += [("filter_content_store_document_type", t) for t in search.document_types]
        params += [("filter_organisations", o) for o in search.organisations]
        window = self.date_window(name)
        if window:
            params.append(("filter_public_timestamp", window))
        params += [("fields", f) for f in FIELDS]
        # Newest first is a stable order, so start/offset paging resumes at the same place.
        params += [("order", "-public_timestamp"), ("count", count), ("start", start)]
        return f"{self.base}/api/search.json?{urlencode(params, safe=':,')}"

    def plan(self, name: str) -> Plan:
        search = self._searches[name]
        filters: dict[str, Any] = {**search.model_dump(), "per_page": self.config.per_page}
        filters["fetch_content"] = self.config.fetch_content
        window = self.date_window(name)
        if window:
            filters["public_timestamp"] = window
        if name in self.windows:
            filters["update"] = self.windows[name].logged()
        return Plan(
            SOURCE, name, PLATFORM, self.search_url(name, 0, self._count(search, 0)), filters, "other"
        )

    def date_window(self, name: str) -> str | None:
        """The `filter_public_timestamp` value: the review's dates, narrowed to an update's window.

        The Search API takes one value per date field, so the window's day replaces the review's
        start date when it is later.
        """
        start, end = self.protocol.review.start_date, self.protocol.review.end_date
        window = self.windows.get(name)
        if window is not None and (start is None or window.since > start):
            start = window.since
        return _date_window(start, end)

    def _count(self, search: GovukSearch, start: int) -> int:
        if search.max_records is None:
            return self.config.per_page
        return max(1, min(self.config.per_page, search.max_records - start))

    def estimate(self, name: str) -> Estimate:
        """The Search API's total (a count=0 request) and how many requests harvesting takes."""
        reply = self.client.get_json(self.search_url(name, 0, 0))
        total = int(_check(reply, name).get("total") or 0)
        limit = self._searches[name].max_records
        wanted = total if limit is None else min(total, limit)
        requests = max(1, math.ceil(wanted / self.config.per_page))
        requests += wanted if self.config.fetch_content else 0
        return Estimate(SOURCE, name, total, requests, 0, self.plan(name).request)

    def pages(self, name: str, state: dict[str, Any] | None) -> Iterator[Page]:
        """Chunks of search results with their content items, from `state` (or the start)."""
        search = self._searches[name]
        start, offset = (state or {}).get("start", 0), (state or {}).get("offset", 0)
        limit = search.max_records
        while True:
            url = self.search_url(name, start, self._count(search, start))
            reply = self.client.get_json(url)
            body = _check(reply, name)
            raw = body.get("results") or []
            usable = raw if limit is None else raw[: max(0, limit - start)]
            head: Entry = {"kind": "search", "request": redact(url), "status": reply.status, "body": body}
            head["start"] = start
            done = not raw or start + len(raw) >= int(body.get("total") or 0)
            done = done or (limit is not None and start + len(usable) >= limit)
            after = None if done else {"start": start + len(raw), "offset": 0}
            yield from self._chunks(head, usable, offset, after)
            if after is None:
                return
            start, offset = after["start"], 0

    def _chunks(
        self, head: Entry, results: list[dict[str, Any]], offset: int, after: dict[str, int] | None
    ) -> Iterator[Page]:
        """The page's results from `offset` in chunks; the last chunk's state is `after`."""
        start, total = head["start"], head["body"].get("total")
        if offset >= len(results):
            yield Page([head], [], after, total)
            return
        for i in range(offset, len(results), CHUNK):
            chunk = results[i : i + CHUNK]
            fetched = [self.content(r.get("link")) for r in chunk]
            entries = [head] if i == offset else []
            entries += [e for e in fetched if e is not None]
            entries.append({"kind": "stored", "start": start, "from": i, "to": i + len(chunk)})
            records = [to_record(r, e) for r, e in zip(chunk, fetched, strict=True)]
            end = i + len(chunk)
            state = {"start": start, "offset": end} if end < len(results) else after
            yield Page(entries, records, state, total)

    def content(self, link: str | None) -> Entry | None:
        """The Content API item for a search result's link, as an archive entry (None if not fetched)."""
        if not self.config.fetch_content or not link or not link.startswith("/"):
            return None
        reply = self.client.get_json(f"{self.base}/api/content{link}")
        if reply.status != 200 and reply.status not in CONTENT_MISSING:
            raise SearchError(
                f"GOV.UK Content API answered HTTP {reply.status} for {link}: "
                f"{error_text(reply.body) or 'no explanation'}. Run `review search` again to resume."
            )
        served = urlsplit(reply.url).path
        served = served.split("/api/content", 1)[1] if "/api/content" in served else link
        body = reply.body if reply.status == 200 else None
        return {"kind": "content", "link": link, "path": served, "status": reply.status, "body": body}


def _date_window(start: date | None, end: date | None) -> str | None:
    parts = [f"from:{start.isoformat()}" if start else "", f"to:{end.isoformat()}" if end else ""]
    return ",".join(p for p in parts if p) or None


def _check(reply: Reply, name: str) -> dict[str, Any]:
    if reply.status == 200 and isinstance(reply.body, dict) and "results" in reply.body:
        return reply.body
    said = error_text(reply.body) or "no explanation given"
    if reply.status == 422:
        raise SearchError(
            f"GOV.UK Search API rejected search {name!r} (HTTP 422): {said}. "
            "Fix this search under [[sources.govuk.searches]] in the protocol."
        )
    raise SearchError(f"GOV.UK Search API answered search {name!r} with HTTP {reply.status}: {said}.")


# --- parsing --------------------------------------------------------------------------------


def records_from_archive(entries: Iterable[Entry]) -> Iterator[list[RecordIn]]:
    """Records for every stored chunk of a run, rebuilt from its saved responses."""
    searches: dict[int, dict[str, Any]] = {}
    contents: dict[str, Entry] = {}
    stored: list[Entry] = []
    for entry in entries:
        kind = entry.get("kind")
        if kind == "search" and isinstance(entry.get("body"), dict):
            searches[entry["start"]] = entry["body"]
        elif kind == "content":
            contents[entry["link"]] = entry
        elif kind == "stored":
            stored.append(entry)
    for mark in stored:
        results = (searches.get(mark["start"]) or {}).get("results") or []
        chunk = results[mark["from"] : mark["to"]]
        yield [to_record(r, contents.get(r.get("link") or "")) for r in chunk]


def to_record(result: dict[str, Any], content: Entry | None) -> RecordIn:
    """A search result (and its content item, if fetched) as a RecordIn."""
    item = (content or {}).get("body") or {}
    link = result.get("link") or ""
    orgs = _organisations(result, item)
    dated = (
        result.get("first_published_at") or item.get("first_published_at") or result.get("public_timestamp")
    )
    day = str(dated)[:10] if dated else None
    return RecordIn(
        source=SOURCE,
        source_id=link,
        title=result.get("title") or item.get("title"),
        abstract=result.get("description") or item.get("description"),
        year=int(day[:4]) if day and day[:4].isdigit() else None,
        publication_date=day,
        doc_type=result.get("content_store_document_type") or item.get("document_type"),
        publisher="; ".join(t for _, t in orgs if t) or None,
        url=urljoin(SITE, link) if link else None,
        govuk_base_path=link if link.startswith("/") else None,
        govuk_content_id=item.get("content_id") or result.get("content_id"),
        countries=["GB"],
        extra=_extra(result, item, content, [slug for slug, _ in orgs if slug]),
    )


def _organisations(result: dict[str, Any], item: dict[str, Any]) -> list[tuple[str | None, str | None]]:
    orgs = result.get("organisations") or []
    if orgs:
        return [(o.get("slug"), o.get("title")) if isinstance(o, dict) else (str(o), None) for o in orgs]
    linked = (item.get("links") or {}).get("organisations") or []
    return [((o.get("base_path") or "").rsplit("/", 1)[-1] or None, o.get("title")) for o in linked]


def _extra(
    result: dict[str, Any], item: dict[str, Any], content: Entry | None, slugs: list[str]
) -> dict[str, Any]:
    notice = item.get("withdrawn_notice") or {}
    return {
        "attachments": attachments(item),
        "organisations": slugs,
        "document_type": item.get("document_type") or result.get("content_store_document_type"),
        "public_updated_at": item.get("public_updated_at") or result.get("public_timestamp"),
        "withdrawn": bool(notice) or bool(result.get("is_withdrawn")),
        "withdrawn_at": notice.get("withdrawn_at"),
        "content_status": content.get("status") if content else None,
        "content_path": content.get("path") if content else None,
    }


def attachments(item: dict[str, Any]) -> list[dict[str, Any]]:
    """The files and HTML publications a content item lists (see the module docstring)."""
    details = item.get("details") or {}
    found = [_from_asset(a) for a in details.get("attachments") or [] if a.get("url")]
    if found:
        return found
    return [a for doc in details.get("documents") or [] if (a := _from_document(str(doc)))]


def _from_asset(asset: dict[str, Any]) -> dict[str, Any]:
    kind = asset.get("attachment_type") or "file"
    content_type = asset.get("content_type") or ("text/html" if kind == "html" else None)
    return {
        "url": urljoin(SITE, asset["url"]),
        "title": asset.get("title"),
        "content_type": content_type,
        "attachment_type": kind,
        "filename": asset.get("filename"),
        "number_of_pages": asset.get("number_of_pages"),
        "from": "attachments",
    }


_TITLE = re.compile(r'<h2 class="title">\s*<a [^>]*?href="([^"]+)"[^>]*>(.*?)</a>', re.S)
_TYPE = re.compile(r'<span class="type">(.*?)</span>', re.S)
_PAGES = re.compile(r'<span class="page-length">\s*(\d+) pages?', re.S)
_TAGS = re.compile(r"<[^>]+>")


def _from_document(snippet: str) -> dict[str, Any] | None:
    """One legacy `details.documents` HTML snippet (`<section class="attachment embedded">`)."""
    title = _TITLE.search(snippet)
    if not title:
        return None
    href = html.unescape(title.group(1))
    kind_text = _TYPE.search(snippet)
    label = _TAGS.sub("", kind_text.group(0)) if kind_text else ""
    is_pdf = "Portable Document Format" in snippet or href.lower().endswith(".pdf") or "PDF" in label
    is_html = label.strip() == "HTML"
    pages = _PAGES.search(snippet)
    return {
        "url": urljoin(SITE, href),
        "title": html.unescape(_TAGS.sub("", title.group(2))).strip() or None,
        "content_type": "application/pdf" if is_pdf else ("text/html" if is_html else None),
        "attachment_type": "html" if is_html else "file",
        "filename": href.rsplit("/", 1)[-1] if not is_html else None,
        "number_of_pages": int(pages.group(1)) if pages else None,
        "from": "documents",
    }
