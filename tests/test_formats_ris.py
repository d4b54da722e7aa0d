"""RIS and PubMed nbib readers and the RIS writer: every field of real exports (Scopus, Embase,
ProQuest, EBSCO, Ovid, PubMed through EndNote and Zotero, Web of Science, Lens, Zotero), their quirks,
damaged entries named by line while the others are read, and round trips."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.errors import ImportFormatError
from review.formats import (
    read_nbib,
    read_ris,
    write_ris,
)
from review.formats.nbib import parse_nbib
from review.formats.ris import parse_ris
from review.imports.prepare import prepare
from review.records import RecordIn
from tests.formats_helpers import DATA, WORK, filled, text


def extra(record: RecordIn, key: str = "ris") -> dict[str, Any]:
    assert record.extra is not None
    return dict(record.extra[key])


# --- RIS: hand-written exports in the shapes the databases write ---------------------------------


def test_ris_scopus_export_keeps_fields_despite_bom_and_crlf() -> None:
    raw = (DATA / "scopus.ris").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    records = read_ris(text("scopus.ris"), "scopus")
    assert len(records) == 3
    first = records[0]
    assert first.title == "Family hubs and parental engagement in England: a mixed-methods evaluation"
    assert first.authors == ["Hughes, Rachel", "O'Connor, Siân", "Patel, Anil"]
    assert (first.year, first.volume, first.issue, first.pages) == (2022, "14", "3", "201-219")
    assert first.doi == "10.1234/jecp.2022.0031"
    assert first.journal == "Journal of Early Childhood Policy"
    assert first.keywords == ["family hubs", "early intervention", "England"]
    assert (first.doc_type, first.issn, first.publisher) == ("JOUR", "1234-5678", "Example Academic Press")
    assert first.source_id == "2-s2.0-85123456789"  # the Scopus EID from the record URL
    assert first.other_ids == {"scopus": "2-s2.0-85123456789"}
    # Deliberately changed: `extra` keeps the export's own tags, not rispy's names for them.
    assert first.extra == {"ris": {"DB": ["Scopus"], "M3": ["Article"], "N1": ["Cited By: 4"]}}
    assert records[2].doi == "10.5555/chr.2021.77"
    assert records[2].publication_date == "2021-05-17"
    assert records[2].pages == "e1042"


def test_ris_wos_export_joins_wrapped_abstract_and_skips_query_header() -> None:
    records = read_ris(text("wos.ris"), "wos")
    assert [r.source_id for r in records] == ["WOS:000812345600001", "WOS:000812345600002"]
    first = records[0]
    assert first.abstract is not None and "estimate how take-up" in first.abstract
    assert first.abstract.endswith("the entitlement was extended.")
    assert first.authors == ["Okafor, Chidi", "Byrne, Siobhan"]
    assert (first.year, first.pages, first.journal) == (2019, "44-61", "British Journal of Family Studies")
    assert first.other_ids == {"wos": "WOS:000812345600001"}
    assert records[1].doc_type == "CONF"


def test_ris_ovid_layout_skips_counters_links_and_search_strategy() -> None:
    parsed = parse_ris(text("ris_ovid.ris"), "ovid")
    assert parsed.problems == []
    assert [line for line, _ in parsed.entries] == [2, 33]
    assert parsed.notes == [
        "1 tagged line(s) outside any record (between an `ER` and the next `TY`) were skipped, as "
        "databases such as Ovid write there: line(s) 61"
    ]
    embase, medline = parsed.records
    assert filled(embase, "abstract") == {
        "source_id": "2015432871",
        "title": "Home visiting by health visitors and maternal depression at six months: a cohort study",
        "authors": ["Okafor, Chidi", "Byrne, Siobhan"],
        "year": 2021,
        "doi": "10.5555/jcnr.2021.014",
        "journal": "Journal of Community Nursing Research",
        "journal_abbrev": "J. Community Nurs. Res.",
        "issn": "1234-5679",
        "volume": "14",
        "issue": "2",
        "pages": "101-112",
        "publisher": "Example Health Press",
        "doc_type": "JOUR",
        "language": "English",
        "url": "http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=emexb&NEWS=N&AN=2015432871",
        "keywords": ["home visiting", "*postnatal depression", "human"],
        "other_ids": {"embase": "2015432871"},
    }
    assert embase.abstract is not None and embase.abstract.startswith("We followed 1,200 mothers")
    assert extra(embase) == {
        "DB": ["Embase"],
        "CY": ["United Kingdom"],
        "AD": ["C. Okafor, School of Health Sciences, Example University, Leeds, United Kingdom"],
        "M3": ["Article"],
        "L2": ["http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D=emexb&NEWS=N&AN=2015432871"],
    }
    assert (medline.source_id, medline.pmid, medline.other_ids) == ("33445566", "33445566", None)
    assert (medline.pages, medline.volume, medline.issue, medline.doi) == ("e1042", "9", None, None)
    assert medline.keywords == [
        "Child, Preschool",
        "Humans",
        "*Language Development Disorders/di [Diagnosis]",
    ]
    assert extra(medline)["NL"] == ["Child Health Res"]
    assert extra(medline)["PT"] == ["Journal Article", "Randomized Controlled Trial"]
    assert extra(medline)["Y2"] == ["2020-03//"]  # Ovid's date: kept, as other writers put access dates there


def test_ris_ebsco_export_takes_doi_from_l3_and_accession_from_the_link() -> None:
    first, second = read_ris(text("ris_ebsco.ris"), "cinahl")
    assert filled(first, "abstract") == {
        "source_id": "176400001",
        "title": "Parent-infant relationship support in family hubs: a mixed-methods study.",
        "authors": ["Hughes, Rachel", "Patel, Anil"],
        "year": 2024,
        "publication_date": "2024-04-03",
        "doi": "10.5555/jecp.2024.0044",
        "journal": "Journal of Early Childhood Policy",
        "issn": "1234-5679",
        "volume": "19",
        "issue": "4",
        "pages": "1-22",
        "publisher": "Example Academic Press",
        "doc_type": "JOUR",
        "url": "https://search.ebscohost.com/login.aspx?direct=true&db=ccm&AN=176400001&site=ehost-live",
        "keywords": ["FAMILY services", "INFANT psychology", "ENGLAND"],
        "other_ids": {"ebsco": "176400001"},
    }
    # EBSCO writes the abstract, then the publisher's copyright as a second AB: both kept.
    assert first.abstract == (
        "We studied parent-infant relationship services in 12 family hubs. Take-up was highest where "
        "midwives referred families directly. [ABSTRACT FROM AUTHOR]"
    )
    assert extra(first)["AB"][1].startswith("Copyright of Journal of Early Childhood Policy")
    assert set(extra(first)) == {"M3", "AB", "N1", "L3", "DP", "DB"}
    assert extra(first)["N1"][0].startswith("Accession Number: 176400001; Hughes, Rachel 1;")
    assert (second.source_id, second.doi, second.issn) == ("163700002", None, "0891-2963")
    assert (second.publication_date, second.pages) == ("2023-06", "924-934")


def test_ris_titles_short_translated_and_books() -> None:
    proquest, short, translated, chapter, book = read_ris(text("ris_titles_books.ris"), "x")
    assert (proquest.title, proquest.other_titles) == (
        "Childcare take-up after the extension of funded hours",
        None,
    )
    assert (short.title, short.other_titles) == ("Best Start for Life", None)  # ST when there is no TI
    assert translated.title == "[Language screening by health visitors in two-year-olds]"
    assert translated.other_titles == [
        "Language screening",
        "Sprachscreening durch Gesundheitsfachkräfte bei Zweijährigen",
    ]
    assert (translated.journal, translated.journal_abbrev, translated.language) == (
        "Kinderärztliche Praxis",
        "Kinderarztl Prax",
        "ger",
    )
    assert filled(chapter) == {
        "source_id": "",
        "title": "Integrated early years services",
        "authors": ["Lewis, Jane"],  # A2 (editors) is not an author
        "year": 2018,
        "journal": "Handbook of early childhood policy",  # T2 of a chapter: its book
        "pages": "45-67",
        "publisher": "Example Academic Press",
        "doc_type": "CHAP",
        "other_ids": {"isbn": "978-1-4822-5326-9"},
    }
    assert extra(chapter) == {"A2": ["Walsh, Declan"], "T3": ["Policy handbooks"], "CY": ["London"]}
    assert (book.title, book.journal, book.other_ids) == (
        "Family hubs in practice",  # BT: a book's title
        None,
        {"isbn": "0-86571-342-1"},
    )
    assert extra(book) == {"T2": ["Practice guides"]}  # a book's T2 is its series


# --- RIS: real exports (asreview and rispy test data) ---------------------------------------------


def test_ris_real_scopus_export_with_references_c2_pmid_and_a_glued_field() -> None:
    parsed = parse_ris(text("ris_asreview_scopus.ris"), "scopus")
    assert parsed.problems == []
    # Line 140 ends the references with "...American Psychiatric PubUR  - https://www.scopus.com/...":
    # the export lost a line break, and the UR is read as its own field.
    assert parsed.notes == [
        "line(s) 140: a field was joined to the end of the text above it (its line break lost in the "
        "export); it was read as its own field"
    ]
    assert [line for line, _ in parsed.entries] == [1, 143]
    first, second = parsed.records
    assert filled(first, "abstract", "keywords") == {
        "source_id": "2-s2.0-85073159216",
        "title": (
            "Does symptom activity explain psychological differences in patients with irritable bowel "
            "syndrome and inflammatory bowel disease? Results from a multi-center cross-sectional study"
        ),
        "authors": ["Berens, S.", "Schaefert, R.", "Baumeister, D.", "Gauss, A.", "Eich, W.", "Tesarz, J."],
        "year": 2019,
        "doi": "10.1016/j.jpsychores.2019.109836",
        "journal": "Journal of Psychosomatic Research",
        "journal_abbrev": "J. Psychosom. Res.",
        "issn": "0022-3999",  # written "00223999 (ISSN)"
        "volume": "126",
        "pages": "109836",  # the article number (C7): the record has no pages
        "publisher": "Elsevier Inc.",
        "doc_type": "JOUR",
        "language": "English",
        "url": (
            "https://www.scopus.com/inward/record.uri?eid=2-s2.0-85073159216&doi=10.1016%2fj.jpsychores"
            ".2019.109836&partnerID=40&md5=32798524bf5dd04bd262421f5015390e"
        ),
        "pmid": "31627144",  # Scopus writes the PubMed ID in C2
        "other_ids": {"scopus": "2-s2.0-85073159216"},
    }
    assert first.abstract is not None and first.abstract.startswith("Objective: Irritable bowel syndrome")
    assert first.abstract.endswith("© 2019 Elsevier Inc.")
    assert first.keywords is not None and len(first.keywords) == 27
    assert first.keywords[:3] == ["Adverse childhood experiences", "Attachment", "Illness anxiety"]
    notes = extra(first)["N1"]
    assert [n.split(":")[0] for n in notes] == [
        "Export Date",
        "CODEN",
        "Correspondence Address",
        "Funding details",
        "Funding text\xa01",
        "References",
    ]
    assert notes[-1].endswith("American Psychiatric Pub")  # the glued UR taken off the references
    assert set(extra(first)) == {"AD", "N1", "M3", "DB", "C7"} and extra(first)["C7"] == ["109836"]
    assert (second.source_id, second.pmid, second.pages, second.issn) == (
        "2-s2.0-85072655092",
        "31574429",
        "106490",
        "1525-5050",
    )
    assert (second.journal, second.journal_abbrev, second.publisher) == (
        "Epilepsy and Behavior",
        "Epilepsy Behav.",
        "Academic Press Inc.",
    )


def test_ris_real_embase_export() -> None:
    first, second = read_ris(text("ris_asreview_embase.ris"), "embase")
    assert filled(first, "abstract", "keywords") == {
        "source_id": "L373791783",  # U2: the Embase record
        "title": "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound",
        "authors": ["Liu R.", "Adler D.G."],
        "year": 2014,
        "doi": "10.4103/2303-9027.138783",
        "journal": "Endoscopic Ultrasound",  # JF; JO repeats it
        "issn": "2226-7190",  # written twice
        "volume": "3",
        "issue": "3",
        "pages": "152-160",
        "doc_type": "JOUR",
        "language": "English",
        "url": "http://www.embase.com/search/results?subaction=viewrecord&from=export&id=L373791783",
        "other_ids": {"embase": "L373791783"},
    }
    assert first.abstract is not None and first.abstract.startswith("Gastrointestinal tract duplication")
    assert first.keywords is not None and (len(first.keywords), first.keywords[0]) == (22, "article")
    assert set(extra(first)) == {"M3", "DB", "U3", "U4", "L2", "LK", "M1", "AD"}
    assert extra(first)["U3"] == ["2014-08-29"]
    assert (second.source_id, second.pmid, second.other_ids) == (
        "L39097156",
        "15368318",
        {"embase": "L39097156"},
    )
    assert extra(second)["DB"] == ["Embase", "Medline"] and len(extra(second)["M1"]) == 4
    assert "C5" not in extra(second)  # the PMID: read into pmid


def test_ris_real_proquest_export() -> None:
    first, second = read_ris(text("ris_asreview_proquest.ris"), "proquest")
    assert filled(first, "abstract", "keywords") == {
        "source_id": "2214991469; 51887",
        "title": (
            "Predictors of posttraumatic stress symptom trajectories following the fatal 2011 "
            "Christchurch, New Zealand earthquake"
        ),
        "authors": [
            "Jones, Hannah",
            "Dorahy, Martin J",
            "Britt, Eileen",
            "Rowlands, Amy",
            "Renouf, Charlotte",
            "Carter, Janet D",
            "Hanna, Donncha",
        ],
        "year": 2019,
        "doi": "10.1002/jts.22387",
        "journal": "Journal of Traumatic Stress",
        "issn": "0894-9867",  # written "0894-9867, 0894-9867"
        "doc_type": "JOUR",
        "language": "English",
        "url": "https://search.proquest.com/docview/2214991469?accountid=14772",
        "other_ids": {"proquest": "2214991469; 51887"},
    }
    assert first.keywords is not None and len(first.keywords) == 18
    assert extra(first)["DB"] == ["PTSDpubs"]
    assert extra(first)["N1"] == ["Date revised - 2019-05-03", "Last updated - 2019-05-03"]
    assert extra(first)["L2"][1] == "http://dx.doi.org/10.1002/jts.22387"
    assert (second.volume, second.issue, second.issn) == ("10", "1", "2000-8066")


def test_ris_real_pubmed_through_endnote() -> None:
    first, second = read_ris(text("ris_asreview_pubmed_endnote.txt"), "pubmed")
    assert filled(first, "abstract") == {
        "source_id": "21553931",  # AN: the PMID (DP - NLM)
        "title": (
            "Boswellia serrata: an overall assessment of in vitro, preclinical, pharmacokinetic and "
            "clinical data"
        ),  # ST repeats it
        "authors": ["Abdel-Tawab, M.", "Werz, O.", "Schubert-Zsilavecz, M."],
        "year": 2011,
        "publication_date": "2011-06",  # DA "Jun" with PY
        "doi": "10.2165/11586800-000000000-00000",
        "journal": "Clin Pharmacokinet",
        "issn": "0312-5963",
        "volume": "50",
        "issue": "6",
        "pages": "349-69",  # as written
        "doc_type": "JOUR",
        "language": "eng",
        "pmid": "21553931",
        # EndNote writes one MeSH heading a line under a single KW
        "keywords": [
            "Animals",
            "Anti-Inflammatory Agents/adverse effects/pharmacokinetics/*pharmacology",
            "Boswellia/*chemistry",
            "Clinical Trials as Topic",
            "Disease Models, Animal",
            "Drug Evaluation, Preclinical",
            "Humans",
            "Inflammation/drug therapy/physiopathology",
            "Medicine, Ayurvedic",
            "Plant Extracts/adverse effects/pharmacokinetics/*pharmacology",
        ],
    }
    assert extra(first) == {
        "AD": ["Central Laboratory of German Pharmacists, Eschborn, Germany. m.tawab@zentrallabor.com"],
        "DP": ["NLM"],
        "ET": ["2011/05/11"],
        "N1": [
            "1179-1926\nAbdel-Tawab, Mona\nWerz, Oliver\nSchubert-Zsilavecz, Manfred\nJournal Article\n"
            "Review\nSwitzerland\nClin Pharmacokinet. 2011 Jun;50(6):349-69. doi: "
            "10.2165/11586800-000000000-00000."
        ],
        "ID": ["369"],  # EndNote's record number
    }
    assert (second.source_id, second.publication_date, second.pages) == ("29459515", "2018-03-01", "335-344")


def test_ris_real_pubmed_through_zotero() -> None:
    first, second = read_ris(text("ris_asreview_pubmed_zotero.ris"), "pubmed")
    assert filled(first, "abstract") == {
        "source_id": "",
        "title": (
            "The importance of cognitive flexibility and flexibility in coping with stress for the quality "
            "of life in inflammatory bowel disease patients during biological therapy. A preliminary report."
        ),
        "authors": ["Rudnik, Agata", "Piotrowicz, Grazyna", "Basinska, Malgorzata A.", "Rashedi, Vahid"],
        "year": 2019,  # DA "2019///": no date
        "doi": "10.5114/pg.2018.81081",
        "journal": "Przeglad gastroenterologiczny",
        "journal_abbrev": "Prz Gastroenterol",
        "issn": "1895-5770",  # written "1895-5770 1895-5770"
        "volume": "14",
        "issue": "2",
        "pages": "121-128",
        "doc_type": "JOUR",
        "language": "eng",
        "keywords": [
            "biological treatment",
            "Crohn's disease",
            "mindfulness",
            "quality of life",
            "ulcerative colitis",
        ],
    }
    assert first.extra is None  # every field the record carries was read
    assert (second.publication_date, second.issn) == ("2019-10", "1128-045X; 1123-6337")


def test_ris_real_ovid_through_zotero() -> None:
    first, second = read_ris(text("ris_asreview_ovid_zotero.ris"), "ovid")
    assert (first.pages, first.volume, first.doi) == (None, None, "10.1002/cpp.2398")
    assert extra(first) == {"SP": ["No"], "EP": ["Specified"]}  # "No pagination specified", split by Zotero
    assert (second.pages, second.volume, second.issue) == ("847-856", "24", "7")
    assert second.authors == [
        "Trindade, Ines A",
        "Ferreira, Claudia",
        "Duarte, Cristiana",
        "Pinto-Gouveia, Jose",
    ]
    assert extra(second)["A2"][0].startswith("Andres, Bucchianeri, Buote")  # cited authors, not authors


def test_ris_real_zotero_export_with_crlf() -> None:
    assert b"\r\n" in (DATA / "ris_asreview_zotero.ris").read_bytes()
    first, second = read_ris(text("ris_asreview_zotero.ris"), "zotero")
    assert (first.source_id, first.other_ids) == ("106-059-195-106-980", {"lens": "106-059-195-106-980"})
    assert (first.publication_date, first.issn, first.pages) == ("2021-02-01", "2522-5839", "125-133")
    assert first.url == "https://lens.org/106-059-195-106-980"
    assert (
        first.authors is not None and len(first.authors) == 17 and first.authors[0] == "van de Schoot, Rens"
    )
    assert extra(first) == {
        "L2": ["https://www.nature.com/articles/s42256-020-00287-7"],
        "N1": ["<p>ASReview_relevant</p>"],
    }
    assert (second.issue, second.pages, second.publication_date) == ("sup1", "1375339-1375339", "2017-10-31")
    assert extra(second)["L4"] == ["https://tandfonline.com/doi/pdf/10.1080/20008198.2017.1375339"]


def test_ris_real_lens_export_without_blank_lines_between_records() -> None:
    first, second = read_ris(text("ris_asreview_lens.ris"), "lens")
    assert filled(first, "abstract") == {
        "source_id": "000-463-679-101-319",
        "title": (
            "The Value of Radiologic Interventions and 18 F-DOPA PET in Diagnosing and Localizing Focal "
            "Congenital Hyperinsulinism: Systematic Review and Meta-Analysis"
        ),
        "authors": [
            "Blomberg, Björn A.",
            "Moghbel, Mateen",
            "Saboury, Babak",
            "Stanley, Charles A.",
            "Alavi, Abass",
        ],
        "year": 2012,
        "publication_date": "2012-07-03",
        "doi": "10.1007/s11307-012-0572-0",
        "journal": "Molecular imaging and biology",
        "issn": "1860-2002; 1536-1632",  # written "18602002", "15361632"
        "volume": "15",
        "issue": "1",
        "pages": "97-105",
        "publisher": "Springer New York",
        "doc_type": "JOUR",
        "url": "https://lens.org/000-463-679-101-319",
        "pmid": "22752652",  # from its PubMed link
        "other_ids": {"lens": "000-463-679-101-319", "pmcid": "PMC3553406"},
    }
    assert extra(first)["CY"] == ["Netherlands"] and len(extra(first)["L2"]) == 7
    assert (second.pmid, second.other_ids) == (
        "33809141",
        {"lens": "001-955-724-285-100", "pmcid": "PMC7999968"},
    )


def test_ris_real_web_of_science_export() -> None:
    first, second = read_ris(text("ris_asreview_wos.ris"), "wos")
    assert filled(first, "abstract", "keywords") == {
        "source_id": "WOS:000444108200009",
        "title": "Holding Yourself Captive: Perceptions of Custody During Interviews and Interrogations",
        "authors": ["Alceste, F", "Luke, TJ", "Kassin, SM"],
        "year": 2018,
        "publication_date": "2018-09",  # DA "SEP" with PY
        "doi": "10.1016/j.jarmac.2018.03.001",
        "journal": "JOURNAL OF APPLIED RESEARCH IN MEMORY AND COGNITION",
        "journal_abbrev": "J. Appl. Res. Mem. Cogn.",  # JI; J9 stays in extra
        "issn": "2211-3681; 2211-369X",
        "volume": "7",
        "issue": "3",
        "pages": "387-397",
        "publisher": "ELSEVIER SCIENCE INC",  # PU, Web of Science's own tag
        "doc_type": "JOUR",
        "language": "English",
        "other_ids": {"wos": "WOS:000444108200009"},
    }
    assert first.keywords is not None and first.keywords[:2] == ["Police custody", "Interview"]
    assert extra(first)["N1"] == [
        "Times Cited in Web of Science Core Collection:  5\nTotal Times Cited:  7\nCited Reference Count:  30"
    ]
    assert set(extra(first)) == {"AD", "C3", "PI", "PA", "J9", "WE", "N1"}
    assert (second.source_id, second.publication_date) == ("WOS:000376252000001", "2016-05")


def test_ris_real_exports_with_text_between_records_multiline_fields_and_empty_tags() -> None:
    first, second = read_ris(text("ris_rispy_extraneous_data.ris"), "cochrane")
    assert [(r.source_id, r.title, r.year) for r in (first, second)] == [
        ("12345", "Title of reference", 2014),
        ("12345", "The title of the reference", 2006),  # a shared ID: both kept
    ]
    assert (first.journal, first.journal_abbrev, first.pages, first.url) == (
        "Lorem",
        "lorem",
        "e0815",
        "http://example_url.com",
    )
    assert extra(first) == {
        "A2": ["Glattauer, Daniel"],
        "CY": ["United States"],
        "M1": ["1008150341"],
        "L2": ["http://example.com"],
    }
    multiline = read_ris(text("ris_rispy_multiline.ris"), "x")
    assert [r.abstract for r in multiline] == [
        "first line, ER then second line and at the end the last line"
    ] * 3
    assert [extra(r)["N1"] for r in multiline] == [["first line\n* second line\n* last line"]] * 3
    (empty,) = read_ris(text("ris_rispy_empty_tag.ris"), "x")
    assert (empty.pages, empty.doi, empty.issn, empty.year) == (
        None,
        "10.1177/2325967120950040",
        "2325-9671",
        2020,
    )
    assert empty.extra is None  # the empty SP is no field


def test_ris_real_faulty_year_is_kept_as_written() -> None:
    (record,) = read_ris(text("ris_asreview_faulty_year.ris"), "x")
    assert (record.year, record.publication_date) == (None, None)
    assert extra(record) == {"PY": ["10 15"]}


# --- RIS: damage ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "good", "line", "message"),
    [
        ("ris_damaged_tag.ris", [1, 14], 10, "'KW- family hubs' is not a RIS field"),
        ("ris_missing_ty.ris", [1, 11], 6, "the record ending on line 9 has no `TY  - ` line"),
        (
            "ris_missing_er_middle.ris",
            [1, 10],
            10,
            "a record starts here, but the one from line 6 has no `ER  -`",
        ),
        ("ris_mistyped_ty.ris", [1, 11], 6, "'TY - JOUR' is not a RIS field; write it as `TY  - JOUR`"),
    ],
)
def test_ris_damaged_record_is_named_and_the_others_are_read(
    name: str, good: list[int], line: int, message: str
) -> None:
    parsed = parse_ris(text(name), "x")
    assert [start for start, _ in parsed.entries] == good
    assert [r.title for r in parsed.records] == ["A good record", "Another good record"]
    (problem,) = parsed.problems
    assert problem.line == line and message in problem.message
    with pytest.raises(ImportFormatError, match=re.escape(f"line {line}: ")):
        read_ris(text(name), "x", name)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("broken_line.ris", "line 4: 'AU - Clarke, Tom' is not a RIS field"),
        ("missing_er.ris", "line 6: the record starting here has no `ER  -`"),
        ("not_ris.ris", "not a RIS file"),
    ],
)
def test_ris_bad_files_name_the_line(name: str, message: str) -> None:
    with pytest.raises(ImportFormatError, match=re.escape(message)):
        read_ris(text(name), "x", name)


def test_ris_missing_er_at_the_end_keeps_the_records_before() -> None:
    parsed = parse_ris(text("missing_er.ris"), "x")
    assert [r.title for r in parsed.records] == ["Early language interventions in nursery settings"]
    assert [p.line for p in parsed.problems] == [6]


def test_ris_record_started_before_previous_ended() -> None:
    bad = "TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two\nER  - \n"
    with pytest.raises(ImportFormatError, match="line 3: a record starts here, but the one from line 1"):
        read_ris(bad, "x")
    assert [r.title for r in parse_ris(bad, "x").records] == ["Two"]


def test_ris_untagged_line_after_a_one_line_field_is_an_error() -> None:
    with pytest.raises(ImportFormatError, match=r"line 3: '#### page 2' .* a PY value cannot continue"):
        read_ris("TY  - JOUR\nPY  - 2020\n#### page 2\nER  - \n", "x")


@pytest.mark.parametrize("line", ["AU  -Smith", "au  - Smith", " AU  - Smith", "AU  Smith", "AU - Smith"])
def test_ris_mistyped_tags_are_errors_not_continuations(line: str) -> None:
    # One space before the hyphen too: no database writes it, and reading it as a field would hide
    # a hand edit that broke others.
    with pytest.raises(ImportFormatError, match="line 3"):
        read_ris(f"TY  - JOUR\nTI  - A title\n{line}\nER  - \n", "x")


def test_ris_mistyped_ty_followed_by_text_is_one_problem() -> None:
    parsed = parse_ris("TY  - JOUR\nTI  - A\nER  - \nTY - JOUR\nsome text\nmore text\nER  - \n", "x")
    assert [r.title for r in parsed.records] == ["A"]
    assert [(p.line, p.entry) for p in parsed.problems] == [(4, "record starting on line 4")]


def test_ris_text_outside_records_never_becomes_a_record() -> None:
    text = "TYPE OF SEARCH: advanced\nTY  - JOUR\nTI  - Only one\nER  - \nTYPICAL trailer line\n"
    assert [r.title for r in read_ris(text, "x")] == ["Only one"]


def test_ris_er_without_trailing_space_blank_lines_inside_and_cr_line_ends() -> None:
    text = "TY  - JOUR\r\nTI  - One\r\n\r\nPY  - 2020\r\nER  -\r\nTY  - JOUR\rTI  - Two\rER  -"
    assert [(r.title, r.year) for r in read_ris(text, "x")] == [("One", 2020), ("Two", None)]


def test_ris_files_joined_with_their_byte_order_marks() -> None:
    joined = "\ufeffTY  - JOUR\nTI  - A\nER  - \n\ufeffTY  - JOUR\nTI  - B\nER  - \n"
    assert [r.title for r in read_ris(joined, "x")] == ["A", "B"]


def test_ris_glued_field_needs_a_ris_tag_after_text() -> None:
    record = "TY  - JOUR\nTI  - T\nN1  - Notes\nwritten in the USA  - a study\n{}ER  - \n"
    (kept,) = read_ris(record.format(""), "x")
    assert extra(kept) == {"N1": ["Notes\nwritten in the USA  - a study"]}
    parsed = parse_ris(record.format("References: Smith (2019).UR  - https://example.org/1\n"), "x")
    assert parsed.records[0].url == "https://example.org/1" and parsed.notes[0].startswith("line(s) 5:")


def test_ris_repeated_issn_keeps_both() -> None:
    (record,) = read_ris("TY  - JOUR\nTI  - T\nSN  - 1234-5678\nSN  - 8765-4321\nER  - \n", "x")
    assert record.issn == "1234-5678; 8765-4321"


def test_ris_id_is_an_accession_only_in_ovids_layout() -> None:
    endnote = "TY  - JOUR\nTI  - T\nDB  - CINAHL\nDP  - EBSCOhost\nID  - 12\nER  - \n"
    ovid = "TY  - JOUR\nTI  - T\nDB  - CINAHL <1981 to 2024>\nID  - 176400001\nER  - \n"
    assert [(r.source_id, r.other_ids) for r in read_ris(endnote + ovid, "x")] == [
        ("12", None),  # the reference manager's record number
        ("176400001", {"cinahl": "176400001"}),
    ]


def test_ris_an_sn_that_is_no_issn_is_kept() -> None:
    (record,) = read_ris("TY  - RPRT\nTI  - T\nSN  - DFE-RR123\nER  - \n", "x")
    assert (record.issn, extra(record)) == (None, {"SN": ["DFE-RR123"]})


def test_ris_without_ids_gets_stable_ids_and_stores_exact_repeats_once() -> None:
    records = read_ris(text("no_ids.ris"), "dfe")
    prepared = prepare(list(enumerate(records, start=1)))
    ids = [r.source_id for r in prepared.records]
    assert prepared.repeated == 1 and len(set(ids)) == len(ids) == 2
    # Moving records around and changing case or punctuation keeps the IDs.
    edited = read_ris(
        text("no_ids.ris").replace("The Best Start for Life:", "the best start for life"), "dfe"
    )
    edited.reverse()
    again = prepare(list(enumerate(edited, start=1)))
    assert sorted(r.source_id for r in again.records) == sorted(ids)


# --- RIS writer -------------------------------------------------------------------------------------


def test_write_ris_reads_back_with_notes_for_other_keys() -> None:
    (back,) = read_ris(write_ris([WORK]), "x")
    assert back.title == WORK["title"]
    assert back.abstract == "Line one. Line two."
    assert back.authors == WORK["authors"]
    assert (back.year, back.doi, back.doc_type, back.source_id) == (2022, WORK["doi"], "JOUR", "7")
    assert back.keywords == WORK["keywords"]
    # Deliberately changed: the stored type TY cannot hold is written as M3; extra keeps the tags.
    assert back.extra == {"ris": {"M3": ["article"], "N1": ["decision: include"]}}


FULL = {
    "id": 12,
    "title": "Family hubs: an evaluation",
    "other_titles": ["Familienzentren: eine Evaluation", "Family hubs"],
    "abstract": "We evaluated family hubs in twelve English local authorities.",
    "authors": ["Hughes, Rachel", "Department for Education"],
    "year": 2022,
    "publication_date": "2022-03-15",
    "doi": "10.1234/jecp.2022.0031",
    "journal": "Journal of Early Childhood Policy",
    "journal_abbrev": "J. Early Child. Policy",
    "issn": "1234-5678; 8765-4321",
    "volume": "14",
    "issue": "3",
    "pages": "iii33-iii41",
    "publisher": "Example Academic Press",
    "keywords": ["family hubs", "England"],
    "language": "English",
    "doc_type": "JOUR",
    "url": "https://example.org/jecp/31",
    "pmid": "31234567",
    "other_ids": {
        "scopus": "2-s2.0-85123456789",
        "wos": "WOS:000812345600001",
        "pmcid": "PMC1234567",
        "accession": "2214991469; 51887",
        "isbn": "978-1-4822-5326-9",
    },
}


def test_write_ris_round_trips_every_field() -> None:
    (back,) = read_ris(write_ris([FULL]), "x")
    got = {key: getattr(back, key) for key in FULL if key != "id"}
    assert got == {key: value for key, value in FULL.items() if key != "id"}
    assert back.source_id == "12" and back.extra is None


@pytest.mark.parametrize(
    ("pages", "date"), [("201-219", "2022-03"), ("e1042", "2022-03-15"), ("349-69", None), ("104501", None)]
)
def test_write_ris_round_trips_pages_and_dates(pages: str, date: str | None) -> None:
    (back,) = read_ris(
        write_ris([{"title": "T", "year": 2022, "pages": pages, "publication_date": date}]), "x"
    )
    assert (back.pages, back.publication_date, back.year) == (pages, date, 2022)


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(
    lambda s: s.strip() != ""
)


@settings(max_examples=150, deadline=None)
@given(
    title=_text,
    abstract=st.none() | _text,
    authors=st.lists(_text, max_size=4),
    year=st.none() | st.integers(1500, 2199),
    doi=st.none() | st.from_regex(r"10\.[0-9]{4,6}/[a-z0-9._;()/:-]{0,30}[a-z0-9]", fullmatch=True),
)
def test_ris_round_trip(
    title: str, abstract: str | None, authors: list[str], year: int | None, doi: str | None
) -> None:
    row = {"title": title, "abstract": abstract, "authors": authors, "year": year, "doi": doi}
    (back,) = read_ris(write_ris([row]), "x")

    def norm(value: str | None) -> str | None:
        return " ".join(value.split()) or None if value is not None else None

    assert back.title == norm(title)
    assert back.abstract == norm(abstract)
    assert back.authors == ([a for a in (norm(a) for a in authors) if a] or None)
    assert back.year == year
    assert back.doi == doi


# --- PubMed nbib ------------------------------------------------------------------------------------


def test_nbib_reads_continuation_lines_and_medline_tags() -> None:
    first, second = read_nbib(text("pubmed.nbib"), "pubmed")
    assert first.source_id == first.pmid == "31234567"
    assert first.title == (
        "Health visiting contacts in the first two years and maternal mental health: "
        "a population cohort study in England."
    )
    assert first.abstract is not None and "We linked records for 30,000 mothers. Results:" in first.abstract
    assert first.authors == ["Ahmed, Fatima", "Walsh, Declan"]  # FAU preferred to AU
    assert (first.year, first.publication_date) == (2019, "2019-03-15")
    assert first.doi == "10.1111/hv.2019.0012"
    assert (first.journal, first.journal_abbrev, first.volume, first.issue, first.pages) == (
        "Journal of Public Health Nursing",
        "J Public Health Nurs",
        "36",
        "2",
        "112-120",
    )
    assert (first.doc_type, first.language, first.issn) == ("Journal Article", "eng", "0001-0002")
    assert first.keywords == ["health visiting", "perinatal mental health"]
    assert first.extra is not None and first.extra["nbib"]["MH"] == ["Humans", "Home Care Services"]
    # Deliberately changed: AU "Green S" is written "Surname, Initials" like every other author.
    assert second.authors == ["Green, S"] and second.year == 2020 and second.doi is None


def test_nbib_pubmed_save_every_field() -> None:
    parsed = parse_nbib(text("nbib_pubmed_save.nbib"), "pubmed")
    assert (parsed.problems, [line for line, _ in parsed.entries]) == ([], [1, 58, 77])
    article, book, elocated = parsed.records
    assert filled(article) == {
        "source_id": "36100001",
        "title": "[Family hubs and the uptake of early years services: a cohort study].",
        "other_titles": [  # TT: the title in the article's own language
            "Les centres familiaux et le recours aux services de la petite enfance : une etude de cohorte."
        ],
        "abstract": (
            "BACKGROUND: Family hubs bring early years services together. METHODS: We linked service "
            "records for 8,000 families in 12 local authorities. RESULTS: Families registered at a hub "
            "used more services. CONCLUSIONS: Co-location helps."
        ),
        "authors": ["Hughes, Rachel", "Family Hubs Evaluation Group", "Patel, Anil"],  # CN in its place
        "year": 2023,
        "publication_date": "2023-04-25",
        "doi": "10.1186/s12889-023-15500-1",
        "journal": "BMC public health",
        "journal_abbrev": "BMC Public Health",
        "issn": "1471-2458",  # electronic; the linking ISSN is the same
        "volume": "23",
        "issue": "1",
        "pages": "712",
        "doc_type": "Journal Article",
        "language": "fre",
        "url": "https://pubmed.ncbi.nlm.nih.gov/36100001/",
        "pmid": "36100001",
        "keywords": ["Early years", "Family hubs"],
        "other_ids": {"pmcid": "PMC10120001"},
    }
    kept = extra(article, "nbib")
    assert set(kept) == {
        "OWN", "STAT", "DCOM", "LR", "IS", "LID", "CI", "AUID", "AD", "PT", "DEP", "PL", "JID", "SB", "MH",
        "OTO", "COIS", "EDAT", "MHDA", "PMCR", "CRDT", "PHST", "AID", "PST", "SO",
    }  # fmt: skip
    assert kept["IS"] == ["1471-2458 (Electronic)", "1471-2458 (Linking)"]
    assert kept["PHST"] == [
        "2022/11/02 00:00 [received]",
        "2023/04/11 00:00 [accepted]",
        "2023/04/25 23:41 [entrez]",
    ]
    assert kept["AID"] == ["10.1186/s12889-023-15500-1 [doi]", "15500 [pii]"]
    assert kept["PT"] == ["Journal Article", "Research Support, Non-U.S. Gov't"]
    assert (kept["JID"], kept["DEP"]) == (["100968562"], ["20230425"])
    assert filled(book, "abstract") == {
        "source_id": "30000002",
        "title": "Early years practice: a handbook for health visitors",  # BTI: a Bookshelf book
        "authors": ["National Collaborating Centre for Early Years"],
        "year": 2019,
        "publisher": "Example Press",
        "doc_type": "Review",
        "language": "eng",
        "url": "https://pubmed.ncbi.nlm.nih.gov/30000002/",
        "pmid": "30000002",
        "other_ids": {"isbn": "978-1-4822-5326-9"},
    }
    assert extra(book, "nbib")["FED"] == ["Walsh, Declan"] and extra(book, "nbib")["PT"] == ["Review", "Book"]
    assert (elocated.pages, elocated.issn, elocated.doi) == ("e80092", "2050-084X", "10.7554/elife.80092")
    assert elocated.authors == ["Green, Sarah", "Pérez-de la Fuente, Ricardo"]


def test_nbib_au_without_fau_is_surname_comma_initials() -> None:
    (record,) = read_nbib("PMID- 1\nTI  - T\nAU  - Pérez-de la Fuente R\nAU  - Smith JA\nCN  - NICE\n", "x")
    assert record.authors == ["Pérez-de la Fuente, R", "Smith, JA", "NICE"]


def test_nbib_damaged_record_is_named_and_the_others_are_read() -> None:
    parsed = parse_nbib(text("nbib_damaged.nbib"), "pubmed")
    assert [(line, r.pmid) for line, r in parsed.entries] == [(1, "31000001"), (11, "31000003")]
    (problem,) = parsed.problems
    assert problem.line == 8 and problem.entry == "record starting on line 5"
    assert problem.message.startswith("'Results: mothers with all contacts repor' is neither")
    with pytest.raises(ImportFormatError, match="line 8: 'Results"):
        read_nbib(text("nbib_damaged.nbib"), "pubmed")


def test_nbib_blank_line_inside_a_record_names_both_halves() -> None:
    parsed = parse_nbib(text("nbib_split_record.nbib"), "pubmed")
    assert [r.pmid for r in parsed.records] == ["32000001", "32000003"]
    assert [(p.line, p.entry) for p in parsed.problems] == [(7, "record starting on line 5"), (8, None)]
    assert "its fields go on from line 8" in parsed.problems[0].message
    assert "cuts it from the record starting on line 5" in parsed.problems[1].message


def test_nbib_record_without_blank_line_before_it_is_read_with_a_note() -> None:
    parsed = parse_nbib("PMID- 1\nTI  - One\nPMID- 2\nTI  - Two\n", "x")
    assert [(r.pmid, r.title) for r in parsed.records] == [("1", "One"), ("2", "Two")]
    assert parsed.notes == ["line 3: a record starts here with no blank line above it"]


def test_nbib_bad_line_is_named() -> None:
    with pytest.raises(ImportFormatError, match="line 3: 'this line has lost its indentation'"):
        read_nbib(text("broken.nbib"), "pubmed")


@pytest.mark.parametrize(
    ("content", "message"),
    [("\n\n", "not a MEDLINE file"), ("TY  - JOUR\nTI  - T\nER  - \n", "it looks like RIS")],
)
def test_nbib_rejects_other_text(content: str, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        read_nbib(content, "pubmed")


def test_nbib_bookshelf_record_uses_book_title() -> None:
    (book,) = read_nbib(
        "PMID- 30000001\nBTI - Early years practice: a handbook\nPB  - NICE\nDP  - 2018\n", "pubmed"
    )
    assert (book.title, book.publisher, book.year) == ("Early years practice: a handbook", "NICE", 2018)


_RIS_LINES = [
    "TY  - JOUR",
    "ER  - ",
    "ER  -",
    "TI  - A title",
    "AU  - Smith, J",
    "PY  - 2020",
    "KW  - k",
    "a line of text",
    "",
    "TY - JOUR",
    "AU -Smith",
    "SN  - 1234-5678",
    "DB  - Embase",
    "PMID- 1",
    "      continued",
    "FAU - Smith, John",
    "DP  - 2020 Jan",
]


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.sampled_from(_RIS_LINES), max_size=30))
def test_ris_and_nbib_read_any_jumble_of_lines_or_refuse_it(lines: list[str]) -> None:
    content = "\n".join(lines)
    for parse in (parse_ris, parse_nbib):
        try:
            parsed = parse(content, "x")
        except ImportFormatError:
            continue
        found = [line for line, _ in parsed.entries] + [p.line for p in parsed.problems]
        assert all(line is not None and 1 <= line <= len(lines) for line in found)
