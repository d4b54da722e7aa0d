"""Read a stored full text: text per page and the tables on it. Never raises for a bad file.

Text comes from pypdfium2 (fast); tables are found by pdfplumber's own table finder fed with
PDFium's ruling lines (`tables.py`), and pdfplumber reads the text when PDFium gives (almost) none.
Files that cannot be read come back `unreadable` with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from review.fulltext.html import html_pages
from review.fulltext.tables import page_tables

MIN_CHARS = 10  # non-space characters below which the fast path's text counts as none
Rows = list[list[str | None]]


@dataclass(frozen=True)
class TableFound:
    """One table: its 1-based page, its order on that page, and its rows of cells."""

    page_no: int
    table_no: int
    rows: Rows


@dataclass(frozen=True)
class ReadResult:
    """What reading one file gave: status readable|unreadable, and pages and tables if readable."""

    path: str
    status: str
    reason: str | None = None
    method: str | None = None  # pdfium | pdfplumber | html
    pages: tuple[str, ...] = ()
    tables: tuple[TableFound, ...] = field(default=())
    note: str | None = None  # e.g. a page whose tables could not be read

    @property
    def chars(self) -> int:
        return sum(len(p) for p in self.pages)


def read_file(path: str | Path, *, tables: bool = True) -> ReadResult:
    """Read a stored PDF or GOV.UK HTML body. Any failure becomes an `unreadable` result."""
    p = Path(path)
    try:
        if p.suffix.lower() in (".html", ".htm"):
            return _from_html(p)
        return _read_pdf(p, tables)
    except Exception as exc:  # a parser raising on one file must not stop a batch
        return ReadResult(str(p), "unreadable", f"parser error: {type(exc).__name__}: {exc}"[:500])


def _from_html(path: Path) -> ReadResult:
    pages = tuple(html_pages(path.read_text(encoding="utf-8", errors="replace")))
    if not any(_visible(p) for p in pages):
        return ReadResult(str(path), "unreadable", "no text in the HTML body")
    return ReadResult(str(path), "readable", method="html", pages=pages)


def _read_pdf(path: Path, want_tables: bool) -> ReadResult:
    import pypdfium2 as pdfium

    if path.stat().st_size == 0:
        return ReadResult(str(path), "unreadable", "empty file (0 bytes)")
    try:
        doc = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        return ReadResult(str(path), "unreadable", _open_error(str(exc)))
    try:
        pages, found, notes = _pdfium_pages(doc, want_tables)
    finally:
        doc.close()
    method = "pdfium"
    if sum(_visible(p) for p in pages) < MIN_CHARS:
        pages, method = _plumber_pages(path, pages)
    if sum(_visible(p) for p in pages) == 0:
        return ReadResult(str(path), "unreadable", "no text layer (scanned?)")
    note = "; ".join(notes)[:500] or None
    return ReadResult(
        path=str(path),
        status="readable",
        reason=None,
        method=method,
        pages=tuple(pages),
        tables=tuple(found),
        note=note,
    )


def _open_error(message: str) -> str:
    if "password" in message.lower():
        return "encrypted: needs a password"
    return f"malformed PDF ({message.removeprefix('Failed to load document ').strip('.')})"


def _visible(text: str) -> int:
    return len("".join(text.split()))  # non-space characters, counted in C


def _pdfium_pages(doc: Any, want_tables: bool) -> tuple[list[str], list[TableFound], list[str]]:
    texts: list[str] = []
    found: list[TableFound] = []
    notes: list[str] = []
    for i in range(len(doc)):
        page = doc[i]
        textpage = page.get_textpage()
        try:
            texts.append(clean_text(textpage.get_text_range()))
            if want_tables:
                found += _tables(i + 1, page, textpage, notes)
        finally:
            textpage.close()
            page.close()
    return texts, found, notes


def _tables(page_no: int, page: Any, textpage: Any, notes: list[str]) -> list[TableFound]:
    try:
        tables = page_tables(page, textpage, clean_text)
    except Exception as exc:  # the page's text is still good: keep it, say why its tables are missing
        notes.append(f"tables not read on page {page_no}: {type(exc).__name__}: {exc}")
        return []
    return [TableFound(page_no, k, rows) for k, rows in enumerate(tables, start=1)]


def clean_text(text: str) -> str:
    """PDFium text as plain lines: soft hyphens at line ends rejoin the word; no NULs or CRs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\ufffe\n", "").replace("\ufffe", "-").replace("\x00", "")


def _plumber_pages(path: Path, fast: list[str]) -> tuple[list[str], str]:
    """pdfplumber's text when it has more than the fast path's; the fast path's if it fails."""
    import pdfplumber

    texts = []
    try:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                texts.append(page.extract_text() or "")
                page.close()
    except Exception:  # pdfplumber raising on a file PDFium opened: keep what PDFium gave
        return fast, "pdfium"
    if sum(map(_visible, texts)) > sum(map(_visible, fast)):
        return texts, "pdfplumber"
    return fast, "pdfium"
