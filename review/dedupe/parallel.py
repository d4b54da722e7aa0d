"""Worker processes for the matcher's bulk work: one function mapped over tasks, results in task order.

`dedupe.run` normalises records and screens candidate pairs a batch at a time; with more than one
worker, forked child processes take batches while this process takes the rest (it also reads the
store). Each batch's result depends on the batch alone and results are used in task order, so any
worker count gives the same works and pairs.

Children are forked (Linux), inheriting the data prepared so far without copying it; elsewhere, and
in a process running other threads (a web server: a fork would copy locks those threads hold), the
batches run in this process. Children ignore Ctrl-C and end when this process leaves the pool
(normally, on an error or on Ctrl-C) or dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from types import TracebackType
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

_JOIN_SECONDS = 5.0
_in_worker = False  # set in a pool's children
_pools_open = 0  # pools of this process with children


def default_workers() -> int:
    """Processes the matcher uses unless told otherwise: two, or one on a one-core machine."""
    return min(2, os.cpu_count() or 1)


def can_fork() -> bool:
    """Whether worker processes can be forked safely here: Linux, no other thread running, and not
    in a daemonic process (which may not have children) nor in a pool's child."""
    return (
        sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
        and not multiprocessing.current_process().daemon
        and not _in_worker
    )


class WorkerError(RuntimeError):
    """A task failed in a worker process (the message holds the worker's traceback)."""


@dataclass
class _Slot:
    """A task's result, filled when its worker (or this process) has it."""

    done: bool = False
    value: Any = None


@dataclass
class _Child:
    process: Any  # multiprocessing.Process (fork context)
    tasks: Connection  # this process's end of the pipe tasks go down
    results: Connection  # and of the pipe results come back on
    slots: deque[_Slot] = field(default_factory=deque)  # its tasks not yet answered, oldest first


_DEPTH = 2  # tasks a child holds: one at work and the next, so it never waits for this process
_PIPE_BYTES = 1 << 20  # a pipe's buffer: a large task or result passes in few turns, not hundreds
_SWITCH_SECONDS = 0.001  # the GIL's turns while a pool's threads move tasks and results


def _widen(conn: Connection) -> None:
    """Enlarge a pipe's buffer (Linux; left as it is where the system refuses)."""
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)


class Pool(Generic[T, R]):
    """`fn` over tasks in `workers` processes (this one and forked children), in task order.

    Use as a context manager: children are forked on entry (they see the data as it is then) and
    ended on exit, whatever happened. With one worker, or where forking is unsafe, every task runs
    here. Tasks go to the children from one thread of this process and results come back through
    another, so a child never waits for this process to finish a task of its own before it can
    hand over a large result or take its next task.
    """

    def __init__(self, fn: Callable[[T], R], workers: int) -> None:
        self._fn = fn
        self._wanted = max(1, workers) - 1
        self._children: list[_Child] = []
        self._outbox: queue.SimpleQueue[tuple[Connection, Any] | None] = queue.SimpleQueue()
        self._inbox: queue.SimpleQueue[tuple[int, bytes | None]] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._switch = sys.getswitchinterval()

    @property
    def processes(self) -> int:
        """Processes taking tasks: this one and its children."""
        return 1 + len(self._children)

    def __enter__(self) -> Pool[T, R]:
        if self._wanted and can_fork():
            self._fork(multiprocessing.get_context("fork"))
        if self._children:
            global _pools_open
            _pools_open += 1
            # Threads that move results in and tasks out wait for the GIL at every turn: shorter turns.
            self._switch = sys.getswitchinterval()
            sys.setswitchinterval(_SWITCH_SECONDS)
            results = [c.results for c in self._children]
            self._threads = [
                threading.Thread(target=_feed, args=(self._outbox,), daemon=True),
                threading.Thread(target=_take, args=(results, self._inbox, self._stop), daemon=True),
            ]
            for thread in self._threads:
                thread.start()
        return self

    def _fork(self, ctx: Any) -> None:
        # Ctrl-C is blocked while forking, so a child cannot take it before it ignores it.
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(self._wanted):
                task_in, task_out = ctx.Pipe(duplex=False)
                result_in, result_out = ctx.Pipe(duplex=False)
                for end in (task_out, result_out):
                    _widen(end)
                ours = (task_out, result_in)
                process = ctx.Process(target=_serve, args=(task_in, result_out, ours, self._fn), daemon=True)
                try:
                    process.start()
                except OSError:  # no more processes to be had: work with those started
                    task_out.close()
                    result_in.close()
                    break
                finally:
                    task_in.close()
                    result_out.close()
                self._children.append(_Child(process, task_out, result_in))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(graceful=kind is None)

    def close(self, graceful: bool = True) -> None:
        """End the children: asked to stop after a normal end, terminated after an error."""
        if not self._children:
            return
        global _pools_open
        _pools_open -= 1
        for child in self._children:
            if graceful and not child.slots:
                self._outbox.put((child.tasks, (False, None)))
            else:
                child.process.terminate()
        self._outbox.put(None)
        self._stop.set()
        for thread in self._threads:
            thread.join(_JOIN_SECONDS)
        sys.setswitchinterval(self._switch)
        for child in self._children:
            child.process.join(_JOIN_SECONDS)
            if child.process.is_alive():
                child.process.kill()
                child.process.join()
            child.tasks.close()
            child.results.close()
        self._children = []

    def map(self, tasks: Iterable[T], depth: int = _DEPTH) -> Iterator[R]:
        """fn(task) for every task, in task order. Tasks are drawn one at a time (so reading them
        from the store overlaps with the children's work): a child with room (fewer than `depth`
        tasks) takes the next one, else this process runs it. A depth of one suits a few tasks of
        unequal size, largest first: no child is left with two at the end."""
        order: deque[_Slot] = deque()
        for task in tasks:
            slot = self._hand_out(task, depth)
            if slot is None:
                slot = _Slot(done=True, value=self._fn(task))
            order.append(slot)
            self._collect(block=False)
            while order and order[0].done:
                yield order.popleft().value
        while order:
            if not order[0].done:
                self._collect(block=True)
                continue
            yield order.popleft().value

    def submit(self, task: T, depth: int = _DEPTH) -> Callable[[], R]:
        """Start fn(task) in a child with room (fewer than `depth` tasks) and go on; the function
        returned waits for the result. Without such a child, fn(task) runs here when the result is
        asked for."""
        slot = self._hand_out(task, depth)
        if slot is None:
            return lambda: self._fn(task)

        def result() -> R:
            while not slot.done:
                self._collect(block=True)
            value: R = slot.value
            return value

        return result

    def _hand_out(self, task: T, depth: int) -> _Slot | None:
        """Send `task` to the child with the fewest tasks, if one has fewer than `depth`; the slot its
        result will fill, or None when every child is full."""
        room = [c for c in self._children if len(c.slots) < depth]
        if not room:
            return None
        child = min(room, key=lambda c: len(c.slots))
        slot = _Slot()
        child.slots.append(slot)
        self._outbox.put((child.tasks, (True, task)))
        return slot

    def _collect(self, block: bool) -> None:
        """Take the results children have handed over (with `block`, wait for at least one)."""
        if not any(c.slots for c in self._children):
            return
        try:
            item = self._inbox.get(block=block)
        except queue.Empty:
            return
        while True:
            self._receive(*item)
            try:
                item = self._inbox.get_nowait()
            except queue.Empty:
                return

    def _receive(self, k: int, data: bytes | None) -> None:
        child = self._children[k]
        if data is None:
            if child.slots:
                raise WorkerError(f"dedupe worker {child.process.pid} ended without a result")
            return
        ok, value = ForkingPickler.loads(data)
        if not ok:
            raise WorkerError(f"a dedupe worker failed:\n{value}")
        slot = child.slots.popleft()
        slot.done, slot.value = True, value


