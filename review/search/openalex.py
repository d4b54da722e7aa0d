"""OpenAlex connector: pyalex builds the query, the shared client fetches cursor pages.

pyalex hard-codes https://api.openalex.org, so the query string pyalex builds is sent to
`Settings.openalex_url` (a mirror, a proxy or a test server) by our own client. The API key
(`Settings.openalex_api_key`) travels in the `Authorization` header, never in a logged URL.
Cursor paging has no 10,000 cap; each search page costs 10 credits and a filter-only page 1.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, urlsplit

from review.errors import SearchError
from review.http import ClientSettings, Reply
from review.normalize import surname_first
from review.protocol import OpenAlexSearch, Protocol
from review.records import RecordIn
from review.search.api import ApiClient, error_text, redact
from review.search.base import Entry, Estimate, Page, Plan, Window
from review.settings import Settings

SOURCE = "openalex"
SEARCH_CREDITS, LIST_CREDITS = 10, 1
# Only the root fields the parser reads: a smaller response, same cost.
FIELDS = [
    "id",
    "doi",
    "title",
    "display_name",
    "relevance_score",
    "publication_year",
    "publication_date",
    "ids",
    "language",
    "primary_location",
    "type",
    "open_access",
    "authorships",
    "biblio",
    "keywords",
    "locations",
    "best_oa_location",
    "abstract_inverted_index",
]
DATE_FILTERS = ("publication_year", "from_publication_date", "to_publication_date")
RPS = 5.0  # the proxy allows 5/s for broad boolean searches with a free key; stay under it


class OpenAlexConnector:
    """Runs the protocol's `[[sources.openalex.searches]]`."""

    source = SOURCE

    def __init__(self, protocol: Protocol, settings: Settings, client: ClientSettings | None = None) -> None:
        self.protocol = protocol
        self.config = protocol.sources.openalex
        self.base = settings.openalex_url
        headers = _auth_headers(settings)
        self.client = ApiClient("OpenAlex", rps=RPS, client=client, email=settings.email, headers=headers)
        self._searches = {s.name: s for s in self.config.searches}
        self.windows: dict[str, Window] = {}

    def names(self) -> list[str]:
        return list(self._searches)

    def close(self) -> None:
        self.client.close()

    def query(self, name: str) -> str:
        """The query string pyalex builds for a search (no paging parameters)."""
        from pyalex import Works

        search = self._searches[name]
        works = Works()
        if search.search:
            works = works.search(search.search)
        if search.title_and_abstract:
            works = works.search_filter(title_and_abstract=strip_commas(search.title_and_abstract))
        filters = {**self._date_filters(search), **_strip_search_values(search.filters), **self._window(name)}
        if filters:
            works = works.filter(**filters)
        query: str = urlsplit(works.select(FIELDS).url).query
        return query + ("&include_xpac=true" if self.config.include_xpac else "")

    def _date_filters(self, search: OpenAlexSearch) -> dict[str, str]:
        if any(k in search.filters for k in DATE_FILTERS):
            return {}
        review, dates = self.protocol.review, {}
        if review.start_date:
            dates["from_publication_date"] = review.start_date.isoformat()
        if review.end_date:
            dates["to_publication_date"] = review.end_date.isoformat()
        return dates

    def _window(self, name: str) -> dict[str, str]:
        """An update run's filter: works created (or updated) on or after the window's day."""
        window = self.windows.get(name)
        return {window.field: window.since.isoformat()} if window else {}

    def page_url(self, name: str, cursor: str, per_page: int | None = None) -> str:
        per_page = per_page or self.config.per_page
        return f"{self.base}/works?{self.query(name)}&per-page={per_page}&cursor={quote(cursor, safe='')}"

    def plan(self, name: str) -> Plan:
        search = self._searches[name]
        filters = {**search.model_dump(exclude_none=True), "per_page": self.config.per_page}
        filters["filters_sent"] = {**self._date_filters(search), **search.filters, **self._window(name)}
        if self.config.include_xpac:
            filters["include_xpac"] = True
        if name in self.windows:
            filters["update"] = self.windows[name].logged()
        return Plan(SOURCE, name, _platform(), redact(self.page_url(name, "*")), filters)

    def pages(self, name: str, state: dict[str, Any] | None) -> Iterator[Page]:
        """Cursor pages from `state` (or the start) until the cursor runs out or max_records is met."""
        limit = self._searches[name].max_records
        cursor, retrieved = (state or {}).get("cursor", "*"), (state or {}).get("retrieved", 0)
        while True:
            url = self.page_url(name, cursor)
            reply = self.client.get_json(url)
            body = _check(reply, name)
            meta, results = body.get("meta") or {}, body.get("results") or []
            keep = len(results) if limit is None else max(0, min(len(results), limit - retrieved))
            retrieved += keep
            nxt = meta.get("next_cursor")
            done = not nxt or not results or (limit is not None and retrieved >= limit)
            entry: Entry = {"kind": "page", "request": redact(url), "status": reply.status, "body": body}
            if keep < len(results):
                entry["kept"] = keep
            state_after = None if done else {"cursor": nxt, "retrieved": retrieved}
            yield Page([entry], parse_page(body, keep), state_after, meta.get("count"), _cost(reply, meta))
            if done:
                return
            cursor = nxt

    def estimate(self, name: str) -> Estimate:
        """meta.count from a one-record page, and what harvesting every page would cost."""
        reply = self.client.get_json(self.page_url(name, "*", per_page=1))
        count = int((_check(reply, name).get("meta") or {}).get("count") or 0)
        limit = self._searches[name].max_records
        wanted = count if limit is None else min(count, limit)
        pages = max(1, math.ceil(wanted / self.config.per_page))
        credits = pages * (SEARCH_CREDITS if self.is_search(name) else LIST_CREDITS)
        return Estimate(SOURCE, name, count, pages, credits, self.plan(name).request)

    def is_search(self, name: str) -> bool:
        search = self._searches[name]
        return bool(search.search or search.title_and_abstract) or any(
            k.endswith(".search") or ".search." in k for k in search.filters
        )


