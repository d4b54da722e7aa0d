"""CSV or TSV (and, through `parse_table`, spreadsheet) tables of records.

A table's columns are matched to record fields once, from its header: `--map FIELD=COLUMN` first,
then the columns of a database export recognised from its header (Scopus, Web of Science, Lens,
Dimensions, OpenAlex, Embase, a BibTeX file saved as CSV), else column names matched by spelling
(`ALIASES`). Each database writes its own author lists, IDs and pages; a dialect says how. Every
column not read into a field is kept in `extra["columns"]`, and so is a cell that cannot be read as
its field (a DOI that is not one), so nothing in the file is lost.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from review.formats.common import (
    Parsed,
    Problem,
    clean,
    collector_paused,
    fail,
    parse_date,
    raise_errors,
    split_list,
    strict,
)
from review.normalize import normalize_doi, normalize_openalex_id, normalize_pmid, normalize_year
from review.records import RecordIn

Convert = Callable[[str], Any]  # a cleaned, non-empty cell → the field's value; None if unreadable
Reads = tuple[tuple[int, Convert | None], ...]  # a field's columns, in order; no converter: the text
Row = tuple[int, list[str]]  # a table row with its line (CSV) or sheet row number (XLSX)


def _norm(header: str) -> str:
    return " ".join(header.replace("_", " ").split()).casefold()


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
ALIASES = {f: a if _norm(f) in a else (*a, _norm(f)) for f, a in ALIASES.items()}
FIELDS = tuple(ALIASES)
_COMBINED = frozenset({"keywords", "other_titles"})  # every matching column adds to the list
_ID_FIELDS = {"isbn": "id:isbn", "pmcid": "id:pmcid"}  # fields that are other_ids, not RecordIn fields
_SHORT = 500  # characters: a title, a name; not an abstract (see `_tidy`)
_MAX_PREAMBLE = 10  # rows above a header (a title, "About the data: ...") looked past
# English month names, as exports write them (`calendar.month_abbr` follows the locale: not that)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


# --- cell readers -----------------------------------------------------------------------------


def _tidy(cell: str) -> str:
    """A cell with line breaks, tabs and runs of spaces collapsed. Most cells need nothing, so look
    before splitting, with scans that cost little even on a long abstract (splitting every cell
    costs more than parsing the file). In a long text a double space inside a line is left: finding
    one costs as much again, and it changes nothing a reader sees."""
    if (
        "\n" in cell
        or "\r" in cell
        or "\t" in cell
        or "\xa0" in cell  # a no-break space, common in text pasted from Word or a web page
        or cell[:1] == " "
        or cell[-1:] == " "
        or (len(cell) < _SHORT and "  " in cell)
    ):
        return " ".join(cell.split())
    return cell


def _split(value: str, separators: str) -> list[str] | None:
    """A tidied cell split on the first of `separators` it holds (like `split_list`, lighter)."""
    for sep in separators:
        if sep in value:
            return [p for p in map(str.strip, value.split(sep)) if p] or None
    return [value]


def _py_list(value: str) -> list[str] | None:
    """A Python list written into a cell (`['Marx, Karl', 'Lindgren, Astrid']`, as pandas saves
    the lists of a RIS file read by rispy, which ASReview exports do)."""
    if not (value.startswith("[") and value.endswith("]")):
        return None
    try:
        items = ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return None
    return [s for s in (clean(str(i)) for i in items) if s] if isinstance(items, list) else None


def _semicolons(value: str) -> list[str] | None:
    if value[0] == "[":
        return _py_list(value) or _split(value, ";")
    if ";" not in value:
        return [value]
    if value.count(";") == value.count("; "):  # the usual `A; B; C`: split without stripping
        parts = value.split("; ")
        if "" not in parts:
            return parts
    return [p for p in map(str.strip, value.split(";")) if p] or None


def _pipes(value: str) -> list[str] | None:
    return _split(value, "|")


def _generic_keywords(value: str) -> list[str] | None:
    return _py_list(value) or _split(value, ";,")


def _one(value: str) -> list[str]:
    return [value]


def _date(value: str) -> str | None:
    """An ISO date, year-month or year from the spellings exports use: `2017-11-28`, `2019 Mar 15`,
    `25 Aug 2004`, `January 7, 2011`, `March 2022`, `2014`; None if it is not a date."""
    iso = re.match(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[T ]|$)", value)
    if iso:
        return parse_date("-".join(p for p in iso.groups() if p))
    if re.fullmatch(r"\d{4}", value):
        return value
    found = parse_date(value)
    if found:
        return found
    spelled = re.fullmatch(r"(?:(\d{1,2}) )?([A-Za-z]{3,})\.?(?: (\d{1,2}),?)? (\d{4})", value)
    month = _MONTHS.get(spelled.group(2)[:3].lower()) if spelled else None
    if not spelled or not month:
        return None
    day = spelled.group(1) or spelled.group(3)
    return parse_date(f"{spelled.group(4)}-{month}" + (f"-{day}" if day else ""))


def _page_range(value: str) -> str:
    """Pages as `start-end` (`201--219`, `100 – 127`); article numbers and `iii33` as written."""
    if " " not in value and "--" not in value and "–" not in value and "—" not in value:
        return value  # already `start-end` (most are): no regex for them
    return re.sub(r"\s*(?:--|-|–|—)\s*", "-", value)


def _doc_type(value: str) -> str:
    return value.lower()


_CONVERT: dict[str, Convert] = {
    "authors": _semicolons,
    "keywords": _generic_keywords,
    "other_titles": _one,
    "year": normalize_year,
    "publication_date": _date,
    "doi": normalize_doi,
    "pmid": normalize_pmid,
    "pages": _page_range,
}


# --- what each database writes ----------------------------------------------------------------

_SURNAME_INITIALS = re.compile(r"(?P<surname>.*\S)\s+(?P<initials>(?:[A-Z][a-z]?\.[ -]?)+)")


def _surname_initials(name: str) -> str:
    """`New K.C.` → `New, K.C.` (Scopus and Embase write the surname, then initials with stops)."""
    match = _SURNAME_INITIALS.fullmatch(name)
    return f"{match['surname']}, {match['initials'].strip()}" if match else name


def _abbreviated_names(value: str) -> list[str] | None:
    """Scopus `Authors` and Embase `Author Names`: `New K.C.; Hanula J.L.`, or in older exports
    `New K.C., Hanula J.L.` (commas between authors; no comma inside a name)."""
    if value.startswith("[No author"):  # Scopus's placeholder for a record without authors
        return None
    parts = value.split(";") if ";" in value else value.split(",")
    return [_surname_initials(p.strip()) for p in parts if p.strip()] or None


def _scopus_full_names(value: str) -> list[str] | None:
    """Scopus `Author full names`: `New, Kevin C. (57200000000); ...`; the Scopus author IDs are
    also in the `Author(s) ID` column, kept in extra."""
    names = [re.sub(r"\s*\(\d+\)$", "", p.strip()) for p in value.split(";")]
    return [n for n in names if n] or None


def _openalex_names(value: str) -> list[str] | None:
    """OpenAlex display names (`Jakub Kužílek|Martin Hlosta`) as `Surname, Given`, the way the
    OpenAlex search connector stores them, so the two agree; an organisation's name stays whole."""
    names = []
    for name in value.split("|"):
        given, _, surname = name.strip().rpartition(" ")
        names.append(f"{surname}, {given}" if given and not _CORPORATE.search(name) else name.strip())
    return [n for n in names if n] or None


