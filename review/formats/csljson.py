"""CSL-JSON (Zotero's and Mendeley's "CSL JSON" export, citation.js, pandoc): read.

An array of items (or one item, or Zotero's API shape `{"items": [...]}`), each an object of CSL
variables. Items are decoded one at a time, so each has the line it starts on, and a syntax error
inside one item of a pretty-printed file loses only that item.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from review.formats.bibtex import issns, page_range
from review.formats.common import Parsed, Problem, fail, parse_date, split_list, strict
from review.normalize import normalize_doi, normalize_pmid, normalize_year
from review.records import RecordIn

KIND = "CSL-JSON"
_WS = re.compile(r"\s*")
_NOTE_ID = re.compile(r"^\s*(PMID|PMCID):\s*(\S+)\s*$", re.M | re.I)
_DECODER = json.JSONDecoder()
# Zotero writes `journalAbbreviation`, CrossRef `short-container-title`.
_ABBREVIATIONS = ("container-title-short", "journalabbreviation", "short-container-title")
# CSL variables the record holds (lower-case); every other one is kept in `extra["csl"]`.
_MAPPED = {
    "id", "type", "title", "title-short", "shorttitle", "original-title", "container-title", *_ABBREVIATIONS,
    "author", "issued", "doi", "issn", "isbn", "pmid", "pmcid", "volume", "issue", "page", "publisher", "url",
    "abstract", "keyword", "language",
}  # fmt: skip


def read_csljson(text: str, source: str, name: str = "file") -> list[RecordIn]:
    """Records of a CSL-JSON file; ImportFormatError if any item is damaged."""
    return strict(parse_csljson(text, source, name), name)


def parse_csljson(text: str, source: str, name: str = "file") -> Parsed:
    """Every readable item of a CSL-JSON file, a Problem for each item that cannot be read.

    ImportFormatError only when the text is no JSON array or object at all.
    """
    parsed = Parsed(KIND)
    pos = _skip(text, 0)
    opening = text[pos : pos + 1]
    if opening == "[":
        _array(text, pos + 1, source, parsed)
    elif opening == "{":
        _object(text, pos, source, parsed, name)
    else:
        fail(name, KIND, ["it does not start with `[` or `{`: not a CSL-JSON export"])
    return parsed


def _skip(text: str, pos: int) -> int:
    match = _WS.match(text, pos)
    return match.end() if match else pos


def _object(text: str, pos: int, source: str, parsed: Parsed, name: str) -> None:
    """One item, or `{"items": [...]}` (the Zotero web API's CSL-JSON)."""
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError as error:
        fail(name, KIND, [f"line {error.lineno}: {_syntax(error)}"])
    if text[end:].strip():
        fail(name, KIND, [f"line {_line(text, end)}: text after the closing `}}` of the item"])
    items = value.get("items") if isinstance(value.get("items"), list) else [value]
    for n, item in enumerate(items, 1):
        _add(n, _line(text, pos) if len(items) == 1 else None, item, source, parsed)


def _array(text: str, pos: int, source: str, parsed: Parsed) -> None:
    """Decode the items of the top-level array one by one, each with the line it starts on."""
    line, counted, n = 1, 0, 0
    while True:
        pos = _skip(text, pos)
        if text.startswith("]", pos) or pos >= len(text):
            break
        n += 1
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            item, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as error:
            parsed.problems.append(Problem(error.lineno, _syntax(error), f"item {n}, from line {line}"))
            indent = _indent(text, pos)
            resumed = _next_item(text, error.pos, indent)
            if resumed is None:
                if indent is None:  # one line: where the next item starts cannot be told
                    parsed.notes.append(f"the items after item {n}, if any, were not read: fix item {n}")
                return
            pos = resumed
            continue
        _add(n, line, item, source, parsed)
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos += 1


def _indent(text: str, pos: int) -> str | None:
    """The indentation of the item starting at pos, when it starts its own line (pretty-printed)."""
    start = text.rfind("\n", 0, pos) + 1
    prefix = text[start:pos]
    return prefix if not prefix.strip() else None


def _next_item(text: str, pos: int, indent: str | None) -> int | None:
    """Where the next item starts after a syntax error: the next line at the items' indentation
    that does not close one."""
    if indent is None:
        return None
    match = re.compile("\n" + re.escape(indent) + r"(?=[^\s}\]])").search(text, pos)
    return match.end() if match else None


def _syntax(error: json.JSONDecodeError) -> str:
    return (
        f"JSON syntax error at column {error.colno}: {error.msg} "
        "(a missing comma or quote, or a stray character): fix it there"
    )


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _add(n: int, line: int | None, item: Any, source: str, parsed: Parsed) -> None:
    if isinstance(item, dict):
        parsed.entries.append((line, csl_record(item, source)))
        return
    kind = {list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(
        type(item), "a number"
    )
    message = f'item {n} is {kind}, not an object of CSL fields (`{{"type": ..., "title": ...}}`)'
    parsed.problems.append(Problem(line, message, f"item {n}"))


# --- one item -------------------------------------------------------------------------------


def csl_record(item: Mapping[str, Any], source: str) -> RecordIn:
    """A record from one CSL item (variable names in any case: `DOI` or `doi`)."""
    v = {key.lower(): value for key, value in item.items()}
    t = {key: _text(value) for key, value in v.items()}  # each value as text, once
    year, published = _issued(v.get("issued"))
    # Zotero keeps IDs it has no CSL variable for as "PMID: ..." lines of its Extra field (`note`).
    note = v.get("note")
    notes = {k.lower(): val for k, val in _NOTE_ID.findall(note)} if isinstance(note, str) else {}
    ids = {k: val for k in ("pmcid", "isbn") if (val := t.get(k) or notes.get(k))}
    title = t.get("title")
    shorter = [t.get(k) for k in ("title-short", "shorttitle", "original-title") if k in t]
    return RecordIn(
        source=source,
        source_id=t.get("id") or "",
        title=title,
        other_titles=[o for o in dict.fromkeys(shorter) if o and o != title] or None,
        abstract=t.get("abstract"),
        authors=[n for n in map(person, v.get("author") or []) if n] or None,
        year=year,
        publication_date=published,
        doi=normalize_doi(t.get("doi")),
        journal=t.get("container-title"),
        journal_abbrev=next((a for k in _ABBREVIATIONS if (a := t.get(k))), None),
        issn=issns(*_all(v["issn"])) if "issn" in v else None,
        volume=t.get("volume"),
        issue=t.get("issue"),
        pages=page_range(t.get("page")),
        publisher=t.get("publisher"),
        doc_type=t.get("type"),
        language=t.get("language"),
        url=t.get("url"),
        keywords=split_list(t.get("keyword"), ";,"),
        pmid=normalize_pmid(t.get("pmid") or notes.get("pmid")),
        other_ids=ids or None,
        extra=_extra(item),
    )


def _text(value: Any) -> str | None:
    """A CSL value as text; a list (CrossRef writes `"title": ["..."]`) gives its first item."""
    if value is None:
        return None
    if isinstance(value, str):
        return " ".join(value.split()) or None
    if isinstance(value, list):
        return _text(value[0]) if value else None
    return None if isinstance(value, (dict, bool)) else str(value)


def _all(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [text for v in values if (text := _text(v))]


def person(name: Any) -> str | None:
    """A CSL name as "Surname, Given" ("van Gogh, Vincent"); a `literal` (corporate) name whole."""
    if not isinstance(name, dict):
        return _text(name)
    if name.get("literal"):
        return _text(name["literal"])
    family, given = _text(name.get("family")) or "", _text(name.get("given")) or ""
    if name.get("non-dropping-particle"):
        family = f"{_text(name['non-dropping-particle'])} {family}".strip()
    for part in ("dropping-particle", "suffix"):  # "King, Martin Jr.": one comma, as in every other name
        if name.get(part):
            given = f"{given} {_text(name[part])}".strip()
    return f"{family}, {given}" if family and given else family or given or None


def _issued(value: Any) -> tuple[int | None, str | None]:
    """(year, ISO date) from `{"date-parts": [[2020, 3, 1]]}`, `{"raw": ...}`, `{"literal": ...}`."""
    if isinstance(value, (str, int)):
        value = {"raw": value}
    if not isinstance(value, dict):
        return None, None
    parts = value.get("date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        return _from_parts(parts[0])
    text = _text(value.get("raw")) or _text(value.get("literal"))
    return normalize_year(text), parse_date(text)


def _from_parts(parts: list[Any]) -> tuple[int | None, str | None]:
    numbers = [int(p) for p in parts[:3] if str(p).strip().isdigit()]
    year = normalize_year(numbers[0]) if numbers else None
    if year is None or len(numbers) < 2 or not 1 <= numbers[1] <= 12:
        return year, None
    if len(numbers) == 2:
        return year, f"{year}-{numbers[1]:02d}"
    try:
        return year, date(year, numbers[1], numbers[2]).isoformat()
    except ValueError:
        return year, f"{year}-{numbers[1]:02d}"


def _extra(item: Mapping[str, Any]) -> dict[str, Any] | None:
    rest = {k: v for k, v in item.items() if k.lower() not in _MAPPED and v not in (None, "", [], {})}
    return {"csl": rest} if rest else None
