"""`review serve`: the review in a browser (the pages are in review/web)."""

from __future__ import annotations

import ipaddress
import os

import click

from review.cli.base import App, cli, pass_app
from review.errors import InputError

SECRET_ENV = "REVIEW_WEB_SECRET"


@cli.command("serve")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0: a team)."
)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--invite", metavar="NAME", help="Print a one-time sign-in link for reviewer NAME and exit.")
@click.option("--writer", is_flag=True, help="With --invite: NAME is a writer (reads outputs only).")
@click.option("--revoke", metavar="NAME", help="Take writer NAME off the store's list of writers and exit.")
@click.option(
    "--url",
    "public_url",
    metavar="URL",
    help="The address reviewers open, when a proxy serves the site (for --invite links).",
)
@pass_app
def serve_cmd(
    app: App,
    host: str,
    port: int,
    invite: str | None,
    writer: bool,
    revoke: str | None,
    public_url: str | None,
) -> None:
    """Screen in a browser: a web app over this review's store, one sign-in link per reviewer.

    Each reviewer signs in once from a link `--invite NAME` prints (valid 7 days, used once) and
    sees only their own queue; writers (`--invite NAME --writer`) read the writers' page only.
    Away from 127.0.0.1, put it behind the organisation's TLS proxy: the session cookie is then
    sent over HTTPS only, and REVIEW_WEB_SECRET must hold the secret that signs cookies (kept
    outside the store; on 127.0.0.1 over SQLite one is kept in the store if unset).

    \b
    Example:
        review serve --invite reviewer1
        review serve --invite "Sam Writer" --writer
        review serve --port 8080
        review serve --host 0.0.0.0 --url https://review.example.org --invite reviewer2
    """
    base = (public_url or f"http://{_shown(host)}:{port}").rstrip("/")
    if writer and invite is None:
        raise click.UsageError("--writer goes with --invite NAME.")
    if revoke is not None:
        return _revoke(app, revoke)
    if invite is not None:
        name = invite if writer else app.check_reviewer(invite)
        click.echo(f"{base}/signin/{_invite(app, name, writer)}")
        click.echo("The link signs in once and expires in 7 days.")
        return None
    _serve(app, host, port, base)
    return None


def _invite(app: App, name: str, writer: bool) -> str:
    from review.web import auth

    with app.session() as session:
        return auth.invite(session, app.protocol(), name, writer=writer)


def _revoke(app: App, name: str) -> None:
    from review.web import auth

    with app.session() as session:
        if not auth.revoke_writer(session, name):
            raise InputError(f"{name!r} is not on the store's list of writers: nothing to revoke.")
    click.echo(f"{name} is no longer a writer: their sign-in and any unused link stop working now.")


def _serve(app: App, host: str, port: int, base: str) -> None:
    import uvicorn

    from review.web import auth
    from review.web.app import WebConfig, create_app

    local = _loopback(host)
    secret = os.environ.get(SECRET_ENV)
    engine = app.engine()
    if not secret and (not local or engine.dialect.name != "sqlite"):
        # A team's store is read by more people than run the server (writers' `review query`,
        # the database's own users, the writers' page, whose SQL on PostgreSQL can read every
        # table): the key that signs everyone's cookies must not be in it.
        where = f"--host {host} serves a team" if not local else "the store is on PostgreSQL"
        raise InputError(
            f"{where}: set {SECRET_ENV} to a long random value kept outside the "
            "store, e.g. `export REVIEW_WEB_SECRET=$(python3 -c "
            "'import secrets; print(secrets.token_urlsafe(32))')`."
        )
    if not secret:
        with app.session() as session:
            secret = auth.signing_secret(session)
    config = WebConfig(engine, app.protocol(), secret, https_only=not local, root=app.root)
    click.echo(f"Serving the review at {base}/ (Ctrl-C stops it).")
    click.echo("Sign reviewers in with links from `review serve --invite NAME`.")
    if not local:
        click.echo(
            f"--host {host} is reachable from other machines: serve it only behind the organisation's "
            "TLS proxy (HTTPS). Sign-in cookies are sent over HTTPS only, so plain http will not sign in."
        )
    uvicorn.run(create_app(config), host=host, port=port, log_level="warning", access_log=False)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _shown(host: str) -> str:
    """The host as a URL names it (an IPv6 address in brackets; 0.0.0.0 as this machine)."""
    if host in ("0.0.0.0", "::"):
        return "127.0.0.1" if host == "0.0.0.0" else "[::1]"
    return f"[{host}]" if ":" in host else host