# Words of an organisation's name, not a person's: "Department for Education", "WHO Working Group".
_CORPORATE = re.compile(
    r"\b(?:for|of|and|the|on|Department|Ministry|Office|Council|Agency|Institute|University|"
    r"Foundation|Trust|Association|Society|Organi[sz]ation|Group|Committee|Consortium|Network|"
    r"Collaboration|Centre|Center|Service|Board|Commission|Authority)\b|&"
)


def _bibtex_names(value: str) -> list[str] | None:
    """BibTeX `A and B` at brace depth 0; braces around a corporate name dropped."""
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value):
        token = match.group()
        depth += 1 if token == "{" else -1 if token == "}" else 0
        if depth == 0 and token.strip() == "and":
            names.append(value[start : match.start()])
            start = match.end()
    names.append(value[start:])
    cleaned = [n.replace("{", "").replace("}", "").strip() for n in names]
    return [n for n in cleaned if n] or None


def _embase_terms(value: str) -> list[str] | None:
    """Emtree terms: `a, b (diagnosis, surgery), c`, a comma inside brackets not splitting."""
    if ";" in value:
        return _split(value, ";")
    return [t for t in map(str.strip, _OUTSIDE_BRACKETS.split(value)) if t] or None


_OUTSIDE_BRACKETS = re.compile(r",(?![^()]*\))")  # a comma not followed by a `)` before any `(`


def _first_url(value: str) -> str | None:
    return next((u for u in re.split(r"[;\s]+", value) if u.startswith("http")), None)


def _pmcid(value: str) -> str | None:
    match = re.search(r"(?:PMC)?(\d+)\s*$", value, re.IGNORECASE)
    return f"PMC{match.group(1)}" if match else None


def _countries(value: str) -> list[str] | None:
    return list(dict.fromkeys(c.strip() for c in value.split("|") if c.strip())) or None


def _joined_pipes(value: str) -> str:
    return "; ".join(p.strip() for p in value.split("|") if p.strip())


def _inverted_abstract(value: str) -> str | None:
    """An abstract from OpenAlex's inverted index (`{"word": [0, 5], ...}`) written as JSON."""
    try:
        index = json.loads(value)
    except ValueError:
        return None
    if not isinstance(index, dict):
        return None
    at = {
        p: str(word)
        for word, places in index.items()
        if isinstance(places, list)
        for p in places
        if isinstance(p, int)
    }
    return " ".join(at[p] for p in sorted(at)) or None


