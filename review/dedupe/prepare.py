"""Records as normalised columns, ready for blocking and scoring (pure: no database)."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from review import normalize as nz

# Which document types can be one work: a conference paper and the journal article are not (methods §5).
_DOC_CLASSES = {
    "article": "article",
    "journal-article": "article",
    "jour": "article",
    "ejour": "article",
    "review": "article",
    "inproceedings": "conference",
    "proceedings-article": "conference",
    "conference": "conference",
    "conf": "conference",
    "cpaper": "conference",
    "abst": "conference",
    "book": "book",
    "monograph": "book",
    "incollection": "chapter",
    "book-chapter": "chapter",
    "chap": "chapter",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "dissertation": "thesis",
    "thes": "thesis",
    "erratum": "erratum",
    "retraction": "erratum",
    "editorial": "editorial",
    "letter": "editorial",
    "preprint": "preprint",
    "posted-content": "preprint",
}
# Titles that announce a different kind of item than the work they name.
_NOTICE = re.compile(
    r"^(erratum|errata|corrigendum|correction|retraction|retracted|withdrawn|expression of concern|"
    r"comment on|commentary on|response to|reply to|reply|letter to the editor|in reply)\b"
)
IDENTIFIERS = ("doi", "openalex_id", "pmid", "govuk_base_path", "govuk_content_id")

FIELDS = (
    "id",
    "source",
    "title",
    "authors",
    "year",
    "doi",
    "volume",
    "pages",
    "doc_type",
    "publisher",
    "journal",
    "openalex_id",
    "pmid",
    "govuk_base_path",
    "govuk_content_id",
)


@dataclass(slots=True)
class Prepared:
    """One entry per record, in the same order in every column; `new` marks records still to place."""

    ids: npt.NDArray[np.int64]
    new: npt.NDArray[np.bool_]
    source: list[str]
    title: list[str]
    main: list[str]
    has_sub: npt.NDArray[np.bool_]
    year: npt.NDArray[np.int32]  # 0 when unknown
    surnames: list[tuple[str, ...]]
    volume: list[str | None]
    page: list[str | None]
    doc_class: list[str | None]
    notice: list[str | None]
    orgs: list[frozenset[str]]
    journal: list[tuple[str, ...]]
    keys: dict[str, list[str | None]]  # normalised identifiers, by IDENTIFIERS name

    def __len__(self) -> int:
        return len(self.title)


def doc_class(doc_type: str | None) -> str | None:
    """A coarse document class for compatibility checks, or None when unknown or not telling."""
    return _DOC_CLASSES.get((doc_type or "").strip().lower())


_JOURNAL_STOP = frozenset({"the", "of", "and", "in", "for", "on", "de", "la", "und", "conference"})


@lru_cache(maxsize=65536)
def journal_words(journal: str | None) -> tuple[str, ...]:
    """Journal name words for compatibility checks, up to a `Conference:` note (`J Am Coll Cardiol`)."""
    text = re.split(r"\.\s*conference\b|:", journal or "", maxsplit=1, flags=re.IGNORECASE)[0]
    return tuple(w for w in nz.normalize_journal(text).split() if w not in _JOURNAL_STOP)


def _interned(value: str | None) -> str | None:
    # Volumes and pages repeat across a million records: one string object each saves ~100 MB.
    return None if value is None else sys.intern(value)


@lru_cache(maxsize=65536)
def _org_words(publisher: str | None) -> frozenset[str]:
    return nz.org_words(publisher)


def _notice(title: str) -> str | None:
    match = _NOTICE.match(title)
    return match.group(1) if match else None


def prepare(rows: Iterable[Mapping[str, Any]], new_ids: set[int] | None = None) -> Prepared:
    """Normalise rows (dicts with FIELDS) into columns; `new_ids` None means every record is new."""
    rows = list(rows)
    return from_columns({name: [r.get(name) for r in rows] for name in FIELDS}, new_ids)


def from_columns(
    cols: Mapping[str, Sequence[Any]], new_ids: set[int] | npt.NDArray[np.bool_] | None = None
) -> Prepared:
    """Normalise raw columns (FIELDS names; missing columns count as empty) into a Prepared.

    `new_ids` is a set of record IDs or a boolean mask in column order; None means all are new.
    """
    n = len(cols["id"])
    nothing: list[Any] = [None] * n  # one shared list for every absent column

    def col(name: str) -> Sequence[Any]:
        return cols.get(name) or nothing

    def ident(name: str, fn: Callable[[Any], str | None]) -> list[str | None]:
        values = col(name)
        return nothing if values is nothing else [fn(v) for v in values]

    titles = col("title")
    splits = [nz.split_subtitle(t) for t in titles]
    ids = np.fromiter((int(i) for i in cols["id"]), dtype=np.int64, count=n)
    if new_ids is None:
        new = np.ones(n, dtype=bool)
    elif isinstance(new_ids, np.ndarray):
        new = new_ids
    else:
        new = np.isin(ids, np.fromiter(new_ids, dtype=np.int64, count=len(new_ids)))
    # The subtitle separators are punctuation, so the normalised title is main + sub.
    norm = [f"{m} {s}" if s else m for m, s in splits]
    return Prepared(
        ids=ids,
        new=new,
        source=[s or "" for s in col("source")],
        title=norm,
        main=[m for m, _ in splits],
        has_sub=np.fromiter((bool(s) for _, s in splits), dtype=bool, count=n),
        year=np.fromiter((nz.normalize_year(y) or 0 for y in col("year")), np.int32, n),
        surnames=[nz.author_surnames(a) for a in col("authors")],
        volume=[_interned(nz.normalize_volume(v)) for v in col("volume")],
        page=[_interned(nz.first_page(p)) for p in col("pages")],
        doc_class=[doc_class(d) for d in col("doc_type")],
        notice=[_notice(t) for t in norm],
        orgs=[_org_words(p) for p in col("publisher")],
        journal=[journal_words(j) for j in col("journal")],
        keys={
            "doi": ident("doi", nz.normalize_doi),
            "openalex_id": ident("openalex_id", nz.normalize_openalex_id),
            "pmid": ident("pmid", nz.normalize_pmid),
            "govuk_base_path": ident("govuk_base_path", nz.normalize_govuk_path),
            "govuk_content_id": ident("govuk_content_id", nz.normalize_content_id),
        },
    )
