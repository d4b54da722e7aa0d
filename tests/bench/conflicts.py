"""Benchmark conflicts, agreement and the audit log on a synthetic dual-screened store.

`python -m tests.bench.conflicts [--works N]` (no shared data needed). Baseline: the lead's
`final_decisions` on the same store, which every command here builds on.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from review.db import init_db, make_engine, session_scope, utcnow
from review.models import Assignment, Record, ScreeningDecision, Work
from review.protocol import load_protocol

ROOT = Path(__file__).resolve().parents[2]
REASONS = ("E-TOPIC", "E-SETTING", "E-POPULATION", "E-TYPE")


def _build(db: Path, works: int, seed: int) -> None:
    rng = random.Random(seed)
    now = utcnow()
    engine = make_engine(db)
    init_db(engine)
    with session_scope(engine) as s:
        s.execute(insert(Work), [{"id": i, "title": f"Work {i}", "created_at": now, "updated_at": now}
                                 for i in range(1, works + 1)])  # fmt: skip
        s.execute(insert(Record), [{"source": "bench", "source_id": str(i), "work_id": i, "created_at": now,
                                    "updated_at": now} for i in range(1, works + 1)])  # fmt: skip
        assignments, decisions = [], []
        for w in range(1, works + 1):
            include = rng.random() < 0.15
            purpose = "pilot" if w <= 50 else "dual"
            for reviewer in ("reviewer1", "reviewer2"):
                vote = include if rng.random() > 0.08 else not include
                where = {"work_id": w, "stage": "title_abstract", "reviewer": reviewer, "created_at": now}
                assignments.append({**where, "purpose": purpose})
                reason = None if vote else rng.choice(REASONS)
                decision = "include" if vote else "exclude"
                decisions.append({**where, "role": "screener", "decision": decision, "reason_code": reason})
        s.execute(insert(Assignment), assignments)
        s.execute(insert(ScreeningDecision), decisions)
    engine.dispose()


def _time(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main(shared: Path, argv: list[str]) -> None:
    from review import agreement, audit
    from review.conflicts import list_conflicts
    from review.conflicts.sheets import export, import_sheet
    from review.decisions import final_decisions

    parser = argparse.ArgumentParser(prog="bench conflicts")
    parser.add_argument("--works", type=int, default=20_000)
    args = parser.parse_args(argv)
    protocol = load_protocol(ROOT / "protocol" / "protocol.toml")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        _build(db, args.works, seed=1)
        engine = make_engine(db)
        with session_scope(engine) as s:
            stage = "title_abstract"
            rows: list[tuple[str, float, str]] = []
            base, finals = _time(lambda: final_decisions(s, stage))
            rows.append(("final_decisions (baseline)", base, f"{len(finals)} works"))
            t, found = _time(lambda: list_conflicts(s, stage))
            rows.append(("list_conflicts", t, f"{len(found)} conflicts"))
            t, rep = _time(lambda: agreement.stage_agreement(s, protocol, stage))
            rows.append(
                ("stage_agreement (2000 resamples)", t, f"n={rep.overall.n} kappa={rep.overall.kappa:.3f}")
            )
            t, _ = _time(lambda: agreement.reason_agreement(s, stage))
            rows.append(("reason_agreement", t, ""))
            t, gate = _time(lambda: agreement.pilot_gate(s, protocol, stage))
            rows.append(("pilot_gate (50-record pilot)", t, f"passed={gate.passed}"))
            sheet = Path(tmp) / "c.csv"
            t, res = _time(lambda: export(s, protocol, stage, "adjudicator", sheet), repeat=1)
            rows.append(("export csv", t, f"{res.rows} rows"))
            _fill(sheet)
            t, imp = _time(lambda: import_sheet(s, protocol, sheet), repeat=1)
            rows.append(("import csv (validate + bulk insert)", t, f"{imp.applied} applied"))
            t, log = _time(lambda: audit.run(s, found[0].work_id))
            rows.append(("audit.run (one work)", t, f"{len(log.events)} events"))
        engine.dispose()
    t, _ = _time(lambda: agreement.from_table((20, 5, 10, 15), seed=1))
    rows.append(("compute (pure, 2x2 table)", t, ""))
    print(f"{'step':<38} {'seconds':>9} {'x baseline':>11}  note")
    for name, secs, note in rows:
        print(f"{name:<38} {secs:>9.4f} {secs / base:>11.2f}  {note}")


def _fill(sheet: Path) -> None:
    import csv

    with sheet.open(newline="", encoding="utf-8") as fh:
        data = list(csv.DictReader(fh))
    for row in data:
        row["decision"] = "include"
    with sheet.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)


if __name__ == "__main__":
    import sys

    main(ROOT.parent / "shared", sys.argv[1:])
