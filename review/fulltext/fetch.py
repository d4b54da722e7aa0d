"""Fetch full texts for the works included at title/abstract, then read them.

Each work's candidate URLs (see `find`) are tried in order until one gives a readable document:
fetch the next untried URL of every work still without one, read what came, and repeat. Every
attempt keeps its `document` row (one per work and URL) with the reason when nothing came, which
is what PRISMA reports as "reports not retrieved". Safe to re-run: works that hold a retrieved or
readable document are skipped, and failed URLs are tried again only with `retry=True`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from review.db import utcnow
from review.fulltext.add import store_kept_file
from review.fulltext.batch import WORKERS
from review.fulltext.documents import good_works, read_documents, unread
from review.fulltext.download import HOST_RPS, Fetched, fetch_json, fetch_to_store
from review.fulltext.find import Candidate, candidates, included_works
from review.fulltext.store import store_bytes
from review.http import Client, ClientSettings
from review.models import Document
from review.settings import Settings
from review.stagerun import batched_stage_run
from review.states import DocumentStatus, Origin

NO_CANDIDATE = "no full-text URL in its records (no open-access copy or attachment)"
STAGE = "fulltext_fetch"
BATCH = 20  # works per transaction: an interruption loses at most one batch of fetching
SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class FetchResult:
    """Counts from one fetch call."""

    works: int = 0  # works looked at
    attempts: int = 0  # URLs tried
    retrieved: int = 0  # files stored
    not_retrieved: int = 0  # URLs that gave nothing, with a reason each
    readable: int = 0
    unreadable: int = 0
    no_candidates: int = 0  # works whose records name no full-text URL

    def __add__(self, other: FetchResult) -> FetchResult:
        return FetchResult(*(a + b for a, b in zip(vars(self).values(), vars(other).values(), strict=True)))


@dataclass
class _Plan:
    queue: dict[int, list[Candidate]] = field(default_factory=dict)
    no_candidates: list[int] = field(default_factory=list)


def works_to_fetch(session: Session, *, retry: bool = False) -> list[int]:
    """Included works that have a URL still to try (failed URLs count only with `retry`)."""
    included = included_works(session)
    good = good_works(session)
    plan = _plan(session, [w for w in included if w not in good], retry)
    unmarked = set(plan.no_candidates) - _marked_none(session, plan.no_candidates)
    return sorted(set(plan.queue) | unmarked | _with_unread(session, included))


def _with_unread(session: Session, work_ids: list[int]) -> set[int]:
    q = select(Document.work_id).where(col(Document.work_id).in_(work_ids), Document.status == "retrieved")
    return set(session.exec(q))


def chunks(items: list[int], size: int) -> Iterator[list[int]]:
    """`items` in lists of at most `size` (callers commit after each)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def fetch_works(
    session: Session,
    root: Path,
    work_ids: list[int],
    *,
    settings: Settings,
    retry: bool = False,
    client: ClientSettings | None = None,
    workers: int = WORKERS,
) -> FetchResult:
    """Fetch and read full texts for `work_ids` (one batch: the caller commits after it).

    `settings` gives the GOV.UK address and the contact address; `client` how patient to be.
    """
    counts = FetchResult(works=len(work_ids))
    counts += _read(session, root, unread(session, work_ids), workers)
    good = good_works(session, work_ids)
    plan = _plan(session, [w for w in work_ids if w not in good], retry)
    counts += FetchResult(no_candidates=_mark_none(session, plan.no_candidates))
    with Client(client, rps=HOST_RPS, email=settings.email) as http:
        while plan.queue:
            fetched, tried = _fetch_round(session, http, root, plan, settings.govuk_url)
            counts += tried + _read(session, root, fetched, workers)
            done = good_works(session, list(plan.queue))
            plan.queue = {w: rest for w, rest in plan.queue.items() if rest and w not in done}
    return counts


def run(
    sessions: SessionFactory,
    root: Path,
    *,
    settings: Settings,
    retry: bool = False,
    client: ClientSettings | None = None,
    batch: int = BATCH,
    workers: int = WORKERS,
    progress: Callable[[FetchResult], None] | None = None,
) -> FetchResult:
    """Fetch every included work's full text, committing after each batch of `batch` works.

    The run is logged as a `stage_run` row ("fulltext_fetch"); one left "running" was interrupted.
    """
    with sessions() as session:
        todo = works_to_fetch(session, retry=retry)
    total = FetchResult()
    with batched_stage_run(sessions, STAGE, counts={"works": len(todo)}) as logged:
        for work_ids in chunks(todo, batch):
            with sessions() as session:
                done = fetch_works(
                    session, root, work_ids, settings=settings, retry=retry, client=client, workers=workers
                )
            total += done
            logged.counts = asdict(total)  # what the committed batches did, kept if a later one fails
            if progress:
                progress(total)
        logged.counts = asdict(total)
    return total


