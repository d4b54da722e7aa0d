"""The `review` command line. Each stage's commands are in their own module below, imported only
when one of its commands runs (review.cli.base.COMMANDS)."""

from __future__ import annotations

from review.cli.base import cli


def main() -> None:
    cli(prog_name="review")


__all__ = ["cli", "main"]
