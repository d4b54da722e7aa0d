"""What an import stores of the records a reader returned: IDs for records without one, repeats
inside the file counted once, records that share an ID but differ both kept, blank records refused,
and how many records carry each field (so a loss shows at a glance)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from review.formats.common import Problem, derived_id
from review.records import RECORD_FIELDS, RecordIn

Entries = Sequence[tuple[int | None, RecordIn]]

# Fields the import summary counts, in the order it lists them, with the names it uses.
SUMMARY = (
    ("title", "title"),
    ("abstract", "abstract"),
    ("authors", "authors"),
    ("year", "year"),
    ("doi", "DOI"),
    ("journal", "journal"),
    ("volume", "volume"),
    ("issue", "issue"),
    ("pages", "pages"),
    ("issn", "ISSN"),
    ("publisher", "publisher"),
    ("keywords", "keywords"),
    ("language", "language"),
    ("doc_type", "type"),
    ("url", "URL"),
    ("pmid", "PMID"),
    ("other_ids", "database IDs"),
    ("other_titles", "other titles"),
)
_CONTENT = tuple(f for f in RECORD_FIELDS if f not in ("source", "source_id"))
# What lets a person find a record that has neither title nor abstract.
_IDENTIFIERS = ("doi", "pmid", "url", "openalex_id", "govuk_base_path")


@dataclass(frozen=True)
class Prepared:
    records: list[RecordIn]  # to store, each with a source ID unique in the file
    repeated: int  # exact repeats of an earlier record in the file (stored once)
    kept_apart: tuple[str, ...]  # IDs given to records that share an ID with another but differ
    blank: tuple[Problem, ...]  # records with no title, abstract or identifier: not stored


def prepare(entries: Entries) -> Prepared:
    """The records of a file ready to store (see the module's docstring)."""
    blank = tuple(_blank(line) for line, r in entries if _is_blank(r))
    kept = [r for _, r in entries if not _is_blank(r)]
    for record in kept:
        record.source_id = record.source_id or derived_id(record)
    records, repeated, apart = _unique_ids(kept)
    return Prepared(records, repeated, tuple(apart), blank)


def _is_blank(record: RecordIn) -> bool:
    if record.title or record.abstract:
        return False
    ids = record.other_ids or {}
    if (record.extra or {}).get("file"):
        return False  # a submission that is only its attached document is screened on the document
    if any(getattr(record, f) for f in _IDENTIFIERS) or ids.get("pmcid") or ids.get("isbn"):
        return False
    # A citation without its title (journal, volume and pages, or authors and year) can still be found,
    # and dedupe matches it on that address with the copy that has the title.
    located = record.journal and (record.volume or record.pages)
    return not (located or (record.authors and record.year))


def _blank(line: int | None) -> Problem:
    return Problem(
        line,
        "the record has no title, no abstract, no DOI, PMID, URL or ISBN, and no journal address or "
        "authors with a year, so nobody could screen or find it: not stored. If the database holds "
        "these, export the record again with them (for a CSV or XLSX, name the columns with --map).",
    )


def _content(record: RecordIn) -> bytes:
    return orjson.dumps([getattr(record, f) for f in _CONTENT], option=orjson.OPT_NON_STR_KEYS)


def _unique_ids(records: list[RecordIn]) -> tuple[list[RecordIn], int, list[str]]:
    """Repeats of a record dropped; a record sharing an ID with a different one gets `ID-2`, `ID-3`.

    The n-th different record under one ID gets the same suffix on every import of the file, so a
    re-import finds the same records again. Contents are compared only under a repeated ID.
    """
    first: dict[str, RecordIn] = {}
    versions: dict[str, list[bytes]] = {}
    out: list[RecordIn] = []
    repeated, apart = 0, []
    for record in records:
        sid = record.source_id
        if sid not in first:
            first[sid] = record
            out.append(record)
            continue
        seen = versions.setdefault(sid, [_content(first[sid])])
        content = _content(record)
        if content in seen:
            repeated += 1
            continue
        seen.append(content)
        record = dataclasses.replace(record, source_id=f"{sid}-{len(seen)}")
        apart.append(record.source_id)
        out.append(record)
    return out, repeated, apart


def field_counts(records: Sequence[RecordIn]) -> dict[str, int]:
    """How many records carry each summarised field, by the summary's names."""
    return {label: sum(1 for r in records if getattr(r, name)) for name, label in SUMMARY}
