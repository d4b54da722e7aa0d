"""Full-text reading: the store's path (pypdfium2 text and ruling lines) vs pdfplumber alone.

`nox -s bench -- fulltext` reads every PDF in shared/data/pdfs/pdfplumber_tests/real_reports with
 1. pdfplumber only, `page.extract_text()` (the baseline), and pdfplumber `extract_tables()` per page;
 2. the store's reading path, `read.read_file`, text only and with tables, in one process;
 3. the store's batch reader, `batch.read_many`, on two processes: first with the fork server's
    start-up, then again once it is running;
and prints pages per second with ratios to the baseline; then, per file, the tables each found,
whether they are on the same pages with the same cells, and how many cells hold the same words.
Options: --files N (the first N files only), --repeat N (best of N timings, default 1).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from review.fulltext.batch import read_many
from review.fulltext.read import Rows, read_file

REPORTS = Path("data") / "pdfs" / "pdfplumber_tests" / "real_reports"
TEXT_TARGET = 20.0


def plumber_text(path: Path) -> int:
    import pdfplumber

    chars = 0
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            chars += len(page.extract_text() or "")
            page.close()
    return chars


def plumber_tables(path: Path) -> list[tuple[int, list[list[str | None]]]]:
    import pdfplumber

    found = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            found += [(page.page_number, rows) for rows in page.extract_tables()]
            page.close()
    return found


def timed(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(shared: Path, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench fulltext")
    parser.add_argument("--files", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    args, _ = parser.parse_known_args(argv)
    files = sorted((shared / REPORTS).glob("*.pdf"))[: args.files]
    pages = sum(len(read_file(f, tables=False).pages) for f in files)
    print(f"{len(files)} PDFs, {pages} pages from {shared / REPORTS}", flush=True)
    runs = {
        "pdfplumber extract_text (baseline)": lambda: [plumber_text(f) for f in files],
        "store path, text only (pypdfium2)": lambda: [read_file(f, tables=False) for f in files],
        "store path, text + tables, 1 process": lambda: [read_file(f) for f in files],
        "store batch, 2 processes, first (cold)": lambda: read_many([str(f) for f in files], workers=2),
        "store batch, 2 processes, again (warm)": lambda: read_many([str(f) for f in files], workers=2),
        "pdfplumber extract_tables, every page": lambda: [plumber_tables(f) for f in files],
    }
    seconds = {}
    for name, fn in runs.items():
        seconds[name] = timed(fn, args.repeat)
        print(f"  timed {name}", flush=True)
    _print_speeds(seconds, pages)
    _print_tables(files)


def _print_speeds(seconds: dict[str, float], pages: int) -> None:
    base = seconds["pdfplumber extract_text (baseline)"]
    print(f"\n{'reader':<42} {'seconds':>8} {'pages/s':>9} {'x baseline':>11}")
    for name, s in seconds.items():
        print(f"{name:<42} {s:>8.2f} {pages / s:>9.1f} {base / s:>11.1f}")
    text = base / seconds["store path, text only (pypdfium2)"]
    verdict = "meets" if text >= TEXT_TARGET else "MISSES"
    print(f"text: {text:.0f}x faster than pdfplumber ({verdict} the {TEXT_TARGET:.0f}x target)")


def _print_tables(files: list[Path]) -> None:
    print(
        f"\n{'file':<44} {'pages':>5} {'pdfplumber':>10} {'store':>6} {'same cells':>10} {'same words':>10}"
    )
    differ, words, cells = 0, 0, 0
    for f in files:
        store = read_file(f)
        ours = [(t.page_no, t.rows) for t in store.tables]
        theirs = plumber_tables(f)
        same = [(p, _shape(r)) for p, r in ours] == [(p, _shape(r)) for p, r in theirs]
        differ += not same
        agree, total = _same_words(ours, theirs) if same else (0, 0)
        words, cells = words + agree, cells + total
        share = f"{agree}/{total}" if total else "-"
        counts = f"{len(store.pages):>5} {len(theirs):>10} {len(ours):>6}"
        print(f"{f.name[:44]:<44} {counts} {_yes(same):>10} {share:>10}")
    print(
        "tables:", f"{differ} files differ" if differ else "same pages and cells as pdfplumber in every file"
    )
    percent = 100 * words / max(cells, 1)
    print(f"cell text: {words} of {cells} cells hold the same words as pdfplumber's ({percent:.0f}%)")


def _shape(rows: list[list[str | None]]) -> list[list[bool]]:
    return [[c is None for c in row] for row in rows]


def _same_words(ours: list[tuple[int, Rows]], theirs: list[tuple[int, Rows]]) -> tuple[int, int]:
    tables = zip(ours, theirs, strict=True)
    pairs = [
        (a, b)
        for (_, ra), (_, rb) in tables
        for x, y in zip(ra, rb, strict=True)
        for a, b in zip(x, y, strict=True)
    ]
    return sum(sorted((a or "").split()) == sorted((b or "").split()) for a, b in pairs), len(pairs)


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"
