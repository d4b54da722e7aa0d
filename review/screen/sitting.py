"""A reviewer's screening sitting at one stage, whatever screen shows it (keyboard or browser).

`Sitting` owns what both screens share: the queue is ranked before the first card and again every
RERANK_EVERY decisions (`due`, `rank`), the order is described in the screener's words
(`ordering`, the status line's last part), a work the reviewer has decided meanwhile is passed
over (`item`), and every action is its own committed transaction, so nothing is lost if the
screen closes. Skips and undos are the screen's own (review.cli.terminal keeps skipped cards;
review.web.sitting keeps its place between page loads).

The keyboard screen ranks in place (`rank`: the next card waits for it). The browser ranks in a
background thread instead, so no page waits: `restart_count` marks the decisions the new order
will know, `order` ranks (it reads the store through a session of its own and changes nothing on
the sitting, so it may run beside the screening) and `adopt` takes its result in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

from sqlmodel import Session

from review.errors import InputError
from review.protocol import Protocol
from review.screen import decide, queue, rank
from review.screen.decide import Decided
from review.screen.features import FeatureCache
from review.screen.queue import Counts, Item
from review.states import Stage

SessionFactory = Callable[[], AbstractContextManager[Session]]
# Retraining costs ~0.2 s at 100,000 works: re-rank the queue after every few decisions, not each.
RERANK_EVERY = 5
ORDERINGS = {
    "model": "ranked by the model",
    "like-includes": "ranked by likeness to the includes",
    "protocol-terms": "ranked by the protocol's terms",
    "id": "in record order",
    "random-sample": "random order (stopping sample)",
}
# What a ranking learned from, on the status line: a screener should see that their queue is blinded.
LEARNED_FROM = {
    "pooled": "learned from all screeners' decisions",
    "blinded": "learned from your own and settled decisions only (blinded)",
}


def describe_order(ranking: rank.Ranking) -> str:
    """How the queue is ordered and what from, in the screener's words (the ranking never
    excludes anything)."""
    if ranking.basis == "model" and ranking.detail.get("exploring"):
        how = "ranked, with random picks (no include for a while)"
    else:
        how = ORDERINGS.get(ranking.basis, ranking.basis)
    if ranking.basis in ("model", "like-includes"):
        return f"{how}, {LEARNED_FROM[ranking.learned_from]}"
    if ranking.basis == "protocol-terms" and ranking.learned_from == "blinded":
        # others may have found includes already: say why the order does not show them
        return f"{how} (blinded: no include yet among your own and settled decisions)"
    return how


@dataclass(frozen=True)
class Order:
    """A ranking's result: the works in screening order and how that order is described."""

    work_ids: tuple[int, ...]
    ordering: str


@dataclass
class Sitting:
    """One reviewer screening at one stage: the store (`store()` opens one transaction), the
    protocol, and the text features the sitting's rankings reuse."""

    store: SessionFactory
    protocol: Protocol
    reviewer: str
    stage: Stage
    cache: FeatureCache
    since_rank: int | None = None  # decisions since the queue was last ordered; None: not yet ordered
    ordering: str = ""  # how the queue is ordered now, for the status line

    def due(self) -> bool:
        """Whether to rank the queue before the next card: first, then every RERANK_EVERY decisions."""
        return self.since_rank is None or self.since_rank >= RERANK_EVERY

    def pending(self) -> list[int]:
        """The reviewer's undecided works at the stage, fresh from the store (in work order)."""
        with self.store() as session:
            return list(queue.build(session, self.reviewer, self.stage, ordered=False).pending)

    def rank(self, work_ids: Sequence[int]) -> list[int]:
        """`work_ids` in the order to screen them; `ordering` then says what the order is based on."""
        self.restart_count()
        return self.adopt(self.order(work_ids))

    def restart_count(self) -> None:
        """Count decisions towards the next ranking from now: the one starting knows those before."""
        self.since_rank = 0

    def order(self, work_ids: Sequence[int]) -> Order:
        """`work_ids` in the order to screen them and what the order is based on, from a session of
        its own; the sitting is left as it is (safe in a background thread)."""
        with self.store() as session:
            ranking = rank.rank(
                session, self.stage, list(work_ids), protocol=self.protocol, reviewer=self.reviewer,
                cache=self.cache,
            )  # fmt: skip
        return Order(ranking.order, describe_order(ranking))

    def adopt(self, order: Order) -> list[int]:
        """Take in a ranking's result: the status line says its basis; returns its order."""
        self.ordering = order.ordering
        return list(order.work_ids)

    def item(self, work_id: int) -> Item | None:
        """The card's facts for one work, or None when the reviewer has decided it already (or it
        is not in their queue)."""
        with self.store() as session:
            if queue.is_decided(session, self.reviewer, self.stage, work_id):
                return None
            found = queue.items(session, [work_id], self.stage, self.reviewer)
        return found[0] if found else None

    def decide(self, work_id: int, decision: str, reason_code: str | None, note: str | None) -> Decided:
        """Save a decision at once (who and when are written by the stage)."""
        with self.store() as session:
            done = decide.record(
                session, self.protocol, work_id=work_id, stage=self.stage, reviewer=self.reviewer,
                decision=decision, reason_code=reason_code, note=note,
            )  # fmt: skip
        if self.since_rank is not None:
            self.since_rank += 1
        return done

    def undo(self) -> Decided | None:
        """Take back the reviewer's latest decision at the stage (None when there is none)."""
        with self.store() as session:
            return decide.undo(session, self.reviewer, self.stage)

    def note(self, work_id: int, text: str) -> None:
        """Keep a note on a work in the reviewer's queue the moment it is written."""
        with self.store() as session:
            if decide.assignment(session, work_id, self.stage, self.reviewer) is None:
                raise InputError(f"Work {work_id} is not in {self.reviewer}'s {self.stage.cli} queue.")
            decide.add_note(session, work_id, self.stage, self.reviewer, text)

    def counts(self) -> Counts:
        # The kept counts (review.tally) cost well under a millisecond at a million works, and
        # reading them every card shows the other screeners' effect on a shared queue too.
        with self.store() as session:
            return queue.counts(session, self.reviewer, self.stage)

    def status(self, counts: Counts | None = None) -> str:
        """The status line: who, where, progress, and how the queue is ordered."""
        c = counts or self.counts()
        line = f"{self.reviewer} · {self.stage.label}: {c.done}/{c.assigned} done, {c.included} included"
        return f"{line} · {self.ordering}" if self.ordering else line
