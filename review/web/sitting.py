"""A reviewer's screening sitting in the browser: their place in the queue, kept between page loads.

The screening itself is the stage's (review.screen.sitting, as `review screen` uses it): the queue
is ranked before the first card and again every few decisions, a decided work is passed over,
and every action is its own committed transaction, so nothing is lost if the browser closes.
What the browser adds is its place between page loads: an undone work comes back first, and
skipped ones come back once the rest are done.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from review.protocol import Protocol
from review.screen import sitting
from review.screen.decide import Decided
from review.screen.features import FeatureCache
from review.screen.queue import Counts, Item
from review.screen.sitting import SessionFactory
from review.states import Stage


@dataclass
class Sitting:
    """One reviewer's place in their queue at one stage (one per reviewer and stage per server)."""

    screen: sitting.Sitting
    remaining: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    undone: int | None = None  # the work an undo brought back: shown next, whatever the ranking says
    lock: threading.Lock = field(default_factory=threading.Lock)  # two tabs of one reviewer

    def current(self) -> Item | None:
        """The work to screen now, or None when the queue is done."""
        with self.lock:
            while True:
                if self.screen.due() or not self.remaining:
                    self._rank()
                if not self.remaining and self.skipped:
                    self.remaining, self.skipped = self.skipped, []
                if not self.remaining:
                    return None
                item = self.screen.item(self.remaining[0])
                if item is not None:
                    return item
                self.remaining.pop(0)

    def _rank(self) -> None:
        # The whole undecided queue, fresh: works given out since the sitting began join it.
        pending = set(self.screen.pending())
        order = self.screen.rank(sorted(pending - set(self.skipped)))
        pin = self.undone if self.undone in pending else None
        self.remaining = [w for w in order if w != pin]
        if pin is not None:
            self.remaining.insert(0, pin)
        self.skipped = [w for w in self.skipped if w in pending]  # decided elsewhere meanwhile: gone

    def decide(self, choice: Choice) -> Decided:
        """Save a decision at once (who and when are written by the stage)."""
        done = self.screen.decide(choice.work_id, choice.decision, choice.reason_code, choice.note)
        with self.lock:
            self._forget(choice.work_id)
        return done

    def undo(self) -> Decided | None:
        """Take back the latest decision; its work is shown next."""
        undone = self.screen.undo()
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

    def note(self, work_id: int, text: str) -> None:
        self.screen.note(work_id, text)

    def counts(self) -> Counts:
        return self.screen.counts()

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
    conflicts and duplicate pairs each has put off."""

    store: SessionFactory
    protocol: Protocol
    cache: FeatureCache = field(default_factory=FeatureCache)
    held: dict[tuple[str, Stage], Sitting] = field(default_factory=dict)
    put_off: dict[tuple[str, Stage], list[int]] = field(default_factory=dict)  # conflicts skipped
    pairs_put_off: dict[str, list[int]] = field(default_factory=dict)  # dedupe pairs skipped
    lock: threading.Lock = field(default_factory=threading.Lock)

    def of(self, reviewer: str, stage: Stage) -> Sitting:
        with self.lock:
            if (reviewer, stage) not in self.held:
                screen = sitting.Sitting(self.store, self.protocol, reviewer, stage, self.cache)
                self.held[(reviewer, stage)] = Sitting(screen)
            return self.held[(reviewer, stage)]

    def skipped_conflicts(self, adjudicator: str, stage: Stage) -> list[int]:
        """The conflicts an adjudicator has put off, first skipped first (they come back last)."""
        with self.lock:
            return self.put_off.setdefault((adjudicator, stage), [])

    def skipped_pairs(self, reviewer: str) -> list[int]:
        """The dedupe pairs a reviewer has skipped in this sitting, first skipped first."""
        with self.lock:
            return self.pairs_put_off.setdefault(reviewer, [])
