"""PRISMA 2020 for an updated review: the new records' boxes, the previous version's studies, the total.

What the update added (every number from the store), since the version `since` closed:

- identified: records hit by an update run (one with a date window, review.search.update), each
  counted once, and any other record first stored since (a new import, a new search, a full
  re-run; records an updated export or a full re-run delivers again are not new and not counted);
- found again: identified records that were in the store before (a changed work, a day the
  windows overlap); they keep their work and its decisions and count as duplicates;
- works: works first stored since; the screening, retrieval and inclusion boxes count them only;
- previous studies: the included studies frozen with the previous version (`review_version`);
  total: previous + new.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from review.models import Record, RecordHit, ReviewVersion, SearchRun
from review.report.prisma import PrismaCounts, counts
from review.versions import aware, new_works

FILES = ("prisma_update.svg", "prisma_update.csv", "methods_update.md")


@dataclass(frozen=True)
class UpdateRun:
    """One search run of the update, for the methods text and the search log."""

    run_id: int
    source: str
    name: str
    started_at: datetime
    status: str
    retrieved: int
    window: dict[str, Any] | None  # filters["update"] of a windowed run
    update_of: int | None  # an import recognised as an update of an earlier import


@dataclass(frozen=True)
class UpdateCounts:
    version: str  # the previous version's name
    closed_at: datetime
    previous_studies: int
    new: PrismaCounts
    identified: int
    found_again: int
    new_works: int
    runs: tuple[UpdateRun, ...]
    earlier_included: int  # works of earlier versions included since they closed (not new studies)

    @property
    def total_studies(self) -> int:
        return self.previous_studies + self.new.included

    def as_dict(self) -> dict[str, Any]:
        found = asdict(self)
        found["total_studies"] = self.total_studies
        return found


def compute(
    session: Session,
    since: ReviewVersion,
    reason_texts: dict[str, str] | None = None,
    *,
    until: datetime | None = None,
) -> UpdateCounts:
    """The update's boxes: what was stored after `since` closed (and up to `until`)."""
    start = aware(since.closed_at)
    runs = _runs(session, start, until)
    windowed = [r.run_id for r in runs if r.window is not None]
    again = _hit_by(session, windowed)
    fresh = _created(session, start, until)
    identified = again | fresh
    works = new_works(session, start, until)
    new = counts(session, reason_texts, records=identified, works=works)
    return UpdateCounts(
        version=since.name,
        closed_at=start,
        previous_studies=int((since.counts or {}).get("included", 0)),
        new=new,
        identified=len(identified),
        found_again=len(identified - fresh),
        new_works=len(works),
        runs=tuple(runs),
        earlier_included=_earlier_included(session, since, works),
    )


def _runs(session: Session, start: datetime, until: datetime | None) -> list[UpdateRun]:
    q = select(SearchRun).where(col(SearchRun.started_at) > start)
    if until is not None:
        q = q.where(col(SearchRun.started_at) <= aware(until))
    found = []
    for r in session.exec(q.order_by(col(SearchRun.id))):
        assert r.id is not None
        filters = r.filters or {}
        window = filters.get("update") if isinstance(filters.get("update"), dict) else None
        found.append(UpdateRun(r.id, r.source, r.search_name, aware(r.started_at), r.status, r.retrieved,
                               window, filters.get("update_of")))  # fmt: skip
    return found


def _hit_by(session: Session, run_ids: list[int]) -> set[int]:
    if not run_ids:
        return set()
    q = select(RecordHit.record_id).where(col(RecordHit.search_run_id).in_(run_ids)).distinct()
    return set(session.exec(q))


def _created(session: Session, start: datetime, until: datetime | None) -> set[int]:
    q = select(Record.id).where(col(Record.created_at) > start)
    if until is not None:
        q = q.where(col(Record.created_at) <= aware(until))
    return {r for r in session.exec(q) if r is not None}


def _earlier_included(session: Session, since: ReviewVersion, new: set[int]) -> int:
    """Works from before the version closed that are included now but were not then."""
    from review.extract import included_works

    before = {int(i["work_id"]) for i in since.includes or []}
    return len([w for w in included_works(session) if w not in new and w not in before])


# --- methods text ---------------------------------------------------------------------------

