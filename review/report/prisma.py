"""PRISMA 2020 flow counts, every box computed from the store (methods.md section 4).

Arms: a record belongs to the databases arm if any search run that found it is a databases run
(OpenAlex, database exports), otherwise to the other-methods arm (GOV.UK, call for evidence,
citation searching). A work belongs to the databases arm if any of its records does, so a GOV.UK
record of a work also found in OpenAlex counts as a duplicate in the other arm. Per arm:

- identified: distinct records per source; duplicates: records − works;
- automation: works excluded at title/abstract by a protocol rule (basis `automation`);
- screened: works − automation; excluded: works excluded at title/abstract by people;
- sought: title/abstract includes; not retrieved: sought works with no retrieved or readable
  document whose attempts all failed (reason of the latest attempt); assessed: the rest that
  were retrieved, or that have a full-text decision;
- reports excluded: full-text excludes by reason code; included: full-text includes.

Works still waiting (unscreened, in conflict, not yet fetched, not yet assessed) are counted in
`awaiting_*` boxes, never dropped, so every arm adds up.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import Session, col, select

from review.decisions import Final, final_decisions
from review.models import Document
from review.states import Stage

OTHER_KINDS = ("websites", "organisations", "citations")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ArmCounts:
    """Every PRISMA box of one arm."""

    arm: str  # databases | other
    identified: dict[str, int]  # source (as stored: openalex, govuk, an import's name) → records
    kinds: dict[str, int]  # databases | websites | organisations | citations → records
    records: int
    awaiting_dedupe: int
    duplicates: int
    works: int
    automation: int
    screened: int
    excluded: int
    awaiting_screening: dict[str, int]  # pending | conflict → works
    sought: int
    not_retrieved: dict[str, int]  # reason → works
    awaiting_retrieval: int
    assessed: int
    excluded_reports: dict[str, int]  # reason code → works
    awaiting_assessment: dict[str, int]  # pending | conflict → works
    included: int

    @property
    def not_retrieved_total(self) -> int:
        return sum(self.not_retrieved.values())

    @property
    def excluded_reports_total(self) -> int:
        return sum(self.excluded_reports.values())


@dataclass(frozen=True)
class PrismaCounts:
    databases: ArmCounts
    other: ArmCounts
    reason_texts: dict[str, str] = field(default_factory=dict)

    @property
    def included(self) -> int:
        return self.databases.included + self.other.included

    def arms(self) -> tuple[ArmCounts, ArmCounts]:
        return self.databases, self.other


def source_kind(source: str, arm: str) -> str:
    """The PRISMA identification box a source's records go in."""
    if arm == "databases":
        return "databases"
    low = source.lower()
    if low == "govuk" or "web" in low:
        return "websites"
    if any(w in low for w in ("citation", "snowball", "reference")):
        return "citations"
    return "organisations"


def source_label(source: str) -> str:
    return {"openalex": "OpenAlex", "govuk": "GOV.UK"}.get(source, source)


def counts(
    session: Session,
    reason_texts: dict[str, str] | None = None,
    *,
    records: Collection[int] | None = None,
    works: Collection[int] | None = None,
) -> PrismaCounts:
    """All boxes of both arms, from records, search runs, decisions and documents.

    `records` and `works` narrow the boxes to some records and works (an update's new ones,
    review.report.update); a work's arm is still decided by all of its records.
    """
    every = _record_arms(session)
    work_arm: dict[int, str] = {}
    for _rid, _source, work_id, arm in every:
        if work_id is not None and work_arm.get(work_id) != "databases":
            work_arm[work_id] = arm
    if works is not None:
        keep = set(works)
        work_arm = {w: a for w, a in work_arm.items() if w in keep}
    wanted = None if records is None else set(records)
    records_in = every if wanted is None else [r for r in every if r[0] in wanted]
    return _counted(session, records_in, work_arm, reason_texts)


def _counted(
    session: Session,
    records: list[tuple[int, str, int | None, str]],
    work_arm: dict[int, str],
    reason_texts: dict[str, str] | None,
) -> PrismaCounts:
    ta = final_decisions(session, Stage.TITLE_ABSTRACT)
    ft = final_decisions(session, Stage.FULL_TEXT)
    retrieval = _retrieval(session, [w for w, f in ta.items() if f.status == "include"], ft)
    arms = {
        arm: _arm(arm, [r for r in records if r[3] == arm], work_arm, ta, ft, retrieval)
        for arm in ("databases", "other")
    }
    return PrismaCounts(arms["databases"], arms["other"], dict(reason_texts or {}))


