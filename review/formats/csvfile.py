"""CSV (or TSV): any spreadsheet of records, with columns mapped to record fields by name or by hand."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

from review.formats.common import (
    clean,
    fail,
    parse_date,
    raise_errors,
    split_list,
)
from review.normalize import normalize_doi, normalize_year
from review.records import RecordIn

# Header spellings recognised without --map, compared case-insensitively with spaces collapsed.
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "ti", "t1", "article title", "document title", "primary title", "submission title"),
    "abstract": ("abstract", "summary", "ab", "n2", "description"),
    "authors": ("authors", "author", "au", "author names", "author full names"),
    "year": ("year", "py", "publication year", "pubyear", "year published"),
    "publication_date": ("publication date", "date published", "published", "date"),
    "doi": ("doi", "di"),
    "url": ("url", "link", "links", "web address", "website", "ur"),
    "journal": ("journal", "source title", "journal title", "publication title", "so", "jo", "source"),
    "publisher": ("organisation", "organization", "publisher", "pb", "organisation name", "submitted by"),
    "keywords": ("keywords", "author keywords", "kw", "de"),
    "language": ("language", "la", "language of original document"),
    "doc_type": ("document type", "type", "dt", "ty", "publication type"),
    "volume": ("volume", "vl", "vol"),
    "issue": ("issue", "is", "number"),
    "pages": ("pages", "page range", "pg"),
    "issn": ("issn", "sn"),
    "pmid": ("pmid", "pubmed id"),
    "file": ("file", "filename", "file name", "attachment", "document"),
}
FIELDS = tuple(ALIASES)


def _norm(header: str) -> str:
    return " ".join(header.replace("_", " ").split()).casefold()


def sniff_delimiter(text: str) -> str:
    """The commonest of `,` `;` tab `|` in the header line.

    The header alone decides: csv.Sniffer, given whole rows, is misled by delimiters inside quoted
    abstracts.
    """
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in ",;\t|"}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _rows(text: str, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))
    rows: list[tuple[int, list[str]]] = []
    try:
        header = [h.strip() for h in next(reader)]
        end = reader.line_num
        for row in reader:  # a row is named by the line it starts on (a quoted cell may span lines)
            if any(cell.strip() for cell in row):
                rows.append((end + 1, row))
            end = reader.line_num
    except (StopIteration, csv.Error) as exc:
        fail(name, "CSV", [f"line {reader.line_num}: {exc or 'the file has no header row'}"])
    return header, rows


def resolve_columns(header: Sequence[str], mapping: Mapping[str, str], name: str) -> dict[str, int]:
    """Field → column index: the --map choices first, then recognised header spellings."""
    found = ", ".join(repr(h) for h in header)
    errors = [
        f"column {col!r} (given for {fld}) is not in the header; found {found}"
        for fld, col in mapping.items()
        if col not in header
    ]
    repeated = sorted({h for h in header if h and header.count(h) > 1})
    errors += [f"column {h!r} appears more than once in the header" for h in repeated]
    raise_errors(name, "CSV", errors)
    columns = {fld: header.index(col) for fld, col in mapping.items()}
    taken = set(columns.values())
    by_norm = {_norm(h): i for i, h in reversed(list(enumerate(header)))}
    for fld, aliases in ALIASES.items():
        hit = next((by_norm[a] for a in aliases if a in by_norm and by_norm[a] not in taken), None)
        if fld not in columns and hit is not None:
            columns[fld] = hit
            taken.add(hit)
    if "title" not in columns:
        raise_errors(name, "CSV", [f"no title column; found {found}. Name one with --map title=COLUMN"])
    return columns


def read_csv(
    text: str,
    source: str,
    name: str = "file",
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
) -> list[RecordIn]:
    """Records of a CSV file (delimiter from the header line); unmapped columns are kept in `extra`."""
    return [r for _, r in read_csv_numbered(text, source, name, mapping=mapping, id_column=id_column)]


def read_csv_numbered(
    text: str,
    source: str,
    name: str = "file",
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
) -> list[tuple[int, RecordIn]]:
    """Like `read_csv`, each record with the file line its row ends on (for errors about a row)."""
    header, rows = _rows(text, name)
    if not rows:
        fail(name, "CSV", ["the file has a header row but no records"])
    if id_column is not None and id_column not in header:
        found = ", ".join(repr(h) for h in header)
        raise_errors(name, "CSV", [f"--id-column {id_column!r} is not in the header; found {found}"])
    columns = resolve_columns(header, dict(mapping or {}), name)
    errors = [
        f"line {no}: {len(row)} cells but the header has {len(header)}; check the delimiter and quotes"
        for no, row in rows
        if len(row) > len(header)
    ]
    if not any(clean(_cell(row, columns["title"])) for _, row in rows):
        errors.append(
            f"the title column {header[columns['title']]!r} is empty in every row; "
            "name another with --map title=COLUMN"
        )
    raise_errors(name, "CSV", errors)
    id_index = header.index(id_column) if id_column is not None else None
    return [(no, _record(header, row, columns, id_index, source)) for no, row in rows]


def _cell(row: Sequence[str], index: int | None) -> str | None:
    return row[index] if index is not None and index < len(row) else None


def _record(
    header: Sequence[str], row: Sequence[str], columns: Mapping[str, int], id_index: int | None, source: str
) -> RecordIn:
    def get(fld: str) -> str | None:
        return clean(_cell(row, columns.get(fld)))

    used = {*columns.values(), id_index}
    unmapped = {h: v for i, (h, v) in enumerate(zip(header, row, strict=False)) if i not in used and clean(v)}
    extra: dict[str, Any] = {"columns": unmapped} if unmapped else {}
    file = (_cell(row, columns.get("file")) or "").strip()
    if file:  # a file name as written: collapsing its spaces would name another file
        extra["file"] = file
    return RecordIn(
        source=source,
        source_id=clean(_cell(row, id_index)) or "",
        title=get("title"),
        abstract=get("abstract"),
        authors=split_list(get("authors")),
        year=normalize_year(get("year") or get("publication_date")),
        publication_date=parse_date(get("publication_date")),
        doi=normalize_doi(get("doi")),
        journal=get("journal"),
        issn=get("issn"),
        volume=get("volume"),
        issue=get("issue"),
        pages=get("pages"),
        publisher=get("publisher"),
        doc_type=get("doc_type"),
        language=get("language"),
        url=get("url"),
        pmid=get("pmid"),
        keywords=split_list(get("keywords"), ";,"),
        extra=extra or None,
    )


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def write_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """CSV text for rows (dicts): lists joined with "; ", dicts as JSON; columns default to all keys."""
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_csv_value(row.get(c)) for c in columns] for row in rows)
    return out.getvalue()
