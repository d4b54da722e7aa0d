"""The `review` command group: global options, lazy store, and error handling.

Commands live in one module per stage (`review/cli/<stage>.py`); each parses, calls the stage,
and echoes. Nothing here touches the database until a command asks for a session, so
`review ... --help` never creates a file.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.decorators import FC

from review import __version__
from review.errors import InputError, ReviewError
from review.states import Stage

if TYPE_CHECKING:  # the store and protocol libraries load on first use: `--help` stays fast
    from sqlalchemy import Engine
    from sqlmodel import Session

    from review.protocol import Protocol

# Commands that only read the store (they may write files): outside a review folder (no store, no
# protocol) they say so instead of leaving an empty store behind.
READ_ONLY = frozenset(
    {
        "status", "query", "export", "prisma", "searches", "agreement", "log", "backup", "copy",
        "conflicts", "conflicts export", "dedupe export", "extract conflicts", "extract export",
        "fulltext search", "fulltext status", "screen progress", "screen export", "version list", "version",
    }
)  # fmt: skip
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def stage_option(f: FC) -> FC:
    """The one `--stage` option: users type `title-abstract`, the command gets a `Stage`."""
    return click.option(
        "--stage",
        type=click.Choice([s.cli for s in Stage]),
        default=Stage.TITLE_ABSTRACT.cli,
        show_default=True,
        callback=lambda _ctx, _param, value: Stage.parse(value),
        help="Screening stage.",
    )(f)


@dataclass
class App:
    """Per-invocation state: where the review lives; the engine is made on first use."""

    root: Path
    db: str | None = None
    protocol_path: Path | None = None
    _engine: Engine | None = field(default=None, repr=False)
    _protocol: Protocol | None = field(default=None, repr=False)

    @property
    def db_target(self) -> str:
        return self.db or str(self.root / "review.db")

    @property
    def sources_dir(self) -> Path:
        return self.root / "sources"

    @property
    def extracted_dir(self) -> Path:
        return self.root / "extracted"

    def engine(self) -> Engine:
        if self._engine is None:
            from review.db import init_db, make_engine

            target = self.db_target
            if _read_only() and not self._store_exists():
                if not self._protocol_file().exists():
                    raise ReviewError(
                        f"No review store here ({self.db_target}): run `review init` to start a "
                        "review, or point --dir or --db at one."
                    )
                # A review with its protocol but no store yet (a fresh clone): read an empty store
                # held in memory, so a command that only reads leaves no file behind.
                target = "sqlite://"
            self._engine = make_engine(target)
            init_db(self._engine)
        return self._engine

    def _protocol_file(self) -> Path:
        from review.protocol import PROTOCOL_FILE

        return self.protocol_path or self.root / PROTOCOL_FILE

    def _store_exists(self) -> bool:
        if "://" not in self.db_target:
            return Path(self.db_target).exists()
        from review.db import make_engine, schema_version

        engine = make_engine(self.db_target)
        try:
            return schema_version(engine) is not None
        finally:
            engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        from review.db import session_scope

        with session_scope(self.engine()) as session:
            yield session

    def protocol(self) -> Protocol:
        if self._protocol is None:
            from review.protocol import load_protocol

            self._protocol = load_protocol(self._protocol_file())
        return self._protocol

    def check_reviewer(self, name: str) -> str:
        """A reviewer named in the protocol, or an error listing who is."""
        allowed = self.protocol().review.reviewers
        if name not in allowed:
            raise InputError(
                f"Unknown reviewer {name!r}: the protocol names {', '.join(allowed)}. "
                "Add them under [review] reviewers in the protocol."
            )
        return name

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def _read_only() -> bool:
    """Whether the command running now only reads the store (its path after `review`)."""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.command_path.partition(" ")[2] in READ_ONLY


# Each command's modules (review.cli.<module>) and the summary `review --help` lists: a command's
# module, with the libraries it needs, is imported only when that command runs, so `review --help`
# starts in a fraction of the time (tests/test_housekeeping.py keeps this table true).
COMMANDS: dict[str, tuple[tuple[str, ...], str]] = {
    "agreement": (
        ("conflicts",),
        "Report agreement between screeners: n, observed agreement, kappa, PABAK and AC1 with 95% CIs.",
    ),
    "backup": (("team",), "Write a consistent snapshot of the review store to a new SQLite FILE."),
    "conflicts": (
        ("conflicts",),
        "List records where screeners disagree (include against exclude; at full text, reasons too).",
    ),
    "copy": (
        ("team",),
        "Copy the whole review into another store (SQLite to PostgreSQL and back) and verify it.",
    ),
    "dedupe": (
        ("dedupe",),
        "Group records into works: the same study from several searches is screened once.",
    ),
    "demo": (
        ("pipeline",),
        "Build a sample review from bundled real records and take it through every stage, offline.",
    ),
    "export": (
        ("report",),
        "Write included studies (RIS, BibTeX, CSV) and the extraction tables (CSV, Markdown).",
    ),
    "evidence": (
        ("evidence",),
        "Stakeholder evidence: call for evidence, interviews, focus groups, family voices.",
    ),
    "extract": (("extract",), "Extract data from included studies into tables writers can query."),
    "fulltext": (
        ("fulltext",),
        "Find, fetch, read and search the full texts of works included at title/abstract.",
    ),
    "import": (
        ("imports",),
        "Import records from a database export or spreadsheet as one search-log entry.",
    ),
    "init": (("project",), "Create a review folder with a template protocol and an empty store."),
    "log": (
        ("conflicts",),
        "Show RECORD's whole history: searches, merges, rules, every decision, conflict and resolution.",
    ),
    "prisma": (
        ("report",),
        "Write the PRISMA 2020 flow diagram (SVG + CSV), the PRISMA-S appendix and methods text.",
    ),
    "query": (
        ("report",),
        "Run one read-only SQL query on the store (the database refuses any write).",
    ),
    "restore": (("team",), "Load a backup FILE into the review store (the one --db names)."),
    "run": (("pipeline",), "Run every automated stage in order; list what waits for people."),
    "screen": (
        ("screen", "screen_rank"),
        "Screen works one at a time from the keyboard (blind to other reviewers).",
    ),
    "search": (("search",), "Harvest the protocol's OpenAlex and GOV.UK searches into the store."),
    "searches": (
        ("imports",),
        "List every search and import run, with the exact request, dates and counts.",
    ),
    "serve": (
        ("serve",),
        "Screen in a browser: a web app over this review's store, one sign-in link per reviewer.",
    ),
    "status": (("project",), "Show counts at every stage and what to do next."),
    "update": (
        ("update",),
        "Re-run every protocol search for what is new since its last complete run.",
    ),
    "version": (
        ("update",),
        "Close the review as it stands as a named version, or list the versions closed.",
    ),
}


def load_commands(names: Iterable[str] | None = None) -> None:
    """Import the modules that register these commands (None: every command)."""
    for name in COMMANDS if names is None else names:
        for module in COMMANDS[name][0]:
            importlib.import_module(f"review.cli.{module}")


class ReviewGroup(click.Group):
    """Turns a ReviewError into `Error: ...` with exit code 1; other exceptions are bugs.

    The root group loads each command's module on first use (COMMANDS); listing the commands
    (`review --help`) reads their summaries from the table and loads nothing.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        lazy = COMMANDS if self is cli else {}
        return sorted(set(self.commands) | set(lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if self is cli and cmd_name in COMMANDS:
            # Every module of the command, even when one is already loaded: `screen` is completed by
            # screen_rank's subcommands, and a caller may have imported cli.screen alone.
            load_commands([cmd_name])
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if self is not cli:
            super().format_commands(ctx, formatter)
            return
        # Stand-ins carry each summary: click shortens them to the width exactly as the real ones.
        stand_ins = {name: click.Command(name, help=summary) for name, (_, summary) in COMMANDS.items()}
        shown = click.Group(commands={**stand_ins, **self.commands})
        shown.format_commands(ctx, formatter)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ReviewError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=ReviewGroup, context_settings=CONTEXT_SETTINGS)
@click.option(
    "--dir",
    "root",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    envvar="REVIEW_DIR",
    show_default=True,
    help="The review folder (protocol/, sources/, extracted/).",
)
@click.option(
    "--db",
    default=None,
    envvar="REVIEW_DB",
    metavar="PATH|URL",
    help="SQLite file or database URL (postgresql://...). Default: review.db in the review folder.",
)
@click.option(
    "--protocol",
    "protocol_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Protocol file. Default: protocol/protocol.toml in the review folder.",
)
@click.version_option(__version__, prog_name="review")
@click.pass_context
def cli(ctx: click.Context, root: Path, db: str | None, protocol_path: Path | None) -> None:
    """Rapid evidence reviews of UK policy: search, dedupe, screen, full text, extract, report.

    \b
    Example:
        review init my-review && cd my-review
        review search --dry-run
    """
    ctx.obj = app = App(root=root, db=db, protocol_path=protocol_path)
    ctx.call_on_close(app.close)


pass_app = click.make_pass_decorator(App)
