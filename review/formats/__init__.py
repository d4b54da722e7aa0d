"""Bibliographic file formats: readers (text → Parsed records) and writers (rows → text). Pure functions.

Each reader's `parse_<format>` returns every good record with its line and a Problem for each damaged
entry (review.formats.common.Parsed); `read_<format>` is the strict form, raising ImportFormatError
naming the bad lines. Writers take work or record rows as dicts (title, abstract, authors, year, doi,
...; other keys are kept). `detect` tells a file's format from its bytes.
"""

from __future__ import annotations

from review.formats.bibtex import read_bibtex, write_bibtex
from review.formats.common import Parsed, Problem
from review.formats.csljson import read_csljson
from review.formats.csvfile import read_csv, write_csv
from review.formats.endnote import read_endnote_xml
from review.formats.nbib import read_nbib
from review.formats.ris import read_ris, write_ris
from review.formats.wos import read_wos

__all__ = [
    "Parsed",
    "Problem",
    "read_bibtex",
    "read_csljson",
    "read_csv",
    "read_endnote_xml",
    "read_nbib",
    "read_ris",
    "read_wos",
    "write_bibtex",
    "write_csv",
    "write_ris",
]
