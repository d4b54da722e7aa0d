"""EndNote XML reader: every field of each reference type, <style> runs, damaged and cut-short files."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from review.errors import ImportFormatError
from review.formats.endnote import parse_endnote_xml, read_endnote_xml
from review.records import RecordIn
from tests.formats_helpers import text


def fields(record: RecordIn) -> dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(record).items() if v is not None}


def records() -> list[RecordIn]:
    return read_endnote_xml(text("endnote_export.xml"), "endnote")


def test_endnote_export_is_one_line_of_eight_records() -> None:
    parsed = parse_endnote_xml(text("endnote_export.xml"), "endnote")
    assert (parsed.kind, parsed.problems, parsed.notes) == ("EndNote XML", [], [])
    assert [line for line, _ in parsed.entries] == [1] * 8  # EndNote writes the whole file on one line


def test_endnote_journal_article_from_pubmed() -> None:
    assert fields(records()[0]) == {
        "source": "endnote",
        "source_id": "35012345",
        "title": "Family hubs and parental engagement in England: a mixed-methods evaluation",
        "abstract": "Family hubs bring services for families with children under five into one building. "
        "Engagement rose by a fifth.",
        "authors": ["Hughes, R.", "O'Connor, S.", "de la Cruz, A. M."],
        "year": 2022,
        "publication_date": "2022-03-15",  # <year> with <pub-dates> "Mar 15"
        "doi": "10.5555/jecp.2022.0031",
        "journal": "Journal of Early Childhood Policy",
        "journal_abbrev": "J Early Child Policy",
        "issn": "1234-5678",  # "1234-5678 (Print)&#xD;1234-5678 (Linking)" in <isbn>
        "volume": "14",
        "issue": "3",
        "pages": "201-19",  # PubMed's abbreviated range, as written
        "doc_type": "journal article",
        "language": "eng",
        "url": "https://pubmed.ncbi.nlm.nih.gov/35012345",
        "pmid": "35012345",  # the accession number of an NLM record
        "keywords": ["Child", "England", "*Family Health"],
        "other_ids": {"pmcid": "PMC8712345"},  # Custom 2
        "extra": {
            "endnote": {
                "database": "Family hubs.enl",
                "source-app": "EndNote",
                "rec-number": "12",
                "key": "12",
                "auth-address": [
                    "School of Education, University of Leeds, Leeds, UK.",
                    "Department of Health Sciences, University of York, York, UK.",
                ],
                "edition": "2022/03/15",
                "notes": ["Hughes, Rachel", "O'Connor, Sian", "Journal Article", "England"],
                "custom2": "PMC8712345",
                "remote-database-provider": "NLM",
            }
        },
    }


def test_endnote_book_section_and_report() -> None:
    section, report = records()[1:3]
    assert section.title == "What Sure Start did for families"  # three <style> runs, one italic
    assert (section.doc_type, section.journal, section.pages) == (
        "book section",
        "Early Years Policy in England",
        "45-67",
    )
    assert (section.publisher, section.other_ids) == ("Policy Press", {"isbn": "978-1-4473-1234-5"})
    assert section.extra == {
        "endnote": {
            "database": "Family hubs.enl",
            "source-app": "EndNote",
            "rec-number": "13",
            "secondary-authors": ["Barker, John", "Leyton, Anne"],
            "pub-location": "Bristol",
        }
    }
    assert fields(report) == {
        "source": "endnote",
        "source_id": "14",  # no accession number: the EndNote record number
        "title": "Family Hubs evaluation: interim report",
        "authors": ["Department for Education"],  # the trailing comma marks a corporate author
        "year": 2023,
        "publication_date": "2023-08-24",  # "24 August 2023"
        "publisher": "Department for Education",
        "doc_type": "report",
        "url": "https://www.gov.uk/government/publications/family-hubs-evaluation",
        # A report's <isbn> is its report number: no ISBN, so it stays as written.
        "extra": {
            "endnote": {
                "rec-number": "14",
                "pub-location": "London",
                "isbn": "DFE-RR123",
                "work-type": "Research report",
            }
        },
    }


def test_endnote_conference_web_page_and_book() -> None:
    paper, page, _, _, book = records()[3:]
    assert (paper.source_id, paper.other_ids) == ("2-s2.0-85110000003", {"scopus": "2-s2.0-85110000003"})
    assert (paper.doc_type, paper.journal, paper.doi) == (
        "conference proceedings",
        "Proceedings of the Child Health Conference",
        "10.5555/chc.2021.135",
    )
    assert paper.authors == ["Nakamura, K.", "Müller, J."]
    assert (page.doc_type, page.authors, page.url) == (
        "web page",
        ["Department of Health and Social Care"],
        "https://www.gov.uk/government/publications/start-for-life",
    )
    assert page.extra == {"endnote": {"rec-number": "16", "access-date": "11 February 2026"}}
    assert (book.doc_type, book.publisher, book.other_ids) == (
        "book",
        "Policy Press",
        {"isbn": "978-1-84742-564-9"},
    )
    assert book.extra == {
        "endnote": {
            "rec-number": "19",
            "tertiary-title": "Policy and Practice",
            "pub-location": "Bristol",
            "edition": "2",
        }
    }


def test_endnote_web_of_science_record_with_bare_text() -> None:
    wos = records()[5]
    assert fields(wos) == {
        "source": "endnote",
        "source_id": "WOS:001400275900003",
        "title": "Home visiting and school readiness",
        "other_titles": ["Home visiting", "Hausbesuche und Schulfähigkeit"],  # short and translated titles
        "authors": ["Okafor, Chidi"],
        "year": 2025,
        "publication_date": "2025-01",  # "Jan-Feb"
        "doi": "10.5555/eyr.2025.103848",
        "journal": "EARLY YEARS RESEARCH",
        "issn": "0010-4485",
        "volume": "82",
        "pages": "e103848",
        "doc_type": "journal article",
        "url": "https://example.org/eyr/103848",
        "keywords": ["home visiting", "school readiness"],  # one <keyword>, two lines
        "other_ids": {"wos": "WOS:001400275900003"},
        "extra": {
            "endnote": {
                "rec-number": "17",
                "full-title": "Early Years Research",
                "label": "included",
                "work-type": "Article",
                "related-urls": [
                    "https://example.org/eyr/103848",
                    "https://www.webofscience.com/wos/woscc/full-record/WOS:001400275900003",
                ],
                "pdf-urls": "internal-pdf://0123456789/Okafor-2025.pdf",
                "remote-database-name": "Web of Science",
                "custom1": "screened",
                "research-notes": "Check the follow-up.",
            }
        },
    }


def test_endnote_record_without_a_title_is_still_a_record() -> None:
    embase = records()[6]
    assert fields(embase) == {
        "source": "endnote",
        "source_id": "L2012345678",
        "authors": ["Patel, K."],
        "year": 2020,
        "journal": "Family Studies",
        "doc_type": "journal article",
        "other_ids": {"embase": "L2012345678"},
        "extra": {"endnote": {"rec-number": "18", "remote-database-name": "Embase"}},
    }


def test_endnote_broken_record_is_a_problem_and_the_others_are_read() -> None:
    parsed = parse_endnote_xml(text("endnote_broken.xml"), "endnote")
    assert [(line, r.title) for line, r in parsed.entries] == [
        (4, "A good first record"),
        (14, "A good third record"),
    ]
    (problem,) = parsed.problems
    assert (problem.line, problem.entry) == (12, "record 2 of the file")
    assert problem.message.startswith(
        "the XML is broken at line 12, column 72 (not well-formed (invalid token))"
    )
    assert "`&amp;`" in problem.message
    with pytest.raises(
        ImportFormatError, match=r"is not a valid EndNote XML file.*\n  line 12: the XML is broken"
    ):
        read_endnote_xml(text("endnote_broken.xml"), "endnote")


def test_endnote_broken_record_on_one_line_gives_the_column() -> None:
    one_line = text("endnote_export.xml").replace("Hughes, R.", "Hughes & R.")
    parsed = parse_endnote_xml(one_line, "endnote")
    assert len(parsed.entries) == 7
    (problem,) = parsed.problems
    column = one_line.index("Hughes & R.") + len("Hughes &")  # counted from 1, as editors do
    assert problem.line == 1 and f"line 1, column {column}" in problem.message


def test_endnote_cut_short_file() -> None:
    full = text("endnote_export.xml")
    parsed = parse_endnote_xml(full.replace("</records></xml>", ""), "endnote")  # the end is missing
    assert len(parsed.entries) == 8 and parsed.problems == []
    assert parsed.notes == [
        "the XML around the records is damaged at line 2, column 0 (no element found; a file cut short "
        "after its last record ends so); every record was read"
    ]
    cut = full[: full.index("<record><rec-number>19")] + "<record><rec-number>19</rec-number><titles>"
    parsed = parse_endnote_xml(cut, "endnote")
    assert len(parsed.entries) == 7
    (problem,) = parsed.problems
    assert problem.message == "this <record> has no </record>: the export may be cut short: export it again"
    assert problem.entry == "record 8 of the file"


@pytest.mark.parametrize(
    "content",
    ["TY  - JOUR\nER  - \n", "<html><body>no records</body></html>", "", '<?xml version="1.0"?><xml/>'],
)
def test_endnote_not_endnote_xml(content: str) -> None:
    with pytest.raises(ImportFormatError, match="not an EndNote XML export"):
        parse_endnote_xml(content, "x", "refs.xml")


def test_endnote_mendeley_style_bare_fields() -> None:
    xml = (
        "<xml><records><record><ref-type>17</ref-type><contributors><authors><author>Li, Yue</author>"
        "</authors></contributors><titles><title>T</title></titles><periodical><full-title>J</full-title>"
        "</periodical><dates><year>2021</year></dates><isbn>12345678</isbn></record></records></xml>"
    )
    (record,) = read_endnote_xml(xml, "mendeley")
    # Without a ref-type name, EndNote's number says the type; an 8-digit <isbn> is an ISSN.
    assert (record.doc_type, record.journal, record.issn, record.source_id) == (
        "journal article",
        "J",
        "1234-5678",
        "",
    )