def _read(session: Session, root: Path, doc_ids: list[int], workers: int) -> FetchResult:
    if not doc_ids:
        return FetchResult()
    got = read_documents(session, root, doc_ids, workers=workers)
    return FetchResult(readable=got.readable, unreadable=got.unreadable)


def _plan(session: Session, work_ids: list[int], retry: bool) -> _Plan:
    tried = _tried(session, work_ids)
    plan = _Plan()
    for work_id, found in candidates(session, work_ids).items():
        if not found:
            plan.no_candidates.append(work_id)
            continue
        status = tried.get(work_id, {})
        todo = [c for c in found if c.url not in status or (retry and status[c.url] == "not_retrieved")]
        if todo:
            plan.queue[work_id] = todo
    return plan


def _tried(session: Session, work_ids: list[int]) -> dict[int, dict[str, str]]:
    q = select(Document.work_id, Document.url, Document.status).where(col(Document.work_id).in_(work_ids))
    tried: dict[int, dict[str, str]] = {}
    for work_id, url, status in session.exec(q):
        if url:
            tried.setdefault(work_id, {})[url] = status
    return tried


def _marked_none(session: Session, work_ids: list[int]) -> set[int]:
    q = select(Document.work_id).where(col(Document.work_id).in_(work_ids), Document.origin == Origin.NONE)
    return set(session.exec(q))


def _mark_none(session: Session, work_ids: list[int]) -> int:
    """A `not_retrieved` row for each work no record gives a URL for (once per work)."""
    marked = _marked_none(session, work_ids)
    for work_id in work_ids:
        if work_id not in marked:
            session.add(
                Document(
                    work_id=work_id,
                    origin=Origin.NONE,
                    status=DocumentStatus.NOT_RETRIEVED,
                    reason=NO_CANDIDATE,
                )
            )
    session.flush()
    return len(work_ids)


def _fetch_round(
    session: Session, http: Client, root: Path, plan: _Plan, govuk_url: str
) -> tuple[list[int], FetchResult]:
    fetched, attempts, failed = [], 0, 0
    for queue in plan.queue.values():
        candidate = queue.pop(0)
        got = _fetch_one(http, candidate, root, govuk_url)
        doc = _record(session, candidate, got)
        attempts += 1
        if doc.status == "retrieved" and doc.id is not None:
            fetched.append(doc.id)
        else:
            failed += 1
    return fetched, FetchResult(attempts=attempts, retrieved=len(fetched), not_retrieved=failed)


def _fetch_one(http: Client, candidate: Candidate, root: Path, govuk_url: str) -> Fetched:
    if candidate.origin == "record_file":  # kept at import: stored like `fulltext add`, no network
        stored, reason = store_kept_file(root, candidate.url, candidate.title)
        return Fetched(candidate.url, stored, reason, "application/pdf" if stored else None)
    if not candidate.is_html:
        return fetch_to_store(http, candidate.url, root)
    data, reason, tries = fetch_json(http, content_api_url(candidate.url, govuk_url))
    body = ((data or {}).get("details") or {}).get("body") if isinstance(data, dict) else None
    if reason or not body:
        return Fetched(candidate.url, None, reason or "no body in the GOV.UK content item", None, tries)
    return Fetched(candidate.url, store_bytes(root, body.encode("utf-8"), ".html"), None, "text/html", tries)


def content_api_url(url: str, govuk_url: str) -> str:
    """The Content API address of a GOV.UK page, at `govuk_url` (the public site, or a mirror)."""
    return f"{govuk_url}/api/content{urlsplit(url).path}"


def _record(session: Session, candidate: Candidate, got: Fetched) -> Document:
    q = select(Document).where(Document.work_id == candidate.work_id, Document.url == candidate.url)
    doc = session.exec(q).first() or Document(
        work_id=candidate.work_id, url=candidate.url, origin=candidate.origin
    )
    stored = got.stored
    values: dict[str, Any] = {
        "origin": candidate.origin,
        "record_id": candidate.record_id,
        "title": candidate.title,
        "licence": candidate.licence,
        "version": candidate.version,
        "status": DocumentStatus.RETRIEVED if stored else DocumentStatus.NOT_RETRIEVED,
        "reason": got.reason,
        "sha256": stored.sha256 if stored else None,
        "path": stored.path if stored else None,
        "size": stored.size if stored else None,
        "content_type": got.content_type,
        "attempts": doc.attempts + got.attempts,
        "fetched_at": utcnow(),
    }
    for key, value in values.items():
        setattr(doc, key, value)
    session.add(doc)
    session.flush()
    return doc