class Col(NamedTuple):
    """A column a database writes: the field it fills, as spelled in the export's header.

    Several columns for one field are read in order, the first with a value winning (all adding,
    for keywords). `keep`: the column is also kept in extra whatever is read from it (an article
    number used only when there are no pages; a list of which one item is read). `spare`: a
    fallback kept in extra in a row where another column's value is used (a book series beside
    the book's title).
    """

    field: str  # a RecordIn field; or "start_page", "end_page", "article_number", "source_id",
    # or "id:KEY" for other_ids[KEY]
    name: str
    convert: Convert | None = None
    keep: bool = False
    spare: bool = False


Finish = Callable[[dict[str, Any], Mapping[str, str]], None]


@dataclass(frozen=True)
class Dialect:
    """One database's export: recognised when its header holds every column of one signature."""

    name: str
    signatures: tuple[frozenset[str], ...]
    columns: tuple[Col, ...]
    record_id: str | None = None  # the other_ids key that is also the record's source_id
    reads: Mapping[str, str] | None = None  # cells `finish` looks at (they stay in extra too)
    finish: Finish | None = None  # fixes a record needs from several cells


def _signatures(*names: Iterable[str]) -> tuple[frozenset[str], ...]:
    return tuple(frozenset(_norm(n) for n in group) for group in names)


def _wos_finish(values: dict[str, Any], cells: Mapping[str, str]) -> None:
    """Publication date from PD (`MAR 15`, `2021 MAR`) with PY; group authors after the persons."""
    date, year = cells.get("date", ""), values.get("year")
    if date and "publication_date" not in values:
        found = _date(date) if re.search(r"\d{4}", date) else _date(f"{year} {date}") if year else None
        if found:
            values["publication_date"] = found
    groups = split_list(cells.get("groups"), ";") or []
    if groups:
        persons = values.get("authors") or []
        values["authors"] = persons + [g for g in groups if g not in persons]


def _wos_columns(full: bool) -> tuple[Col, ...]:
    """Web of Science columns: two-letter tags (tab-delimited export) or their full names (the
    Excel export), the same fields either way."""
    table: list[tuple[str, str, str, Convert | None, str]] = [
        ("title", "TI", "Article Title", None, ""),
        ("authors", "AF", "Author Full Names", _semicolons, ""),
        ("authors", "AU", "Authors", _semicolons, ""),
        ("authors", "BF", "Book Author Full Names", _semicolons, ""),
        ("authors", "BA", "Book Authors", _semicolons, ""),
        ("journal", "SO", "Source Title", None, ""),
        ("journal_abbrev", "JI", "Journal ISO Abbreviation", None, ""),
        ("journal_abbrev", "J9", "Journal Abbreviation", None, "spare"),
        ("language", "LA", "Language", None, ""),
        ("doc_type", "DT", "Document Type", None, ""),
        ("keywords", "DE", "Author Keywords", _semicolons, ""),
        ("keywords", "ID", "Keywords Plus", _semicolons, ""),
        ("abstract", "AB", "Abstract", None, ""),
        ("publisher", "PU", "Publisher", None, ""),
        ("issn", "SN", "ISSN", None, ""),
        ("issn", "EI", "eISSN", None, "spare"),
        ("id:isbn", "BN", "ISBN", None, ""),
        ("year", "PY", "Publication Year", None, ""),
        ("volume", "VL", "Volume", None, ""),
        ("issue", "IS", "Issue", None, ""),
        ("start_page", "BP", "Start Page", None, ""),
        ("end_page", "EP", "End Page", None, ""),
        ("article_number", "AR", "Article Number", None, "keep"),
        ("doi", "DI", "DOI", None, ""),
        ("doi", "D2", "Book DOI", None, "spare"),
        ("pmid", "PM", "Pubmed Id", None, ""),
        ("id:wos", "UT", "UT (Unique WOS ID)", None, ""),
    ]
    return tuple(
        Col(f, full_name if full else tag, c, keep=mode == "keep", spare=mode == "spare")
        for f, tag, full_name, c, mode in table
    )


