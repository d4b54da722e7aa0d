"""What a database export looks like as a table: a Dialect is recognised by its header's
signatures, and lists its columns (Col), each with the field it fills and how its cells are read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from review.formats.csvfile.cells import Convert, norm_header


class Col(NamedTuple):
    """A column a database writes: the field it fills, as spelled in the export's header.

    Several columns for one field are read in order, the first with a value winning (all adding,
    for keywords). `keep`: the column is also kept in extra whatever is read from it (an article
    number used only when there are no pages; a list of which one item is read). `spare`: a
    fallback kept in extra in a row where another column's value is used (a book series beside
    the book's title).
    """

    field: str  # a RecordIn field; or "start_page", "end_page", "article_number", "source_id",
    # or "id:KEY" for other_ids[KEY]
    name: str
    convert: Convert | None = None
    keep: bool = False
    spare: bool = False


Finish = Callable[[dict[str, Any], Mapping[str, str]], None]


@dataclass(frozen=True)
class Dialect:
    """One database's export: recognised when its header holds every column of one signature."""

    name: str
    signatures: tuple[frozenset[str], ...]
    columns: tuple[Col, ...]
    record_id: str | None = None  # the other_ids key that is also the record's source_id
    reads: Mapping[str, str] | None = None  # cells `finish` looks at (they stay in extra too)
    finish: Finish | None = None  # fixes a record needs from several cells


def signatures(*names: Iterable[str]) -> tuple[frozenset[str], ...]:
    """A dialect's signatures: each group of column names that together mark its export."""
    return tuple(frozenset(norm_header(n) for n in group) for group in names)
