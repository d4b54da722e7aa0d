"""BibTeX reader and writer: fields, quirks of real exports, errors, round trips."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from bibtexparser.entrypoint import parse_string
from hypothesis import given, settings
from hypothesis import strategies as st

from review.errors import ImportFormatError
from review.formats import (
    read_bibtex,
    write_bibtex,
)
from review.formats.bibtex import parse_bibtex
from review.records import RecordIn
from tests.formats_helpers import DATA, WORK, text


def fields(record: RecordIn) -> dict[str, Any]:
    """The record's filled fields, for comparing a whole record at once."""
    return {k: v for k, v in dataclasses.asdict(record).items() if v is not None}


def test_bibtex_decodes_accents_and_keeps_corporate_authors() -> None:
    hughes, dfe, muller = read_bibtex(text("refs.bib"), "zotero")
    assert hughes.source_id == "hughes2022hubs"
    assert hughes.title == "Family hubs and parental engagement in England: a mixed-methods evaluation"
    assert hughes.authors == ["Hughes, Rachel", "O'Connor, Siân", "de la Cruz, Ana María"]
    assert hughes.abstract is not None and "authorities & found" in hughes.abstract
    assert (hughes.pages, hughes.issue, hughes.doi) == ("201-219", "3", "10.1234/jecp.2022.0031")
    assert hughes.keywords == ["family hubs", "early intervention"]
    assert dfe.authors == ["Department for Education"]
    assert dfe.publisher == "Department for Education"  # from the @string macro
    assert (dfe.doc_type, dfe.year) == ("techreport", 2020)
    assert muller.authors == ["Müller, Jörg", "Nakamura, Keiko"]
    assert muller.doi == "10.5555/chr.2021.77"
    assert muller.journal == "Proceedings of the Child Health Conference"
    assert muller.extra == {"bibtex": {"note": "Poster"}}


