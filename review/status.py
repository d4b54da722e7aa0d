"""`review status`: where the review stands, computed from the store."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from review.models import Record, RecordHit, SearchRun


@dataclass(frozen=True)
class SourceCount:
    source: str
    runs: int
    records: int
    last_status: str


@dataclass(frozen=True)
class StatusReport:
    sources: tuple[SourceCount, ...]
    records: int


def run(session: Session) -> StatusReport:
    """Counts per source from the search log and the records table."""
    runs: dict[str, int] = dict(
        session.exec(select(SearchRun.source, func.count()).group_by(col(SearchRun.source))).all()
    )
    recs: dict[str, int] = dict(
        session.exec(select(Record.source, func.count()).group_by(col(Record.source))).all()
    )
    last: dict[str, str] = {}
    for source, status in session.exec(select(SearchRun.source, SearchRun.status).order_by(col(SearchRun.id))):
        last[source] = status
    sources = tuple(
        SourceCount(s, runs.get(s, 0), recs.get(s, 0), last.get(s, "-"))
        for s in sorted(set(runs) | set(recs))
    )
    total = session.exec(select(func.count()).select_from(Record)).one()
    _ = RecordHit  # hits per run are shown by `review searches`
    return StatusReport(sources=sources, records=total)


def render(report: StatusReport) -> str:
    if not report.sources:
        return "No records yet: run `review search --dry-run`, then `review search`."
    lines = [f"{'source':<24} {'runs':>5} {'records':>8}  last run", "-" * 52]
    lines += [f"{s.source:<24} {s.runs:>5} {s.records:>8}  {s.last_status}" for s in report.sources]
    lines.append(f"{'total':<24} {'':>5} {report.records:>8}")
    return "\n".join(lines)
