"""Where a work's full text may be: the URLs its records carry, best first.

OpenAlex records (`Record.extra` as the OpenAlex connector writes it): `best_oa_location.pdf_url`,
the other `locations[].pdf_url`, then `open_access.oa_url`. GOV.UK records: `extra["attachments"]`,
PDF files (`attachment_type` file with a PDF content type or `.pdf` name) and HTML publications
(`attachment_type` html, read through the Content API). Imported records (RIS exports,
call-for-evidence submissions) offer their own URL last: a link to a PDF is fetched, a landing
page is recorded as not retrieved with its reason. A file an imported record names (kept by
`review import --map file=COLUMN` under sources/imports/files/) comes first: it is read from disk,
with no network. A URL (or kept file) is tried once per work.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from review.decisions import final_decisions
from review.models import Record
from review.states import Origin, Stage

GOVUK_LICENCE = "OGL-UK-3.0 (GOV.UK default terms)"


@dataclass(frozen=True)
class Candidate:
    """One URL that may hold a work's full text."""

    work_id: int
    record_id: int | None
    url: str
    origin: str  # record_file | openalex_best_oa | openalex_location | openalex_oa_url | govuk_attachment
    # | govuk_html | record_url  (record_file: `url` is the kept file's path in the review folder)
    licence: str | None = None
    version: str | None = None
    title: str | None = None

    @property
    def is_html(self) -> bool:
        return self.origin == "govuk_html"


def included_works(session: Session) -> list[int]:
    """Works included at title/abstract: the ones whose full text is sought."""
    finals = final_decisions(session, Stage.TITLE_ABSTRACT)
    return sorted(w for w, f in finals.items() if f.status == "include")


def candidates(session: Session, work_ids: list[int]) -> dict[int, list[Candidate]]:
    """Each work's candidate URLs in the order to try them (no URL twice for a work)."""
    found: dict[int, list[Candidate]] = defaultdict(list)
    rows = session.exec(select(Record).where(col(Record.work_id).in_(work_ids)).order_by(col(Record.id)))
    for record in rows:
        assert record.work_id is not None
        found[record.work_id].extend(record_candidates(record))
    return {w: _ranked(found.get(w, [])) for w in work_ids}


ORDER = (  # which address of a work to try first
    Origin.RECORD_FILE,
    Origin.OPENALEX_BEST_OA,
    Origin.OPENALEX_LOCATION,
    Origin.OPENALEX_OA_URL,
    Origin.GOVUK_ATTACHMENT,
    Origin.GOVUK_HTML,
    Origin.RECORD_URL,
)
HARVESTED = ("openalex", "govuk")  # sources whose record URL is a landing page, never the text


def _ranked(items: list[Candidate]) -> list[Candidate]:
    seen: set[str] = set()
    ranked = []
    for c in sorted(items, key=lambda c: ORDER.index(c.origin)):
        if c.url not in seen:
            seen.add(c.url)
            ranked.append(c)
    return ranked


def record_candidates(record: Record) -> list[Candidate]:
    """The candidate URLs one record carries, in its source's order of preference."""
    extra = record.extra or {}
    if record.work_id is None:
        return []
    if "attachments" in extra:
        return _govuk(record.work_id, record.id, extra.get("attachments") or [])
    found = _openalex(record.work_id, record.id, extra)
    if isinstance(extra.get("file_path"), str):
        found.append(
            Candidate(record.work_id, record.id, extra["file_path"], "record_file", title=extra.get("file"))
        )
    url = record.url or ""
    if record.source not in HARVESTED and url.startswith(("http://", "https://")):
        found.append(Candidate(record.work_id, record.id, url, "record_url"))
    return found


def _openalex(work_id: int, record_id: int | None, extra: dict[str, Any]) -> list[Candidate]:
    out = []
    best = extra.get("best_oa_location") or {}
    if best.get("pdf_url"):
        out.append(_loc(work_id, record_id, best, "openalex_best_oa"))
    for loc in extra.get("locations") or []:
        if loc and loc.get("pdf_url"):
            out.append(_loc(work_id, record_id, loc, "openalex_location"))
    oa_url = (extra.get("open_access") or {}).get("oa_url")
    if oa_url:
        out.append(
            Candidate(work_id, record_id, oa_url, "openalex_oa_url", best.get("license"), best.get("version"))
        )
    return out


def _loc(work_id: int, record_id: int | None, loc: dict[str, Any], origin: str) -> Candidate:
    return Candidate(work_id, record_id, loc["pdf_url"], origin, loc.get("license"), loc.get("version"))


def _govuk(work_id: int, record_id: int | None, attachments: list[dict[str, Any]]) -> list[Candidate]:
    out = []
    for att in attachments:
        url, kind = att.get("url"), att.get("attachment_type")
        if not url:
            continue
        if kind == "html":
            out.append(
                Candidate(work_id, record_id, url, "govuk_html", GOVUK_LICENCE, None, att.get("title"))
            )
        elif kind == "file" and _is_pdf(att):
            out.append(
                Candidate(work_id, record_id, url, "govuk_attachment", GOVUK_LICENCE, None, att.get("title"))
            )
    return out


def _is_pdf(att: dict[str, Any]) -> bool:
    content_type = (att.get("content_type") or "").lower()
    name = (att.get("filename") or att.get("url") or "").lower()
    return content_type.startswith("application/pdf") or (not content_type and name.endswith(".pdf"))