def _take(
    results: list[Connection], inbox: queue.SimpleQueue[tuple[int, bytes | None]], stop: threading.Event
) -> None:
    """The thread that takes results from the children as soon as they are sent (None: a child
    gone), so that none waits to hand one over."""
    live = dict(enumerate(results))
    while live and not stop.is_set():
        ready = multiprocessing.connection.wait(list(live.values()), timeout=0.1)
        for k, conn in list(live.items()):
            if conn not in ready:
                continue
            try:
                inbox.put((k, conn.recv_bytes()))
            except (EOFError, OSError):
                inbox.put((k, None))
                del live[k]


def _feed(outbox: queue.SimpleQueue[tuple[Connection, Any] | None]) -> None:
    """The thread that sends tasks (and stop messages) to the children, in the order queued."""
    while (item := outbox.get()) is not None:
        conn, message = item
        with contextlib.suppress(OSError):  # a child gone: its results pipe tells the pool
            conn.send(message)


def _serve(
    tasks: Connection, results: Connection, ours: tuple[Connection, ...], fn: Callable[[Any], Any]
) -> None:
    """A child's loop: a task in, its result (or the error's traceback) out, until told to stop."""
    global _in_worker
    _in_worker = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it ends us
    for conn in ours:  # the parent's ends: once the parent is gone, recv() sees end of file
        conn.close()
    while True:
        try:
            work, task = tasks.recv()  # (True, task), or (False, None): stop
        except (EOFError, OSError):
            return
        if not work:
            return
        try:
            reply: tuple[bool, Any] = (True, fn(task))
        except BaseException:  # reported to the parent, which raises it
            reply = (False, traceback.format_exc())
        results.send(reply)


class Turns:
    """Numbers 0, 1, 2, ... drawn in turn by this process and the children of a pool entered after
    it was made (a counter in shared memory): processes that each draw until `limit` share a list of
    chunks between them as fast as each can take them, with no one waiting for another to hand out."""

    def __init__(self) -> None:
        self._next = multiprocessing.RawValue("q", 0)
        self._lock = multiprocessing.Lock()

    def draw(self, limit: int) -> int | None:
        """The next number below `limit`, or None once they are all drawn."""
        with self._lock:
            k = int(self._next.value)
            if k >= limit:
                return None
            self._next.value = k + 1
            return k


def threads() -> int:
    """Threads for a library's own parallel loop (rapidfuzz's `workers`): one in a pool's child or
    while this process has children at work (the cores are the pool's), else all (-1)."""
    return 1 if _in_worker or _pools_open else -1
