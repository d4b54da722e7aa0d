"""Benchmark dispatcher: `python -m tests.bench [STAGE ...] --shared ../shared [args]`.

Each stage module in this folder has `main(shared: Path, argv: list[str]) -> None` and prints a table
with ratios against a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

STAGES = (
    "search", "imports", "dedupe", "dedupe_fit", "dedupe_pairs", "screen", "conflicts", "fulltext", "extract",
    "scale", "web",
)  # fmt: skip


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("stages", nargs="*", help=f"any of {', '.join(STAGES)} (default: all)")
    parser.add_argument("--shared", type=Path, default=Path("..") / "shared")
    args, rest = parser.parse_known_args(argv)
    if not (args.shared / "data").is_dir():
        sys.exit(f"No benchmark data at {args.shared}/data: pass --shared PATH (the shared/ folder).")
    for stage in args.stages or STAGES:
        if stage not in STAGES:
            sys.exit(f"Unknown benchmark {stage!r}: choose from {', '.join(STAGES)}.")
        print(f"\n== bench: {stage} ==", flush=True)
        importlib.import_module(f"tests.bench.{stage}").main(args.shared, rest)


if __name__ == "__main__":
    main(sys.argv[1:])
