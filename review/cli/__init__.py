"""The `review` command line. Each stage's commands are in their own module below."""

from __future__ import annotations

from review.cli import (  # noqa: F401  (each module registers its commands on `cli`)
    conflicts,
    dedupe,
    extract,
    fulltext,
    imports,
    pipeline,
    project,
    report,
    screen,
    screen_rank,
    search,
    team,
)
from review.cli.base import cli


def main() -> None:
    cli(prog_name="review")


__all__ = ["cli", "main"]
