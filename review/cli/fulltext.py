"""`review fulltext` commands: fetch, add, read, search and count the full texts."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import click

from review.cli.base import App, cli, pass_app

if TYPE_CHECKING:
    from review.fulltext.add import Added
    from review.fulltext.fetch import FetchResult
    from review.fulltext.read import ReadResult
    from review.fulltext.status import FulltextStatus

PDF_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@cli.group("fulltext", invoke_without_command=True)
@click.pass_context
def fulltext_cmd(ctx: click.Context) -> None:
    """Find, fetch, read and search the full texts of works included at title/abstract.

    Files are stored by their sha256 under fulltexts/ in the review folder; their text is kept
    per page (with tables) in the store. Without a subcommand, shows `review fulltext status`.

    \b
    Example:
        review fulltext fetch
        review fulltext search '"family hubs" outcomes'
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(status_cmd)


@fulltext_cmd.command("fetch")
@click.option("--retry", is_flag=True, help="Try again the URLs that failed before.")
@click.option("--max-mb", type=click.IntRange(1), default=50, show_default=True, help="Size cap per file.")
@click.option("--workers", type=click.IntRange(1, 8), default=2, show_default=True, help="Reading processes.")
@pass_app
def fetch_cmd(app: App, retry: bool, max_mb: int, workers: int) -> None:
    """Fetch open-access PDFs and GOV.UK attachments for included works, then read them.

    Each work's URLs are tried in order (OpenAlex best open-access PDF, other locations, the
    open-access URL, GOV.UK attachments) until one gives a readable document. Safe to stop and
    re-run: works already retrieved are skipped; failed URLs are tried again only with --retry.

    \b
    Example:
        review fulltext fetch
        review fulltext fetch --retry
    """
    from review.fulltext import fetch
    from review.http import MB, ClientSettings
    from review.settings import from_env

    result = fetch.run(
        app.session,
        app.root,
        settings=from_env(os.environ),
        retry=retry,
        client=ClientSettings(max_bytes=max_mb * MB),
        workers=workers,
        progress=_tick,
    )
    if result.works:
        click.echo("", err=True)  # end the progress line
    click.echo(_fetched_line(result))


def _tick(total: FetchResult) -> None:
    click.echo(f"\r  {total.works} works: {total.readable} readable so far", nl=False, err=True)


def _fetched_line(r: FetchResult) -> str:
    return (
        f"{_n(r.works, 'work')}: {_n(r.attempts, 'URL')} tried, {_n(r.retrieved, 'file')} retrieved "
        f"({r.readable} readable, {r.unreadable} unreadable), {r.not_retrieved} failed, "
        f"{_n(r.no_candidates, 'work')} with no full-text URL."
    )


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@fulltext_cmd.command("add")
@click.argument("record", type=int, required=False)
@click.argument("file", type=PDF_FILE, required=False)
@click.option(
    "--folder", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Match a folder's PDFs."
)
@pass_app
def add_cmd(app: App, record: int | None, file: Path | None, folder: Path | None) -> None:
    """Add a PDF you have for a work, or a folder of PDFs matched by DOI or title.

    \b
    Example:
        review fulltext add 42 ~/Downloads/evaluation.pdf
        review fulltext add --folder ~/Downloads/fulltexts
    """
    from review.fulltext import add

    if (folder is None) == (record is None or file is None) or (folder and (record or file)):
        raise click.UsageError("Give RECORD and FILE, or --folder DIR (not both).")
    with app.session() as session:
        if folder is not None:
            result = add.add_folder(session, app.root, folder)
            added, unmatched = result.added, result.unmatched
        else:
            assert record is not None and file is not None
            added, unmatched = (add.add_file(session, app.root, record, file),), ()
    _echo_added(added, unmatched)


