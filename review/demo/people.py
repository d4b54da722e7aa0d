"""Simulated reviewers for the demo: seeded rules standing in for people, writing through the stages.

Every decision goes through the same functions people's commands use (`screen.decide.record`,
`conflicts.resolve`, `extract.begin`/`save`), so the store holds exactly what a real team leaves.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from review.decisions import QUEUE_PURPOSES, current_decisions
from review.models import Assignment, Work
from review.protocol import Protocol
from review.states import Stage

if TYPE_CHECKING:
    from review import extract

TOPIC = re.compile(r"biodivers|conservation|ecosystem", re.IGNORECASE)
MONEY = re.compile(r"financ|fund|payment|invest|offset|market|tax|incentive|subsid", re.IGNORECASE)
DISAGREE = 0.1  # share of title/abstract decisions a screener gets "wrong", so conflicts arise


def judge(work: Work, stage: str) -> tuple[str, str | None]:
    """The demo's screening rule: on topic and about money; at full text the abstract must say so."""
    text = f"{work.title or ''} {work.abstract or ''}"
    if stage == Stage.FULL_TEXT:
        text = work.abstract or ""
    if TOPIC.search(text) and MONEY.search(text):
        return "include", None
    return "exclude", "E-TOPIC"


def _flip(decision: str) -> tuple[str, str | None]:
    return ("exclude", "E-TOPIC") if decision == "include" else ("include", None)


def _queue(session: Session, stage: str, reviewer: str) -> list[int]:
    assigned = session.exec(
        select(Assignment.work_id)
        .where(Assignment.stage == stage, Assignment.reviewer == reviewer)
        .where(col(Assignment.purpose).in_(QUEUE_PURPOSES))
        .order_by(col(Assignment.work_id))
    ).all()
    done = {c.work_id for c in current_decisions(session, stage) if c.reviewer == reviewer}
    return [w for w in assigned if w not in done]


def screen(session: Session, protocol: Protocol, stage: str, *, disagree: float = DISAGREE) -> Counter[str]:
    """Every screener works through their queue at `stage`; returns decisions by kind."""
    from review.screen import decide

    made: Counter[str] = Counter()
    seed = protocol.screening.seed
    for reviewer in protocol.review.reviewers:
        for work_id in _queue(session, stage, reviewer):
            work = session.get(Work, work_id)
            assert work is not None
            decision, reason = judge(work, stage)
            if random.Random(f"{seed}:{stage}:{reviewer}:{work_id}").random() < disagree:
                decision, reason = _flip(decision)
            decide.record(
                session, protocol, work_id=work_id, stage=stage, reviewer=reviewer, decision=decision,
                reason_code=reason,
            )  # fmt: skip
            made[decision] += 1
    return made


def adjudicate(session: Session, protocol: Protocol, stage: str, adjudicator: str) -> int:
    """The adjudicator settles every open conflict at `stage` by the demo's rule; returns how many."""
    from review import conflicts

    open_ = conflicts.list_conflicts(session, stage)
    for c in open_:
        work = session.get(Work, c.work_id)
        assert work is not None
        decision, reason = judge(work, stage)
        conflicts.resolve(session, protocol, stage, c.work_id, adjudicator, decision=decision, reason=reason)
    return len(open_)


def extract_all(session: Session, protocol: Protocol, extractor: str, verifier: str) -> tuple[int, int]:
    """The extractor accepts every suggestion (and writes the citation); the verifier accepts theirs.

    Returns (records extracted, values written).
    """
    from review import extract

    works = extract.included_works(session)
    written = 0
    for work_id in works:
        items = extract.begin(session, protocol, work_id, extractor, "extractor")
        entries = [e for e in (_answer(session, work_id, item) for item in items) if e is not None]
        saved = extract.save(session, protocol, work_id, extractor, "extractor", entries, rebuild=False)
        checked = extract.begin(session, protocol, work_id, verifier, "verifier")
        agreed = [extract.as_entry(i, i.default.value) for i in checked if i.default is not None]
        verified = extract.save(session, protocol, work_id, verifier, "verifier", agreed, rebuild=False)
        written += saved.written + verified.written
    extract.materialise(session, protocol)
    return len(works), written


def _answer(session: Session, work_id: int, item: extract.FormItem) -> extract.Entry | None:
    from review import extract

    if item.default is not None:
        return extract.as_entry(item, item.default.value)
    if item.key == "study.citation":
        return extract.as_entry(item, _citation(session, work_id))
    return None


def _citation(session: Session, work_id: int) -> str:
    work = session.get(Work, work_id)
    assert work is not None
    first = (work.authors or ["Anonymous"])[0].split(",")[0].strip()
    return f"{first} {work.year or 'n.d.'}"


def dedupe_pairs(session: Session, reviewer: str) -> tuple[int, int]:
    """A person checks each queued pair: same title and year is one work, anything else two.

    Returns (merged, kept apart).
    """
    from review import dedupe

    merged = kept = 0
    seen: list[int] = []
    while (pair := dedupe.next_pending(session, seen)) is not None:
        seen.append(pair.pair_id)
        same = pair.scores.get("title") == 100.0 and pair.left.get("year") == pair.right.get("year")
        dedupe.decide(session, pair.pair_id, "merge" if same else "keep_both", reviewer)
        merged, kept = merged + same, kept + (not same)
    return merged, kept
