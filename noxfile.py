"""Developer sessions: tests, lint, typecheck, bench (see README.md)."""

from __future__ import annotations

import os

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """Run the suite on SQLite, then its store tests on PostgreSQL if REVIEW_TEST_POSTGRES_URL is set."""
    session.install("-e", ".[test,postgres]")
    session.run("pytest", *session.posargs)
    pg_url = os.environ.get("REVIEW_TEST_POSTGRES_URL")
    if not pg_url:
        session.log("PostgreSQL leg skipped: set REVIEW_TEST_POSTGRES_URL (see .ci/postgres.sh) to run it.")
        return
    session.run("pytest", "--db-url", pg_url, *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", "review", "tests", "noxfile.py")
    session.run("ruff", "format", "--check", "review", "tests", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy: --strict over the package, and tests/ with the relaxed profile in pyproject.toml."""
    session.install("-e", ".[dev]")
    session.run("mypy", "-p", "review", "-p", "tests")


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks on ../shared/data: `nox -s bench -- [search|dedupe|screen|fulltext|scale] [--quick]`."""
    session.install("-e", ".[test,postgres]")
    # Peers measured in the same run where they install (kept out of the project's own dependencies).
    session.install("bib-dedupe", success_codes=[0, 1])
    session.install("asreview", success_codes=[0, 1])
    shared = os.environ.get("REVIEW_SHARED", os.path.join("..", "shared"))
    session.run("python", "-m", "tests.bench", "--shared", shared, *session.posargs)
