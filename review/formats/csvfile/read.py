"""CSV or TSV text to numbered rows, and any table's rows (CSV or XLSX) to records: what stands above
the header (Excel's `sep=` line, a title or a note) skipped, the delimiter taken from the header line,
and a row the csv module cannot read, or one with values past the header's last column, reported as
a Problem while the others are read (through the column plan and the row reader).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from review.formats.common import Parsed, Problem, fail, strict
from review.formats.csvfile.cells import Row, norm_header
from review.formats.csvfile.columns import ALIASES, check_titles, column_plan, plan_notes
from review.formats.csvfile.dialects import recognise
from review.formats.csvfile.record import row_record
from review.records import RecordIn
from review.runtime import collector_paused

_MAX_PREAMBLE = 10  # rows above a header (a title, "About the data: ...") looked past


def sniff_delimiter(text: str) -> str:
    """The commonest of `,` `;` tab `|` in the header line.

    The header alone decides: csv.Sniffer, given whole rows, is misled by delimiters inside quoted
    abstracts.
    """
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in ",;\t|"}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_SEP_LINE = re.compile(r"sep=(.)", re.IGNORECASE)  # Excel's hint line naming the delimiter
_WOS_TAG_HEADER = re.compile(r"PT\t(?:[A-Z][A-Z0-9]\t)*UT(?:\t[A-Z][A-Z0-9])*\t?")  # PT ... UT ...


def _layout(text: str) -> tuple[str, bool, int, list[str]]:
    """Delimiter, whether cells may be quoted, lines before the header, and notes, from the first
    lines of a file.

    Skipped above the header: Excel's `sep=;` line and Dimensions' `About the data: ...` line.
    Web of Science's tab-delimited export quotes nothing, so a `"` there is text, not a quote.
    """
    lines = text.split("\n", _MAX_PREAMBLE)[:_MAX_PREAMBLE]
    delimiter, skip, notes = None, 0, []
    for i, line in enumerate(lines):
        stripped = line.strip().strip('"').strip()
        sep = _SEP_LINE.fullmatch(stripped)
        if sep:
            delimiter, skip = sep.group(1), i + 1
        elif stripped.lower().startswith("about the data"):
            skip = i + 1
            notes.append(f"skipped line {i + 1} above the header: {stripped[:80]!r}")
        elif stripped:
            break
    header = next((x.rstrip("\r") for x in lines[skip:] if x.strip()), "")
    delimiter = delimiter or sniff_delimiter(header)
    return delimiter, not _WOS_TAG_HEADER.fullmatch(header), skip, notes


def _filled(row: Sequence[str]) -> bool:
    return any(cell and not cell.isspace() for cell in row)


def _csv_rows(text: str, delimiter: str, quoted: bool, skip: int) -> tuple[list[Row], list[Problem]]:
    """Non-blank rows, each with the line it starts on, and a Problem for each row the csv module
    cannot read (a stray quote); strict, so such a row is reported, not silently mangled."""
    parts = text.split("\n", skip)
    body = parts[skip] if len(parts) > skip else ""
    quoting: Literal[0, 3] = csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
    reader = csv.reader(io.StringIO(body), delimiter=delimiter, quoting=quoting, strict=True)
    rows: list[Row] = []
    problems: list[Problem] = []
    end = 0
    while True:
        try:  # a plain for-loop, restarted after a bad row: the reader goes on from the next one
            for row in reader:
                if row and ((row[0] and not row[0].isspace()) or _filled(row)):
                    rows.append((skip + end + 1, row))
                end = reader.line_num
            return rows, problems
        except csv.Error as exc:
            problems.append(Problem(skip + end + 1, _csv_error(str(exc))))
            end = reader.line_num


def _csv_error(message: str) -> str:
    if "unexpected end of data" in message:
        return (
            "a quoted cell that starts in this row is never closed, so the rest of the file was "
            "read into it; check the quotes"
        )
    return f"cannot read this row ({message}); check the quotes and the delimiter"


def parse_csv(
    text: str,
    source: str,
    name: str = "file",
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
) -> Parsed:
    """Records of a CSV or TSV file (delimiter from the header line); see `parse_table`."""
    text = text.removeprefix("\ufeff")
    delimiter, quoted, skip, notes = _layout(text)
    with collector_paused():
        rows, problems = _csv_rows(text, delimiter, quoted, skip)
    return parse_table(
        rows, source, name, "CSV", mapping=mapping, id_column=id_column, problems=problems, notes=notes
    )


def parse_table(
    rows: Sequence[Row],
    source: str,
    name: str,
    kind: str,
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
    problems: Iterable[Problem] = (),
    notes: Iterable[str] = (),
) -> Parsed:
    """Records of a table's non-blank rows (the header first, perhaps after a title row), each row
    with its line or sheet row number; shared by the CSV and XLSX readers.

    Raises ImportFormatError for the table as a whole (no title column, a --map or --id-column not
    in the header, no rows); a row that cannot be read is a Problem and the others are read.
    """
    parsed = Parsed(kind, problems=list(problems), notes=list(notes))
    mapping = dict(mapping or {})
    at = _header_at(rows, mapping)
    if at is None:
        fail(name, kind, ["the file has no header row"])
    header = _header(rows[at][1], kind)
    where = "row" if kind == "XLSX" else "line"
    parsed.notes += [
        f"skipped {where} {line} above the header: {row[0].strip()[:80]!r}" for line, row in rows[:at]
    ]
    body = rows[at + 1 :]
    if not body and not parsed.problems:
        fail(name, kind, ["the file has a header row but no records"])
    plan = column_plan(header, mapping, id_column, name, kind)
    parsed.notes += plan_notes(plan, rows[at][1])
    good = _within_header(body, len(header), kind, parsed.problems)
    if good:  # every row damaged: the problems say why, not a title column "empty in every row"
        check_titles(plan, good, name, kind)
    with collector_paused():
        parsed.entries = [(line, row_record(plan, row, source)) for line, row in good]
    parsed.problems.sort(key=lambda p: p.line or 0)
    return parsed


def _within_header(rows: Sequence[Row], width: int, kind: str, problems: list[Problem]) -> list[Row]:
    """The rows with no value beyond the header's last column; a Problem for each other row."""
    good = []
    for item in rows:
        if len(item[1]) > width and _filled(item[1][width:]):
            problems.append(Problem(item[0], _too_wide(item[1], width, kind)))
        else:
            good.append(item)
    return good


