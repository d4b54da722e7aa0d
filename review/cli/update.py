"""`review update` and `review version`: update a review with what is new, in closed versions."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from review.cli.base import App, cli, pass_app
from review.errors import SearchError

if TYPE_CHECKING:
    from review.pipeline.update import UpdateOutcome
    from review.search.update import UpdateEstimate

SOURCE_CHOICE = click.Choice(["openalex", "govuk"])


@cli.command("update")
@click.option("--source", type=SOURCE_CHOICE, default=None, help="Update only this source's searches.")
@click.option("--name", default=None, metavar="SEARCH", help="Update only the search with this name.")
@click.option("--dry-run", is_flag=True, help="Show each search's window, count and cost; fetch nothing.")
@click.option(
    "--changed", is_flag=True, help="OpenAlex: also works changed since (from_updated_date); fetches more."
)
@click.option("--full", is_flag=True, help="Re-run whole searches (when date filters are not available).")
@click.option("--search-only", is_flag=True, help="Only run the searches; skip dedupe, rules and queues.")
@pass_app
def update_cmd(
    app: App,
    source: str | None,
    name: str | None,
    dry_run: bool,
    changed: bool,
    full: bool,
    search_only: bool,
) -> None:
    """Re-run every protocol search for what is new since its last complete run.

    Each search gets a date window from the day its last complete run started: OpenAlex works
    added since (from_created_date; with --changed, added or changed: from_updated_date), GOV.UK
    documents published or updated since (public_timestamp). Each update run is its own search-log
    entry with its window; earlier runs are kept. Then the new records are deduplicated against
    every earlier one and only works first seen since the last closed version go to the queues:
    a study found again keeps what was decided about it. Needs a closed version
    (`review version close NAME`). An interrupted update resumes with `review update`.

    \b
    Example:
        review update --dry-run
        review update
    """
    from review.settings import from_env

    if full and changed:
        raise click.UsageError("--full re-runs whole searches: --changed has nothing to add to it.")
    protocol = app.protocol()
    settings = from_env(os.environ, protocol)
    if dry_run:
        from review.search import update

        with app.session() as session:
            found = update.dry_run(session, protocol, settings=settings, source=source, name=name,
                                   changed=changed, full=full)  # fmt: skip
        _echo_estimates(found)
        return
    from review.pipeline import update as updating

    outcome = updating.run(app.session, protocol, app.root, settings=settings, source=source, name=name,
                           changed=changed, full=full, search_only=search_only)  # fmt: skip
    _echo_outcome(outcome)


def _echo_estimates(found: list[UpdateEstimate]) -> None:
    credits = 0
    for e in found:
        head = f"{e.planned.source}/{e.planned.name}: {e.planned.note}"
        if e.estimate is None:
            click.echo(f"{head}: {e.refused}")
            continue
        cost = ""
        if e.planned.source == "openalex":
            credits += e.estimate.credits
            cost = f", {e.estimate.credits} credits (${e.estimate.credits / 10000:.4f})"
        click.echo(f"{head}: {e.estimate.count} records, {e.estimate.requests} requests{cost}")
    click.echo("Nothing was fetched" + (f"; OpenAlex total: {credits} credits." if credits else "."))


def _echo_outcome(outcome: UpdateOutcome) -> None:
    from review import pipeline

    found = outcome.search
    click.echo(f"Update of version {found.version}:")
    for r in found.runs:
        total = "?" if r.total_reported is None else r.total_reported
        resumed = " (resumed)" if r.resumed else ""
        click.echo(
            f"  {r.source}/{r.name}: {r.status}{resumed}, {r.retrieved} of {total} records "
            f"({r.new} new to the store), run {r.run_id}, ${r.cost_usd:.4f}"
        )
    for why in found.skipped:
        click.echo(f"  {why}")
    if found.unfinished:
        problems = [f"{r.source}/{r.name}: {r.message}" for r in found.unfinished]
        raise SearchError("Not every update search finished.\n" + "\n".join(problems))
    if outcome.stages is not None:
        click.echo(pipeline.render(outcome.stages))


@cli.group("version", invoke_without_command=True)
@click.pass_context
def version_group(ctx: click.Context) -> None:
    """Close the review as it stands as a named version, or list the versions closed.

    A closed version freezes its counts, included studies and outputs (under extracted/NAME/);
    everything after belongs to the next version, which `review update` fills.
    Without a subcommand, lists the versions.

    \b
    Example:
        review version close v1 --reviewer lead
        review version list
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(list_cmd)


@version_group.command("close")
@click.argument("name")
@click.option("--reviewer", required=True, help="Who closes it: a reviewer named in the protocol.")
@click.option("--note", default=None, help="A note kept with the version (what it was for).")
@pass_app
def close_cmd(app: App, name: str, reviewer: str, note: str | None) -> None:
    """Close the review as it stands as version NAME; write its outputs to extracted/NAME/.

    \b
    Example:
        review version close v1 --reviewer lead --note "report to DfE, March"
    """
    from review import versions

    protocol = app.protocol()
    app.check_reviewer(reviewer)
    with app.session() as session:
        closed = versions.close(session, protocol, name, reviewer, root=app.root, note=note)
    v = closed.version
    click.echo(
        f"Closed version {v.name} at {v.closed_at:%Y-%m-%d %H:%M} UTC by {v.closed_by}: "
        f"{len(v.includes or [])} included studies; {len(closed.files)} files in {v.out_dir}/."
    )
    for item in closed.open_items:
        click.echo(f"  Still waiting (stays with {v.name}, never queued again): {item}")
    click.echo("Everything from now on belongs to the next version: `review update` fetches what is new.")


@version_group.command("list")
@pass_app
def list_cmd(app: App) -> None:
    """List the closed versions: name, when, by whom, included studies, records and works.

    \b
    Example:
        review version list
    """
    from review import versions

    with app.session() as session:
        found = versions.listing(session)
    if not found:
        click.echo("No version closed yet: `review version close NAME --reviewer YOU` freezes one.")
        return
    for v in found:
        c = v.counts or {}
        click.echo(
            f"{v.name}  closed {v.closed_at:%Y-%m-%d %H:%M} UTC by {v.closed_by}: {c.get('included', 0)} "
            f"included, {c.get('records', 0)} records, {c.get('works', 0)} works  ({v.out_dir}/)"
            + (f"  {v.note}" if v.note else "")
        )
