"""CSV or TSV (and, through `parse_table`, spreadsheet) tables of records.

A table's columns are matched to record fields once, from its header: `--map FIELD=COLUMN` first,
then the columns of a database export recognised from its header (Scopus, Web of Science, Lens,
Dimensions, OpenAlex, Embase, a BibTeX file saved as CSV), else column names matched by spelling
(`ALIASES`). Each database writes its own author lists, IDs and pages; a dialect says how. Every
column not read into a field is kept in `extra["columns"]`, and so is a cell that cannot be read as
its field (a DOI that is not one), so nothing in the file is lost.

Text becomes rows and rows records (read), columns become fields (columns), with each database's
export described in dialects and a cell read by the readers in cells; each row becomes a RecordIn
(record), and rows are written back as CSV (write).
"""

from __future__ import annotations

from review.formats.csvfile.cells import Row
from review.formats.csvfile.columns import ALIASES, FIELDS
from review.formats.csvfile.dialects import DIALECTS, Col, Dialect, recognise
from review.formats.csvfile.read import parse_csv, parse_table, read_csv, read_csv_numbered, sniff_delimiter
from review.formats.csvfile.write import write_csv

__all__ = [
    "ALIASES",
    "DIALECTS",
    "FIELDS",
    "Col",
    "Dialect",
    "Row",
    "parse_csv",
    "parse_table",
    "read_csv",
    "read_csv_numbered",
    "recognise",
    "sniff_delimiter",
    "write_csv",
]