def _strip_search_values(filters: dict[str, str | int | bool]) -> dict[str, str | int | bool]:
    """Commas out of `*.search` filter values given under `filters` too."""
    return {k: strip_commas(v) if isinstance(v, str) and ".search" in k else v for k, v in filters.items()}


def _auth_headers(settings: Settings) -> dict[str, str]:
    headers = {}
    if settings.openalex_api_key:
        headers["Authorization"] = f"Bearer {settings.openalex_api_key}"
    if settings.email:
        headers["From"] = settings.email  # what pyalex sends for `config.email`
    return headers


def _platform() -> str:
    from importlib.metadata import version

    return f"OpenAlex API via pyalex {version('pyalex')}"


def strip_commas(text: str) -> str:
    """Commas split OpenAlex filters (even as %2C), so they become spaces in search-filter values."""
    return re.sub(r"\s+", " ", text.replace(",", " ")).strip()


def _check(reply: Reply, name: str) -> dict[str, Any]:
    if reply.status == 200 and isinstance(reply.body, dict) and "results" in reply.body:
        return reply.body
    said = error_text(reply.body) or "no explanation given"
    if reply.status == 401:
        raise SearchError(
            f"OpenAlex refused the API key (HTTP 401: {said}). Set OPENALEX_API_KEY to a valid key "
            "(free at https://openalex.org/settings/api)."
        )
    if reply.status == 400:
        raise SearchError(
            f"OpenAlex rejected search {name!r} (HTTP 400): {said}. "
            "Fix this search under [[sources.openalex.searches]] in the protocol."
        )
    raise SearchError(f"OpenAlex answered search {name!r} with HTTP {reply.status}: {said}.")


def _cost(reply: Reply, meta: dict[str, Any]) -> float:
    value: Any = meta.get("cost_usd")
    if value is None:
        value = {k.lower(): v for k, v in reply.headers.items()}.get("x-ratelimit-cost-usd", 0)
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


# --- parsing --------------------------------------------------------------------------------


def parse_page(body: dict[str, Any], keep: int | None = None) -> list[RecordIn]:
    """The records of one /works page (the first `keep` of them when a limit cut the page)."""
    results = body.get("results") or []
    return [parse_work(w) for w in results[:keep]]


def records_from_archive(entries: Iterable[Entry]) -> Iterator[list[RecordIn]]:
    """Records of each saved page, in order (for `review search --rebuild`)."""
    for entry in entries:
        if entry.get("kind") == "page" and entry.get("status") == 200 and isinstance(entry.get("body"), dict):
            yield parse_page(entry["body"], entry.get("kept"))


