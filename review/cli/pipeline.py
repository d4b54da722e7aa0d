"""`review run` and `review demo`: the automated pipeline end to end."""

from __future__ import annotations

from review.cli.base import cli, pass_app  # noqa: F401