_FIELD_TEXT = {
    "from_created_date": "works added to OpenAlex on or after {day} (filter from_created_date)",
    "from_updated_date": "works added to or changed in OpenAlex on or after {day} (filter from_updated_date)",
    "public_timestamp": "documents published or updated on or after {day} (filter public_timestamp)",
}


def methods_text(u: UpdateCounts, protocol_hash: str | None, previous_hash: str | None, design: str) -> str:
    """The methods of the update as Markdown: the previous version, the windows, what changed."""
    from review.report.methods import count

    db, other = u.new.arms()
    parts = [
        f"This update adds to version {u.version} of the review, closed on {_day(u.closed_at)} with "
        f"{count(u.previous_studies, 'study', 'studies')} included.",
        _searches(u.runs),
        f"The update identified {count(u.identified, 'record')} ({db.records:,} from databases, "
        f"{other.records:,} by other methods); {u.found_again:,} of them were already in the review "
        "(found again: they keep the decisions made about them and were not screened again). "
        "Deduplication against every earlier record removed "
        f"{count(db.duplicates + other.duplicates, 'duplicate record')}, leaving "
        f"{count(u.new_works, 'new record')} to screen.",
        _screening(u, design),
        _changed(u, protocol_hash, previous_hash),
    ]
    return "# Methods of the update\n\n" + "\n\n".join(p for p in parts if p) + "\n"


def _day(moment: datetime) -> str:
    return moment.strftime("%-d %B %Y")


def _searches(runs: tuple[UpdateRun, ...]) -> str:
    from review.report.prisma import source_label

    if not runs:
        return "No search was run again and nothing was imported since."
    said = []
    for r in runs:
        label = f"{source_label(r.source)} search {r.name!r} on {_day(r.started_at)}"
        if r.window is not None:
            day = _day(datetime.fromisoformat(str(r.window["since"])))
            what = _FIELD_TEXT.get(str(r.window["field"]), "{day}").format(day=day)
            said.append(f"{label}, for {what}: {r.retrieved:,} retrieved (search log {r.run_id})")
        elif r.update_of is not None:
            said.append(f"{label}, an updated export of the import in search log {r.update_of}: only the "
                        f"records not in the earlier export are new (search log {r.run_id})")  # fmt: skip
        else:
            said.append(f"{label}, run in full: {r.retrieved:,} retrieved, records already in the review not "
                        f"counted again (search log {r.run_id})")  # fmt: skip
    unfinished = [r for r in runs if r.status != "complete"]
    tail = f" Not finished: {', '.join(str(r.run_id) for r in unfinished)}." if unfinished else ""
    return (
        "The searches were run again for what was new since their previous runs: "
        + "; ".join(said)
        + "."
        + tail
    )


def _screening(u: UpdateCounts, design: str) -> str:
    from review.report.methods import count

    db, other = u.new.arms()
    waiting = sum(db.awaiting_screening.values()) + sum(other.awaiting_screening.values())
    text = (
        f"The new records were screened as the protocol sets out ({design}); the order of each queue was "
        "learned from the decisions made before, in this and earlier versions, under the same blinding "
        "as before. Protocol rules excluded "
        f"{db.automation + other.automation:,}; reviewers excluded {db.excluded + other.excluded:,}"
        + (f"; awaiting screening or adjudication: {waiting:,}" if waiting else "")
        + f". We sought {count(db.sought + other.sought, 'report')}: "
        f"{db.not_retrieved_total + other.not_retrieved_total:,} could not be retrieved and "
        f"{db.assessed + other.assessed:,} were assessed; excluded at full text: "
        f"{db.excluded_reports_total + other.excluded_reports_total:,}. The update included "
        f"{count(u.new.included, 'new study', 'new studies')}; with the {u.previous_studies:,} of the "
        f"previous version the review includes {count(u.total_studies, 'study', 'studies')}."
    )
    if u.earlier_included:
        text += (
            f" Besides these, {count(u.earlier_included, 'record')} found before the previous version closed "
            "were included since (their screening finished after it)."
        )
    return text


def _changed(u: UpdateCounts, protocol_hash: str | None, previous_hash: str | None) -> str:
    if previous_hash is None or protocol_hash is None:
        return ""
    if protocol_hash == previous_hash:
        return f"The protocol is unchanged since version {u.version}."
    return f"The protocol changed after version {u.version} closed (see the protocol log and `review log`)."
