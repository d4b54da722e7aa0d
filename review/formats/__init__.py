"""Bibliographic file formats: readers (text → RecordIn) and writers (rows → text). Pure functions.

Readers validate the whole file first and raise ImportFormatError naming the bad lines; writers take
work or record rows as dicts (title, abstract, authors, year, doi, ...; other keys are kept).
"""

from __future__ import annotations

from review.formats.bibtex import read_bibtex, write_bibtex
from review.formats.common import assign_ids
from review.formats.csvfile import read_csv, write_csv
from review.formats.nbib import read_nbib
from review.formats.ris import read_ris, write_ris

FORMATS = ("ris", "bibtex", "nbib", "csv")

__all__ = [
    "FORMATS",
    "assign_ids",
    "read_bibtex",
    "read_csv",
    "read_nbib",
    "read_ris",
    "write_bibtex",
    "write_csv",
    "write_ris",
]
