"""`review export`: included studies as RIS, BibTeX and CSV; extraction tables as CSV and Markdown.

Files go in `extracted/` (or the folder given), named so a re-run replaces them:
`included.ris`, `included.bib`, `included.csv`, and `<table>.csv` / `<table>.md` for the writers'
tables (`extract_<form>` and each `extract_<form>_<field>`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlmodel import Session, col, select

from review.extract.store import included_works
from review.extract.tables import materialise, table_name
from review.formats import write_bibtex, write_csv, write_ris
from review.formats.sheet import save_csv_text
from review.models import Work
from review.protocol import Protocol
from review.query import markdown_table

WORK_COLUMNS = (
    "id",
    "title",
    "authors",
    "year",
    "publication_date",
    "doi",
    "journal",
    "volume",
    "issue",
    "pages",
    "issn",
    "publisher",
    "doc_type",
    "language",
    "url",
    "keywords",
    "abstract",
)


@dataclass(frozen=True)
class ExportResult:
    studies: int
    tables: tuple[str, ...]
    files: tuple[Path, ...]


def run(session: Session, protocol: Protocol, out_dir: Path) -> ExportResult:
    """Write the included studies and the extraction tables (rebuilt first) into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = included_rows(session)
    files = {
        "included.ris": write_ris(rows),
        "included.bib": write_bibtex(rows),
        "included.csv": write_csv(rows, WORK_COLUMNS),
    }
    tables: list[str] = []
    if protocol.extraction is not None:
        materialise(session, protocol)
        tables = extraction_tables(session, table_name(protocol.extraction))
        for name in tables:
            columns, data = _table(session, name)
            files[f"{name}.csv"] = write_csv([dict(zip(columns, r, strict=True)) for r in data], columns)
            files[f"{name}.md"] = markdown_table(columns, data) + "\n"
    paths = []
    for name, content in files.items():
        if name.endswith(".csv"):
            save_csv_text(out_dir / name, content)
        else:
            (out_dir / name).write_text(content, encoding="utf-8")
        paths.append(out_dir / name)
    return ExportResult(len(rows), tuple(tables), tuple(paths))


def included_rows(session: Session) -> list[dict[str, Any]]:
    """The included studies (full-text includes) as work dicts, in ID order."""
    ids = included_works(session)
    works = session.exec(select(Work).where(col(Work.id).in_(ids)).order_by(col(Work.id))).all()
    return [{c: getattr(w, c) for c in WORK_COLUMNS} for w in works]


def extraction_tables(session: Session, main: str) -> list[str]:
    """The form's table and its child tables (including those of fields since removed)."""
    names = inspect(session.connection()).get_table_names()
    return sorted(n for n in names if n == main or n.startswith(main + "_"))


def _table(session: Session, name: str) -> tuple[list[str], Sequence[Sequence[Any]]]:
    # The name comes from the database's own table list, filtered by the validated form name.
    result = session.execute(text(f'SELECT * FROM "{name}" ORDER BY 1, 2'))  # work_id, then value
    return list(result.keys()), [tuple(r) for r in result]
