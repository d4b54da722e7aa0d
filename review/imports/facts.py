"""The PRISMA-S facts an export cannot say: the strategy as typed at the database, the day it was
searched and the interface (`review import --strategy/--searched-on/--interface`), checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from review.db import utcnow
from review.errors import InputError

MAX_STRATEGY = 1024 * 1024  # bytes: a bigger "strategy" is a wrong file (an export, say)


@dataclass(frozen=True)
class SearchFacts:
    """The PRISMA-S facts given for an import, checked."""

    strategy: str | None
    searched_on: date | None
    interface: str | None


def search_facts(strategy: str | None, searched_on: str | None, interface: str | None) -> SearchFacts:
    """The --strategy, --searched-on and --interface values, checked (a strategy file read)."""
    return SearchFacts(_strategy(strategy), _searched_on(searched_on), _interface(interface))


def _interface(value: str | None) -> str | None:
    if value is None:
        return None
    interface = value.strip()
    if not interface or "\n" in interface:
        raise InputError(
            f"--interface {value!r} is not a name: give the platform searched on one line, "
            'e.g. --interface Ovid or --interface "Scopus web".'
        )
    return interface


def _strategy(value: str | None) -> str | None:
    if value is None:
        return None
    text = value
    if value.startswith("@") and not value.startswith("@@"):
        text = _strategy_file(Path(value[1:].strip()).expanduser())
    elif value.startswith("@@"):
        text = value[1:]
    if not text.strip():
        raise InputError(
            "--strategy is empty: give the search strategy exactly as typed at the database, "
            "or @FILE to read it from a text file."
        )
    return text


def _strategy_file(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_STRATEGY:
            raise InputError(
                f"--strategy @{path}: the file is over 1 MB, too big for a search strategy; "
                "give the text file holding the strategy as typed at the database."
            )
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise InputError(
            f"--strategy @{path}: cannot read the file ({exc.strerror}); give the path of a text file "
            "holding the strategy, or the strategy itself without @."
        ) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"--strategy @{path}: the file is not UTF-8 text; save it as UTF-8.") from exc


def _searched_on(value: str | None) -> date | None:
    if value is None:
        return None
    text = value.strip()
    example = "e.g. --searched-on 2026-03-14"
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--searched-on {value!r} is not a date: give the day the database was searched as "
            f"YYYY-MM-DD, {example}."
        ) from None
    today = max(date.today(), utcnow().date())  # the searcher's local day may be ahead of UTC
    if day > today:
        raise InputError(
            f"--searched-on {text} is in the future (today is {today.isoformat()}): give the day the "
            f"search was run at the database, {example}."
        )
    return day
