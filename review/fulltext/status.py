"""Where full-text retrieval stands, from the store: PRISMA's reports sought and not retrieved."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session, col, select

from review.fulltext.find import included_works
from review.models import Document

OUTCOMES = ("readable", "unreadable", "retrieved", "not_retrieved", "pending")


@dataclass(frozen=True)
class FulltextStatus:
    """Works sought and what became of them; document attempts by status and reason."""

    sought: int  # works included at title/abstract
    works: dict[str, int]  # outcome per work: readable | unreadable | retrieved | not_retrieved | pending
    not_retrieved_reasons: tuple[tuple[str, int], ...]  # works not retrieved, by their latest reason
    unreadable_reasons: tuple[tuple[str, int], ...]  # works whose stored files could not be read
    documents: dict[str, int]  # document rows by status
    manual: int  # documents added by reviewers


def status(session: Session) -> FulltextStatus:
    """Count works by their best document, and documents by status and reason."""
    sought = included_works(session)
    docs = list(session.exec(select(Document).order_by(col(Document.id))))
    by_work: dict[int, list[Document]] = {}
    for doc in docs:
        by_work.setdefault(doc.work_id, []).append(doc)
    outcomes: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    unreadable: Counter[str] = Counter()
    for work_id in sought:
        outcome, reason = _outcome(by_work.get(work_id, []))
        outcomes[outcome] += 1
        if outcome == "not_retrieved":
            missing[reason or "no reason recorded"] += 1
        elif outcome == "unreadable":
            unreadable[reason or "no reason recorded"] += 1
    return FulltextStatus(
        sought=len(sought),
        works={k: outcomes[k] for k in OUTCOMES},
        not_retrieved_reasons=tuple(missing.most_common()),
        unreadable_reasons=tuple(unreadable.most_common()),
        documents=dict(Counter(d.status for d in docs)),
        manual=sum(d.origin == "manual" for d in docs),
    )


def _outcome(docs: list[Document]) -> tuple[str, str | None]:
    """A work's best outcome (readable beats unreadable beats ...), with the latest reason."""
    for kind in OUTCOMES[:-1]:
        found = [d for d in docs if d.status == kind]
        if found:
            return kind, found[-1].reason
    return "pending", None
