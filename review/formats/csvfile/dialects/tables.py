"""Each database's export as a Dialect: Web of Science (tags or full names), Scopus, Lens,
Dimensions, OpenAlex, Embase and BibTeX entries saved as CSV, with the fixes some need from several
cells (`finish`: Web of Science dates and group authors, what older Embase exports hold only in
`Source`). `DIALECTS` is the order they are tried in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from review.formats.common import split_list
from review.formats.csvfile.cells import (
    Convert,
    doc_type,
    generic_keywords,
    one_item,
    pipes,
    read_date,
    semicolons,
)
from review.formats.csvfile.dialects.dialect import Col, Dialect, signatures
from review.formats.csvfile.dialects.readers import (
    abbreviated_names,
    bibtex_names,
    countries,
    embase_terms,
    first_url,
    inverted_abstract,
    joined_pipes,
    openalex_names,
    pmcid,
    scopus_full_names,
)
from review.normalize import normalize_doi, normalize_openalex_id, normalize_pmid


def _wos_finish(values: dict[str, Any], cells: Mapping[str, str]) -> None:
    """Publication date from PD (`MAR 15`, `2021 MAR`) with PY; group authors after the persons."""
    date, year = cells.get("date", ""), values.get("year")
    if date and "publication_date" not in values:
        found = (
            read_date(date) if re.search(r"\d{4}", date) else read_date(f"{year} {date}") if year else None
        )
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
        ("authors", "AF", "Author Full Names", semicolons, ""),
        ("authors", "AU", "Authors", semicolons, ""),
        ("authors", "BF", "Book Author Full Names", semicolons, ""),
        ("authors", "BA", "Book Authors", semicolons, ""),
        ("journal", "SO", "Source Title", None, ""),
        ("journal_abbrev", "JI", "Journal ISO Abbreviation", None, ""),
        ("journal_abbrev", "J9", "Journal Abbreviation", None, "spare"),
        ("language", "LA", "Language", None, ""),
        ("doc_type", "DT", "Document Type", None, ""),
        ("keywords", "DE", "Author Keywords", semicolons, ""),
        ("keywords", "ID", "Keywords Plus", semicolons, ""),
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
    signatures(("UT", "TI", "AU"), ("UT", "TI", "AF")),
    _wos_columns(full=False),
    record_id="wos",
    reads={"date": "PD", "groups": "CA"},
    finish=_wos_finish,
)
_WOS_NAMES = Dialect(
    "a Web of Science export with full column names",
    signatures(("UT (Unique WOS ID)", "Article Title")),
    _wos_columns(full=True),
    record_id="wos",
    reads={"date": "Publication Date", "groups": "Group Authors"},
    finish=_wos_finish,
)
_SCOPUS = Dialect(
    "a Scopus CSV export",
    signatures(("EID", "Source title"), ("EID", "Authors", "Title")),
    (
        Col("title", "Title"),
        Col("authors", "Author full names", scopus_full_names),
        Col("authors", "Authors", abbreviated_names),
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
        Col("keywords", "Author Keywords", semicolons),
        Col("keywords", "Index Keywords", semicolons),
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
    signatures(("Lens ID", "Title")),
    (
        Col("id:lens", "Lens ID"),
        Col("title", "Title"),
        Col("publication_date", "Date Published"),
        Col("year", "Publication Year"),
        Col("doc_type", "Publication Type"),
        Col("journal", "Source Title"),
        Col("issn", "ISSNs"),
        Col("publisher", "Publisher"),
        Col("authors", "Author/s", semicolons),  # `Given Surname` as Lens writes them
        Col("abstract", "Abstract"),
        Col("volume", "Volume"),
        Col("issue", "Issue Number"),
        Col("start_page", "Start Page"),
        Col("end_page", "End Page"),
        Col("keywords", "Keywords", semicolons),
        Col("url", "External URL"),
        Col("url", "Source URLs", first_url, keep=True),
        Col("pmid", "PMID"),
        Col("doi", "DOI"),
        Col("id:mag", "Microsoft Academic ID"),
        Col("id:pmcid", "PMCID", pmcid),
    ),
    record_id="lens",
)
_DIMENSIONS = Dialect(
    "a Dimensions CSV export",
    signatures(("Publication ID", "PubYear"), ("Publication ID", "Dimensions URL")),
    (
        Col("id:dimensions", "Publication ID"),
        Col("doi", "DOI"),
        Col("pmid", "PMID"),
        Col("id:pmcid", "PMCID", pmcid),
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
        Col("authors", "Authors", semicolons),
        Col("url", "Dimensions URL"),
    ),
    record_id="dimensions",
)
_OPENALEX = Dialect(
    "an OpenAlex CSV export",
    signatures(("id", "display_name", "publication_year"), ("id", "authorships.author.display_name")),
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
        Col("issn", "primary_location.source.issn", joined_pipes, keep=True),
        Col("url", "primary_location.landing_page_url"),
        Col("volume", "biblio.volume"),
        Col("issue", "biblio.issue"),
        Col("start_page", "biblio.first_page"),
        Col("end_page", "biblio.last_page"),
        Col("authors", "authorships.author.display_name", openalex_names),
        Col("authors", "authorships.raw_author_name", openalex_names),
        Col("countries", "authorships.countries", countries),
        Col("keywords", "keywords.display_name", pipes),
        Col("abstract", "abstract"),
        Col("abstract", "abstract_inverted_index", inverted_abstract),
        Col("pmid", "ids.pmid"),
        Col("id:pmcid", "ids.pmcid", pmcid),
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
            "publication_date": read_date(source["date"] or ""),
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
    signatures(
        ("Embase Accession ID", "Title"),
        ("Author Names", "Emtree Medical Index Terms"),
        ("Author Names", "Open URL Link"),
    ),
    (
        Col("title", "Title"),
        Col("other_titles", "Original Title", one_item),
        Col("authors", "Author Names", abbreviated_names),
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
        Col("keywords", "Author Keywords", embase_terms),
        Col("keywords", "Emtree Drug Index Terms", embase_terms),
        Col("keywords", "Emtree Medical Index Terms", embase_terms),
        Col("keywords", "keywords", embase_terms),
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
        found = read_date(f"{year} {month}")
        if found:
            values["publication_date"] = found


_BIBTEX = Dialect(
    "BibTeX entries saved as CSV",
    signatures(("ENTRYTYPE", "title")),
    (
        Col("source_id", "ID"),  # the citation key, as the BibTeX reader uses it
        Col("doc_type", "ENTRYTYPE", doc_type),
        Col("title", "title"),
        Col("authors", "author", bibtex_names),
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
        Col("keywords", "keywords", generic_keywords),
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
