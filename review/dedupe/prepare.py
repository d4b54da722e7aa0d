"""Records as normalised columns, ready for blocking and scoring (pure: no database)."""

from __future__ import annotations

import html
import re
import sys
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from review import normalize as nz
from review.dedupe import fields, people, venue

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
IDENTIFIERS = ("doi", "openalex_id", "pmid", "govuk_base_path", "govuk_content_id", "url")
# A page address shared by a whole site says nothing about which document a record is.
_SITE_ROOT = re.compile(r"^[^/]+/?(?:index\.html?)?$")
# Query parameters that say how a visitor came to a page, not which page it is.
_TRACKING = re.compile(r"^(?:utm_\w+|fbclid|gclid|msclkid|mc_cid|mc_eid|_ga|ref|referrer|source)$")
# An `issue` column holding a number per record (a database's record number, not an issue) is
# ignored for a source where nearly every record has its own value.
RECORD_NUMBERS = 0.9

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
    "url",
    "issue",
)


@dataclass(slots=True)
class Prepared:
    """One entry per record, in the same order in every column; `new` marks records still to place."""

    ids: npt.NDArray[np.int64]
    new: npt.NDArray[np.bool_]
    source: list[str]
    title: list[str]
    main_len: npt.NDArray[np.int32]  # the main title (without the subtitle) is title[:main_len]
    alt: list[str]  # a title in another language given with the title ("" when none)
    cited: npt.NDArray[np.bool_]  # the title cited the article it corrects (an erratum)
    has_sub: npt.NDArray[np.bool_]
    year: npt.NDArray[np.int32]  # 0 when unknown
    surnames: list[tuple[str, ...]]
    givens: list[tuple[str, ...]]  # first given name or initial of each surname
    volume: list[str | None]
    issue: list[str | None]
    page: list[str | None]  # first page, for blocking and quick comparison
    page_start: npt.NDArray[np.int64]  # first and last page as numbers (-1 when unknown)
    page_end: npt.NDArray[np.int64]
    supplement: npt.NDArray[np.bool_]  # pages in a supplement (`S42`, `Suppl-6`): abstracts print there
    doc_class: list[str | None]
    orgs: list[frozenset[str]]
    journal: list[str | None]  # as written: `venue.journals_agree` reads every name it gives
    keys: dict[str, list[str | None]]  # normalised identifiers, by IDENTIFIERS name
    _cache: dict[str, npt.NDArray[Any]] = field(default_factory=dict)  # arrays derived once per run

    def __len__(self) -> int:
        return len(self.title)

    def release(self) -> None:
        """Drop the compared columns once matching is done; IDs and the `new` mask stay."""
        for name in ("title", "alt", "source", "surnames", "givens", "volume", "issue", "page"):
            setattr(self, name, [])
        self.journal, self.orgs, self.doc_class = [], [], []
        self.keys = {name: [] for name in self.keys}
        self._cache.clear()

    def coded(self, name: str, values: Callable[[], Sequence[Any]] | None = None) -> npt.NDArray[np.int64]:
        """A column as integer codes (equal values, equal codes; None -1), made once per name: a
        field of this class, `doi`, `first_author`, or any `values` given with a new name."""
        return self.cached(name, lambda: codes((values or self._column(name))()))

    def cached(self, name: str, make: Callable[[], npt.NDArray[Any]]) -> npt.NDArray[Any]:
        """An array derived from the columns, made on first use and kept until `release`."""
        if name not in self._cache:
            self._cache[name] = make()
        return self._cache[name]

    def made_by(self, make: Callable[[Prepared], object]) -> dict[str, npt.NDArray[Any]]:
        """The cached arrays `make(self)` adds, so that a worker process can make them for this one
        (which then `keep`s them)."""
        before = set(self._cache)
        make(self)
        return {name: array for name, array in self._cache.items() if name not in before}

    def keep(self, made: Mapping[str, npt.NDArray[Any]]) -> None:
        """Cache arrays made elsewhere (`made_by`); an array already made here stays."""
        for name, array in made.items():
            self._cache.setdefault(name, array)

    def _column(self, name: str) -> Callable[[], Sequence[Any]]:
        derived: dict[str, Callable[[], Sequence[Any]]] = {
            "doi": lambda: self.keys["doi"],
            "first_author": lambda: [s[0] if s else None for s in self.surnames],
            "authors": lambda: [s or None for s in self.surnames],
            "year": lambda: [y or None for y in self.year.tolist()],
        }
        return derived.get(name) or (lambda: getattr(self, name))

    def mains(self, positions: npt.NDArray[np.int64]) -> list[str]:
        """The main titles of the records at `positions`: not kept, as each is the start of its title."""
        title = self.title
        ends = self.main_len[positions].tolist()
        return [title[k][:end] for k, end in zip(positions.tolist(), ends, strict=True)]

    # Notices and series marks are read only for the few pairs with similar titles, not every record.
    def notice(self, k: int) -> str | None:
        """`erratum`, `comment` or `announcement` when record k's title announces such a notice."""
        return "erratum" if self.cited[k] else fields.notice(self.title[k])

    def marks(self, k: int) -> frozenset[str]:
        """What tells record k from other items of its series (fields.series_marks)."""
        return fields.series_marks(self.title[k])