_WOS_TAGS = Dialect(
    "a Web of Science tab-delimited export",
    _signatures(("UT", "TI", "AU"), ("UT", "TI", "AF")),
    _wos_columns(full=False),
    record_id="wos",
    reads={"date": "PD", "groups": "CA"},
    finish=_wos_finish,
)
_WOS_NAMES = Dialect(
    "a Web of Science export with full column names",
    _signatures(("UT (Unique WOS ID)", "Article Title")),
    _wos_columns(full=True),
    record_id="wos",
    reads={"date": "Publication Date", "groups": "Group Authors"},
    finish=_wos_finish,
)
_SCOPUS = Dialect(
    "a Scopus CSV export",
    _signatures(("EID", "Source title"), ("EID", "Authors", "Title")),
    (
        Col("title", "Title"),
        Col("authors", "Author full names", _scopus_full_names),
        Col("authors", "Authors", _abbreviated_names),
        Col("year", "Year"),
        Col("journal", "Source title"),
        Col("volume", "Volume"),
        Col("issue", "Issue"),
        Col("article_number", "Art. No.", keep=True),
        Col("start_page", "Page start"),
        Col("end_page", "Page end"),
        Col("doi", "DOI"),
        Col("url", "Link"),
        Col("abstract", "Abstract"),
        Col("keywords", "Author Keywords", _semicolons),
        Col("keywords", "Index Keywords", _semicolons),
        Col("publisher", "Publisher"),
        Col("issn", "ISSN"),
        Col("id:isbn", "ISBN"),
        Col("pmid", "PubMed ID"),
        Col("language", "Language of Original Document"),
        Col("journal_abbrev", "Abbreviated Source Title"),
        Col("doc_type", "Document Type"),
        Col("id:scopus", "EID"),
    ),
    record_id="scopus",
)
_LENS = Dialect(
    "a Lens.org CSV export",
    _signatures(("Lens ID", "Title")),
    (
        Col("id:lens", "Lens ID"),
        Col("title", "Title"),
        Col("publication_date", "Date Published"),
        Col("year", "Publication Year"),
        Col("doc_type", "Publication Type"),
        Col("journal", "Source Title"),
        Col("issn", "ISSNs"),
        Col("publisher", "Publisher"),
        Col("authors", "Author/s", _semicolons),  # `Given Surname` as Lens writes them
        Col("abstract", "Abstract"),
        Col("volume", "Volume"),
        Col("issue", "Issue Number"),
        Col("start_page", "Start Page"),
        Col("end_page", "End Page"),
        Col("keywords", "Keywords", _semicolons),
        Col("url", "External URL"),
        Col("url", "Source URLs", _first_url, keep=True),
        Col("pmid", "PMID"),
        Col("doi", "DOI"),
        Col("id:mag", "Microsoft Academic ID"),
        Col("id:pmcid", "PMCID", _pmcid),
    ),
    record_id="lens",
)
_DIMENSIONS = Dialect(
    "a Dimensions CSV export",
    _signatures(("Publication ID", "PubYear"), ("Publication ID", "Dimensions URL")),
    (
        Col("id:dimensions", "Publication ID"),
        Col("doi", "DOI"),
        Col("pmid", "PMID"),
        Col("id:pmcid", "PMCID", _pmcid),
        Col("id:isbn", "ISBN"),
        Col("title", "Title"),
        Col("abstract", "Abstract"),
        Col("journal", "Anthology title"),  # a chapter's book; its `Source title` is the series
        Col("journal", "Source title", spare=True),
        Col("journal", "Source title/Anthology title"),
        Col("publisher", "Publisher"),
        Col("publication_date", "Publication Date"),
        Col("year", "PubYear"),
        Col("volume", "Volume"),
        Col("issue", "Issue"),
        Col("pages", "Pagination"),
        Col("doc_type", "Publication Type"),
        Col("authors", "Authors", _semicolons),
        Col("url", "Dimensions URL"),
    ),
    record_id="dimensions",
)
_OPENALEX = Dialect(
    "an OpenAlex CSV export",
    _signatures(("id", "display_name", "publication_year"), ("id", "authorships.author.display_name")),
    (
        Col("id:openalex", "id", normalize_openalex_id),
        Col("id:openalex", "ids.openalex", normalize_openalex_id),
        Col("title", "title"),
        Col("title", "display_name"),
        Col("doi", "doi"),
        Col("doi", "ids.doi"),
        Col("year", "publication_year"),
        Col("publication_date", "publication_date"),
        Col("language", "language"),
        Col("doc_type", "type"),
        Col("journal", "primary_location.source.display_name"),
        Col("journal", "host_venue.display_name"),
        Col("publisher", "primary_location.source.host_organization_name"),
        Col("issn", "primary_location.source.issn_l"),
        Col("issn", "primary_location.source.issn", _joined_pipes, keep=True),
        Col("url", "primary_location.landing_page_url"),
        Col("volume", "biblio.volume"),
        Col("issue", "biblio.issue"),
        Col("start_page", "biblio.first_page"),
        Col("end_page", "biblio.last_page"),
        Col("authors", "authorships.author.display_name", _openalex_names),
        Col("authors", "authorships.raw_author_name", _openalex_names),
        Col("countries", "authorships.countries", _countries),
        Col("keywords", "keywords.display_name", _pipes),
        Col("abstract", "abstract"),
        Col("abstract", "abstract_inverted_index", _inverted_abstract),
        Col("pmid", "ids.pmid"),
        Col("id:pmcid", "ids.pmcid", _pmcid),
        Col("id:mag", "ids.mag"),
    ),
    record_id="openalex",
)

