"""Import benchmark: our readers against the bare parsers they wrap, and a full `import` into SQLite.

Records are the real Cohen 2006 screening sets (title, abstract, authors, year, PubMed ID), repeated
with fresh IDs up to --records, written as RIS/CSV/BibTeX by our own writers.

    python -m tests.bench.imports --shared ../shared --records 20000
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from review.db import init_db, make_engine, session_scope
from review.formats import read_bibtex, read_csv, read_ris, write_bibtex, write_csv, write_ris
from review.imports import run as import_run


def load_rows(shared: Path, n: int) -> list[dict[str, Any]]:
    base: list[dict[str, Any]] = []
    for path in sorted((shared / "data" / "screening" / "cohen_2006").glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                base.append(
                    {
                        "title": row["title"],
                        "abstract": row["abstract"],
                        "authors": [a.strip() for a in row["authors"].split(";") if a.strip()],
                        "year": int(row["year"]) if row["year"].isdigit() else None,
                        "doc_type": "article",
                    }
                )
    return [{**base[i % len(base)], "id": f"C{i}"} for i in range(n)]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main(shared: Path, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench imports")
    parser.add_argument("--records", type=int, default=20000)
    args = parser.parse_args(argv)
    rows = load_rows(shared, args.records)
    ris, table, bib = write_ris(rows), write_csv(rows), write_bibtex(rows[: min(len(rows), 5000)])
    results: list[tuple[str, int, float, float | None]] = []

    import bibtexparser
    import rispy

    for label, n, base, ours in (
        ("RIS read", len(rows), lambda: rispy.loads(ris), lambda: read_ris(ris, "b")),
        (
            "CSV read",
            len(rows),
            lambda: list(csv.DictReader(io.StringIO(table))),
            lambda: read_csv(table, "b"),
        ),
        (
            "BibTeX read",
            min(len(rows), 5000),
            lambda: bibtexparser.parse_string(bib),
            lambda: read_bibtex(bib, "b"),
        ),
    ):
        t_base, _ = timed(base)
        t_ours, recs = timed(ours)
        assert len(recs) == n, (label, len(recs), n)
        results.append((label, n, t_ours, t_base))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "bench.ris").write_text(ris, encoding="utf-8")
        engine = make_engine(root / "review.db")
        init_db(engine)
        for label in ("import RIS (new)", "re-import RIS (all present)"):
            with session_scope(engine) as session:
                elapsed, res = timed(
                    lambda s=session: import_run(s, root / "bench.ris", "ris", "b", sources_dir=root)
                )
            results.append((label, res.read, elapsed, None))
        engine.dispose()
    print(f"{'step':<30} {'records':>8} {'seconds':>8} {'records/s':>10} {'vs bare parser':>15}")
    for label, n, t, base in results:
        ratio = f"{t / base:.2f}x" if base else "-"
        print(f"{label:<30} {n:>8} {t:>8.2f} {n / t:>10,.0f} {ratio:>15}")


if __name__ == "__main__":
    cli = argparse.ArgumentParser(prog="python -m tests.bench.imports")
    cli.add_argument("--shared", type=Path, default=Path("..") / "shared")
    known, rest = cli.parse_known_args()
    main(known.shared, rest)
