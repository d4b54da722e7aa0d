"""The `review` command group: global options, lazy store, and error handling.

Commands live in one module per stage (`review/cli/<stage>.py`); each parses, calls the stage,
and echoes. Nothing here touches the database until a command asks for a session, so
`review ... --help` never creates a file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from review import __version__
from review.errors import InputError, ReviewError

if TYPE_CHECKING:  # the store and protocol libraries load on first use: `--help` stays fast
    from sqlalchemy import Engine
    from sqlmodel import Session

    from review.protocol import Protocol

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
STAGE_CHOICE = click.Choice(["title-abstract", "full-text"])


def stage_value(cli_stage: str) -> str:
    """`title-abstract` → `title_abstract` (how stages are stored)."""
    return cli_stage.replace("-", "_")


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

            self._engine = make_engine(self.db_target)
            init_db(self._engine)
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        from review.db import session_scope

        with session_scope(self.engine()) as session:
            yield session

    def protocol(self) -> Protocol:
        if self._protocol is None:
            from review.protocol import PROTOCOL_FILE, load_protocol

            self._protocol = load_protocol(self.protocol_path or self.root / PROTOCOL_FILE)
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


class ReviewGroup(click.Group):
    """Turns a ReviewError into `Error: ...` with exit code 1; other exceptions are bugs."""

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