def _too_wide(row: Sequence[str], width: int, kind: str) -> str:
    if kind == "XLSX":
        column = next(i for i in range(width, len(row)) if row[i].strip()) + 1
        return (
            f"a value in column {_letters(column)}, right of the header's last column "
            f"({_letters(width)}); give the column a header or clear the cell"
        )
    return f"{len(row)} cells but the header has {width}; check the delimiter and quotes"


def _letters(column: int) -> str:
    """A spreadsheet column's letters: 1 → A, 27 → AA."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header_at(rows: Sequence[Row], mapping: Mapping[str, str]) -> int | None:
    """Where the header is: the first row, unless rows of one cell (a title, a note) stand above a
    row of several cells that names a title column."""
    if not rows:
        return None
    for i, (_, row) in enumerate(rows[:_MAX_PREAMBLE]):
        if sum(1 for c in row if c.strip()) >= 2:
            return i if i and _names_a_title(row, mapping) else 0
    return 0


def _names_a_title(row: Sequence[str], mapping: Mapping[str, str]) -> bool:
    if "title" in mapping:
        return mapping["title"] in (c.strip() for c in row)
    return bool({norm_header(c) for c in row} & set(ALIASES["title"])) or recognise(row) is not None


def _header(cells: Sequence[str], kind: str) -> list[str]:
    """Header names, trailing empty cells dropped and an empty name called `column N` (`column C`
    in a workbook)."""
    names = [c.strip() for c in cells]
    while names and not names[-1]:
        names.pop()
    return [n or f"column {_letters(i) if kind == 'XLSX' else i}" for i, n in enumerate(names, 1)]


# --- the older entry points -----------------------------------------------------------------------


def read_csv(
    text: str,
    source: str,
    name: str = "file",
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
) -> list[RecordIn]:
    """Records of a CSV file; ImportFormatError if any row cannot be read."""
    return [r for _, r in read_csv_numbered(text, source, name, mapping=mapping, id_column=id_column)]


def read_csv_numbered(
    text: str,
    source: str,
    name: str = "file",
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
) -> list[tuple[int, RecordIn]]:
    """Like `read_csv`, each record with the file line its row starts on."""
    parsed = parse_csv(text, source, name, mapping=mapping, id_column=id_column)
    strict(parsed, name)
    return [(line or 0, record) for line, record in parsed.entries]
