"""Extraction and report timings on a synthetic store: `python -m tests.bench.extract [--works N]`.

Baselines, measured in the same run: a plain `SELECT *` of the extraction events (what any rebuild
must read) for `materialise`, and `final_decisions` at title/abstract for the PRISMA counts (both
read the same decision log). No shared data is needed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from review import extract, report
from review.db import init_db, make_engine, session_scope, utcnow
from review.decisions import final_decisions
from review.extract.values import check_value
from review.models import Document, ExtractionValue, Page, ScreeningDecision, Work
from review.protocol import ExtractionField, load_protocol
from review.query import run_query

ROOT = Path(__file__).resolve().parents[2]
PAGE = (
    "This quasi-experimental evaluation of Sure Start Local Programmes in England followed "
    "n = 5,883 families in 150 areas of the North East and London. "
) * 8


def _sample(field: ExtractionField, i: int) -> Any:
    raw = {
        "text": f"value {i}",
        "integer": i,
        "number": i / 7,
        "boolean": i % 2 == 0,
        "date": "2020-01-31",
        "choice": field.choices[i % len(field.choices)] if field.choices else None,
        "choices": list(field.choices[: 1 + i % 3]),
    }[field.type]
    return check_value(field.name, field, raw)


def _build(db: Path, works: int) -> None:
    protocol = load_protocol(ROOT / "protocol" / "protocol.toml")
    assert protocol.extraction is not None
    engine = make_engine(db)
    init_db(engine)
    now = utcnow()
    with session_scope(engine) as s:
        s.execute(
            insert(Work), [{"title": f"w{i}", "created_at": now, "updated_at": now} for i in range(works)]
        )
        decisions = [
            {"work_id": w, "stage": st, "reviewer": "reviewer1", "role": "screener", "decision": "include",
             "created_at": now}
            for w in range(1, works + 1) for st in ("title_abstract", "full_text")
        ]  # fmt: skip
        s.execute(insert(ScreeningDecision), decisions)
        events = [
            {"work_id": w, "reviewer": who, "role": role, "field": key, "value": _sample(f, w),
             "created_at": now}
            for w in range(1, works + 1)
            for who, role in (("reviewer1", "extractor"), ("reviewer2", "verifier"))
            for key, f in protocol.extraction.all_fields()
        ]  # fmt: skip
        s.execute(insert(ExtractionValue), events)
        s.execute(
            insert(Document),
            [{"work_id": w, "origin": "manual", "status": "readable"} for w in range(1, 101)],
        )
        s.execute(
            insert(Page),
            [{"document_id": d, "page_no": p, "text": PAGE} for d in range(1, 101) for p in range(1, 11)],
        )
    engine.dispose()


def _time(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(shared: Path, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench extract")
    parser.add_argument("--works", type=int, default=2000)
    args = parser.parse_args(argv)
    protocol = load_protocol(ROOT / "protocol" / "protocol.toml")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        _build(db, args.works)
        engine = make_engine(db)
        rows: list[tuple[str, float, float]] = []
        with session_scope(engine) as s:
            scan = _time(lambda: s.execute(text("SELECT * FROM extraction_value")).all())
            rows.append(("materialise (all works)", _time(lambda: extract.materialise(s, protocol)), scan))
            rows.append(
                (
                    "materialise (one work, on save)",
                    _time(lambda: extract.materialise(s, protocol, [7])),
                    scan,
                )
            )
            ta = _time(lambda: final_decisions(s, "title_abstract"))
            rows.append(("PRISMA counts", _time(lambda: report.counts(s)), ta))
            one = _time(lambda: extract.prefill(s, protocol, [1]))
            rows.append(
                (
                    "prefill, 100 works x 10 pages",
                    _time(lambda: extract.prefill(s, protocol, range(1, 101))),
                    one,
                )
            )
        sql = protocol.queries["evidence_map"]
        rows.append(("query evidence_map (read-only)", _time(lambda: run_query(str(db), sql)), scan))
        engine.dispose()
    n_events = args.works * 2 * 36
    print(f"{args.works} included works, {n_events} extraction events")
    print(f"{'step':<34} {'seconds':>8} {'baseline':>9} {'ratio':>6}")
    for name, seconds, base in rows:
        print(f"{name:<34} {seconds:8.3f} {base:9.3f} {seconds / base:6.1f}")
    print("baselines: SELECT * of events; final_decisions at title/abstract; prefill of 1 work")


if __name__ == "__main__":
    main(Path("../shared"), sys.argv[1:])
