"""CSL-JSON reader: Zotero, Mendeley, citation.js and CrossRef items, damaged items and files."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from review.errors import ImportFormatError
from review.formats.csljson import parse_csljson, read_csljson
from review.records import RecordIn
from tests.formats_helpers import text


def fields(record: RecordIn) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(record).items() if v is not None}


def test_csl_zotero_export() -> None:
    parsed = parse_csljson(text("csl_zotero.json"), "zotero")
    assert (parsed.kind, parsed.problems, parsed.notes) == ("CSL-JSON", [], [])
    assert [line for line, _ in parsed.entries] == [2, 53, 87, 115, 142, 172]  # where each item's `{` is
    article, report, book, chapter, page, thesis = parsed.records
    assert fields(article) == {
        "source": "zotero",
        "source_id": "http://zotero.org/users/local/kW2pZ7aN/items/8ZR7ESZ8",
        "title": "Family hubs and parental engagement in England: a mixed-methods evaluation",
        "other_titles": ["Family hubs and parental engagement"],
        "abstract": "Family hubs bring services for families with children under five into one building. "
        "Engagement rose by a fifth.",
        "authors": ["Hughes, Rachel", "O'Connor, Siân", "de la Cruz, Ana María"],
        "year": 2022,
        "publication_date": "2022-03-15",  # [["2022", 3, 15]]: Zotero writes the year as a string
        "doi": "10.5555/jecp.2022.0031",
        "journal": "Journal of Early Childhood Policy",
        "journal_abbrev": "J Early Child Policy",
        "issn": "1234-5678; 2345-6789",
        "volume": "14",
        "issue": "3",
        "pages": "201-219",
        "doc_type": "article-journal",
        "language": "en",
        "url": "https://example.org/jecp/2022/0031",
        "pmid": "35012345",  # from the "PMID: ..." line of the note (Zotero's Extra)
        "other_ids": {"pmcid": "PMC8712345"},
        "extra": {
            "csl": {
                "note": "PMID: 35012345\nPMCID: PMC8712345",
                "source": "DOI.org (Crossref)",
                "accessed": {"date-parts": [["2026", 2, 10]]},
            }
        },
    }
    assert fields(report) == {
        "source": "zotero",
        "source_id": "http://zotero.org/users/local/kW2pZ7aN/items/Q4MZ2J9T",
        "title": "Family Hubs evaluation: interim report",
        "authors": ["Department for Education"],  # a literal name
        "year": 2023,
        "publication_date": "2023-08-24",
        "publisher": "Department for Education",
        "doc_type": "report",
        "language": "en",
        "url": "https://www.gov.uk/government/publications/family-hubs-evaluation",
        "extra": {
            "csl": {
                "genre": "Research report",
                "number": "DFE-RR123",
                "publisher-place": "London",
                "accessed": {"date-parts": [["2026", 2, 10]]},
            }
        },
    }
    assert (book.year, book.publication_date, book.other_ids) == (2010, None, {"isbn": "978-1-84742-564-9"})
    assert book.extra == {
        "csl": {
            "edition": "2",
            "event-place": "Bristol",
            "number-of-pages": "240",
            "publisher-place": "Bristol",
        }
    }
    assert (chapter.doc_type, chapter.journal, chapter.pages) == (
        "chapter",
        "Early Years Policy in England",
        "45-67",
    )
    assert chapter.extra == {"csl": {"editor": [{"family": "Barker", "given": "John"}]}}
    assert (page.doc_type, page.journal, page.publication_date) == ("webpage", "GOV.UK", "2024-01")
    assert (thesis.publisher, thesis.publication_date, thesis.extra) == (
        "University of Leeds",
        "2019-06",
        {"csl": {"genre": "PhD thesis"}},
    )


def test_csl_mendeley_citationjs_and_crossref_items() -> None:
    mendeley, citationjs, crossref, literal = read_csljson(text("csl_variants.json"), "x")
    assert fields(mendeley) == {
        "source": "x",
        "source_id": "ITEM-1",
        "title": "Parenting programmes in Family Hubs",
        "authors": ["van Gogh, Vincent"],  # non-dropping particle
        "year": 2020,
        "journal": "Family Studies",
        "journal_abbrev": "Fam. Stud.",
        "volume": "12",
        "pages": "e0123456",
        "doc_type": "article-journal",
        "pmid": "31234567",
        "keywords": ["parenting", "family hubs", "health visiting"],
    }
    assert citationjs.authors == ["Okafor, Chidi", "King, Martin Jr."]
    assert (citationjs.year, citationjs.publication_date) == (2018, "2018-06")  # {"raw": "2018-06"}
    assert (citationjs.doi, citationjs.url) == ("10.5555/eyr.2018.11", "https://example.org/eyr/2018/11")
    assert citationjs.keywords == ["home visiting", "school readiness"]
    assert citationjs.extra == {"csl": {"annote": "Read in full."}}
    # CrossRef's CSL-JSON: lists for titles and ISSNs, no `id`.
    assert (crossref.source_id, crossref.title, crossref.journal) == (
        "",
        "Outcomes of integrated early years services",
        "Children & Society",
    )
    assert (crossref.issn, crossref.journal_abbrev, crossref.publication_date) == (
        "0951-0605; 1099-0860",
        "Child Soc",
        "2021-11",
    )
    assert crossref.extra == {"csl": {"indexed": {"date-parts": [[2024, 1, 5]], "timestamp": 1704412800000}}}
    assert (literal.year, literal.publication_date, literal.authors) == (
        2016,
        None,
        ["Department for Education"],
    )


def test_csl_single_item_and_zotero_api_shape() -> None:
    (single,) = read_csljson(text("csl_single.json"), "x")
    assert (single.source_id, single.year, single.doi) == ("hughes2022", 2022, "10.5555/jecp.2022.0031")
    api = json.dumps({"items": [{"id": "a", "title": "A"}, {"id": "b", "title": "B"}]})
    assert [r.title for r in read_csljson(api, "x")] == ["A", "B"]


def test_csl_damaged_items_are_problems_and_the_others_are_read() -> None:
    parsed = parse_csljson(text("csl_broken.json"), "x")
    assert [(line, r.source_id) for line, r in parsed.entries] == [(2, "good-1"), (13, "good-4")]
    syntax, string = parsed.problems
    assert (syntax.line, syntax.entry) == (10, "item 2, from line 7")  # the line missing its comma
    assert syntax.message.startswith("JSON syntax error at column 5: Expecting ',' delimiter")
    assert (string.line, string.entry) == (12, "item 3")
    assert string.message.startswith("item 3 is a string, not an object of CSL fields")
    with pytest.raises(ImportFormatError, match=r"not a valid CSL-JSON file.*\n  line 10: JSON syntax error"):
        read_csljson(text("csl_broken.json"), "x")


def test_csl_syntax_error_in_a_one_line_file() -> None:
    parsed = parse_csljson('[{"id": "a", "title": "A"}, {"id": "b" "title": "B"}, {"id": "c"}]', "x")
    assert [r.source_id for r in parsed.records] == ["a"]
    (problem,) = parsed.problems
    assert problem.line == 1 and "column 40" in problem.message
    assert parsed.notes == ["the items after item 2, if any, were not read: fix item 2"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("TY  - JOUR\n", "does not start with `\\[` or `\\{`"),
        ("", "does not start with"),
        ('{"id": "a",\n "title": }', "line 2: JSON syntax error at column 11: Expecting value"),
        ('{"id": "a"} trailing', "text after the closing"),
    ],
)
def test_csl_not_csl_json(content: str, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        parse_csljson(content, "x", "refs.json")


def test_csl_error_in_the_last_item_of_a_pretty_printed_file() -> None:
    parsed = parse_csljson('[\n  {"id": "a"},\n  {"id": "b" "title": "B"},\n  null\n]', "x")
    assert [r.source_id for r in parsed.records] == ["a"]
    assert [(p.line, p.entry) for p in parsed.problems] == [(3, "item 2, from line 3"), (4, "item 3")]
    assert parsed.problems[1].message.startswith("item 3 is null, not an object")
    assert parsed.notes == []


def test_csl_dates() -> None:
    items = [
        {"id": "a", "issued": {"date-parts": [[2020, 2, 30]]}},  # no such day: the month stands
        {"id": "b", "issued": "2019-05-04"},
        {"id": "c", "issued": {"date-parts": [[]]}},
        {"id": "d", "issued": {"date-parts": [["2021", "13"]]}},
    ]
    dates = [(r.year, r.publication_date) for r in read_csljson(json.dumps(items), "x")]
    assert dates == [(2020, "2020-02"), (2019, "2019-05-04"), (None, None), (2021, None)]
