"""`review search --rebuild`: re-parse every raw archive under sources/ into the store, offline.

Each archive starts with a `run` line (the search-log entry as it was opened) and, when the run
ended, an `end` line. A run already in the store (same raw_path) is refreshed, not duplicated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from review.models import SearchRun
from review.records import sha256_file
from review.search import govuk, openalex
from review.search.archive import entries as read_entries
from review.search.base import ArchiveParser, Entry
from review.search.harvest import SessionFactory, store

PARSERS: dict[str, ArchiveParser] = {
    openalex.SOURCE: openalex.records_from_archive,
    govuk.SOURCE: govuk.records_from_archive,
}


@dataclass(frozen=True)
class RebuildResult:
    """What a rebuild read and stored."""

    archives: int
    runs_created: int
    hits: int  # records stored, counted once per run that found them
    new: int  # records that were not in the store before
    skipped: tuple[str, ...]  # archives without a run header (not written by `review search`)


def rebuild(sessions: SessionFactory, root: Path) -> RebuildResult:
    """Re-parse sources/openalex and sources/govuk archives, oldest run first; no network."""
    found = [(p, _header(p)) for src in PARSERS for p in sorted((root / "sources" / src).rglob("*.jsonl.gz"))]
    skipped = tuple(p.relative_to(root).as_posix() for p, h in found if h is None)
    todo = sorted(((h["started_at"], str(p), p, h) for p, h in found if h is not None), key=lambda t: t[:2])
    created = hits = new = 0
    for _, _, path, head in todo:
        entries = list(read_entries(path))
        with sessions() as session:
            run, made = _run_for(session, path.relative_to(root).as_posix(), head, entries)
            assert run.id is not None
            for records in PARSERS[head["source"]](entries):
                new += store(session, run.id, records, rank0=run.retrieved)
                run.retrieved += len(records)
                hits += len(records)
            run.raw_sha256 = sha256_file(path)
        created += made
    return RebuildResult(len(todo), created, hits, new, skipped)


def _header(path: Path) -> dict[str, Any] | None:
    for entry in read_entries(path):
        ok = entry.get("kind") == "run" and entry.get("source") in PARSERS
        return entry if ok else None
    return None


def _run_for(session: Session, raw_path: str, head: Entry, entries: list[Entry]) -> tuple[SearchRun, bool]:
    end = next((e for e in reversed(entries) if e.get("kind") == "end"), None) or {}
    run = session.exec(select(SearchRun).where(SearchRun.raw_path == raw_path)).first()
    made = run is None
    if run is None:
        run = SearchRun(
            source=head["source"],
            search_name=head["search_name"],
            arm=head.get("arm") or "databases",
            platform=head.get("platform") or "",
            request=head.get("request"),
            filters=head.get("filters"),
            started_at=datetime.fromisoformat(head["started_at"]),
            tool_version=head.get("tool_version") or "",
            protocol_hash=head.get("protocol_hash"),
            raw_path=raw_path,
        )
        session.add(run)
    run.status = end.get("status") or "interrupted"
    run.message = end.get("message")
    run.finished_at = datetime.fromisoformat(end["finished_at"]) if end.get("finished_at") else None
    run.total_reported = end.get("total_reported", run.total_reported)
    run.pages = sum(1 for e in entries if e.get("kind") in ("page", "search"))
    run.cost_usd = float(end.get("cost_usd") or 0.0)
    run.resume_state = end.get("resume_state")
    run.retrieved = 0
    session.flush()
    return run, made
