"""`review import`: records from a database export or spreadsheet, logged as a search run.

Formats: RIS, BibTeX/BibLaTeX, PubMed nbib (MEDLINE), Web of Science plain text, CSV/TSV (with the
column layouts of Scopus, Web of Science, Lens, Dimensions, OpenAlex and Embase recognised), XLSX,
EndNote XML and CSL-JSON; detected from the file when --format is left out.

PRISMA-S asks what an export cannot say: the strategy as typed at the database, the day it was
run there and the interface (`--strategy`, `--searched-on`, `--interface`); they are kept on the
run, or the appendix says they were not recorded. A CSV column mapped to `file` names files (say,
call-for-evidence PDFs) that are copied under `sources/imports/files/<sha256>.<ext>` for the
full-text stage; every one must be readable before anything is stored.
"""

from __future__ import annotations

from review.imports.read import ARMS, DEFAULT_ARM, FORMATS, PLATFORMS, TABLES, decode
from review.imports.stage import RESERVED_SOURCES, ImportOptions, ImportResult, default_platform, run

__all__ = [
    "ARMS",
    "DEFAULT_ARM",
    "FORMATS",
    "PLATFORMS",
    "RESERVED_SOURCES",
    "TABLES",
    "ImportOptions",
    "ImportResult",
    "decode",
    "default_platform",
    "run",
]