_EMBASE_SOURCE = re.compile(
    r"(?P<journal>.+?) \((?P<year>\d{4})\)"
    r"(?: (?P<volume>[^\s:()]+)(?::(?P<issue>[^\s()]+))?)?"
    r"(?: \((?P<pages>[^)]*)\))?"
    r"(?:\.? Article Number: (?P<article>[^.]+))?\.?"
    r"(?: Date of Publication: (?P<date>.+))?"
)


def _embase_finish(values: dict[str, Any], cells: Mapping[str, str]) -> None:
    """What older Embase exports hold only in `Source` (`Cancer (2004) 102:4 (253-258). Date of
    Publication: 25 Aug 2004`) and in the `Open URL Link` query (DOI, PMID, ISSN)."""
    source = _EMBASE_SOURCE.fullmatch(cells.get("source", ""))
    if source:
        found = {
            "journal": source["journal"],
            "year": int(source["year"]),
            "volume": source["volume"],
            "issue": source["issue"],
            "pages": source["pages"] or source["article"],
            "publication_date": _date(source["date"] or ""),
        }
        for field, value in found.items():
            if value and field not in values:
                values[field] = value
    _embase_open_url(values, cells.get("openurl", ""))


def _embase_open_url(values: dict[str, Any], url: str) -> None:
    ids = dict(re.findall(r"[?&]id=(doi|pmid):([^&]+)", url))
    found = {
        "doi": normalize_doi(ids.get("doi")),
        "pmid": normalize_pmid(ids.get("pmid")),
        "issn": next(iter(re.findall(r"[?&]issn=([0-9Xx]{8})", url)), None),
    }
    for field, value in found.items():
        if value and field not in values:
            values[field] = value[:4] + "-" + value[4:] if field == "issn" else value


_EMBASE = Dialect(
    "an Embase CSV export",
    _signatures(
        ("Embase Accession ID", "Title"),
        ("Author Names", "Emtree Medical Index Terms"),
        ("Author Names", "Open URL Link"),
    ),
    (
        Col("title", "Title"),
        Col("other_titles", "Original Title", _one),
        Col("authors", "Author Names", _abbreviated_names),
        Col("journal", "Source title"),
        Col("year", "Publication Year"),
        Col("volume", "Volume"),
        Col("issue", "Issue"),
        Col("start_page", "First Page"),
        Col("end_page", "Last Page"),
        Col("publication_date", "Date of Publication"),
        Col("doc_type", "Publication Type"),
        Col("issn", "ISSN"),
        Col("id:isbn", "ISBN"),
        Col("publisher", "Book Publisher"),
        Col("abstract", "Abstract"),
        Col("keywords", "Author Keywords", _embase_terms),
        Col("keywords", "Emtree Drug Index Terms", _embase_terms),
        Col("keywords", "Emtree Medical Index Terms", _embase_terms),
        Col("keywords", "keywords", _embase_terms),
        Col("language", "Article Language"),
        Col("language", "Language of Article"),
        Col("id:embase", "Embase Accession ID"),
        Col("pmid", "Medline PMID"),
        Col("doi", "DOI"),
        Col("url", "Embase Link"),
        Col("url", "Full Text Link", spare=True),
    ),
    record_id="embase",
    reads={"source": "Source", "openurl": "Open URL Link"},
    finish=_embase_finish,
)


def _bibtex_finish(values: dict[str, Any], cells: Mapping[str, str]) -> None:
    month, year = cells.get("month", ""), values.get("year")
    if month and year and "publication_date" not in values:
        found = _date(f"{year} {month}")
        if found:
            values["publication_date"] = found


_BIBTEX = Dialect(
    "BibTeX entries saved as CSV",
    _signatures(("ENTRYTYPE", "title")),
    (
        Col("source_id", "ID"),  # the citation key, as the BibTeX reader uses it
        Col("doc_type", "ENTRYTYPE", _doc_type),
        Col("title", "title"),
        Col("authors", "author", _bibtex_names),
        Col("year", "year"),
        Col("journal", "journal"),
        Col("journal", "journaltitle"),
        Col("journal", "booktitle", spare=True),
        Col("volume", "volume"),
        Col("issue", "number"),
        Col("issue", "issue"),
        Col("pages", "pages"),
        Col("doi", "doi"),
        Col("url", "url"),
        Col("abstract", "abstract"),
        Col("keywords", "keywords", _generic_keywords),
        Col("publisher", "publisher"),
        Col("issn", "issn"),
        Col("id:isbn", "isbn"),
        Col("language", "language"),
        Col("pmid", "pmid"),
    ),
    reads={"month": "month"},
    finish=_bibtex_finish,
)
DIALECTS = (_WOS_TAGS, _WOS_NAMES, _SCOPUS, _LENS, _DIMENSIONS, _OPENALEX, _EMBASE, _BIBTEX)


def recognise(header: Sequence[str]) -> Dialect | None:
    """The database export a header belongs to, or None for a table of its own."""
    names = {_norm(h) for h in header}
    return next((d for d in DIALECTS if any(sig <= names for sig in d.signatures)), None)


# --- reading a table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Plan:
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


