"""A table's cells: a header name made comparable (`norm_header`), a cell tidied (`tidy`), and the
readers that make a tidied cell its field's value (`CONVERT`: names, keywords, dates, pages). Shared
by the column plan, the row reader and the database dialects.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

from review.formats.common import clean, parse_date
from review.normalize import normalize_doi, normalize_pmid, normalize_year

Convert = Callable[[str], Any]  # a cleaned, non-empty cell → the field's value; None if unreadable
Row = tuple[int, list[str]]  # a table row with its line (CSV) or sheet row number (XLSX)
SHORT = 500  # characters: a title, a name; not an abstract (see `tidy`)
# English month names, as exports write them (`calendar.month_abbr` follows the locale: not that)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def norm_header(header: str) -> str:
    """A header name as names are compared: case-insensitively, `_` as a space, spaces collapsed."""
    return " ".join(header.replace("_", " ").split()).casefold()


def tidy(cell: str) -> str:
    """A cell with line breaks, tabs and runs of spaces collapsed. Most cells need nothing, so look
    before splitting, with scans that cost little even on a long abstract (splitting every cell
    costs more than parsing the file). In a long text a double space inside a line is left: finding
    one costs as much again, and it changes nothing a reader sees."""
    if (
        "\n" in cell
        or "\r" in cell
        or "\t" in cell
        or "\xa0" in cell  # a no-break space, common in text pasted from Word or a web page
        or cell[:1] == " "
        or cell[-1:] == " "
        or (len(cell) < SHORT and "  " in cell)
    ):
        return " ".join(cell.split())
    return cell


def split_on(value: str, separators: str) -> list[str] | None:
    """A tidied cell split on the first of `separators` it holds (like `split_list`, lighter)."""
    for sep in separators:
        if sep in value:
            return [p for p in map(str.strip, value.split(sep)) if p] or None
    return [value]


def _py_list(value: str) -> list[str] | None:
    """A Python list written into a cell (`['Marx, Karl', 'Lindgren, Astrid']`, as pandas saves
    the lists of a RIS file read by rispy, which ASReview exports do)."""
    if not (value.startswith("[") and value.endswith("]")):
        return None
    try:
        items = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return None
    return [s for s in (clean(str(i)) for i in items) if s] if isinstance(items, list) else None


def semicolons(value: str) -> list[str] | None:
    """A list written `A; B; C` (or as a Python list), as most exports write authors."""
    if value[0] == "[":
        return _py_list(value) or split_on(value, ";")
    if ";" not in value:
        return [value]
    if value.count(";") == value.count("; "):  # the usual `A; B; C`: split without stripping
        parts = value.split("; ")
        if "" not in parts:
            return parts
    return [p for p in map(str.strip, value.split(";")) if p] or None


def pipes(value: str) -> list[str] | None:
    """A list written `A|B|C`, as OpenAlex writes it."""
    return split_on(value, "|")


def generic_keywords(value: str) -> list[str] | None:
    """Keywords in a table of unknown origin: a Python list, else split on `;` or `,`."""
    return _py_list(value) or split_on(value, ";,")


def one_item(value: str) -> list[str]:
    """The cell as a one-item list, for a list field whose column holds one value."""
    return [value]


def read_date(value: str) -> str | None:
    """An ISO date, year-month or year from the spellings exports use: `2017-11-28`, `2019 Mar 15`,
    `25 Aug 2004`, `January 7, 2011`, `March 2022`, `2014`; None if it is not a date."""
    iso = re.match(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[T ]|$)", value)
    if iso:
        return parse_date("-".join(p for p in iso.groups() if p))
    if re.fullmatch(r"\d{4}", value):
        return value
    found = parse_date(value)
    if found:
        return found
    spelled = re.fullmatch(r"(?:(\d{1,2}) )?([A-Za-z]{3,})\.?(?: (\d{1,2}),?)? (\d{4})", value)
    month = _MONTHS.get(spelled.group(2)[:3].lower()) if spelled else None
    if not spelled or not month:
        return None
    day = spelled.group(1) or spelled.group(3)
    return parse_date(f"{spelled.group(4)}-{month}" + (f"-{day}" if day else ""))


def page_range(value: str) -> str:
    """Pages as `start-end` (`201--219`, `100 – 127`); article numbers and `iii33` as written."""
    if " " not in value and "--" not in value and "–" not in value and "—" not in value:
        return value  # already `start-end` (most are): no regex for them
    return re.sub(r"\s*(?:--|-|–|—)\s*", "-", value)


def doc_type(value: str) -> str:
    """A document type in lower case (BibTeX's `ARTICLE`, `article` alike)."""
    return value.lower()


CONVERT: dict[str, Convert] = {
    "authors": semicolons,
    "keywords": generic_keywords,
    "other_titles": one_item,
    "year": normalize_year,
    "publication_date": read_date,
    "doi": normalize_doi,
    "pmid": normalize_pmid,
    "pages": page_range,
}
