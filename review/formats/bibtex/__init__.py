"""BibTeX and BibLaTeX: read with bibtexparser 2 as Scopus, Web of Science, Zotero, JabRef and Google
Scholar write them (read), each entry's fields made a RecordIn (record), and written (write).

Field names and entry types are read in any case (`Author`, `@ARTICLE`); LaTeX accents, `@string` and
month macros are decoded; corporate `{names}` stay whole. A damaged entry (a stray brace in an
abstract) becomes a Problem naming the line of the damage; every other entry is still read. Entries
sharing a citation key are all returned, with a note. Fields with no place in a record are kept in
`extra["bibtex"]`, so nothing in the file is lost.
"""

from __future__ import annotations

from review.formats.bibtex.read import (
    key_notes,
    lower_fields,
    parse_bibtex,
    read_bibtex,
    string_macros,
    unwrap,
)
from review.formats.bibtex.record import (
    bibtex_record,
    decode_latex,
    issns,
    page_range,
    person_name,
    split_names,
)
from review.formats.bibtex.write import bibtex_type, escape, write_bibtex

__all__ = [
    "bibtex_record",
    "bibtex_type",
    "decode_latex",
    "escape",
    "issns",
    "key_notes",
    "lower_fields",
    "page_range",
    "parse_bibtex",
    "person_name",
    "read_bibtex",
    "split_names",
    "string_macros",
    "unwrap",
    "write_bibtex",
]