def _echo_added(added: tuple[Added, ...], unmatched: tuple[tuple[str, str], ...]) -> None:
    for a in added:
        why = f": {a.reason}" if a.reason and a.status == "unreadable" else ""
        click.echo(
            f"{a.file} -> work {a.work_id} (by {a.matched_by}), document {a.document_id}: {a.status}{why}"
        )
    for name, why in unmatched:
        click.echo(f"{name}: not added ({why})", err=True)
    click.echo(f"{_n(len(added), 'file')} added, {len(unmatched)} not matched.")


@fulltext_cmd.command("read")
@click.argument("pdfs", nargs=-1, required=True, type=PDF_FILE)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file, on one line each.")
@click.option("--workers", type=click.IntRange(1, 8), default=2, show_default=True, help="Reading processes.")
def read_cmd(pdfs: tuple[Path, ...], as_json: bool, workers: int) -> None:
    """Read PDFs as the store would and show, per file, what came out (nothing is stored).

    \b
    Example:
        review fulltext read report.pdf scanned.pdf
        review fulltext read *.pdf --json
    """
    from review.fulltext.batch import read_many

    for result in read_many([str(p) for p in pdfs], workers=workers):
        click.echo(json.dumps(_summary(result)) if as_json else _read_line(result))


def _summary(r: ReadResult) -> dict[str, object]:
    return {
        "file": r.path, "status": r.status, "reason": r.reason, "method": r.method,
        "pages": len(r.pages), "chars": r.chars, "tables": len(r.tables), "note": r.note,
    }  # fmt: skip


def _read_line(r: ReadResult) -> str:
    if r.status != "readable":
        return f"{r.path}: unreadable: {r.reason}"
    note = f" ({r.note})" if r.note else ""
    counts = f"{len(r.pages)} pages, {r.chars} characters, {len(r.tables)} tables"
    return f"{r.path}: readable ({r.method}), {counts}{note}"


@fulltext_cmd.command("search")
@click.argument("query")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="Most pages to show.")
@pass_app
def search_cmd(app: App, query: str, limit: int) -> None:
    """Find pages of the full texts: words, "a phrase", AND/OR/NOT, prefix*; best first.

    \b
    Example:
        review fulltext search '"school readiness"'
        review fulltext search 'attendance AND "children''s centres"' --limit 5
    """
    from review.fulltext.search import search

    with app.session() as session:
        hits = search(session, query, limit=limit)
    for hit in hits:
        click.echo(f"work {hit.work_id}, page {hit.page_no} (document {hit.document_id}): {hit.title or ''}")
        click.echo("    " + " ".join(hit.snippet.split()))
    click.echo(f"{_n(len(hits), 'page')} found." if hits else "No page matches.")


@fulltext_cmd.command("status")
@click.option("--json", "as_json", is_flag=True, help="The counts as JSON.")
@pass_app
def status_cmd(app: App, as_json: bool) -> None:
    """Count works sought, retrieved, unreadable and not retrieved (with reasons, for PRISMA).

    \b
    Example:
        review fulltext status
    """
    from review.fulltext.status import status

    with app.session() as session:
        result = status(session)
    click.echo(json.dumps(asdict(result), indent=2) if as_json else "\n".join(_status_lines(result)))


def _status_lines(s: FulltextStatus) -> list[str]:
    w = s.works
    lines = [
        f"Reports sought for retrieval: {s.sought} works included at title/abstract",
        f"  readable: {w['readable']}   retrieved but unreadable: {w['unreadable']}   "
        f"not retrieved: {w['not_retrieved']}   not yet sought: {w['pending']}   "
        f"not yet read: {w['retrieved']}",
    ]
    lines += [f"  not retrieved, {why}: {n}" for why, n in s.not_retrieved_reasons]
    lines += [f"  unreadable, {why}: {n}" for why, n in s.unreadable_reasons]
    docs = ", ".join(f"{k} {v}" for k, v in sorted(s.documents.items())) or "none"
    lines.append(f"Documents: {docs} ({s.manual} added by hand)")
    return lines
