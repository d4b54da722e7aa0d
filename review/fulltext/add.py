"""Full texts a reviewer has by hand: one file for a work, or a folder matched to works.

A folder's PDFs are matched by a DOI in the file name, else a DOI on page 1, else the work's
title found on page 1 (rapidfuzz partial ratio >= TITLE_SCORE, one clear best). Files that match
nothing are reported, not stored. Adding the same file to the same work twice changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from review.db import utcnow
from review.errors import InputError
from review.fulltext.batch import WORKERS
from review.fulltext.documents import read_documents
from review.fulltext.read import clean_text
from review.fulltext.store import Stored, resolve, store_file
from review.models import Document, Work

DOI = re.compile(r"\b10\.\d{4,9}/[^\s\"<>]+", re.IGNORECASE)
TITLE_SCORE = 90
MIN_TITLE = 20  # shorter titles match too much by chance


@dataclass(frozen=True)
class Added:
    """One file stored for a work, and how its reading went."""

    file: str
    work_id: int
    document_id: int
    status: str
    reason: str | None
    matched_by: str  # given | doi_filename | doi_text | title


@dataclass(frozen=True)
class FolderResult:
    """What `add --folder` did: files stored for works, and files that matched no work."""

    added: tuple[Added, ...]
    unmatched: tuple[tuple[str, str], ...]  # (file, why)


def add_file(session: Session, root: Path, work_id: int, file: Path) -> Added:
    """Store `file` as a full text of `work_id` (origin manual) and read it."""
    if session.get(Work, work_id) is None:
        raise InputError(f"No work with ID {work_id}: see `review status` for the works in this review.")
    _check_pdf(file)
    doc_id = _store(session, root, work_id, file)
    read_documents(session, root, [doc_id], workers=1)
    return _added(session, file, work_id, doc_id, "given")


def add_folder(session: Session, root: Path, folder: Path, *, workers: int = WORKERS) -> FolderResult:
    """Store every PDF in `folder` that matches a work; report the rest."""
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder: give the folder holding the PDFs.")
    index = _WorkIndex(session)
    matched: list[tuple[Path, int, str, int]] = []
    unmatched: list[tuple[str, str]] = []
    for file in sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file()):
        try:
            _check_pdf(file)
        except InputError as exc:
            unmatched.append((str(file), str(exc)))
            continue
        work_id, how = index.match(file)
        if work_id is None:
            unmatched.append((str(file), how))
            continue
        matched.append((file, work_id, how, _store(session, root, work_id, file)))
    read_documents(session, root, [m[3] for m in matched], workers=workers)
    added = tuple(_added(session, f, w, d, how) for f, w, how, d in matched)
    return FolderResult(added, tuple(unmatched))


def store_kept_file(root: Path, relative: str, name: str | None) -> tuple[Stored | None, str | None]:
    """An imported record's kept file (a path in the review folder) copied into the full-text store
    as `add_file` stores one, or the reason it cannot be (the PRISMA "not retrieved" reason)."""
    shown = f"the imported file {name or relative}"
    try:
        file = resolve(root, relative)
        if not file.is_file():
            return None, f"{shown} is missing from {relative}: import the CSV again"
        _check_pdf(file)
        return store_file(root, file, ".pdf"), None
    except InputError as exc:
        return None, f"{shown}: {exc}"
    except OSError as exc:
        return None, f"{shown} cannot be read from {relative}: {exc.strerror}"


def _check_pdf(file: Path) -> None:
    if not file.is_file():
        raise InputError(f"{file} is not a file: give the path of a PDF.")
    with file.open("rb") as handle:
        head = handle.read(1024)
    if b"%PDF-" not in head:
        raise InputError(f"{file} is not a PDF (no %PDF- signature at its start).")


def _store(session: Session, root: Path, work_id: int, file: Path) -> int:
    stored = store_file(root, file, ".pdf")
    q = select(Document).where(Document.work_id == work_id, Document.sha256 == stored.sha256)
    doc = session.exec(q).first()
    if doc is None:
        doc = Document(
            work_id=work_id,
            origin="manual",
            status="retrieved",
            sha256=stored.sha256,
            path=stored.path,
            size=stored.size,
            content_type="application/pdf",
            title=file.name,
            fetched_at=utcnow(),
        )
        session.add(doc)
        session.flush()
    assert doc.id is not None
    return doc.id


def _added(session: Session, file: Path, work_id: int, doc_id: int, how: str) -> Added:
    doc = session.get(Document, doc_id)
    assert doc is not None
    return Added(str(file), work_id, doc_id, doc.status, doc.reason, how)


class _WorkIndex:
    """Works by normalised DOI and by title, for matching files."""

    def __init__(self, session: Session) -> None:
        rows = list(session.exec(select(Work.id, Work.doi, Work.title).order_by(col(Work.id))))
        self.by_doi = {_squash(doi): wid for wid, doi, _ in rows if doi and wid is not None}
        long = [(wid, t) for wid, _, t in rows if t and len(t) >= MIN_TITLE and wid is not None]
        self.titles = {wid: " ".join(t.lower().split()) for wid, t in long}

    def match(self, file: Path) -> tuple[int | None, str]:
        stem = _squash(file.stem)
        named = [key for key in self.by_doi if key and key in stem]
        if named:  # the longest: 10.1/abc.56 in a name also contains 10.1/abc.5
            return self.by_doi[max(named, key=len)], "doi_filename"
        first = _first_page(file)
        for doi in DOI.findall(first):
            found = self.by_doi.get(_squash(doi.rstrip(".,;)]")))
            if found is not None:
                return found, "doi_text"
        return self._by_title(first)

    def _by_title(self, first: str) -> tuple[int | None, str]:
        from rapidfuzz import fuzz, process

        if not first.strip():
            return None, "no text on page 1 to match"
        text = " ".join(first.lower().split())[:4000]
        scorer = fuzz.partial_ratio
        best = process.extract(text, self.titles, scorer=scorer, score_cutoff=TITLE_SCORE, limit=2)
        if not best:
            return None, "no work's DOI or title found in the file name or on page 1"
        if len(best) > 1 and best[1][1] >= best[0][1]:
            return None, f"page 1 matches the titles of works {best[0][2]} and {best[1][2]} equally"
        return int(best[0][2]), "title"


def _squash(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", value.lower())


def _first_page(file: Path) -> str:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(file)
    except pdfium.PdfiumError:
        return ""
    try:
        if len(doc) == 0:
            return ""
        page = doc[0]
        textpage = page.get_textpage()
        text = clean_text(textpage.get_text_range())
        textpage.close()
        page.close()
        return text
    finally:
        doc.close()
