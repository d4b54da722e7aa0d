"""EndNote XML (EndNote's File > Export > XML; Mendeley and Zotero write it too): read.

`<xml><records><record>…</record></records></xml>`; a field's text is bare or split over one or
more `<style>` elements, and EndNote separates values inside one field with carriage returns
(`&#xD;`). EndNote writes the whole file on one line, so a Problem gives the column as well.
A record the XML parser cannot read is a Problem; every other record is still read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any
from xml.parsers.expat import ErrorString

from review.formats.bibtex import issns, page_range
from review.formats.common import Parsed, Problem, clean, fail, non_empty, parse_date, strict
from review.normalize import normalize_doi, normalize_pmid, normalize_year
from review.records import RecordIn

KIND = "EndNote XML"
_RECORD = re.compile(r"<record[\s>]")
_CLOSE = "</record>"
# Elements holding one value per child (<authors><author>…): the child is named by its parent.
_LISTS = {"author", "url", "date", "keyword"}
# EndNote's numbers for its reference types, for files whose <ref-type> has no name attribute.
_REF_TYPES = {
    "5": "book section", "6": "book", "10": "conference proceedings", "12": "web page", "13": "generic",
    "17": "journal article", "19": "magazine article", "23": "newspaper article", "27": "report",
    "28": "edited book", "32": "thesis", "43": "electronic article", "46": "government document",
    "47": "conference paper",
}  # fmt: skip
_JOURNAL_TYPES = {"journal article", "magazine article", "newspaper article", "electronic article"}
_ISSN_ONLY = re.compile(r"^(\d{4}-?\d{3}[\dXx](\s*\([^)]*\))?[\s;,]*)+$")
_ISBN = re.compile(r"\b(?:97[89][-\s]?)?(?:\d[-\s]?){9}[\dXx]\b")
_LINES = re.compile(r"[\r\n]+")
_PMC = re.compile(r"^PMC\d+$")
_DAY_MONTH = re.compile(r"^(\d{1,2})\s+([A-Za-z]{3,})")


def read_endnote_xml(text: str, source: str, name: str = "file") -> list[RecordIn]:
    """Records of an EndNote XML export; ImportFormatError if any record is damaged."""
    return strict(parse_endnote_xml(text, source, name), name)


def parse_endnote_xml(text: str, source: str, name: str = "file") -> Parsed:
    """Every readable <record> of an EndNote XML export, a Problem for each damaged one.

    ImportFormatError only when the text is no XML with <record> elements at all.
    """
    starts = [m.start() for m in _RECORD.finditer(text)]
    if not text.lstrip().startswith("<") or not starts:
        fail(name, KIND, ["no <record> elements: not an EndNote XML export (File > Export > XML)"])
    parsed = Parsed(KIND)
    lines = list(_line_numbers(text, starts))
    try:
        records = list(ET.fromstring(text).iter("record"))
    except ET.ParseError as error:
        # One bad record spoils the whole document for the parser: read the records one by one.
        _by_record(text, starts, lines, source, parsed)
        if not parsed.problems:
            parsed.notes.append(_outside(error))
        return parsed
    numbered = lines if len(lines) == len(records) else [None] * len(records)
    parsed.entries += [
        (line, endnote_record(rec, source)) for line, rec in zip(numbered, records, strict=True)
    ]
    return parsed


def _line_numbers(text: str, starts: list[int]) -> Iterator[int]:
    line, previous = 1, 0
    for start in starts:
        line += text.count("\n", previous, start)
        previous = start
        yield line


def _by_record(text: str, starts: list[int], lines: list[int], source: str, parsed: Parsed) -> None:
    for n, (start, line) in enumerate(zip(starts, lines, strict=True), 1):
        end = text.find(_CLOSE, start, starts[n] if n < len(starts) else len(text))
        label = f"record {n} of the file"
        if end < 0:
            fix = "the export may be cut short: export it again"
            parsed.problems.append(Problem(line, f"this <record> has no </record>: {fix}", label))
            continue
        try:
            element = ET.fromstring(text[start : end + len(_CLOSE)])
        except ET.ParseError as error:
            row, column = error.position
            if row == 1:  # the column counts from the record's start, not from its line's
                column += start - text.rfind("\n", 0, start) - 1
            at = f"line {line + row - 1}, column {column}"
            parsed.problems.append(Problem(line + row - 1, _xml_message(error, at), label))
            continue
        parsed.entries.append((line, endnote_record(element, source)))


def _outside(error: ET.ParseError) -> str:
    row, column = error.position
    return (
        f"the XML around the records is damaged at line {row}, column {column} ({ErrorString(error.code)}; "
        "a file cut short after its last record ends so); every record was read"
    )


def _xml_message(error: ET.ParseError, at: str) -> str:
    return (
        f"the XML is broken at {at} ({ErrorString(error.code)}): a bare `&` must be written `&amp;` "
        "and `<` as `&lt;`, and every tag closed"
    )


# --- one record -----------------------------------------------------------------------------


def fields_of(record: ET.Element) -> dict[str, list[str]]:
    """Every field of a <record> by element name, each with its values (text of all <style> parts).

    Values of list elements are named by their parent: `authors`, `secondary-authors`, `keywords`,
    `related-urls`, `pdf-urls`, `pub-dates`.
    """
    out: dict[str, list[str]] = {}
    _collect(record, out)
    return out


def _collect(element: ET.Element, out: dict[str, list[str]]) -> None:
    for child in element:
        if len(child) and child[0].tag != "style":  # a container, not text in <style> runs
            _collect(child, out)
            continue
        key = element.tag if child.tag in _LISTS else child.tag
        value = child.get("name") if child.tag == "ref-type" else None
        out.setdefault(key, []).append(value or "".join(child.itertext()))


def _one(fields: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        values = fields.get(key)
        value = clean(values[0] if len(values) == 1 else " ".join(values)) if values else None
        if value:
            return value
    return None


def endnote_record(element: ET.Element, source: str) -> RecordIn:
    """A record from one <record> element."""
    f = fields_of(element)
    ref_type = _one(f, "ref-type") or ""
    kind = _REF_TYPES.get(ref_type, ref_type.lower())
    journal_type = kind in _JOURNAL_TYPES
    ids = _ids(f, journal_type)
    record = RecordIn(
        source=source,
        source_id=_one(f, "accession-num", "rec-number") or "",
        title=_one(f, "title"),
        other_titles=_other_titles(f, journal_type),
        abstract=_one(f, "abstract"),
        authors=non_empty(_person(a) for a in f.get("authors") or []),
        year=normalize_year(_one(f, "year")),
        publication_date=_date(_one(f, "year"), _one(f, "pub-dates")),
        doi=next(filter(None, map(normalize_doi, _values(f, "electronic-resource-num"))), None),
        journal=_one(f, "secondary-title", "full-title"),
        journal_abbrev=_one(f, "abbr-1") or (_one(f, "alt-title") if journal_type else None),
        issn=issns(*_values(f, "isbn")) if _is_issn(f, journal_type) else None,
        volume=_one(f, "volume"),
        issue=_one(f, "number", "issue"),
        pages=page_range(_one(f, "pages")),
        publisher=_one(f, "publisher"),
        doc_type=kind or None,
        language=_one(f, "language"),
        url=next(iter(_values(f, "related-urls")), None),
        keywords=non_empty(dict.fromkeys(_values(f, "keywords"))),
        pmid=ids.pop("pmid", None),
        other_ids=ids or None,
    )
    record.extra = _extra(f, record)
    return record


def _other_titles(fields: dict[str, list[str]], journal_type: bool) -> list[str] | None:
    # A journal article's <alt-title> is the journal's abbreviation (EndNote's "Alternate Journal").
    alt = None if journal_type else _one(fields, "alt-title")
    return non_empty(dict.fromkeys([_one(fields, "short-title"), _one(fields, "translated-title"), alt]))


def _values(fields: dict[str, list[str]], key: str) -> list[str]:
    """Each value of a field, split where EndNote put a carriage return or newline between values."""
    out: list[str] = []
    for value in fields.get(key) or ():
        if "\r" in value or "\n" in value:
            out += [c for c in map(clean, _LINES.split(value)) if c]
        elif text := clean(value):
            out.append(text)
    return out


def _person(name: str) -> str:
    # EndNote marks a corporate author with a trailing comma ("World Health Organization,").
    return " ".join(name.split()).rstrip(",").strip()


def _date(year: str | None, date: str | None) -> str | None:
    """An ISO date from <year> and <pub-dates> ("2020/03/15", "Mar 15", "15 March 2020")."""
    if not date:
        return None
    day_first = _DAY_MONTH.match(date)
    if day_first:
        return parse_date(f"{year} {day_first.group(2)} {day_first.group(1)}")
    return parse_date(date) or parse_date(f"{year} {date}")


def _is_issn(fields: dict[str, list[str]], journal_type: bool) -> bool:
    """<isbn> holds the ISSN of a journal article ("1234-5678 (Print)"), the ISBN of a book."""
    value = " ".join(_values(fields, "isbn"))
    return bool(value) and (journal_type or bool(_ISSN_ONLY.match(value)))


def _ids(fields: dict[str, list[str]], journal_type: bool) -> dict[str, str]:
    ids: dict[str, str] = {}
    accession = _one(fields, "accession-num")
    if accession:
        database = _one(fields, "remote-database-name", "remote-database-provider")
        ids[_accession_kind(accession, database)] = accession
    isbn = "; ".join(_values(fields, "isbn"))
    if _ISBN.search(isbn) and not _is_issn(fields, journal_type):
        ids["isbn"] = isbn  # not a report's <isbn>, which holds its report number (kept in `extra`)
    # PubMed records imported into EndNote carry the PMCID in Custom 2.
    pmcid = next((v for k in ("custom2", "custom1") for v in _values(fields, k) if _PMC.match(v)), None)
    if pmcid:
        ids["pmcid"] = pmcid
    return ids


def _accession_kind(value: str, database: str | None) -> str:
    """Which database an accession number belongs to, from its shape and <remote-database-name>."""
    db = (database or "").lower()
    if value.upper().startswith("WOS:"):
        return "wos"
    if value.startswith("2-s2.0-"):
        return "scopus"
    if "embase" in db:
        return "embase"
    if normalize_pmid(value) and any(w in db for w in ("pubmed", "medline", "nlm")):
        return "pmid"
    return "accession"


def _extra(fields: dict[str, list[str]], record: RecordIn) -> dict[str, Any] | None:
    """The fields with no place in the record, and mapped ones whose value did not find one."""
    rest: dict[str, Any] = {}
    for key in fields:
        placed = _PLACED.get(key)
        if placed is _always:
            continue
        kept = _values(fields, key)
        if kept and not (placed and placed(kept, record)):
            rest[key] = kept[0] if len(kept) == 1 else kept
    return {"endnote": rest} if rest else None


def _always(values: list[str], record: RecordIn) -> bool:
    return True


_PLACED: dict[str, Callable[[list[str], RecordIn], bool]] = {
    **dict.fromkeys(
        ("ref-type", "authors", "title", "short-title", "translated-title", "abstract", "pages", "volume",
         "keywords", "accession-num", "language", "publisher"),
        _always,
    ),
    "secondary-title": lambda v, r: v[0] == r.journal,
    "full-title": lambda v, r: v[0] == r.journal,
    "abbr-1": lambda v, r: v[0] == r.journal_abbrev,
    "alt-title": lambda v, r: v[0] in (r.journal_abbrev, *(r.other_titles or [])),
    "number": lambda v, r: v[0] == r.issue,
    "issue": lambda v, r: v[0] == r.issue,
    "year": lambda v, r: r.year is not None,
    "isbn": lambda v, r: bool(r.issn or (r.other_ids or {}).get("isbn")),
    "pub-dates": lambda v, r: r.publication_date is not None,
    "electronic-resource-num": lambda v, r: r.doi is not None and len(v) == 1,
    "related-urls": lambda v, r: len(v) == 1,
}  # fmt: skip