def _record_arms(session: Session) -> list[tuple[int, str, int | None, str]]:
    # A record hit by any databases-arm run is in the databases arm; a record with no hit (added
    # outside a search run) is counted there too, under its source.
    rows = session.execute(
        text(
            "SELECT r.id, r.source, r.work_id, "
            "MIN(CASE WHEN s.arm IS NULL OR s.arm = 'databases' THEN 0 ELSE 1 END) "
            "FROM record r LEFT JOIN record_hit h ON h.record_id = r.id "
            "LEFT JOIN search_run s ON s.id = h.search_run_id GROUP BY r.id, r.source, r.work_id"
        )
    )
    return [(rid, src, wid, "other" if flag else "databases") for rid, src, wid, flag in rows]


def _retrieval(session: Session, sought: list[int], ft: dict[int, Final]) -> dict[int, str]:
    """For each sought work: "assessed", "awaiting", or "not:<reason>"."""
    docs: dict[int, list[Document]] = {}
    q = select(Document).where(col(Document.work_id).in_(sought)).order_by(col(Document.id))
    for doc in session.exec(q):
        docs.setdefault(doc.work_id, []).append(doc)
    out = {}
    for w in sought:
        found = docs.get(w, [])
        statuses = {d.status for d in found}
        if (ft.get(w) is not None and ft[w].status != "pending") or statuses & {"readable", "retrieved"}:
            out[w] = "assessed"
        elif not found or "pending" in statuses:
            out[w] = "awaiting"
        else:
            latest = max(found, key=lambda d: (d.fetched_at or d.read_at or _EPOCH, d.id or 0))
            out[w] = "not:" + (latest.reason or latest.status.replace("_", " "))
    return out


def _arm(
    arm: str,
    records: list[tuple[int, str, int | None, str]],
    work_arm: dict[int, str],
    ta: dict[int, Final],
    ft: dict[int, Final],
    retrieval: dict[int, str],
) -> ArmCounts:
    works = sorted(w for w, a in work_arm.items() if a == arm)
    identified = Counter(src for _, src, _, _ in records)
    kinds = Counter(source_kind(src, arm) for _, src, _, _ in records)
    deduped = sum(1 for r in records if r[2] is not None)
    finals = [ta[w] for w in works if w in ta]
    automation = sum(1 for f in finals if f.status == "exclude" and f.basis == "automation")
    sought = [f.work_id for f in finals if f.status == "include"]
    state = Counter(retrieval[w] for w in sought)
    assessed = [w for w in sought if retrieval[w] == "assessed"]
    ft_finals = [ft[w] for w in assessed if w in ft]
    return ArmCounts(
        arm=arm,
        identified=dict(sorted(identified.items())),
        kinds={k: kinds.get(k, 0) for k in (("databases",) if arm == "databases" else OTHER_KINDS)},
        records=len(records),
        awaiting_dedupe=len(records) - deduped,
        duplicates=deduped - len(works),
        works=len(works),
        automation=automation,
        screened=len(works) - automation,
        excluded=sum(1 for f in finals if f.status == "exclude" and f.basis != "automation"),
        awaiting_screening=_waiting(finals),
        sought=len(sought),
        not_retrieved=dict(sorted((k[4:], n) for k, n in state.items() if k.startswith("not:"))),
        awaiting_retrieval=state.get("awaiting", 0),
        assessed=len(assessed),
        excluded_reports=dict(
            sorted(
                Counter(
                    f.reason_code or "no reason given" for f in ft_finals if f.status == "exclude"
                ).items()
            )
        ),
        awaiting_assessment=_waiting(ft_finals),
        included=sum(1 for f in ft_finals if f.status == "include"),
    )


def _waiting(finals: list[Final]) -> dict[str, int]:
    found = Counter(f.status for f in finals if f.status in ("pending", "conflict"))
    return {k: found[k] for k in ("pending", "conflict") if found[k]}
