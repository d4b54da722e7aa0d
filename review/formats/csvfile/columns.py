"""How a table's columns become record fields, resolved once from its header into a Plan: `--map`
first, then the columns of a recognised database export, else columns matched by name (`ALIASES`).
A header with no title column, or a title column empty in every row, is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from review.formats.common import clean, fail, raise_errors
from review.formats.csvfile.cells import CONVERT, Convert, Row, norm_header
from review.formats.csvfile.dialects import Dialect, recognise

Reads = tuple[tuple[int, Convert | None], ...]  # a field's columns, in order; no converter: the text


# Header spellings recognised without --map, compared case-insensitively with `_` as a space and
# spaces collapsed; the first present wins (all present, for keywords and other titles).
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "ti", "t1", "article title", "document title", "primary title", "submission title"),
    "other_titles": ("short title", "translated title", "original title", "alternative title"),
    "abstract": ("abstract", "summary", "ab", "n2", "description", "abstract note", "notes abstract"),
    "authors": ("authors", "author", "au", "author names", "author full names", "first authors", "creators"),
    "year": ("year", "py", "publication year", "pubyear", "year published", "year of publication"),
    "publication_date": ("publication date", "date published", "published", "date", "date of publication"),
    "doi": ("doi", "di"),
    "url": ("url", "link", "links", "web address", "website", "ur", "urls"),
    "journal": (
        "journal",
        "source title",
        "journal title",
        "publication title",
        "so",
        "jo",
        "journal name",
        "secondary title",
        "alternate title3",
        "journaltitle",
        "booktitle",
        "source",
    ),
    "journal_abbrev": ("journal abbreviation", "abbreviated source title", "alternate title2", "j2", "ji"),
    "publisher": ("organisation", "organization", "publisher", "pb", "organisation name", "submitted by"),
    "keywords": ("keywords", "author keywords", "kw", "de", "manual tags", "tags"),
    "language": ("language", "la", "language of original document"),
    "doc_type": (
        "document type",
        "type",
        "dt",
        "ty",
        "publication type",
        "entrytype",
        "item type",
        "type of reference",
        "reference type",
    ),
    "volume": ("volume", "vl", "vol"),
    "issue": ("issue", "is", "number", "issue number"),
    "pages": ("pages", "page range", "pg", "pagination"),
    "start_page": ("start page", "page start", "first page"),
    "end_page": ("end page", "page end", "last page"),
    "issn": ("issn", "sn", "issns"),
    "isbn": ("isbn", "isbns"),
    "pmid": ("pmid", "pubmed id", "medline pmid"),
    "pmcid": ("pmcid", "pmc id"),
    "file": ("file", "filename", "file name", "attachment", "document"),
}
# A field's own name is a spelling too: a table written by `write_csv` reads back.
ALIASES = {f: a if norm_header(f) in a else (*a, norm_header(f)) for f, a in ALIASES.items()}
FIELDS = tuple(ALIASES)
_COMBINED = frozenset({"keywords", "other_titles"})  # every matching column adds to the list
_ID_FIELDS = {"isbn": "id:isbn", "pmcid": "id:pmcid"}  # fields that are other_ids, not RecordIn fields


@dataclass(frozen=True)
class Plan:
    """How every row is read: resolved once from the header, so per-row work stays light."""

    header: tuple[str, ...]
    single: tuple[tuple[str, int, Convert | None], ...]  # field → its one column
    first: tuple[tuple[str, Reads, tuple[int, ...]], ...]  # field → columns, first wins; spares
    combined: tuple[tuple[str, Reads], ...]  # field → columns, all add
    kept: tuple[tuple[int, str], ...]  # columns kept in extra["columns"]
    id_keys: tuple[str, ...]  # the "id:KEY" fields read
    id_index: int | None
    file_index: int | None
    dialect: Dialect | None
    reads: tuple[tuple[str, int], ...]  # the dialect's `finish` cells


def column_plan(
    header: Sequence[str], mapping: Mapping[str, str], id_column: str | None, name: str, kind: str
) -> Plan:
    """The plan for a header: the columns --map names, then a dialect's or those `ALIASES` match;
    ImportFormatError if a named column is missing or no column is a title."""
    _check_columns(header, mapping, id_column, name, kind)
    dialect = recognise(header)
    reads: dict[str, list[tuple[int, Convert | None]]] = {}
    consumed: set[int] = set()
    spares: set[int] = set()
    for field, column in mapping.items():
        index = header.index(column)
        reads[_ID_FIELDS.get(field, field)] = [(index, CONVERT.get(field))]
        consumed.add(index)
    if dialect is not None:
        spares = _dialect_reads(dialect, header, reads, consumed)
    else:
        _alias_reads(header, reads, consumed)
        _word_reads(header, reads, consumed)
    if "title" not in reads:
        found = ", ".join(repr(h) for h in header)
        fail(name, kind, [f"no title column; found {found}. Name one with --map title=COLUMN"])
    return _make_plan(header, dialect, reads, consumed, spares, id_column)


def _check_columns(
    header: Sequence[str], mapping: Mapping[str, str], id_column: str | None, name: str, kind: str
) -> None:
    found = ", ".join(repr(h) for h in header)
    errors = [
        f"unknown field {fld!r} in --map; use one of {', '.join(FIELDS)}"
        for fld in mapping
        if fld not in FIELDS
    ]
    errors += [
        f"column {col!r} (given for {fld}) is not in the header; found {found}"
        for fld, col in mapping.items()
        if col not in header
    ]
    if id_column is not None and id_column not in header:
        errors.append(f"--id-column {id_column!r} is not in the header; found {found}")
    named = [*mapping.values(), *([id_column] if id_column else [])]
    errors += [
        f"column {col!r} appears more than once in the header; rename one to name it"
        for col in dict.fromkeys(named)
        if header.count(col) > 1
    ]
    raise_errors(name, kind, errors)


def _dialect_reads(
    dialect: Dialect,
    header: Sequence[str],
    reads: dict[str, list[tuple[int, Convert | None]]],
    consumed: set[int],
) -> set[int]:
    """The dialect's columns present in the header (--map has already claimed its fields), and
    which of them are spare fallbacks."""
    index = _first_index(header)
    mapped = set(reads)
    spares = set()
    for col in dialect.columns:
        at = index.get(norm_header(col.name))
        if at is None or col.field in mapped or (at in consumed and not col.keep):
            continue
        reads.setdefault(col.field, []).append((at, col.convert or CONVERT.get(col.field)))
        if not col.keep:
            consumed.add(at)
        if col.spare:
            spares.add(at)
    return spares


def _alias_reads(
    header: Sequence[str], reads: dict[str, list[tuple[int, Convert | None]]], consumed: set[int]
) -> None:
    """Columns matched by their names (`ALIASES`), each column read into one field at most."""
    index = _first_index(header)
    for field, aliases in ALIASES.items():
        key = _ID_FIELDS.get(field, field)
        if key in reads:
            continue
        hits = [index[a] for a in aliases if a in index and index[a] not in consumed]
        for at in dict.fromkeys(hits[: None if field in _COMBINED else 1]):
            reads.setdefault(key, []).append((at, CONVERT.get(field)))
            consumed.add(at)


# Free-text headers of survey and form exports ("Summary of your evidence", "Link to the report",
# "Name of your organisation"): a field none of ALIASES matched takes the first column whose name
# has one of its words, and none of the words that make it something else (a job title, an
# organisation's type).
_WORDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "title": (frozenset({"title"}), frozenset({"job", "role", "position", "honorific"})),
    "abstract": (frozenset({"summary", "abstract", "description", "synopsis"}), frozenset()),
    "url": (frozenset({"link", "url", "urls", "website", "weblink", "hyperlink"}), frozenset({"email"})),
    "publisher": (
        frozenset({"organisation", "organization", "organisations", "organizations"}),
        frozenset({"type", "size", "role", "sector", "kind", "category"}),
    ),
}


def _word_reads(
    header: Sequence[str], reads: dict[str, list[tuple[int, Convert | None]]], consumed: set[int]
) -> None:
    for field, (wanted, unwanted) in _WORDS.items():
        if field in reads:
            continue
        for at, name in enumerate(header):
            words = set(norm_header(name).replace("/", " ").replace("-", " ").split())
            if at not in consumed and words & wanted and not words & unwanted:
                reads[field] = [(at, CONVERT.get(field))]
                consumed.add(at)
                break


def _first_index(header: Sequence[str]) -> dict[str, int]:
    return {norm_header(h): i for i, h in reversed(list(enumerate(header)))}


def _make_plan(
    header: Sequence[str],
    dialect: Dialect | None,
    reads: Mapping[str, list[tuple[int, Convert | None]]],
    consumed: set[int],
    spares: set[int],
    id_column: str | None,
) -> Plan:
    id_index = header.index(id_column) if id_column is not None else None
    file_index = reads["file"][0][0] if "file" in reads else None
    taken = consumed | {id_index, file_index}
    index = _first_index(header)
    hook = dialect.reads if dialect is not None and dialect.reads else {}
    firsts = {f: r for f, r in reads.items() if f not in _COMBINED and f != "file"}
    return Plan(
        header=tuple(_extra_names(header)),
        single=tuple((f, *r[0]) for f, r in firsts.items() if len(r) == 1),
        first=tuple(
            (f, tuple(r), tuple(at for at, _ in r if at in spares)) for f, r in firsts.items() if len(r) > 1
        ),
        combined=tuple((f, tuple(r)) for f, r in reads.items() if f in _COMBINED),
        kept=tuple((i, h) for i, h in enumerate(_extra_names(header)) if i not in taken),
        id_keys=tuple(f for f in reads if f.startswith("id:")),
        id_index=id_index,
        file_index=file_index,
        dialect=dialect,
        reads=tuple((key, index[norm_header(col)]) for key, col in hook.items() if norm_header(col) in index),
    )


def _extra_names(header: Sequence[str]) -> list[str]:
    """Header names as keys of extra["columns"]: a repeated name gets ` (2)`, ` (3)`..."""
    seen: dict[str, int] = {}
    names = []
    for h in header:
        seen[h] = seen.get(h, 0) + 1
        names.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return names


def plan_notes(plan: Plan, header: Sequence[str]) -> list[str]:
    """What the user should know of how the columns were read."""
    reads = dict(_all_reads(plan))
    if plan.dialect is None:
        matched = [f"{plan.header[i]!r} as {f}" for f, r in reads.items() for i, _ in r]
        matched += [f"{plan.header[plan.file_index]!r} as file"] if plan.file_index is not None else []
        notes = ["columns matched by name: " + ", ".join(matched)]
    else:
        notes = [f"columns read as {plan.dialect.name}"]
        ids = reads.get(f"id:{plan.dialect.record_id}")
        if ids and plan.id_index is None:
            notes[0] += f"; its {plan.header[ids[0][0]]!r} column is the record ID"
    repeated = sorted({h for h in header if h.strip() and list(header).count(h) > 1})
    return notes + [f"column {h!r} appears more than once; each is kept" for h in repeated]


def _all_reads(plan: Plan) -> list[tuple[str, Reads]]:
    single = [(f, ((at, convert),)) for f, at, convert in plan.single]
    return single + [(f, reads) for f, reads, _ in plan.first] + list(plan.combined)


def check_titles(plan: Plan, rows: Sequence[Row], name: str, kind: str) -> None:
    """A title column empty in every row is the wrong column: refuse rather than import nothing."""
    columns = dict(_all_reads(plan))["title"]
    if any(clean(row[i]) for _, row in rows for i, _ in columns if i < len(row)):
        return
    fail(
        name,
        kind,
        [
            f"the title column {plan.header[columns[0][0]]!r} is empty in every row; "
            "name another with --map title=COLUMN"
        ],
    )
