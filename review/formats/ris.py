"""RIS: read with rispy after checking every line ourselves (rispy skips bad lines silently), and write.

A line that is not `TAG  - value` inside a record is read as the continuation of the field above,
as some RIS writers wrap long abstracts and titles, unless it looks like a mistyped tag or follows
a one-line field (year, volume, DOI...). Text between
records (Ovid and Embase put query lines there) is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from review.formats.common import (
    clean,
    non_empty,
    parse_date,
    raise_errors,
)
from review.normalize import normalize_doi, normalize_year
from review.records import RecordIn

_TAG = re.compile(r"^[A-Z][A-Z0-9]  -( |$)")
_LOOSE_TAG = re.compile(r"^\s*[A-Z][A-Z0-9]\s*-+(\s|$)|^[A-Z][A-Z0-9]  (-\S|[^-\s])|^[a-z][a-z0-9]  - ")
_EID = re.compile(r"[?&]eid=(2-s2\.0-\d+)")
# Fields whose values never wrap: an untagged line after one of them is a broken line.
_ONE_LINE = {"TY", "PY", "Y1", "DA", "VL", "IS", "SP", "EP", "SN", "DO", "LA", "AN", "ID"}
_USER_ID_TAGS = ("U1", "U2", "U3", "U4", "U5")

# rispy's names for the tags we map; anything else is kept in `extra`.
_MAPPED = {
    "type_of_reference",
    "primary_title",
    "title",
    "abstract",
    "notes_abstract",
    "authors",
    "first_authors",
    "year",
    "publication_year",
    "date",
    "doi",
    "journal_name",
    "secondary_title",
    "alternate_title3",
    "issn",
    "volume",
    "number",
    "start_page",
    "end_page",
    "publisher",
    "urls",
    "language",
    "keywords",
    "accession_number",
    "id",
}


def check_lines(lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """Every structural problem in a RIS file as `line N: ...` messages, and the lines of its records.

    Lines outside records are dropped, so rispy never mistakes such a line starting "TY" for a record.
    """
    errors: list[str] = []
    kept: list[str] = []
    start: int | None = None
    last_tag = ""
    for no, line in enumerate(lines, 1):
        if _TAG.match(line):
            tag = line[:2]
            if tag == "TY" and start is not None:
                errors.append(
                    f"line {no}: a record starts here, but the one from line {start} has no `ER  -`"
                )
            if tag != "TY" and start is None:
                errors.append(f"line {no}: {line[:40]!r} comes before a `TY  - ` line that starts a record")
            if tag == "TY" or start is not None:
                kept.append(line)
            start = None if tag == "ER" else (no if tag == "TY" else start)
            last_tag = tag
        elif _LOOSE_TAG.match(line):
            errors.append(
                f"line {no}: {line[:40]!r} is not a RIS field; write it as `TAG  - value` "
                "(two capitals, two spaces, a hyphen, a space)"
            )
        elif start is not None:
            if line.strip() and last_tag in _ONE_LINE:
                errors.append(
                    f"line {no}: {line[:40]!r} is not a `TAG  - value` line, "
                    f"and a {last_tag} value cannot continue onto a new line"
                )
            kept.append(line)
    if start is not None:
        errors.append(f"line {start}: the record starting here has no `ER  -` line to end it")
    return errors, kept


def read_ris(text: str, source: str, name: str = "file") -> list[RecordIn]:
    """Records of a RIS file; raises ImportFormatError naming bad lines, reading nothing."""
    import rispy

    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not any(line.startswith("TY  -") for line in lines):
        hint = " (it looks like Web of Science plain text: export as RIS)" if text.startswith("FN ") else ""
        raise_errors(name, "RIS", [f"no line starts with `TY  - `, so this is not a RIS file{hint}"])
    errors, kept = check_lines(lines)
    raise_errors(name, "RIS", errors)
    # SN is read as a list: exports repeat it for print and electronic ISSNs.
    entries = rispy.RisParser(list_tags=[*rispy.LIST_TYPE_TAGS, "SN"]).parse_lines(iter(kept))
    return [_record(entry, source) for entry in entries]


def _first(entry: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = entry.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        text = clean(value)
        if text:
            return text
    return None


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _pages(entry: Mapping[str, Any]) -> str | None:
    start, end = _first(entry, "start_page"), _first(entry, "end_page")
    if start and end and "-" not in start:
        return f"{start}-{end}"
    return start or end


def _record(entry: Mapping[str, Any], source: str) -> RecordIn:
    dated = _first(entry, "date", "year", "publication_year")
    extra = {k: v for k, v in entry.items() if k not in _MAPPED and k != "unknown_tag"}
    extra.update({tag: list(v) for tag, v in (entry.get("unknown_tag") or {}).items() if tag})
    urls = _as_list(entry.get("urls"))
    return RecordIn(
        source=source,
        source_id=_first(entry, "accession_number", "id") or _user_id(entry) or _scopus_eid(urls) or "",
        title=_first(entry, "primary_title", "title"),
        abstract=_first(entry, "abstract", "notes_abstract"),
        authors=non_empty(_as_list(entry.get("authors")) + _as_list(entry.get("first_authors"))),
        year=normalize_year(_first(entry, "year", "publication_year", "date")),
        publication_date=parse_date(dated),
        doi=normalize_doi(_first(entry, "doi")),
        journal=_first(entry, "journal_name", "secondary_title", "alternate_title3"),
        issn="; ".join(non_empty(_as_list(entry.get("issn"))) or []) or None,
        volume=_first(entry, "volume"),
        issue=_first(entry, "number"),
        pages=_pages(entry),
        publisher=_first(entry, "publisher"),
        doc_type=_first(entry, "type_of_reference"),
        language=_first(entry, "language"),
        url=clean(urls[0]) if urls else None,
        keywords=non_empty(_as_list(entry.get("keywords"))),
        extra={"ris": extra} if extra else None,
    )


def _scopus_eid(urls: list[str]) -> str | None:
    """Scopus exports carry no AN or ID, but their record URL holds the Scopus EID."""
    match = next((m for m in (_EID.search(u) for u in urls) if m), None)
    return match.group(1) if match else None


def _user_id(entry: Mapping[str, Any]) -> str | None:
    unknown = entry.get("unknown_tag") or {}
    for tag in _USER_ID_TAGS:
        values = unknown.get(tag)
        if values and clean(values[0]):
            return clean(values[0])
    return None


# --- writing --------------------------------------------------------------------------------

_TY = {
    "article": "JOUR",
    "journal-article": "JOUR",
    "review": "JOUR",
    "book": "BOOK",
    "book-chapter": "CHAP",
    "dissertation": "THES",
    "report": "RPRT",
    "dataset": "DATA",
    "preprint": "JOUR",
}
_WRITE = (
    ("TI", "title"),
    ("AB", "abstract"),
    ("PY", "year"),
    ("DA", "publication_date"),
    ("DO", "doi"),
    ("JO", "journal"),
    ("SN", "issn"),
    ("VL", "volume"),
    ("IS", "issue"),
    ("SP", "pages"),
    ("PB", "publisher"),
    ("LA", "language"),
    ("UR", "url"),
    ("ID", "id"),
)
_LISTS = (("AU", "authors"), ("KW", "keywords"))


def ris_type(doc_type: str | None) -> str:
    """A RIS TY code for a stored document type (a RIS code is kept; GOV.UK types are reports)."""
    if not doc_type:
        return "GEN"
    if re.fullmatch(r"[A-Z]{3,6}", doc_type):
        return doc_type
    return _TY.get(doc_type.lower(), "RPRT" if "_" in doc_type else "GEN")


def _line(tag: str, value: Any) -> str:
    return f"{tag}  - {' '.join(str(value).split())}"


def write_ris(rows: Sequence[Mapping[str, Any]]) -> str:
    """RIS text for work or record rows (dicts); keys without a RIS tag are written as `N1` notes."""
    known = {key for _, key in (*_WRITE, *_LISTS)} | {"doc_type"}
    out: list[str] = []
    for row in rows:
        out.append(_line("TY", ris_type(row.get("doc_type"))))
        for tag, key in _LISTS:
            out += [_line(tag, v) for v in row.get(key) or () if clean(str(v))]
        out += [_line(tag, row[key]) for tag, key in _WRITE if clean(_text(row.get(key)))]
        notes = {k: v for k, v in row.items() if k not in known and clean(_text(v))}
        out += [_line("N1", f"{k}: {_text(v)}") for k, v in notes.items()]
        out += ["ER  - ", ""]
    return "\n".join(out)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value)
