"""`review search`: harvest the protocol's searches, estimate them, or rebuild from sources/."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from review.cli.base import App, cli, pass_app
from review.errors import SearchError

if TYPE_CHECKING:
    from review.search import Estimate, RebuildResult, SearchResult
    from review.settings import Settings

SOURCE_CHOICE = click.Choice(["openalex", "govuk"])


@cli.command("search")
@click.option("--source", type=SOURCE_CHOICE, default=None, help="Run only this source's searches.")
@click.option("--name", default=None, metavar="SEARCH", help="Run only the search with this name.")
@click.option("--dry-run", is_flag=True, help="Show each search's count and cost; harvest nothing.")
@click.option("--rebuild", is_flag=True, help="Rebuild records from the raw archives in sources/ (offline).")
@pass_app
def search_cmd(app: App, source: str | None, name: str | None, dry_run: bool, rebuild: bool) -> None:
    """Harvest the protocol's OpenAlex and GOV.UK searches into the store.

    Every run is logged (PRISMA-S) and its raw responses saved under sources/. An interrupted
    run, or one stopped by the OpenAlex daily budget, continues where it stopped next time.
    OPENALEX_API_KEY holds the OpenAlex key and REVIEW_EMAIL (or sources.openalex.email) the
    contact address; REVIEW_OPENALEX_URL and REVIEW_GOVUK_URL point at mirrors or proxies.

    \b
    Example:
        review search --dry-run
        review search --source openalex --name sure-start
    """
    from review import search
    from review.settings import from_env

    if rebuild and (dry_run or source or name):
        raise click.UsageError("--rebuild reads every archive in sources/; give it on its own.")
    if rebuild:
        _echo_rebuild(search.rebuild(app.session, app.root))
        return
    protocol = app.protocol()
    settings = from_env(os.environ, protocol)
    if dry_run:
        _echo_estimates(search.dry_run(protocol, settings=settings, source=source, name=name))
        return
    _warn_without_key(source, settings)
    result = search.run(
        app.session, protocol, app.root, settings=settings, source=source, name=name, progress=_Ticker()
    )
    _echo_runs(result)


def _warn_without_key(source: str | None, settings: Settings) -> None:
    if source in (None, "openalex") and not settings.openalex_api_key:
        click.echo(
            "Warning: OPENALEX_API_KEY is not set; OpenAlex allows few searches a day without a key "
            "(free key: https://openalex.org/settings/api).",
            err=True,
        )


class _Ticker:
    """Progress on stderr: a running count of records received."""

    def __init__(self) -> None:
        self.total = 0

    def __call__(self, n: int) -> None:
        self.total += n
        click.echo(f"\r  {self.total} records received", nl=False, err=True)


def _echo_runs(result: SearchResult) -> None:
    click.echo("", err=True)
    for r in result.runs:
        total = "?" if r.total_reported is None else r.total_reported
        resumed = " (resumed)" if r.resumed else ""
        click.echo(
            f"{r.source}/{r.name}: {r.status}{resumed}, {r.retrieved} of {total} records "
            f"({r.new} new), run {r.run_id}, ${r.cost_usd:.4f}"
        )
    problems = [f"{r.source}/{r.name}: {r.message}" for r in result.unfinished]
    if problems:
        raise SearchError("Not every search finished.\n" + "\n".join(problems))


def _echo_estimates(estimates: list[Estimate]) -> None:
    for e in estimates:
        cost = f", {e.credits} credits (${e.credits / 10000:.4f})" if e.source == "openalex" else ""
        click.echo(f"{e.source}/{e.name}: {e.count} records, {e.requests} requests{cost}")
    credits = sum(e.credits for e in estimates)
    if credits:
        click.echo(
            f"OpenAlex total: {credits} credits of the free 10,000 a day (the count requests cost too)."
        )


def _echo_rebuild(result: RebuildResult) -> None:
    click.echo(
        f"Rebuilt {result.hits} records ({result.new} new) from {result.archives} archives "
        f"({result.runs_created} search-log entries recreated)."
    )
    for path in result.skipped:
        click.echo(f"Skipped {path}: not written by `review search`.", err=True)
