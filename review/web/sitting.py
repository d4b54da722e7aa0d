"""A reviewer's screening sitting in the browser: their place in the queue, kept between page loads.

The screening itself is the stage's (review.screen.sitting, as `review screen` uses it): the queue
is ranked before the first card and again every few decisions, a decided work is passed over,
and every action is its own committed transaction, so nothing is lost if the browser closes.
What the browser adds is its place between page loads: an undone work comes back first, and
skipped ones come back once the rest are done.

No page waits for a re-ranking (about 0.3 s at 100,000 works). When one is due, it starts in a
background thread (at most one per sitting) with a session of its own, reading the store only,
learning from what the terminal's ranking would learn from for this reviewer; pages are served
from the order held meanwhile, and the new order is swapped in when it is ready. What happened
while it ran is kept: works decided or skipped meanwhile stay out of the new order and works undone
meanwhile stay ahead of it. Only the first page of a sitting, or one whose order has run out,
ranks before it answers.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from review.protocol import Protocol
from review.screen import sitting
from review.screen.card import Choice
from review.screen.decide import Decided
from review.screen.features import FeatureCache
from review.screen.queue import Counts, Item
from review.screen.sitting import Order, SessionFactory
from review.states import Stage

log = logging.getLogger(__name__)


@dataclass
class Sitting:
    """One reviewer's place in their queue at one stage (one per reviewer and stage per server)."""

    screen: sitting.Sitting
    remaining: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    undone: int | None = None  # the work an undo brought back: shown next, whatever the ranking says
    lock: threading.Lock = field(default_factory=threading.Lock)  # two tabs of one reviewer
    ranking: threading.Thread | None = None  # the background ranking running now, if any
    dropped: set[int] = field(default_factory=set)  # decided or skipped since it started
    brought_back: list[int] = field(default_factory=list)  # undone since it started, latest first
    swapped: int = 0  # background rankings taken in (the benchmark reports it)

    def current(self) -> Item | None:
        """The work to screen now, or None when the queue is done."""
        while True:
            with self.lock:
                found = self._head()
            if not isinstance(found, threading.Thread):
                return found
            found.join()  # the order held ran out while a ranking runs: wait for it, not rank twice

    def _head(self) -> Item | threading.Thread | None:
        """The first undecided work of the order held, ranking first when due (held lock)."""
        while True:
            if not self.remaining and self.ranking is not None:
                return self.ranking
            if not self.remaining:
                self._rank_now()
            elif self.screen.due() and self.ranking is None:
                self._rank_behind()
            if not self.remaining and self.skipped:
                self.remaining, self.skipped = self.skipped, []
            if not self.remaining:
                return None
            item = self.screen.item(self.remaining[0])
            if item is not None:
                return item
            self.remaining.pop(0)

    def _rank_now(self) -> None:
        # The whole undecided queue, fresh: works given out since the sitting began join it.
        pending = set(self.screen.pending())
        order = self.screen.rank(sorted(pending - set(self.skipped)))
        pin = self.undone if self.undone in pending else None
        self.remaining = [w for w in order if w != pin]
        if pin is not None:
            self.remaining.insert(0, pin)
        self.skipped = [w for w in self.skipped if w in pending]  # decided elsewhere meanwhile: gone

    def _rank_behind(self) -> None:
        """Start ranking the queue in a thread of its own; the order held serves until it ends."""
        self.screen.restart_count()  # decisions from here on count towards the ranking after it
        self.dropped, self.brought_back = set(), []
        left_out = frozenset(self.skipped)
        name = f"rank {self.screen.reviewer} {self.screen.stage}"
        self.ranking = threading.Thread(target=self._rank_in_background, args=(left_out,), name=name,
                                        daemon=True)  # fmt: skip
        self.ranking.start()

    def _rank_in_background(self, left_out: frozenset[int]) -> None:
        try:
            pending = self.screen.pending()
            order = self.screen.order(sorted(set(pending) - left_out))
        except Exception:  # the order held still serves: say so, and rank again when next due
            log.exception("Re-ranking %s's queue failed; the order held is kept", self.screen.reviewer)
            with self.lock:
                self.ranking = None
            return
        with self.lock:
            try:
                self._swap(set(pending), order)
            finally:
                self.ranking = None

    def _swap(self, pending: set[int], order: Order) -> None:
        """Take a finished ranking's order in, with what happened while it ran (held lock)."""
        gone = self.dropped | set(self.skipped)
        pins = [self.undone] if self.undone is not None else []
        front = [w for w in dict.fromkeys([*pins, *self.brought_back]) if w not in gone]
        ahead = set(front)
        self.remaining = front + [w for w in self.screen.adopt(order) if w not in gone and w not in ahead]
        self.skipped = [w for w in self.skipped if w in pending or w in self.dropped]
        self.swapped += 1

    def wait_for_ranking(self, timeout: float | None = None) -> bool:
        """Wait for a background ranking to end (tests, the benchmark); False if one still runs."""
        with self.lock:
            running = self.ranking
        if running is not None:
            running.join(timeout)
        return running is None or not running.is_alive()

    def decide(self, choice: Choice) -> Decided:
        """Save a decision at once (who and when are written by the stage)."""
        done = self.screen.decide(choice.work_id, choice.decision, choice.reason_code, choice.note)
        with self.lock:
            self._forget(choice.work_id)
            self.dropped.add(choice.work_id)  # a ranking that read the queue before it: not again
        return done

    def undo(self) -> Decided | None:
        """Take back the latest decision; its work is shown next."""
        undone = self.screen.undo()
        if undone is not None:
            with self.lock:
                self._forget(undone.work_id)
                self.remaining.insert(0, undone.work_id)
                self.undone = undone.work_id
                self.dropped.discard(undone.work_id)
                self.brought_back.insert(0, undone.work_id)
        return undone

    def skip(self, work_id: int) -> None:
        with self.lock:
            if work_id in self.remaining:
                self._forget(work_id)
                self.skipped.append(work_id)
                self.dropped.add(work_id)

    def note(self, work_id: int, text: str) -> None:
        self.screen.note(work_id, text)

    def counts(self) -> Counts:
        return self.screen.counts()

    def _forget(self, work_id: int) -> None:
        self.undone = None if self.undone == work_id else self.undone
        self.remaining = [w for w in self.remaining if w != work_id]
        self.skipped = [w for w in self.skipped if w != work_id]
        self.brought_back = [w for w in self.brought_back if w != work_id]


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