def invert_abstract(index: dict[str, list[int]] | None) -> str | None:
    """The abstract text from OpenAlex's inverted index; None when there is none.

    Same text as pyalex's `invert_abstract` (words in position order; words sharing a position in
    the index's order), without its sort of (word, position) pairs: words are dropped into slots.
    """
    if not index:
        return None
    words = [""] * sum(map(len, index.values()))
    try:
        for word, positions in index.items():
            if len(positions) == 1:  # most words occur once: skip the inner loop
                words[positions[0]] = word
            else:
                for pos in positions:
                    words[pos] = word
    except IndexError:  # a gap in the positions
        return _invert_irregular(index)
    if "" in words:  # a shared position (or an empty word)
        return _invert_irregular(index)
    return " ".join(words) or None


def _invert_irregular(index: dict[str, list[int]]) -> str | None:
    top = max((max(ps) for ps in index.values() if ps), default=-1)
    slots: list[str | None] = [None] * (top + 1)
    for word, positions in index.items():
        for pos in positions:
            cur = slots[pos]
            slots[pos] = word if cur is None else f"{cur} {word}"
    return " ".join(s for s in slots if s is not None) or None


def parse_work(work: dict[str, Any]) -> RecordIn:
    """One OpenAlex work object as a RecordIn (see the stage docs for the field mapping)."""
    primary = work.get("primary_location") or {}
    source = primary.get("source") or {}
    ids = work.get("ids") or {}
    biblio = work.get("biblio") or {}
    doi = _bare_doi(work.get("doi"))
    wid = _bare_id(work.get("id"))
    return RecordIn(
        source=SOURCE,
        source_id=wid,
        title=work.get("title") or work.get("display_name"),
        abstract=invert_abstract(work.get("abstract_inverted_index")),
        authors=_authors(work.get("authorships") or []),
        year=work.get("publication_year"),
        publication_date=work.get("publication_date"),
        doi=doi,
        journal=source.get("display_name"),
        issn=source.get("issn_l"),
        volume=biblio.get("volume"),
        issue=biblio.get("issue"),
        pages=_pages(biblio),
        publisher=source.get("host_organization_name"),
        doc_type=work.get("type"),
        language=work.get("language"),
        url=primary.get("landing_page_url") or (f"https://doi.org/{doi}" if doi else None),
        openalex_id=wid,
        pmid=_pmid(ids.get("pmid")),
        countries=_countries(work.get("authorships") or []),
        keywords=[k["display_name"] for k in work.get("keywords") or [] if k.get("display_name")] or None,
        extra=_extra(work),
    )


def _bare_id(value: str | None) -> str:
    if not value:
        raise SearchError("OpenAlex returned a work without an id; the response is malformed.")
    return value.rsplit("/", 1)[-1]


def _bare_doi(value: str | None) -> str | None:
    if not value:
        return None
    doi = value.lower().strip()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        doi = doi.removeprefix(prefix)
    return doi or None


def _pmid(value: Any) -> str | None:
    digits = re.sub(r"\D", "", str(value)) if value else ""
    return digits or None


def _pages(biblio: dict[str, Any]) -> str | None:
    first, last = biblio.get("first_page"), biblio.get("last_page")
    if first and last and first != last:
        return f"{first}-{last}"
    return first or last or None


def _authors(authorships: list[dict[str, Any]]) -> list[str] | None:
    names = [((a.get("author") or {}).get("display_name") or a.get("raw_author_name")) for a in authorships]
    return [surname_first(n) for n in names if n] or None


def _countries(authorships: list[dict[str, Any]]) -> list[str] | None:
    seen: dict[str, None] = {}
    for a in authorships:
        for c in a.get("countries") or []:
            seen.setdefault(c, None)
    return list(seen) or None


def _location(loc: dict[str, Any]) -> dict[str, Any]:
    return {k: loc.get(k) for k in ("pdf_url", "landing_page_url", "license", "version", "is_oa")}


def _extra(work: dict[str, Any]) -> dict[str, Any]:
    best = work.get("best_oa_location")
    institutions: dict[str, str | None] = {}
    for a in work.get("authorships") or []:
        for inst in a.get("institutions") or []:
            if inst.get("display_name"):
                institutions.setdefault(inst["display_name"], inst.get("country_code"))
    return {
        "best_oa_location": _location(best) if best else None,
        "locations": [_location(loc) for loc in work.get("locations") or []],
        "open_access": work.get("open_access"),
        "institutions": [{"name": n, "country_code": c} for n, c in institutions.items()],
        "relevance_score": work.get("relevance_score"),
    }