def sniff_delimiter(text: str) -> str:
    """The commonest of `,` `;` tab `|` in the header line.

    The header alone decides: csv.Sniffer, given whole rows, is misled by delimiters inside quoted
    abstracts.
    """
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in ",;\t|"}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_SEP_LINE = re.compile(r"sep=(.)", re.IGNORECASE)  # Excel's hint line naming the delimiter
_WOS_TAG_HEADER = re.compile(r"PT\t(?:[A-Z][A-Z0-9]\t)*UT(?:\t[A-Z][A-Z0-9])*\t?")  # PT ... UT ...


def _layout(text: str) -> tuple[str, bool, int, list[str]]:
    """Delimiter, whether cells may be quoted, lines before the header, and notes, from the first
    lines of a file.

    Skipped above the header: Excel's `sep=;` line and Dimensions' `About the data: ...` line.
    Web of Science's tab-delimited export quotes nothing, so a `"` there is text, not a quote.
    """
    lines = text.split("\n", _MAX_PREAMBLE)[:_MAX_PREAMBLE]
    delimiter, skip, notes = None, 0, []
    for i, line in enumerate(lines):
        stripped = line.strip().strip('"').strip()
        sep = _SEP_LINE.fullmatch(stripped)
        if sep:
            delimiter, skip = sep.group(1), i + 1
        elif stripped.lower().startswith("about the data"):
            skip = i + 1
            notes.append(f"skipped line {i + 1} above the header: {stripped[:80]!r}")
        elif stripped:
            break
    header = next((x.rstrip("\r") for x in lines[skip:] if x.strip()), "")
    delimiter = delimiter or sniff_delimiter(header)
    return delimiter, not _WOS_TAG_HEADER.fullmatch(header), skip, notes


def _filled(row: Sequence[str]) -> bool:
    return any(cell and not cell.isspace() for cell in row)


def _csv_rows(text: str, delimiter: str, quoted: bool, skip: int) -> tuple[list[Row], list[Problem]]:
    """Non-blank rows, each with the line it starts on, and a Problem for each row the csv module
    cannot read (a stray quote); strict, so such a row is reported, not silently mangled."""
    parts = text.split("\n", skip)
    body = parts[skip] if len(parts) > skip else ""
    quoting: Literal[0, 3] = csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE
    reader = csv.reader(io.StringIO(body), delimiter=delimiter, quoting=quoting, strict=True)
    rows: list[Row] = []
    problems: list[Problem] = []
    end = 0
    while True:
        try:  # a plain for-loop, restarted after a bad row: the reader goes on from the next one
            for row in reader:
                if row and ((row[0] and not row[0].isspace()) or _filled(row)):
                    rows.append((skip + end + 1, row))
                end = reader.line_num
            return rows, problems
        except csv.Error as exc:
            problems.append(Problem(skip + end + 1, _csv_error(str(exc))))
            end = reader.line_num


def _csv_error(message: str) -> str:
    if "unexpected end of data" in message:
        return (
            "a quoted cell that starts in this row is never closed, so the rest of the file was "
            "read into it; check the quotes"
        )
    return f"cannot read this row ({message}); check the quotes and the delimiter"


def parse_csv(
    text: str,
    source: str,
    name: str = "file",
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
) -> Parsed:
    """Records of a CSV or TSV file (delimiter from the header line); see `parse_table`."""
    text = text.removeprefix("\ufeff")
    delimiter, quoted, skip, notes = _layout(text)
    with collector_paused():
        rows, problems = _csv_rows(text, delimiter, quoted, skip)
    return parse_table(
        rows, source, name, "CSV", mapping=mapping, id_column=id_column, problems=problems, notes=notes
    )


def parse_table(
    rows: Sequence[Row],
    source: str,
    name: str,
    kind: str,
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
    problems: Iterable[Problem] = (),
    notes: Iterable[str] = (),
) -> Parsed:
    """Records of a table's non-blank rows (the header first, perhaps after a title row), each row
    with its line or sheet row number; shared by the CSV and XLSX readers.

    Raises ImportFormatError for the table as a whole (no title column, a --map or --id-column not
    in the header, no rows); a row that cannot be read is a Problem and the others are read.
    """
    parsed = Parsed(kind, problems=list(problems), notes=list(notes))
    mapping = dict(mapping or {})
    at = _header_at(rows, mapping)
    if at is None:
        fail(name, kind, ["the file has no header row"])
    header = _header(rows[at][1], kind)
    where = "row" if kind == "XLSX" else "line"
    parsed.notes += [
        f"skipped {where} {line} above the header: {row[0].strip()[:80]!r}" for line, row in rows[:at]
    ]
    body = rows[at + 1 :]
    if not body and not parsed.problems:
        fail(name, kind, ["the file has a header row but no records"])
    plan = _plan(header, mapping, id_column, name, kind)
    parsed.notes += _plan_notes(plan, rows[at][1])
    width = len(header)
    good = []
    for item in body:
        if len(item[1]) > width and _filled(item[1][width:]):
            parsed.problems.append(Problem(item[0], _too_wide(item[1], width, kind)))
        else:
            good.append(item)
    if good:  # every row damaged: the problems say why, not a title column "empty in every row"
        _check_titles(plan, good, name, kind)
    with collector_paused():
        parsed.entries = [(line, _record(plan, row, source)) for line, row in good]
    parsed.problems.sort(key=lambda p: p.line or 0)
    return parsed


