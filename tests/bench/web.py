"""`review serve` latency: a screener's next record and a decision through the web app, at 10k and
100k works.

`nox -s bench -- web [--quick] [--sizes 10000,100000] [--postgres URL]` builds the store of
tests/bench/scale.py (one record per work, two screeners with half the works each, 1% decided),
signs reviewer1 in through a one-time link and, through Starlette's TestClient (the whole ASGI
app: middleware, session cookie, CSRF check, templates; no network), times the screening page
(`GET /screen`: the next record) and a decision (`POST /screen/decide`) REPEATS times each,
printing p50/p95 in milliseconds. The first page of a sitting ranks the queue and is reported
apart. Every RERANK_EVERY decisions the queue is ranked again in a background thread
(review.web.sitting) while pages are served from the order held: the next-record pages served
while such a ranking ran (sharing the CPU with it) are reported apart from those that were not.
Decisions follow each other with no pause, so a ranking runs beside most pages: harder than a
person's pace. `--quick`: 10k works only. PostgreSQL runs when --postgres or REVIEW_TEST_POSTGRES_URL
names a server. Target (issue 18): next record p95 <= 100 ms at 100,000 works.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from review.db import init_db, session_scope
from review.protocol import load_protocol
from review.states import Stage
from review.web import auth
from review.web.app import WebConfig, create_app
from review.web.sitting import Sitting
from tests.bench.scale import PROTOCOL, _engine, build

REPEATS = 100
TARGET_MS = 100.0
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
WORK = re.compile(r'name="work_id" value="(\d+)"')


def _signed_in(engine: Engine, root: Path) -> TestClient:
    protocol = load_protocol(PROTOCOL)
    with session_scope(engine) as session:
        secret = auth.signing_secret(session)
        token = auth.invite(session, protocol, "reviewer1")
    client = TestClient(create_app(WebConfig(engine, protocol, secret, root=root)), follow_redirects=False)
    page = client.get(f"/signin/{token}")
    assert client.post(f"/signin/{token}", data={"csrf": _found(CSRF, page.text)}).status_code == 303
    return client


def _found(pattern: re.Pattern[str], html: str) -> str:
    match = pattern.search(html)
    if match is None:
        raise SystemExit(f"The screening page did not show what the bench needs:\n{html[:2000]}")
    return match.group(1)


def measure(engine: Engine, root: Path) -> dict[str, list[float]]:
    """Milliseconds per step: the sitting's first page, then next record and decide, alternately."""
    client = _signed_in(engine, root)
    start = time.perf_counter()
    page = client.get("/screen")
    times: dict[str, list[float]] = {
        "first page": [(time.perf_counter() - start) * 1000],
        "next": [],
        "next, plain": [],
        "next, ranking": [],
        "decide": [],
    }
    for _ in range(REPEATS):
        form = {
            "csrf": _found(CSRF, page.text),
            "stage": "title-abstract",
            "work_id": _found(WORK, page.text),
        }
        start = time.perf_counter()
        answer = client.post("/screen/decide", data={**form, "decision": "include"})
        times["decide"].append((time.perf_counter() - start) * 1000)
        assert answer.status_code == 303, answer.text
        sitting = _sitting(client)
        ranking = sitting.ranking is not None
        start = time.perf_counter()
        page = client.get("/screen")
        took = (time.perf_counter() - start) * 1000
        assert page.status_code == 200, page.text
        # A ranking running before the page, or started by it, shares the CPU with it.
        ranking = ranking or sitting.ranking is not None
        times["next"].append(took)
        times["next, ranking" if ranking else "next, plain"].append(took)
    sitting = _sitting(client)
    sitting.wait_for_ranking()
    print(f"  {sitting.swapped} background ranking(s) swapped in over {REPEATS} decisions", flush=True)
    return times


def _sitting(client: TestClient) -> Sitting:
    app: Starlette = client.app  # type: ignore[assignment]
    return app.state.site.sittings.of("reviewer1", Stage.TITLE_ABSTRACT)  # type: ignore[no-any-return]


def _p(samples: list[float], q: float) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def main(shared: Path, argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="bench web")
    parser.add_argument("--quick", action="store_true", help="10,000 works only")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--postgres", default=os.environ.get("REVIEW_TEST_POSTGRES_URL", ""))
    args, _ = parser.parse_known_args(argv)
    sizes = [10_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    backends = ["sqlite"] + (["postgresql"] if args.postgres else [])
    print(f"{'backend':<11} {'works':>8} {'build s':>8}  {'step':<13} {'p50 ms':>8} {'p95 ms':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            for n in sizes:
                engine = _engine(backend, args.postgres, Path(tmp), n)
                init_db(engine)
                start = time.perf_counter()
                build(engine, n)
                built = time.perf_counter() - start
                for step, samples in measure(engine, Path(tmp)).items():
                    if not samples:  # no page of that kind in this run
                        continue
                    p50, p95 = _p(samples, 50), _p(samples, 95)
                    flag = "  (once a sitting: ranks the queue)" if step == "first page" else ""
                    if step.startswith("next") and p95 > TARGET_MS:
                        flag = f"  (over the {TARGET_MS:.0f} ms target)"
                    print(
                        f"{backend:<11} {n:>8} {built:>8.1f}  {step:<13} {p50:>8.1f} {p95:>8.1f}{flag}",
                        flush=True,
                    )
                engine.dispose()
    if not args.postgres:
        print("PostgreSQL not measured: pass --postgres URL or set REVIEW_TEST_POSTGRES_URL.")


if __name__ == "__main__":
    import sys

    main(Path(__file__).resolve().parents[3] / "shared", sys.argv[1:])
