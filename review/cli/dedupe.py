"""`review dedupe` commands."""

from __future__ import annotations

from review.cli.base import cli, pass_app  # noqa: F401