def _too_wide(row: Sequence[str], width: int, kind: str) -> str:
    if kind == "XLSX":
        column = next(i for i in range(width, len(row)) if row[i].strip()) + 1
        return (
            f"a value in column {_letters(column)}, right of the header's last column "
            f"({_letters(width)}); give the column a header or clear the cell"
        )
    return f"{len(row)} cells but the header has {width}; check the delimiter and quotes"


def _letters(column: int) -> str:
    """A spreadsheet column's letters: 1 → A, 27 → AA."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header_at(rows: Sequence[Row], mapping: Mapping[str, str]) -> int | None:
    """Where the header is: the first row, unless rows of one cell (a title, a note) stand above a
    row of several cells that names a title column."""
    if not rows:
        return None
    for i, (_, row) in enumerate(rows[:_MAX_PREAMBLE]):
        if sum(1 for c in row if c.strip()) >= 2:
            return i if i and _names_a_title(row, mapping) else 0
    return 0


def _names_a_title(row: Sequence[str], mapping: Mapping[str, str]) -> bool:
    if "title" in mapping:
        return mapping["title"] in (c.strip() for c in row)
    return bool({_norm(c) for c in row} & set(ALIASES["title"])) or recognise(row) is not None


def _header(cells: Sequence[str], kind: str) -> list[str]:
    """Header names, trailing empty cells dropped and an empty name called `column N` (`column C`
    in a workbook)."""
    names = [c.strip() for c in cells]
    while names and not names[-1]:
        names.pop()
    return [n or f"column {_letters(i) if kind == 'XLSX' else i}" for i, n in enumerate(names, 1)]


def _plan(
    header: Sequence[str], mapping: Mapping[str, str], id_column: str | None, name: str, kind: str
) -> _Plan:
    _check_columns(header, mapping, id_column, name, kind)
    dialect = recognise(header)
    reads: dict[str, list[tuple[int, Convert | None]]] = {}
    consumed: set[int] = set()
    spares: set[int] = set()
    for field, column in mapping.items():
        index = header.index(column)
        reads[_ID_FIELDS.get(field, field)] = [(index, _CONVERT.get(field))]
        consumed.add(index)
    if dialect is not None:
        spares = _dialect_reads(dialect, header, reads, consumed)
    else:
        _alias_reads(header, reads, consumed)
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
        at = index.get(_norm(col.name))
        if at is None or col.field in mapped or (at in consumed and not col.keep):
            continue
        reads.setdefault(col.field, []).append((at, col.convert or _CONVERT.get(col.field)))
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
            reads.setdefault(key, []).append((at, _CONVERT.get(field)))
            consumed.add(at)


def _first_index(header: Sequence[str]) -> dict[str, int]:
    return {_norm(h): i for i, h in reversed(list(enumerate(header)))}


def _make_plan(
    header: Sequence[str],
    dialect: Dialect | None,
    reads: Mapping[str, list[tuple[int, Convert | None]]],
    consumed: set[int],
    spares: set[int],
    id_column: str | None,
) -> _Plan:
    id_index = header.index(id_column) if id_column is not None else None
    file_index = reads["file"][0][0] if "file" in reads else None
    taken = consumed | {id_index, file_index}
    index = _first_index(header)
    hook = dialect.reads if dialect is not None and dialect.reads else {}
    firsts = {f: r for f, r in reads.items() if f not in _COMBINED and f != "file"}
    return _Plan(
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
        reads=tuple((key, index[_norm(col)]) for key, col in hook.items() if _norm(col) in index),
    )


def _extra_names(header: Sequence[str]) -> list[str]:
    """Header names as keys of extra["columns"]: a repeated name gets ` (2)`, ` (3)`..."""
    seen: dict[str, int] = {}
    names = []
    for h in header:
        seen[h] = seen.get(h, 0) + 1
        names.append(h if seen[h] == 1 else f"{h} ({seen[h]})")
    return names


def _plan_notes(plan: _Plan, header: Sequence[str]) -> list[str]:
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


def _all_reads(plan: _Plan) -> list[tuple[str, Reads]]:
    single = [(f, ((at, convert),)) for f, at, convert in plan.single]
    return single + [(f, reads) for f, reads, _ in plan.first] + list(plan.combined)


def _check_titles(plan: _Plan, rows: Sequence[Row], name: str, kind: str) -> None:
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


# --- one row ------------------------------------------------------------------------------------


def _record(plan: _Plan, row: Sequence[str], source: str) -> RecordIn:
    values: dict[str, Any] = {}
    unread: dict[str, str] = {}
    width = len(row)
    for field, at, convert in plan.single:  # a field read from one column: the common case
        if at >= width or not (text := row[at]):
            continue
        if (  # `_tidy`, inlined: this runs for every cell of the file
            "\n" in text
            or "\r" in text
            or "\t" in text
            or "\xa0" in text
            or text[0] == " "
            or text[-1] == " "
            or (len(text) < _SHORT and "  " in text)
        ) and not (text := " ".join(text.split())):
            continue
        value = text if convert is None else convert(text)
        if value is None:
            unread[plan.header[at]] = row[at]  # not its field's kind: kept as written
        else:
            values[field] = value
    for field, columns, spares in plan.first:  # a field with fallback columns: the first with a value
        used = _first_value(plan, row, field, columns, values, unread)
        for at in spares:  # a fallback not used in this row is kept
            if at != used and at < width and row[at] and not row[at].isspace():
                unread[plan.header[at]] = row[at]
    for field, columns in plan.combined:
        items = _combined(plan, row, columns, unread)
        if items:
            values[field] = items
    if plan.dialect is not None and plan.dialect.finish is not None:
        plan.dialect.finish(values, {k: _tidy(row[i]) for k, i in plan.reads if i < width})
    return _finish(plan, row, source, values, unread)


def _first_value(
    plan: _Plan,
    row: Sequence[str],
    field: str,
    columns: Reads,
    values: dict[str, Any],
    unread: dict[str, str],
) -> int | None:
    """Read `field` from the first of its columns with a readable value; which one, if any."""
    for at, convert in columns:
        text = _tidy(row[at]) if at < len(row) else ""
        if not text:
            continue
        value = text if convert is None else convert(text)
        if value is None:
            unread[plan.header[at]] = row[at]  # not its field's kind: kept as written
            continue
        values[field] = value
        return at
    return None


def _combined(plan: _Plan, row: Sequence[str], columns: Reads, unread: dict[str, str]) -> list[str]:
    items: dict[str, str] = {}  # keyed case-insensitively: one term from two columns counts once
    for at, convert in columns:
        text = _tidy(row[at]) if at < len(row) else ""
        got = (convert(text) if convert else [text]) if text else None
        if text and not got:
            unread[plan.header[at]] = row[at]
        for item in got or ():
            items.setdefault(item.casefold(), item)
    return list(items.values())


def _finish(
    plan: _Plan, row: Sequence[str], source: str, values: dict[str, Any], unread: dict[str, str]
) -> RecordIn:
    """The record from its read values: pages from start and end, IDs set apart, extra kept."""
    if "start_page" in values or "end_page" in values or "article_number" in values:
        _pages(values)
    if "year" not in values and values.get("publication_date"):
        values["year"] = int(values["publication_date"][:4])
    ids = {key[3:]: values.pop(key) for key in plan.id_keys if key in values} if plan.id_keys else {}
    if ids:
        values["other_ids"] = ids
        if "openalex" in ids:
            values["openalex_id"] = ids["openalex"]
    source_id = values.pop("source_id", "")
    if plan.id_index is not None:
        source_id = _tidy(row[plan.id_index]).strip() if plan.id_index < len(row) else ""
    elif plan.dialect is not None and plan.dialect.record_id:
        source_id = ids.get(plan.dialect.record_id, source_id)
    values["extra"] = _extra(plan, row, unread)
    return RecordIn(source=source, source_id=source_id, **values)


def _pages(values: dict[str, Any]) -> None:
    """`start-end` from start and end pages (one page alone if they agree); else the article number."""
    start, end = values.pop("start_page", None), values.pop("end_page", None)
    article = values.pop("article_number", None)
    if "pages" not in values:
        values["pages"] = f"{start}-{end}" if start and end and start != end else start or end or article


def _extra(plan: _Plan, row: Sequence[str], unread: dict[str, str]) -> dict[str, Any] | None:
    width = len(row)
    columns = {h: c for i, h in plan.kept if i < width and (c := row[i]) and not c.isspace()}
    columns.update(unread)
    extra: dict[str, Any] = {"columns": columns} if columns else {}
    file = row[plan.file_index].strip() if plan.file_index is not None and plan.file_index < width else ""
    if file:  # a file name as written: collapsing its spaces would name another file
        extra["file"] = file
    return extra or None


# --- the older entry points -----------------------------------------------------------------------


def read_csv(
    text: str,
    source: str,
    name: str = "file",
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
) -> list[RecordIn]:
    """Records of a CSV file; ImportFormatError if any row cannot be read."""
    return [r for _, r in read_csv_numbered(text, source, name, mapping=mapping, id_column=id_column)]


def read_csv_numbered(
    text: str,
    source: str,
    name: str = "file",
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
) -> list[tuple[int, RecordIn]]:
    """Like `read_csv`, each record with the file line its row starts on."""
    parsed = parse_csv(text, source, name, mapping=mapping, id_column=id_column)
    strict(parsed, name)
    return [(line or 0, record) for line, record in parsed.entries]


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
