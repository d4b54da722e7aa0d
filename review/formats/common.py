"""Helpers shared by the readers and writers: field normalisers and stable record IDs."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NoReturn

from review.errors import ImportFormatError
from review.records import RecordIn

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun"), 1)} | {
    m: i for i, m in enumerate(("jul", "aug", "sep", "oct", "nov", "dec"), 7)
}
MAX_ERRORS = 5


@dataclass(frozen=True)
class Problem:
    """Why one entry of a file cannot be read: the line where the damage is (not merely where the
    entry starts), what is wrong and how to fix it. `entry` names the entry (its first line, or its
    key) when the damage is elsewhere in it."""

    line: int | None
    message: str
    entry: str | None = None
    file: str | None = None  # named when one import reads several files

    def __str__(self) -> str:
        where = ", ".join(w for w in (self.file, f"line {self.line}" if self.line is not None else None) if w)
        return (f"{where}: " if where else "") + self.message + (f" (in {self.entry})" if self.entry else "")


@dataclass
class Parsed:
    """What a reader made of a file: each good record with the line it starts on, and a Problem for
    each entry it could not read (those entries are not in `entries`). `notes` say what the reader
    did that a user should know (e.g. "2 citation keys repeat; both entries kept").

    A reader raises ImportFormatError only when the file is not of its format at all; damage inside
    entries is reported here, so `review import --skip-invalid` can store the good entries.
    """

    kind: str  # the format's name as users know it: "RIS", "BibTeX", "Web of Science plain text"...
    entries: list[tuple[int | None, RecordIn]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def records(self) -> list[RecordIn]:
        return [record for _, record in self.entries]


def strict(parsed: Parsed, name: str) -> list[RecordIn]:
    """The records of a file with no problems; otherwise ImportFormatError listing them."""
    raise_errors(name, parsed.kind, [str(p) for p in parsed.problems])
    return parsed.records


def clean(value: str | None) -> str | None:
    """Collapse runs of whitespace; an empty value becomes None."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def parse_date(value: str | None) -> str | None:
    """An ISO date (or year-month) from "2019/03/15", "2019-03", "2019 Mar 15"; None if not a date."""
    if not value:
        return None
    parts = [p for p in re.split(r"[/\-\s]+", value.strip()) if p]
    if len(parts) < 2 or not re.fullmatch(r"\d{4}", parts[0]):
        return None
    month = _MONTHS.get(parts[1][:3].lower()) or (int(parts[1]) if parts[1].isdigit() else None)
    if not month or not 1 <= month <= 12:
        return None
    if len(parts) > 2 and parts[2].isdigit():
        try:
            return date(int(parts[0]), month, int(parts[2])).isoformat()
        except ValueError:
            return None
    return f"{parts[0]}-{month:02d}"


def split_list(value: str | None, separators: str = ";") -> list[str] | None:
    """Split a delimited cell on the first separator it contains; None when empty."""
    text = clean(value)
    if not text:
        return None
    for sep in separators:
        if sep in text:
            items = [clean(p) for p in text.split(sep)]
            return [p for p in items if p] or None
    return [text]


def non_empty(values: Iterable[str | None]) -> list[str] | None:
    items = [c for c in (clean(v) for v in values) if c]
    return items or None


def _fold(text: str | None) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "").casefold()
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", stripped).split())


def derived_id(record: RecordIn) -> str:
    """A stable ID from the normalised title, year and first author's surname.

    Its own folding, not `review.normalize`: a change there must never change the IDs of records
    already stored, or re-importing a file would duplicate them.

    Unaffected by the record's position in the file and by case, accents or punctuation, so
    re-importing an edited export finds the same records again.
    """
    first = (record.authors or [""])[0].split(",")[0]
    key = "|".join((_fold(record.title), str(record.year or ""), _fold(first)))
    if key == "||":
        key = "|".join(_fold(v) for v in (record.abstract, record.url, record.journal, record.publisher))
    return "h" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def raise_errors(name: str, kind: str, errors: list[str]) -> None:
    """Reject a whole file if there is any problem, listing the first few."""
    if errors:
        fail(name, kind, errors)


def fail(name: str, kind: str, errors: list[str]) -> NoReturn:
    """Reject a whole file, listing its first few problems."""
    more = f"\n  ... and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
    listed = "\n  ".join(errors[:MAX_ERRORS])
    raise ImportFormatError(
        f"{name} is not a valid {kind} file; nothing was imported. Fix these lines and import again:\n"
        f"  {listed}{more}"
    )


def split_lines(text: str) -> list[str]:
    """The lines of an export, whatever its line ends (CRLF, CR, LF).

    Exports joined with `cat` keep each file's byte-order mark, which is never part of a field.
    """
    return text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
