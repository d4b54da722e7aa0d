"""A reviewer's screening sitting in the browser: the queue's order, kept between page loads.

It follows the terminal's sitting (review/cli/screen.py `_ScreenSession`) step for step: the
queue is ranked before the first card and again every RERANK_EVERY decisions, a decided work is
passed over, an undone one comes back first, skipped ones come back once the rest are done.
Every action is its own committed transaction, so nothing is lost if the browser closes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlmodel import Session

from review.cli.screen import RERANK_EVERY, _ordering
from review.errors import InputError
from review.protocol import Protocol
from review.screen import decide, queue, rank
from review.screen.decide import Decided
from review.screen.queue import Counts, Item
from review.states import Stage

SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass
class Sitting:
    """One reviewer's place in their queue at one stage (one per reviewer and stage per server)."""

    reviewer: str
    stage: Stage
    remaining: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    since_rank: int = RERANK_EVERY  # decisions since the queue was last ordered: order it first
    ordering: str = ""  # how the queue is ordered now, in the screener's words
    undone: int | None = None  # the work an undo brought back: shown next, whatever the ranking says
    lock: threading.Lock = field(default_factory=threading.Lock)  # two tabs of one reviewer

    def current(self, store: SessionFactory, protocol: Protocol, cache: rank.FeatureCache) -> Item | None:
        """The work to screen now, or None when the queue is done."""
        with self.lock:
            while True:
                if self.since_rank >= RERANK_EVERY or not self.remaining:
                    self._rank(store, protocol, cache)
                if not self.remaining and self.skipped:
                    self.remaining, self.skipped = self.skipped, []
                if not self.remaining:
                    return None
                with store() as session:
                    work_id = self.remaining[0]
                    if not queue.is_decided(session, self.reviewer, self.stage, work_id):
                        found = queue.items(session, [work_id], self.stage, self.reviewer)
                        if found:
                            return found[0]
                self.remaining.pop(0)

    def _rank(self, store: SessionFactory, protocol: Protocol, cache: rank.FeatureCache) -> None:
        # The whole undecided queue, fresh: works given out since the sitting began join it.
        with store() as session:
            pending = set(queue.build(session, self.reviewer, self.stage, ordered=False).pending)
            skipped = set(self.skipped)
            todo = sorted(pending - skipped)
            ranking = rank.rank(
                session, self.stage, todo, protocol=protocol, reviewer=self.reviewer, cache=cache
            )
        pin = self.undone if self.undone in pending else None
        self.remaining = [w for w in ranking.order if w != pin]
        if pin is not None:
            self.remaining.insert(0, pin)
        self.ordering, self.since_rank = _ordering(ranking), 0
        self.skipped = [w for w in self.skipped if w in pending]  # decided elsewhere meanwhile: gone

    def decide(self, store: SessionFactory, protocol: Protocol, choice: Choice) -> Decided:
        """Save a decision at once (who and when are written by the stage)."""
        with store() as session:
            done = decide.record(
                session, protocol, work_id=choice.work_id, stage=self.stage, reviewer=self.reviewer,
                decision=choice.decision, reason_code=choice.reason_code, note=choice.note,
            )  # fmt: skip
        with self.lock:
            self._forget(choice.work_id)
            self.since_rank += 1
        return done

    def undo(self, store: SessionFactory) -> Decided | None:
        """Take back the latest decision; its work is shown next."""
        with store() as session:
            undone = decide.undo(session, self.reviewer, self.stage)
        if undone is not None:
            with self.lock:
                self._forget(undone.work_id)
                self.remaining.insert(0, undone.work_id)
                self.undone = undone.work_id
        return undone

    def skip(self, work_id: int) -> None:
        with self.lock:
            if work_id in self.remaining:
                self._forget(work_id)
                self.skipped.append(work_id)

    def note(self, store: SessionFactory, work_id: int, text: str) -> None:
        with store() as session:
            if decide.assignment(session, work_id, self.stage, self.reviewer) is None:
                raise InputError(f"Work {work_id} is not in {self.reviewer}'s {self.stage.cli} queue.")
            decide.add_note(session, work_id, self.stage, self.reviewer, text)

    def counts(self, store: SessionFactory) -> Counts:
        with store() as session:
            return queue.counts(session, self.reviewer, self.stage)

    def _forget(self, work_id: int) -> None:
        self.undone = None if self.undone == work_id else self.undone
        self.remaining = [w for w in self.remaining if w != work_id]
        self.skipped = [w for w in self.skipped if w != work_id]


@dataclass(frozen=True)
class Choice:
    """A decision as the page sends it."""

    work_id: int
    decision: str  # include | exclude | maybe
    reason_code: str | None
    note: str | None


@dataclass
class Sittings:
    """Every reviewer's sitting on this server, the text features their rankings share, and the
    conflicts each adjudicator has put off."""

    cache: rank.FeatureCache = field(default_factory=rank.FeatureCache)
    held: dict[tuple[str, Stage], Sitting] = field(default_factory=dict)
    put_off: dict[tuple[str, Stage], list[int]] = field(default_factory=dict)  # conflicts skipped
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, reviewer: str, stage: Stage) -> Sitting:
        with self.lock:
            return self.held.setdefault((reviewer, stage), Sitting(reviewer, stage))

    def skipped_conflicts(self, adjudicator: str, stage: Stage) -> list[int]:
        """The conflicts an adjudicator has put off, first skipped first (they come back last)."""
        with self.lock:
            return self.put_off.setdefault((adjudicator, stage), [])
