"""RIS text from work or record rows, which read_ris reads back field for field: each column under
its tag, the stored type as near a TY code as RIS has, IDs and other keys as `N1` notes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

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
_WRITTEN = frozenset(
    {
        "id",
        "title",
        "other_titles",
        "abstract",
        "authors",
        "year",
        "publication_date",
        "doi",
        "journal",
        "journal_abbrev",
        "issn",
        "volume",
        "issue",
        "pages",
        "publisher",
        "keywords",
        "language",
        "doc_type",
        "url",
        "pmid",
        "other_ids",
    }
)


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
    """RIS text for work or record rows (dicts): every bibliographic field a tag, so read_ris gives
    the same fields back (the row's `id` as ID, PMID and other IDs as `N1` notes); keys without a
    tag are written as `N1  - key: value` notes."""
    out: list[str] = []
    for row in rows:
        out += _head(row)
        out += _body(row)
        out += _notes(row)
        out += ["ER  - ", ""]
    return "\n".join(out)


def _head(row: Mapping[str, Any]) -> list[str]:
    doc_type = row.get("doc_type")
    out = [_line("TY", ris_type(doc_type))]
    if doc_type and ris_type(doc_type) != doc_type:
        out.append(_line("M3", doc_type))  # the stored type, which TY can only approximate
    out += _many("TI", [row.get("title")])
    out += _many("TT", row.get("other_titles"))
    out += _many("AU", row.get("authors"))
    out += _many("PY", [row.get("year")])
    date = _text(row.get("publication_date"))
    if date:
        parts = date.split("-")
        out.append(_line("DA", "/".join(parts + [""] * (4 - len(parts)))))  # RIS: YYYY/MM/DD/
    return out


def _body(row: Mapping[str, Any]) -> list[str]:
    pages = _text(row.get("pages")) or ""
    start, _, end = pages.partition("-")
    isbn = (row.get("other_ids") or {}).get("isbn")
    out = _many("T2", [row.get("journal")]) + _many("J2", [row.get("journal_abbrev")])
    out += _many("VL", [row.get("volume")]) + _many("IS", [row.get("issue")])
    out += _many("SP", [start if end else pages]) + _many("EP", [end])
    out += _many("SN", [*(_text(row.get("issn")) or "").split("; "), *(isbn or "").split("; ")])
    for tag, key in (("PB", "publisher"), ("LA", "language"), ("DO", "doi"), ("UR", "url")):
        out += _many(tag, [row.get(key)])
    out += _many("KW", row.get("keywords")) + _many("AB", [row.get("abstract")])
    return out + _many("ID", [row.get("id")])


def _notes(row: Mapping[str, Any]) -> list[str]:
    ids = {"PMID": row.get("pmid")} | {
        ("PMCID" if key == "pmcid" else f"{key} ID"): value
        for key, value in (row.get("other_ids") or {}).items()
        if key != "isbn"
    }
    out = [_line("N1", f"{label}: {value}") for label, value in ids.items() if _text(value)]
    for key, value in row.items():
        text = _text(value)
        if key not in _WRITTEN and text:
            out.append(_line("N1", f"{key}: {text}"))
    return out


def _many(tag: str, values: Iterable[Any] | None) -> list[str]:
    return [f"{tag}  - {text}" for v in values or () if (text := _text(v))]


def _text(value: Any) -> str | None:
    """A value as one line of text; lists joined with "; "; None for empty values and dicts."""
    if value is None or isinstance(value, dict):
        return None
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value if v is not None)
    return " ".join(str(value).split()) or None