def test_bibtex_unclosed_brace_names_its_line_and_the_other_entries_are_read(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parsed = parse_bibtex(text("broken.bib"), "x", "broken.bib")
    assert [(line, r.source_id) for line, r in parsed.entries] == [(1, "ok2020"), (10, "next2022")]
    (problem,) = parsed.problems
    assert problem.line == 7  # the `title = {` that never closes, not the entry's first line (6)
    assert "`title`" in problem.message and "closing `}`" in problem.message
    assert problem.entry == "entry broken2021 from line 6"
    with pytest.raises(ImportFormatError, match=r"line 7: the value of `title` opened here is never closed"):
        read_bibtex(text("broken.bib"), "x")
    assert capsys.readouterr().err == ""  # said once, in the error, not also logged


def test_bibtex_stray_braces_point_at_the_brace() -> None:
    parsed = parse_bibtex(text("bib_stray_braces.bib"), "x")
    assert [r.source_id for r in parsed.records] == ["first2020", "middle2022", "last2024"]
    early, wrapped = parsed.problems
    # `abstract = {We found p} < 0.05 ...}`: the `}` ends the entry, and `year`, `journal` would be lost.
    assert (early.line, early.entry) == (8, "entry early2021 from line 6")
    assert "a `}` in `abstract` closes the entry early" in early.message and "\\}" in early.message
    # A wrapped abstract whose second line holds a `{` that is never closed.
    assert (wrapped.line, wrapped.entry) == (21, "entry wrapped2023 from line 18")
    assert "a `{` in `abstract` is never closed" in wrapped.message
    assert "escape it as \\{ or remove it" in wrapped.message


def test_bibtex_and_others_is_not_an_author() -> None:
    (entry,) = read_bibtex("@misc{k, author = {Khan, Aisha and others}, title = {T}}", "x")
    assert entry.authors == ["Khan, Aisha"]


def test_bibtex_duplicate_keys_keep_every_entry_with_a_note() -> None:
    # Changed: a repeated key was an error; a real Scopus export has them, and both are records.
    parsed = parse_bibtex("@misc{smith2020, title={A}}\n@misc{smith2020, title={B}, publisher=pub}\n", "x")
    assert [(line, r.source_id, r.title) for line, r in parsed.entries] == [
        (1, "smith2020", "A"),
        (2, "smith2020", "B"),
    ]
    assert parsed.records[1].publisher == "pub"  # the recovered entry is read like any other
    assert parsed.problems == []
    assert parsed.notes == ["citation key smith2020 is used by 2 entries (lines 1, 2); all kept"]


def test_bibtex_field_names_and_entry_types_in_any_case() -> None:
    (entry,) = read_bibtex(
        "@ARTICLE{k,\nTITLE = {T},\nAuthor = {Li, Yue},\nYEAR = {2020},\nDoI = {10.5555/X}}", "x"
    )
    assert (entry.doc_type, entry.title, entry.authors, entry.year) == ("article", "T", ["Li, Yue"], 2020)
    assert entry.doi == "10.5555/x"


def test_bibtex_repeated_field_keeps_both_values() -> None:
    parsed = parse_bibtex("@article{k, keywords = {a}, title = {T}, keywords = {b}}", "x")
    (record,) = parsed.records
    assert record.keywords == ["a"]
    assert record.extra == {"bibtex": {"keywords-2": "b"}}
    assert parsed.notes == [
        "line 1: entry k has 2 `keywords` fields; the first is read, the others are kept as `keywords-2`"
    ]


def test_bibtex_string_macros_concatenation_months_and_preamble() -> None:
    source = (
        '@preamble{"\\newcommand{\\noopsort}[1]{}"}\n@String{Dfe = "Department"}\n'
        '@misc{k, publisher = DFE # " for Education", year = 2021, month = sep, title = "A {B} C"}'
    )
    (entry,) = read_bibtex(source, "x")
    assert entry.title == "A B C"
    assert entry.publisher == "Department for Education"
    assert (entry.year, entry.publication_date) == (2021, "2021-09")


def test_bibtex_url_in_howpublished() -> None:
    (entry,) = read_bibtex(r"@misc{k, title = {T}, howpublished = {\url{https://example.org/a_b}}}", "x")
    assert entry.url == "https://example.org/a_b"
    assert entry.extra is None


def test_bibtex_not_bibtex_at_all() -> None:
    with pytest.raises(ImportFormatError, match="not a BibTeX file"):
        read_bibtex("TY  - JOUR\nTI  - A\nER  - \n", "x")


# --- database exports ------------------------------------------------------------------------


def test_bibtex_web_of_science_export() -> None:
    parsed = parse_bibtex(text("bib_wos.bib"), "wos")
    assert parsed.problems == [] and parsed.notes == []
    assert [line for line, _ in parsed.entries] == [2, 46, 63, 81]
    hughes, abbott, nakamura, okafor = parsed.records
    assert fields(hughes) == {
        "source": "wos",
        "source_id": "WOS:001012345600001",
        "title": "Family hubs and parental engagement in England: a mixed-methods evaluation",
        "abstract": "Family hubs bring services for families with children under five into one building. "
        "We followed twelve hubs in English local authorities for two years and found that parental "
        "engagement rose by a fifth.",
        "authors": ["Hughes, Rachel", "O'Connor, Sian", "de la Cruz, Ana Maria"],
        "year": 2022,
        "publication_date": "2022-05",
        "doi": "10.5555/jecp.2022.0031",
        "journal": "JOURNAL OF EARLY CHILDHOOD POLICY",
        "journal_abbrev": "J. Early Child. Policy",
        "issn": "1234-5678; 2345-6789",
        "volume": "14",
        "issue": "3",
        "pages": "201-219",
        "publisher": "TAYLOR & FRANCIS LTD",
        "doc_type": "article",
        "language": "English",
        "keywords": [
            "family hubs",
            "early intervention",
            "parental engagement",
            "CHILDRENS CENTERS",
            "SURE-START",
        ],
        "other_ids": {"wos": "WOS:001012345600001"},
        "extra": {
            "bibtex": {
                "address": "2-4 PARK SQUARE, MILTON PARK, ABINGDON OR14 4RN, OXON, ENGLAND",
                "type": "Article",
                "affiliation": "Hughes, R (Corresponding Author), Univ Leeds, Sch Educ, Leeds, England. "
                "Hughes, Rachel; O'Connor, Sian, Univ Leeds, Sch Educ, Leeds, England.",
                "research-areas": "Education & Educational Research; Family Studies",
                "web-of-science-categories": "Education & Educational Research; Family Studies",
                "author-email": "r.hughes@leeds.example",
                "affiliations": "University of Leeds",
                "orcid-numbers": "Hughes, Rachel/0000-0002-1825-0097",
                "funding-acknowledgement": "Nuffield Foundation [EYP/12345]",
                "cited-references": "Abbott A, 2015, J CHILD POLICY, V3, P10. "
                "Baker B, 2019, FAM STUD, V12, P45, DOI 10.5555/fs.2019.45.",
                "number-of-cited-references": "42",
                "times-cited": "3",
                "usage-count-last-180-days": "5",
                "usage-count-since-2013": "17",
                "doc-delivery-number": "2X7QP",
                "web-of-science-index": "Social Science Citation Index (SSCI)",
                "oa": "Green Published",
                "da": "2026-03-02",
            }
        },
    }
    # Older exports wrap every value in double braces and say ISI: for WOS:.
    assert (
        abbott.title == "Children's centres in deprived areas: a quasi-experimental study of three-year-olds"
    )
    assert (abbott.journal, abbott.volume, abbott.issue, abbott.pages) == (
        "CHILD HEALTH REVIEW",
        "37",
        "9",
        "iii33-iii40",
    )
    assert (abbott.year, abbott.publication_date, abbott.issn) == (2008, "2008-11-08", "0140-6736")
    assert abbott.other_ids == {"wos": "ISI:000260123400028"} and abbott.source_id == "ISI:000260123400028"
    assert abbott.extra == {"bibtex": {"key": "WOS:000260123400028"}}  # the UT is the ID; the key is kept
    # A proceedings paper: the book title is the container; the sponsors are not the publisher.
    assert (nakamura.doc_type, nakamura.journal, nakamura.publisher) == (
        "inproceedings",
        "CHILD HEALTH CONFERENCE 2021",
        None,
    )
    assert nakamura.doi == "10.5555/978-3-030-95398-0_10"  # `\_` unescaped
    assert nakamura.other_ids == {
        "wos": "WOS:000766209400010",
        "isbn": "978-3-030-95398-0; 978-3-030-95397-3",
    }
    assert nakamura.extra == {
        "bibtex": {
            "editor": "Zhao, X and Piva, A",
            "series": "Lecture Notes in Child Health",
            "note": "20th Child Health Conference, Leeds, ENGLAND, NOV 20-22, 2021",
            "organization": "Royal Coll Paediat; Univ Leeds",
        }
    }
    assert (okafor.pages, okafor.publication_date) == ("103848", "2025-01")  # Article-Number; JAN-FEB
    assert okafor.extra == {"bibtex": {"earlyaccessdate": "DEC 2024"}}


INDEX_KEYWORDS = ["child", "England", "Family Health", "human, Early Intervention"]


def test_bibtex_scopus_export_with_stray_brace_and_repeated_key() -> None:
    parsed = parse_bibtex(text("bib_scopus.bib"), "scopus", "scopus.bib")
    (problem,) = parsed.problems
    assert (problem.line, problem.entry) == (39, "entry Abbott2021 from line 31")
    assert problem.message.startswith("a `{` in `abstract` is never closed")
    assert parsed.notes == ["citation key Smith2020 is used by 2 entries (lines 47, 62); all kept"]
    assert [line for line, _ in parsed.entries] == [4, 47, 62, 77]
    hughes, smith_a, smith_b, nakamura = parsed.records
    assert fields(hughes) == {
        "source": "scopus",
        "source_id": "2-s2.0-85123456789",  # the EID: Scopus makes keys anew on each export
        "title": "Family hubs and parental engagement in England: a mixed-methods evaluation",
        "abstract": "Family hubs bring services for families with children under five into one building. "
        "Parental engagement rose by a fifth. © 2022 The Authors.",
        "authors": ["Hughes, R.", "O'Connor, S.", "de la Cruz, A.M."],
        "year": 2022,
        "doi": "10.5555/jecp.2022.0031",
        "journal": "Journal of Early Childhood Policy",
        "journal_abbrev": "J. Early Child. Policy",
        "issn": "1234-5678",
        "volume": "14",
        "issue": "3",
        "pages": "201-219",
        "publisher": "Taylor and Francis Ltd.",
        "doc_type": "article",
        "language": "English",
        "url": "https://www.scopus.com/inward/record.uri?eid=2-s2.0-85123456789&doi=10.5555%2fJECP.2022.0031"
        "&partnerID=40&md5=0123456789abcdef0123456789abcdef",
        "pmid": "35012345",
        # Author keywords, then Scopus's index keywords (whose groups Scopus joins with ", ").
        "keywords": [*("early intervention", "family hubs", "parental engagement"), *INDEX_KEYWORDS],
        "other_ids": {"scopus": "2-s2.0-85123456789"},
        "extra": {
            "bibtex": {
                "affiliations": "School of Education, University of Leeds, Leeds, United Kingdom",
                "correspondence_address": "R. Hughes; School of Education, University of Leeds, Leeds, "
                "United Kingdom; email: r.hughes@leeds.example",
                "coden": "JECPA",
                "type": "Article",
                "publication_stage": "Final",
                "source": "Scopus",
                "note": "Cited by: 3; All Open Access, Green Open Access",
                "key": "Hughes2022201",
            }
        },
    }
    assert (smith_a.source_id, smith_a.title, smith_a.pages) == (
        "2-s2.0-85090000001",
        "Parenting programmes in Family Hubs",
        "e0123456",
    )
    assert (smith_b.source_id, smith_b.title, smith_b.pages) == (
        "2-s2.0-85090000002",
        "Health visiting in Family Hubs",
        "45-60",
    )
    assert smith_b.other_ids == {"scopus": "2-s2.0-85090000002"}
    assert smith_b.extra == {
        "bibtex": {"type": "Review", "publication_stage": "Final", "source": "Scopus", "key": "Smith2020"}
    }
    assert (nakamura.doc_type, nakamura.journal, nakamura.pages) == (
        "conference",
        "Proceedings of the Child Health Conference",
        "135-148",
    )
    assert nakamura.other_ids == {"scopus": "2-s2.0-85110000003", "isbn": "978-303095398-0"}
    with pytest.raises(
        ImportFormatError, match=r"scopus.bib is not a valid BibTeX file.*\n  line 39: a `\{`"
    ):
        read_bibtex(text("bib_scopus.bib"), "scopus", "scopus.bib")


def test_bibtex_scopus_export_before_2020() -> None:
    (record,) = read_bibtex(text("bib_scopus_2018.bib"), "scopus")
    assert (record.pmid, record.pages, record.issn) == ("29512345", "e112", "0885-2006")
    assert record.keywords == ["home visiting", "school readiness", "child", "England, Home Visits"]
    assert record.other_ids == {"scopus": "2-s2.0-85044417335"}
    assert record.extra is not None
    assert record.extra["bibtex"] == {
        "note": "cited By 0",
        "affiliation": "University of Leeds, Leeds, United Kingdom",
        "references": "Abbott, E., Outcomes of integrated early years services (2017) Child. Soc., 31, "
        "pp. 1-10;",
        "correspondence_address1": "Okafor, C.; University of Leeds; email: c.okafor@leeds.example",
        "coden": "EYRSA",
        "document_type": "Article",
        "source": "Scopus",
        "key": "Okafor2018",
    }
    assert record.source_id == "2-s2.0-85044417335"


def test_bibtex_zotero_export() -> None:
    article, report, book, page = read_bibtex(text("bib_zotero.bib"), "zotero")
    assert fields(article) == {
        "source": "zotero",
        "source_id": "hughes_family_2022",
        "title": "Family hubs and parental engagement in England: a mixed-methods evaluation",
        "other_titles": ["Family hubs and parental engagement"],
        "abstract": "Family hubs bring services for families with children under five into one building; "
        "engagement rose by 20% over two years.",
        "authors": ["Hughes, Rachel", "O'Connor, Siân", "de la Cruz, Ana María"],
        "year": 2022,
        "publication_date": "2022-03",  # month = mar
        "doi": "10.5555/jecp.2022.0031",
        "journal": "Journal of Early Childhood Policy",
        "issn": "1234-5678",
        "volume": "14",
        "issue": "3",
        "pages": "201-219",
        "doc_type": "article",
        "language": "en",
        "url": "https://example.org/jecp/2022/0031",
        "pmid": "35012345",  # Zotero writes its Extra field's "PMID: ..." into `note`
        "keywords": ["early intervention", "family hubs"],
        "extra": {
            "bibtex": {
                "urldate": "2026-02-10",
                "note": "PMID: 35012345",
                "file": "Full Text PDF:/home/reviewer/Zotero/storage/ABCD1234/Hughes et al. - 2022 - Family "
                "hubs.pdf:application/pdf",
            }
        },
    }
    assert (report.doc_type, report.authors, report.publisher) == (
        "techreport",
        ["Department for Education"],
        "Department for Education",
    )
    assert (report.title, report.publication_date, report.issue) == (
        "Family Hubs evaluation: interim report",
        "2023-08",
        None,
    )
    assert report.extra == {
        "bibtex": {
            "address": "London",
            "type": "Research report",
            "number": "DFE-RR123",
            "urldate": "2026-02-10",
        }
    }
    assert (book.publisher, book.other_ids, book.extra) == (
        "Policy Press",
        {"isbn": "978-1-84742-564-9"},
        {"bibtex": {"address": "Bristol", "edition": "2"}},
    )
    assert (page.doc_type, page.journal, page.authors, page.publication_date) == (
        "misc",
        "GOV.UK",
        None,
        "2024-01",
    )


def test_bibtex_jabref_file() -> None:
    article, report = read_bibtex(
        text("bib_jabref.bib"), "jabref"
    )  # the @Comment{jabref-meta: ...} are no records
    assert article.journal == "Journal of Early Childhood Policy"  # @String jecp
    assert article.authors == ["Hughes, Rachel", "O'Connor, Siân"]
    assert (article.publication_date, article.keywords) == ("2022-03", ["family hubs", "early intervention"])
    assert article.extra == {
        "bibtex": {
            "file": ":Hughes2022.pdf:PDF",
            "groups": "included",
            "owner": "reviewer1",
            "priority": "prio1",
            "ranking": "rank4",
            "readstatus": "read",
            "timestamp": "2026-01-12",
        }
    }
    assert (report.doc_type, report.publisher, report.url) == (
        "techreport",
        "Department for Education",
        "https://www.gov.uk/government/publications/family-hubs-evaluation",
    )
    assert report.extra is not None and report.extra["bibtex"]["comment"] == "Found by hand search."


def test_bibtex_google_scholar_entries() -> None:
    article, paper, thesis, book = read_bibtex(text("bib_scholar.bib"), "scholar")
    assert fields(article) == {
        "source": "scholar",
        "source_id": "hughes2022family",
        "title": "Family hubs and parental engagement in England: a mixed-methods evaluation",
        "authors": ["Hughes, Rachel", "O'Connor, Siân", "de la Cruz, Ana María"],
        "year": 2022,
        "journal": "Journal of Early Childhood Policy",
        "volume": "14",
        "issue": "3",
        "pages": "201-219",
        "publisher": "Taylor & Francis",
        "doc_type": "article",
    }
    assert (paper.doc_type, paper.journal, paper.publisher) == (
        "inproceedings",
        "Proceedings of the Child Health Conference",
        None,
    )
    assert paper.authors == ["Nakamura, Keiko", "Müller, Jörg"]
    assert paper.extra == {"bibtex": {"organization": "Royal College of Paediatrics"}}
    assert (thesis.doc_type, thesis.publisher, thesis.year) == ("phdthesis", "University of Leeds", 2019)
    assert (book.doc_type, book.publisher, book.journal) == ("book", "Policy Press", None)


def test_bibtex_biblatex_fields() -> None:
    article, online, report, thesis = read_bibtex(text("bib_biblatex.bib"), "zotero")
    assert (
        article.title == "Family hubs and parental engagement in England: a mixed-methods evaluation"
    )  # + subtitle
    assert article.other_titles == ["Family hubs"]
    assert (article.year, article.publication_date) == (2022, "2022-03-15")
    assert (article.journal, article.journal_abbrev) == (
        "Journal of Early Childhood Policy",
        "J. Early Child. Policy",
    )
    assert (article.pmid, article.language, article.issue) == ("35012345", "english", "3")  # eprint, langid
    assert article.extra == {"bibtex": {"urldate": "2026-02-10"}}
    assert (online.doc_type, online.publisher, online.publication_date) == ("online", "GOV.UK", "2024-01")
    assert online.authors == ["Department for Education"]
    assert (report.doc_type, report.publisher, report.issue) == ("report", "Department for Education", None)
    assert report.extra == {
        "bibtex": {
            "titleaddon": "interim report",
            "type": "Research report",
            "number": "DFE-RR123",
            "location": "London",
        }
    }
    assert thesis.other_titles == ["Hausbesuche und Schulfähigkeit in England"]  # origtitle
    assert (thesis.year, thesis.publication_date, thesis.other_ids) == (2019, None, {"pmcid": "PMC6543210"})
    assert thesis.extra == {"bibtex": {"type": "phdthesis"}}


def test_bibtex_bibtexparser_examples() -> None:
    (cesar,) = read_bibtex(text("bib_bibtexparser_example.bib"), "x")  # the @comment is no record
    assert (cesar.source_id, cesar.authors, cesar.journal) == ("Cesar2013", ["César, Jean"], "Nice Journal")
    assert (cesar.year, cesar.publication_date, cesar.pages, cesar.doc_type) == (
        2013,
        "2013-01",
        "12-23",
        "article",
    )
    # GBK bytes: decoding is the import stage's business; the decoded text reads like any other.
    (kaisa,) = read_bibtex((DATA / "bib_bibtexparser_gbk.bib").read_bytes().decode("gbk"), "x")
    assert (kaisa.source_id, kaisa.authors, kaisa.journal, kaisa.year) == (
        "凯撒2013",
        ["凯撒"],
        "测试期刊",
        2013,
    )


# --- writing ---------------------------------------------------------------------------------


def test_write_bibtex_escapes_and_reads_back() -> None:
    out = write_bibtex([WORK, {**WORK, "doc_type": "report", "id": 8}])
    assert "@article{hughes2022family," in out and "@techreport{hughes2022familya," in out
    assert "author = {Hughes, Rachel and {Department for Education}}" in out
    first, second = read_bibtex(out, "x")
    assert first.title == WORK["title"] and first.authors == WORK["authors"]
    assert first.extra is not None and first.extra["bibtex"]["decision"] == "include"
    assert parse_string(out).failed_blocks == []
    assert second.doc_type == "report"  # changed: the stored type comes back (kept in `doctype`)


FULL = {
    "id": 42,
    "title": "Family hubs: 50% of {families} & more -- in England",
    "other_titles": ["Family hubs", "Familienzentren in England"],
    "abstract": "Engagement rose by 20% (p < 0.05) at a cost of $10 per family_visit #1 ~ or so.",
    "authors": ["Hughes, Rachel", "Department for Education", "de la Cruz, Ana María"],
    "year": 2022,
    "publication_date": "2022-03-15",
    "doi": "10.5555/jecp.2022.0031",
    "journal": "Journal of Early Childhood Policy",
    "journal_abbrev": "J. Early Child. Policy",
    "issn": "1234-5678; 2345-6789",
    "volume": "14",
    "issue": "3",
    "pages": "iii33-iii40",
    "publisher": "Taylor & Francis",
    "keywords": ["family hubs", "early intervention, England"],
    "language": "English",
    "doc_type": "research_and_analysis",
    "url": "https://example.org/a_b%20c?x=1&y=2#frag~1",
    "pmid": "35012345",
    "other_ids": {
        "scopus": "2-s2.0-85123456789",
        "wos": "WOS:001012345600001",
        "pmcid": "PMC8712345",
        "isbn": "978-1-84742-564-9",
        "embase": "L2012345678",
        "accession": "X-1",
    },
}


@pytest.mark.parametrize("doc_type", ["research_and_analysis", "article", "journal-article", "book-chapter"])
def test_write_bibtex_round_trips_every_field(doc_type: str) -> None:
    row = {**FULL, "doc_type": doc_type}
    (back,) = read_bibtex(write_bibtex([row]), "x")
    stored = {k: v for k, v in row.items() if k != "id"}
    assert {k: getattr(back, k) for k in stored} == stored
    assert back.extra == {"bibtex": {"id": "42"}}  # the row's ID


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(
    lambda s: s.strip() != ""
)


@settings(max_examples=100, deadline=None)
@given(title=_text, authors=st.lists(_text, max_size=3), year=st.none() | st.integers(1500, 2199))
def test_bibtex_round_trip(title: str, authors: list[str], year: int | None) -> None:
    (back,) = read_bibtex(write_bibtex([{"title": title, "authors": authors, "year": year}]), "x")
    assert back.title == " ".join(title.split())
    assert back.authors == ([" ".join(a.split()) for a in authors] or None)
    assert back.year == year