def doc_class(doc_type: str | None) -> str | None:
    """A coarse document class for compatibility checks, or None when unknown or not telling."""
    return _DOC_CLASSES.get((doc_type or "").strip().lower())


def _page_numbers(pages: Sequence[Any]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    # Two integer arrays, not a tuple per record: ~60 MB less at a million records.
    ranges = [venue.page_range(p) or (-1, -1) for p in pages]
    start = np.fromiter((r[0] for r in ranges), dtype=np.int64, count=len(ranges))
    return start, np.fromiter((r[1] for r in ranges), dtype=np.int64, count=len(ranges))


def _split(title: str) -> tuple[str, str]:
    main, sub = nz.split_subtitle(title)
    return _spelling(main), _spelling(sub)


def _spelling(words: str) -> str:
    # One spelling for British and American words: haemolytic/hemolytic, oesophageal/esophageal.
    return words.replace("ae", "e").replace("oe", "e")


@lru_cache(maxsize=65536)
def _names_of(authors: tuple[str, ...] | str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if isinstance(authors, str) and authors.startswith('["'):
        authors = tuple(orjson.loads(authors))  # the store's JSON list, as `dedupe.run` loads it
    surnames, givens = people.person_names(list(authors) if isinstance(authors, tuple) else authors)
    return tuple(map(sys.intern, surnames)), tuple(map(sys.intern, givens))


def _names(authors: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # Duplicates repeat whole author lists: cache by the list.
    if not authors:
        return (), ()
    return _names_of(tuple(authors) if isinstance(authors, list) else authors)


def _interned(value: str | None) -> str | None:
    # Volumes and pages repeat across a million records: one string object each saves ~100 MB.
    return None if value is None else sys.intern(value)


@lru_cache(maxsize=65536)
def _org_words(publisher: str | None) -> frozenset[str]:
    return nz.org_words(publisher)


def codes(values: Sequence[Hashable]) -> npt.NDArray[np.int64]:
    """Equal values as equal integers (None as -1), for comparing columns in bulk."""
    index = dict.fromkeys(values)  # first appearances, in order, at C speed
    for k, value in enumerate(index):
        index[value] = k
    if None in index:
        index[None] = -1
    return np.fromiter(map(index.__getitem__, values), dtype=np.int64, count=len(values))


def normalize_url(value: str | None) -> str | None:
    """A landing page as compared: no scheme, `www.`, fragment, trailing slash or tracking parameters;
    None for a site's home page. The rest of the query stays, sorted: a catalogue names its records
    there (`bvbr.bib-bvb.de:8991/F?...&doc_number=021166209`, `citeseerx.../summary?doi=10.1.1.31.1768`),
    and without it every record of the catalogue would share one address."""
    if not value:
        return None
    text = re.sub(r"^[a-z]+://(?:www\.)?", "", html.unescape(value.strip()).lower()).split("#")[0]
    path, _, query = text.partition("?")
    path = path.rstrip("/")
    kept = sorted(p for p in query.split("&") if p and not _TRACKING.match(p.partition("=")[0]))
    if not path or (_SITE_ROOT.match(path) and not kept):
        return None
    return f"{path}?{'&'.join(kept)}" if kept else path


def _issue_numbers(issues: Sequence[Any], volumes: Sequence[Any], pages: Sequence[Any]) -> list[str | None]:
    """Issue numbers as compared, record by record (`ignore_record_numbers` then needs every record)."""
    return [
        venue.issue_number(v, vol, nz.first_page(p)) for v, vol, p in zip(issues, volumes, pages, strict=True)
    ]


def ignore_record_numbers(sources: Sequence[str], parsed: Sequence[str | None]) -> list[str | None]:
    """Issue numbers, except from sources whose `issue` column is a per-record number."""
    by_source: dict[str, list[str]] = {}
    for source, value in zip(sources, parsed, strict=True):
        if value is not None:
            by_source.setdefault(source, []).append(value)
    ignored = {s for s, v in by_source.items() if len(v) >= 50 and len(set(v)) > RECORD_NUMBERS * len(v)}
    if not ignored:
        return [_interned(v) for v in parsed]
    return [None if s in ignored else _interned(v) for s, v in zip(sources, parsed, strict=True)]


def prepare(rows: Iterable[Mapping[str, Any]], new_ids: set[int] | None = None) -> Prepared:
    """Normalise rows (dicts with FIELDS) into columns; `new_ids` None means every record is new."""
    rows = list(rows)
    return from_columns({name: [r.get(name) for r in rows] for name in FIELDS}, new_ids)


def from_columns(
    cols: Mapping[str, Sequence[Any]],
    new_ids: set[int] | npt.NDArray[np.bool_] | None = None,
    *,
    consume: bool = False,
) -> Prepared:
    """Normalise raw columns (FIELDS names; missing columns count as empty) into a Prepared.

    `new_ids` is a set of record IDs or a boolean mask in column order; None means all are new.
    With `consume`, each raw column is removed from `cols` (a dict) once normalised, so the raw and
    the normalised forms of a million records are not all held at once (~300 MB).
    """
    prep = assemble([normalise(cols, consume=consume)])
    if isinstance(new_ids, np.ndarray):
        prep.new = new_ids
    elif new_ids is not None:
        prep.new = np.isin(prep.ids, np.fromiter(new_ids, dtype=np.int64, count=len(new_ids)))
    return prep


# Columns of a Part, by how they are joined: lists, and numpy arrays.
_LISTS = (
    "source", "title", "alt", "surnames", "givens",
    "volume", "issue", "page", "doc_class", "orgs", "journal",
)  # fmt: skip
_ARRAYS = ("ids", "main_len", "cited", "has_sub", "year", "page_start", "page_end", "supplement")


@dataclass(slots=True)
class Part:
    """A batch of records normalised (`normalise`), record by record: what `assemble` joins.

    `issue` is as parsed: whether a source's issues are record numbers needs every record."""

    ids: npt.NDArray[np.int64]
    source: list[str]
    title: list[str]
    main_len: npt.NDArray[np.int32]
    alt: list[str]
    cited: npt.NDArray[np.bool_]
    has_sub: npt.NDArray[np.bool_]
    year: npt.NDArray[np.int32]
    surnames: list[tuple[str, ...]]
    givens: list[tuple[str, ...]]
    volume: list[str | None]
    issue: list[str | None]
    page: list[str | None]
    page_start: npt.NDArray[np.int64]
    page_end: npt.NDArray[np.int64]
    supplement: npt.NDArray[np.bool_]
    doc_class: list[str | None]
    orgs: list[frozenset[str]]
    journal: list[str | None]
    keys: dict[str, list[str | None]]


def assemble(parts: Iterable[Part]) -> Prepared:
    """One Prepared from parts in order (each dropped once joined); every record counts as new
    until the caller sets `new`."""
    lists: dict[str, Any] = {name: [] for name in _LISTS}
    arrays: dict[str, list[npt.NDArray[Any]]] = {name: [] for name in _ARRAYS}
    keys: dict[str, list[str | None]] = {name: [] for name in IDENTIFIERS}
    seen = False
    for part in parts:
        seen = True
        for name in _LISTS:
            lists[name].extend(getattr(part, name))
        for name in _ARRAYS:
            arrays[name].append(getattr(part, name))
        for name in IDENTIFIERS:
            keys[name].extend(part.keys[name])
        del part
    if not seen:  # no records: the columns of an empty batch, with their types
        return assemble([normalise({"id": []})])
    joined: dict[str, Any] = {name: np.concatenate(chunks) for name, chunks in arrays.items()}
    ids = joined.pop("ids").astype(np.int64, copy=False)
    lists["issue"] = ignore_record_numbers(lists["source"], lists["issue"])
    return Prepared(ids=ids, new=np.ones(len(ids), dtype=bool), keys=keys, **lists, **joined)


def normalise(cols: Mapping[str, Sequence[Any]], *, consume: bool = False) -> Part:
    """Normalise a batch of raw columns (FIELDS names; missing columns count as empty), record by
    record: the part of `from_columns` that worker processes share out (`parallel.Pool`)."""
    n = len(cols["id"])
    nothing: list[Any] = [None] * n  # one shared list for every absent column

    def col(name: str) -> Sequence[Any]:
        return cols.get(name) or nothing

    def done(*names: str) -> None:
        if consume and isinstance(cols, dict):
            for name in names:
                cols.pop(name, None)

    def ident(name: str, fn: Callable[[Any], str | None]) -> list[str | None]:
        values = col(name)
        return nothing if values is nothing else [fn(v) for v in values]

    parallel = [fields.parallel_title(t) if t else ("", "") for t in col("title")]
    # An erratum that cites the corrected article in its title is compared on the article's title
    # and known as a notice by the citation (`fields.cited_article`).
    cited_titles = [
        fields.cited_article(fields.strip_notes(nz.strip_markup(t))) if t else ("", False)
        for t, _ in parallel
    ]
    titles = [t for t, _ in cited_titles]
    cited = np.fromiter((c for _, c in cited_titles), dtype=bool, count=n)
    del cited_titles
    # The other-language title, where a record gives one: compared with the other record's title.
    alt = [
        _spelling(nz.normalize_title(fields.strip_notes(nz.strip_markup(o)))) if o else ""
        for _, o in parallel
    ]
    del parallel
    done("title")
    splits = [_split(t) for t in titles]
    del titles
    ids = np.fromiter((int(i) for i in cols["id"]), dtype=np.int64, count=n)
    # The subtitle separators are punctuation, so the normalised title is main + sub (and the main
    # title is kept as its length).
    norm = [f"{m} {s}" if s else m for m, s in splits]
    names = [_names(a) for a in col("authors")]
    done("authors")
    sources = [sys.intern(s) if s else "" for s in col("source")]  # a few names, a million times
    page_start, page_end = _page_numbers(col("pages"))
    issue = _issue_numbers(col("issue"), col("volume"), col("pages"))
    page = [_interned(nz.first_page(p)) for p in col("pages")]
    supplement = np.fromiter(map(venue.in_supplement, col("pages")), bool, n)
    volume = [_interned(nz.normalize_volume(v)) for v in col("volume")]
    done("pages", "issue", "volume")
    keys = {
        "doi": ident("doi", nz.normalize_doi),
        "openalex_id": ident("openalex_id", nz.normalize_openalex_id),
        "pmid": ident("pmid", nz.normalize_pmid),
        "govuk_base_path": ident("govuk_base_path", nz.normalize_govuk_path),
        "govuk_content_id": ident("govuk_content_id", nz.normalize_content_id),
        "url": ident("url", normalize_url),
    }
    done("doi", "openalex_id", "pmid", "govuk_base_path", "govuk_content_id", "url")
    return Part(
        ids=ids,
        source=sources,
        title=norm,
        main_len=np.fromiter((len(m) for m, _ in splits), dtype=np.int32, count=n),
        alt=alt,
        cited=cited,
        has_sub=np.fromiter((bool(s) for _, s in splits), dtype=bool, count=n),
        year=np.fromiter((nz.normalize_year(y) or 0 for y in col("year")), np.int32, n),
        surnames=[a for a, _ in names],
        givens=[g for _, g in names],
        volume=volume,
        issue=issue,
        page=page,
        page_start=page_start,
        page_end=page_end,
        supplement=supplement,
        doc_class=[doc_class(d) for d in col("doc_type")],
        orgs=[_org_words(p) for p in col("publisher")],
        journal=[_interned(j) for j in col("journal")],
        keys=keys,
    )
