"""Read many files on both cores; one bad file, or a reader that crashes, never stops the batch."""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from review.fulltext.read import ReadResult, read_file

WORKERS = 2
ISOLATED_TIMEOUT = 600.0  # seconds one file may take when re-read alone after a crash
Reader = Callable[[str], ReadResult]


def read_many(
    paths: Sequence[str], *, workers: int = WORKERS, reader: Reader = read_file
) -> list[ReadResult]:
    """Read `paths` in order, `workers` processes at a time (one file: in this process)."""
    if workers <= 1 or len(paths) <= 1:
        return [_guarded(reader, p) for p in paths]
    context = _context()
    results: list[ReadResult | None] = []
    with ProcessPoolExecutor(max_workers=min(workers, len(paths)), mp_context=context) as pool:
        # Biggest files first, so one large file does not start last and leave a core idle.
        by_size = sorted(range(len(paths)), key=lambda i: -_size(paths[i]))
        submitted = {i: pool.submit(reader, paths[i]) for i in by_size}
        futures = [submitted[i] for i in range(len(paths))]
        for path, future in zip(paths, futures, strict=True):
            try:
                results.append(future.result())
            except BrokenProcessPool:
                results.append(None)
            except Exception as exc:
                results.append(_failed(path, exc))
    # A worker died (a parser crash takes the pool with it): read what is left one file per process.
    return [r if r is not None else read_isolated(p, reader) for p, r in zip(paths, results, strict=True)]


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _context() -> Any:
    # Never a plain fork (unsafe beside threads and open database connections). A fork server
    # imports the readers once, then forks each worker from that clean process; spawn elsewhere.
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["review.fulltext.read", "pdfplumber.table", "pypdfium2"])
    return context


def _guarded(reader: Reader, path: str) -> ReadResult:
    try:
        return reader(path)
    except Exception as exc:
        return _failed(path, exc)


def _failed(path: str, exc: BaseException) -> ReadResult:
    return ReadResult(path, "unreadable", f"reader failed: {type(exc).__name__}: {exc}"[:500])


def read_isolated(path: str, reader: Reader = read_file, timeout: float = ISOLATED_TIMEOUT) -> ReadResult:
    """Read one file in its own process, so a crash or a hang costs only that file."""
    context = _context()
    results: Any = context.Queue()
    child = context.Process(target=_child, args=(reader, path, results), daemon=True)
    child.start()
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                found: ReadResult = results.get(timeout=0.1)
                return found
            except queue.Empty:
                if not child.is_alive() and results.empty():
                    reason = f"the PDF reader crashed on this file (exit code {child.exitcode})"
                    return ReadResult(path, "unreadable", reason)
                if time.monotonic() > deadline:
                    return ReadResult(path, "unreadable", f"reader took longer than {timeout:.0f} s")
    finally:
        child.join(1)
        if child.is_alive():
            child.kill()
            child.join()


def _child(reader: Reader, path: str, results: Any) -> None:
    results.put(_guarded(reader, path))
