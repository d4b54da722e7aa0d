"""CSV reader and writer: header recognition, database dialects, mapping, damaged rows, errors."""

from __future__ import annotations

import csv
import io

import pytest

from review.errors import ImportFormatError
from review.formats import (
    read_csv,
    write_csv,
)
from review.formats.common import Parsed
from review.formats.csvfile import FIELDS, parse_csv, read_csv_numbered
from review.records import RecordIn
from tests.formats_helpers import DATA, WORK, text


def test_csv_call_for_evidence_recognises_headers() -> None:
    records = read_csv(text("call_for_evidence.csv"), "cfe", mapping={"title": "Submission title"})
    assert [r.publisher for r in records] == [
        "Rural Childcare Network",
        "Association of Early Years Practitioners",
        "Childminding Partnership; Local Parents Forum",
    ]
    first, second, _ = records
    assert first.url == "https://example.org/evidence/rural-hubs"
    assert first.abstract is not None and first.abstract.startswith("Our members report")
    assert first.extra == {"columns": {"Received": "2024-02-01"}}
    assert second.extra is not None and second.extra["file"] == "submission_speech.pdf"


def test_csv_with_id_column_semicolons_and_bom() -> None:
    records = read_csv(text("with_ids.csv"), "eyr", id_column="Ref")
    assert [r.source_id for r in records] == ["EYR-001", "EYR-002"]
    assert records[0].title == "Home learning environment and school readiness"
    assert records[0].authors == ["Khan, Aisha", "Moore, Liam"]
    assert (records[0].year, records[0].doi, records[0].journal) == (
        2021,
        "10.7777/eyr.2021.1",
        "Early Years Review",
    )
    assert records[1].doi is None


def test_csv_without_title_lists_columns_and_how_to_map() -> None:
    with pytest.raises(ImportFormatError) as err:
        read_csv(text("no_title.csv"), "x", "no_title.csv")
    assert "'Organisation', 'Link', 'Notes'" in str(err.value)
    assert "--map title=COLUMN" in str(err.value)


def test_csv_map_to_missing_column_and_missing_id_column() -> None:
    with pytest.raises(ImportFormatError, match=r"column 'Heading' .* not in the header"):
        read_csv(text("call_for_evidence.csv"), "x", mapping={"title": "Heading"})
    with pytest.raises(ImportFormatError, match="--id-column 'Ref' is not in the header"):
        read_csv(text("call_for_evidence.csv"), "x", id_column="Ref")


def test_csv_row_with_extra_cells_names_the_line() -> None:
    bad = 'title,year\n"A report",2020\n,2021\n"B report",2022,extra\n'
    with pytest.raises(ImportFormatError, match="line 4: 3 cells but the header has 2"):
        read_csv(bad, "x")
    parsed = parse_csv(bad, "x")
    assert [str(p) for p in parsed.problems] == [
        "line 4: 3 cells but the header has 2; check the delimiter and quotes"
    ]
    assert [(line, r.title) for line, r in parsed.entries] == [(2, "A report"), (3, None)]


def test_csv_trailing_empty_cells_are_not_damage() -> None:
    parsed = parse_csv("title,year,,\nA report,2020,,,\n", "x")
    assert parsed.problems == [] and parsed.records[0].year == 2020


def test_csv_rows_without_title_are_kept_unless_all_are_empty() -> None:
    records = read_csv('title,year\n"A report",2020\n,2021\n', "x")
    assert [(r.title, r.year) for r in records] == [("A report", 2020), (None, 2021)]
    with pytest.raises(ImportFormatError, match="'Heading' is empty in every row"):
        read_csv("Heading,Name\n,A report\n", "x", mapping={"title": "Heading"})


def test_csv_header_without_rows_is_rejected() -> None:
    with pytest.raises(ImportFormatError, match="header row but no records"):
        read_csv("Title,Organisation\n\n", "x")


def test_csv_records_carry_their_line_and_file_names_as_written() -> None:
    text = 'Title,File\nFirst,a.pdf\n\n"Second\nover two lines",  my  report.pdf \nThird,\n'
    numbered = read_csv_numbered(text, "cfe")
    assert [(no, r.title) for no, r in numbered] == [(2, "First"), (4, "Second over two lines"), (6, "Third")]
    assert [(r.extra or {}).get("file") for _, r in numbered] == ["a.pdf", "my  report.pdf", None]


def test_csv_delimiter_comes_from_the_header_not_quoted_text() -> None:
    text = 'title,abstract\n"One","a; b; c; d; e"\n"Two","f; g; h"\n'
    assert [r.abstract for r in read_csv(text, "x")] == ["a; b; c; d; e", "f; g; h"]
    tsv = "Title\tYear\nOne\t2020\n"
    assert read_csv(tsv, "x")[0].year == 2020


def test_write_csv_joins_lists_and_keeps_all_keys() -> None:
    rows = list(csv.DictReader(io.StringIO(write_csv([WORK, {"title": "Second", "note": "x"}]))))
    assert rows[0]["authors"] == "Hughes, Rachel; Department for Education"
    assert rows[0]["abstract"] == "Line one.\nLine two."
    assert rows[1]["note"] == "x" and rows[1]["decision"] == ""


# --- database exports, recognised from their headers ------------------------------------------


def parsed(name: str, mapping: dict[str, str] | None = None, id_column: str | None = None) -> Parsed:
    """A fixture read with no problems."""
    return parsed_text(text(name), mapping, id_column)


def columns(record: RecordIn) -> dict[str, str]:
    return dict((record.extra or {}).get("columns", {}))


def test_scopus_export_reads_full_names_pages_ids_and_both_keyword_lists() -> None:
    result = parsed("csv_scopus.csv")
    assert result.notes == ["columns read as a Scopus CSV export; its 'EID' column is the record ID"]
    first, second, third = result.records
    assert first.source_id == "2-s2.0-85150000001"
    assert first.other_ids == {"scopus": "2-s2.0-85150000001"}
    assert first.title == "Family hubs and the take-up of early childhood services in rural England"
    assert first.authors == ["Hughes, Rachel", "Okafor, Chidi", "Van der Berg, Jan"]
    assert (first.year, first.volume, first.issue, first.pages) == (2023, "49", "2", "233-241")
    assert first.journal == "Child: Care, Health and Development"
    assert first.journal_abbrev == "Child Care Health Dev."
    assert (first.doi, first.pmid, first.issn) == ("10.1111/cch.13101", "36800001", "03051862")
    assert (first.publisher, first.language, first.doc_type) == (
        "John Wiley and Sons Inc",
        "English",
        "Article",
    )
    assert first.url is not None and first.url.startswith("https://www.scopus.com/inward/record.uri?eid=")
    assert first.abstract is not None and "one roof. We compared" in first.abstract
    # author keywords, then the index keywords not already there ("Early Childhood" is)
    assert first.keywords == [
        "family hubs",
        "early childhood",
        "rural services",
        "child",
        "England",
        "rural population",
    ]
    kept = columns(first)
    assert kept["Author(s) ID"] == "57200000001; 57200000002; 7003000003"
    assert kept["Cited by"] == "4" and kept["Source"] == "Scopus" and kept["CODEN"] == "CCHDD"
    assert "Authors" not in kept and "Title" not in kept  # read into fields
    # an article number, no pages: the article number is the pages, and stays in extra too
    assert (second.pages, columns(second)["Art. No."]) == ("106512", "106512")
    assert second.authors == ["Moore, Liam"] and second.issue is None
    # supplement pages as written; Scopus's "no author" placeholder is no author, kept in extra
    assert (third.pages, third.issue, third.authors) == ("iii33-iii34", "Suppl 1", None)
    assert columns(third)["Authors"] == "[No author name available]"
    assert third.other_ids == {"isbn": "9780000000002", "scopus": "2-s2.0-85110000003"}
    assert columns(third)["Editors"] == "Patel S., Jones M."


def test_older_scopus_export_separates_authors_with_commas() -> None:
    first, second = parsed("csv_scopus_2019.csv").records
    assert first.authors == ["New, K.C.", "Hanula, J.L.", "O'Brien-Smith, A."]
    assert second.authors == ["Wang, Y.-L."]
    assert (first.source_id, first.pages, first.doi) == (
        "2-s2.0-85060000010",
        "201-215",
        "10.1177/1476718x19000001",
    )
    assert columns(first)["Funding Text 1"] == "This study was funded by the Department for Education."
    assert columns(first)["Author(s) ID"] == "57200000010;7003000011;57200000012;"


def test_web_of_science_tab_delimited_export() -> None:
    result = parsed("csv_wos_tab.txt")
    assert result.notes == [
        "columns read as a Web of Science tab-delimited export; its 'UT' column is the record ID"
    ]
    article, book, medline = result.records
    assert [line for line, _ in result.entries] == [2, 3, 4]
    assert article.source_id == "WOS:000610000000001" and article.other_ids == {"wos": "WOS:000610000000001"}
    assert article.authors == ["Khan, Aisha", "Moore, Liam"]  # AF, not AU
    assert article.title == "Home learning environment and school readiness in England"
    assert (article.journal, article.journal_abbrev) == (
        "EARLY CHILDHOOD RESEARCH QUARTERLY",
        "Early Child. Res. Q.",
    )
    assert (article.year, article.publication_date, article.volume, article.pages) == (
        2021,
        "2021-03",
        "55",
        "12-24",
    )
    assert (article.doi, article.pmid, article.issn) == (
        "10.1016/j.ecresq.2020.10.001",
        "33700001",
        "0885-2006",
    )
    assert article.keywords == ["home learning", "school readiness", "PARENTAL INVOLVEMENT"]
    assert (article.language, article.doc_type, article.publisher) == (
        "English",
        "Article",
        "ELSEVIER SCIENCE INC",
    )
    kept = columns(article)
    assert kept["EI"] == "1873-7706" and kept["J9"] == "EARLY CHILD RES Q"  # fallbacks not used: kept
    assert kept["PT"] == "J" and kept["TC"] == "3" and kept["CR"].startswith("Melhuish EC")
    assert "AU" not in kept and "column 70" not in kept  # the trailing tab is no column
    # a book: book author full name, then the group author; article number as pages; book DOI
    assert book.authors == ["Davies, Non", "Early Intervention Foundation"]
    assert (book.publication_date, book.pages, book.doi) == (
        "2020-01-15",
        "e2020-07",
        "10.1332/policypress/9781447300001.001.0001",
    )
    assert book.other_ids == {"isbn": "978-1-4473-0000-1", "wos": "WOS:000500000000002"}
    assert columns(book)["SE"] == "Policy Press Short Reports"
    # a MEDLINE record; quotes are text in this export, not CSV quoting
    assert medline.source_id == "MEDLINE:31700002" and medline.pmid == "31700002"
    assert medline.title == '"Nudge" letters and the take-up of funded places for two-year-olds'
    assert medline.abstract == 'Letters called "nudges" were sent to 3,000 families.'
    assert (medline.publication_date, medline.pages, medline.issue) == ("2019-11", "e030001", "11")


def test_web_of_science_export_saved_as_utf16_reads_the_same() -> None:
    data = (DATA / "csv_wos_tab.txt").read_bytes().decode("utf-8-sig").encode("utf-16")
    records = parse_csv(data.decode("utf-16"), "db").records
    assert [r.source_id for r in records] == [
        "WOS:000610000000001",
        "WOS:000500000000002",
        "MEDLINE:31700002",
    ]


def test_web_of_science_export_with_full_column_names() -> None:
    header = (
        "Authors\tAuthor Full Names\tArticle Title\tSource Title\tPublication Date\tPublication Year\t"
        "Start Page\tEnd Page\tUT (Unique WOS ID)"
    )
    row = "Khan, A\tKhan, Aisha\tHome learning\tEARLY YEARS\tMAR 15\t2021\t3\t9\tWOS:000610000000001"
    (record,) = parsed_text(f"{header}\n{row}\n").records
    assert (record.source_id, record.authors, record.title) == (
        "WOS:000610000000001",
        ["Khan, Aisha"],
        "Home learning",
    )
    assert (record.journal, record.publication_date, record.pages) == ("EARLY YEARS", "2021-03-15", "3-9")


def parsed_text(content: str, mapping: dict[str, str] | None = None, id_column: str | None = None) -> Parsed:
    result = parse_csv(content, "db", mapping=mapping, id_column=id_column)
    assert result.problems == []
    return result


def test_lens_export() -> None:
    result = parsed("csv_lens.csv")
    assert result.notes == ["columns read as a Lens.org CSV export; its 'Lens ID' column is the record ID"]
    trial, report = result.records
    assert trial.source_id == "001-234-567-890-123"
    assert trial.other_ids == {"lens": "001-234-567-890-123", "mag": "3085000001", "pmcid": "PMC7500001"}
    assert trial.authors == ["Sarah J. Evans", "Tomasz Nowak", "Mei Lin"]  # as Lens writes them
    assert (trial.year, trial.publication_date, trial.doc_type) == (2020, "2020-09-14", "journal article")
    assert (trial.journal, trial.issn, trial.publisher) == (
        "The Lancet Child & Adolescent Health",
        "23524642; 2352464x",
        "Elsevier BV",
    )
    assert (trial.volume, trial.issue, trial.pages) == ("4", "10", "741-750")
    assert (trial.doi, trial.pmid) == ("10.1016/s2352-4642(20)30001-1", "32900001")
    assert trial.keywords == ["parenting", "children's centres"]
    assert trial.url == "https://www.thelancet.com/journals/lanchi/article/PIIS2352-4642(20)30001-1/fulltext"
    kept = columns(trial)
    assert kept["Source URLs"].endswith("europepmc.org/article/MED/32900001")  # every URL kept
    assert kept["MeSH Terms"] == "Child, Preschool; Parenting; England"
    assert kept["Fields of Study"].startswith("Psychology") and kept["Citing Works Count"] == "21"
    assert (report.publication_date, report.year, report.doc_type) == ("2019-06", 2019, "report")
    assert report.url == "https://ifs.org.uk/publications/sure-start-and-childrens-hospitalisations"


def test_dimensions_export_skips_its_about_the_data_line() -> None:
    result = parsed("csv_dimensions.csv")
    assert result.notes[0].startswith(
        "skipped line 1 above the header: 'About the data: Exported on Nov 30, 2026."
    )
    assert (
        result.notes[1]
        == "columns read as a Dimensions CSV export; its 'Publication ID' column is the record ID"
    )
    article, chapter = result.records
    assert [line for line, _ in result.entries] == [3, 4]
    assert article.source_id == "pub.1120000001" and article.other_ids == {"dimensions": "pub.1120000001"}
    assert article.authors == ["Patel, Sunita", "O'Neill, Siobhan"]
    assert (article.year, article.publication_date, article.volume, article.issue) == (
        2020,
        "2020-03-01",
        "47",
        "1",
    )
    assert (article.pages, article.doi, article.doc_type) == ("e12-e30", "10.1111/1467-8578.12301", "Article")
    assert article.journal == "British Journal of Special Education"
    assert article.url == "https://app.dimensions.ai/details/publication/pub.1120000001"
    assert "Source title" not in columns(article) and columns(article)["Times cited"] == "5"
    # a chapter: its book is the container; the series stays in extra
    assert chapter.journal == "The Mixed Economy of Childcare in England"
    assert columns(chapter)["Source title"] == "Routledge Research in Early Childhood Education"
    assert (chapter.pages, chapter.doc_type, chapter.authors) == ("61-78", "Chapter", ["Brown, Helen"])


def test_openalex_web_export() -> None:
    result = parsed("csv_openalex.csv")
    assert result.notes == ["columns read as an OpenAlex CSV export; its 'id' column is the record ID"]
    article, thesis = result.records
    assert (article.source_id, article.openalex_id, article.other_ids) == (
        "W3000000001",
        "W3000000001",
        {"openalex": "W3000000001"},
    )
    assert article.title == "The early years pupil premium: who takes it up?"  # display_name
    assert article.authors == ["Khan, Aisha", "Moore, Liam", "Department for Education"]
    assert (article.doi, article.pmid) == ("10.1080/03054985.2021.1900001", "34000001")
    assert (article.journal, article.issn, article.countries) == (
        "Oxford Review of Education",
        "0305-4985",
        ["GB"],
    )
    assert (article.year, article.publication_date, article.doc_type, article.language) == (
        2021,
        "2021-04-12",
        "article",
        "en",
    )
    kept = columns(article)
    assert kept["authorships.author.id"].count("|") == 2 and kept["fwci"] == "1.2"
    assert kept["primary_topic.display_name"] == "Early Childhood Education and Development"
    assert (thesis.authors, thesis.doc_type, thesis.journal) == (["Roberts, Siân"], "dissertation", None)


def test_wider_openalex_export_with_biblio_ids_and_abstract_index() -> None:
    (work,) = parsed("csv_openalex_wide.csv").records
    assert work.title == "Quality of early education and cognitive development at age seven"
    assert work.abstract == "Children in better settings gained in reading."
    assert work.authors == ["Melhuish, Edward", "Sylva, Kathy"]
    assert (work.volume, work.issue, work.pages) == ("89", "2", "e10-e21")
    assert (work.publisher, work.url, work.pmid) == (
        "Wiley",
        "https://doi.org/10.1111/cdev.13000",
        "29460000",
    )
    assert work.other_ids == {"openalex": "W2900000003", "pmcid": "PMC5800003", "mag": "2900000003"}
    assert work.keywords == ["Early education", "Cognitive development"]
    assert columns(work)["primary_location.source.issn"] == "0009-3920|1467-8624"
    assert columns(work)["concepts.display_name"] == "Psychology|Developmental psychology"


def test_embase_export() -> None:
    result = parsed("csv_embase.csv")
    article, abstract = result.records
    assert article.source_id == "L2017000001" and article.other_ids == {"embase": "L2017000001"}
    assert article.authors == ["Okonkwo, A.", "Fraser-Smith, B.M.", "Lee, J."]
    assert (article.journal, article.year, article.volume, article.issue, article.pages) == (
        "Paediatric and Perinatal Epidemiology",
        2022,
        "36",
        "4",
        "512-520",
    )
    assert (article.publication_date, article.doi, article.pmid) == (
        "2022-07-01",
        "10.1111/ppe.12901",
        "35200001",
    )
    assert (article.issn, article.language, article.doc_type) == ("1365-3016", "English", "Article")
    assert (
        article.url == "https://www.embase.com/search/results?subaction=viewrecord&id=L2017000001&from=export"
    )
    # author keywords, then Emtree terms; a comma inside brackets does not split a term
    assert article.keywords == [
        "vitamin D",
        "language development",
        "vitamin D (drug therapy, pharmacology)",
        "child",
        "female",
        "pregnancy (complication, diagnosis)",
        "preschool child",
    ]
    kept = columns(article)
    assert kept["Full Text Link"] == "https://dx.doi.org/10.1111/ppe.12901"  # a spare URL, not used
    assert (
        kept["Source"].startswith("Paediatric and Perinatal Epidemiology (2022)")
        and kept["PUI"] == "L2017000001"
    )
    assert abstract.other_titles == ["Sprachscreening durch Gesundheitsbesucher"]
    assert (abstract.publication_date, abstract.issue, abstract.language) == ("2021-09", "8-9", "German")
    assert (abstract.doc_type, abstract.authors) == ("Conference Abstract", ["Müller, K."])


def test_older_embase_export_reads_its_source_and_open_url() -> None:
    result = parsed("csv_asreview_embase.csv")
    assert len(result.records) == 6
    first, second, third = result.records[:3]
    assert first.title == "Duplication cysts: Diagnosis, management, and the role of endoscopic ultrasound"
    assert first.authors == ["Liu, R.", "Adler, D.G."]
    assert (first.journal, first.year, first.volume, first.issue, first.pages) == (
        "Endoscopic Ultrasound",
        2014,
        "3",
        "3",
        "152-160",
    )
    assert (first.doi, first.issn, first.source_id) == ("10.4103/2303-9027.138783", "2226-7190", "")
    assert second.publication_date == "2004-08-25" and second.doi == "10.1002/cncr.20369"
    assert (third.volume, third.issue, third.pages, third.publication_date) == (
        "54",
        None,
        "83-86",
        "2019-01-01",
    )
    assert result.records[4].publication_date == "2011-01-07"  # "January 7, 2011"
    assert "bronchogenic duplication cyst (diagnosis, surgery)" in (first.keywords or [])
    assert columns(first)["Source"].startswith("Endoscopic Ultrasound (2014) 3:3")
    assert columns(first)["Open URL Link"].startswith("http://sfx.library.uu.nl/")


def test_bibtex_saved_as_csv_reads_entry_types_and_book_titles() -> None:
    result = parsed("csv_bibtex.csv")
    assert result.notes == ["columns read as BibTeX entries saved as CSV"]
    article, paper, report = result.records
    assert (article.source_id, article.doc_type, article.authors) == (
        "hughes2022hubs",
        "article",
        ["Hughes, Rachel", "Okafor, Chidi"],
    )
    assert (article.journal, article.pages, article.publication_date) == (
        "Journal of Early Childhood Policy",
        "1-19",
        "2022-03",
    )
    assert (
        article.keywords == ["family hubs", "England"]
        and columns(article)["note"] == "Read for the scoping stage"
    )
    assert (paper.doc_type, paper.journal, paper.pages) == (
        "inproceedings",
        "Proceedings of the Early Years Research Conference",
        "45-52",
    )
    assert columns(paper)["editor"] == "Jones, Mary"
    assert report.authors == ["Department for Education", "Smith, Jane"]
    assert (report.doc_type, report.other_ids) == ("techreport", {"isbn": "978-1-83870-000-0"})


@pytest.mark.parametrize(
    "name", ["csv_asreview_generic.csv", "csv_asreview_generic_semicolon.csv", "csv_asreview_generic_tab.tsv"]
)
def test_asreview_generic_dialects(name: str) -> None:
    first, second = parsed(name).records
    assert first.source_id == second.source_id == ""  # their `id` is no record ID (it repeats): kept
    assert first.authors == ["Marx, Karl", "Lindgren, Astrid"]  # a Python list written into a cell
    assert first.keywords == ["Pippi", "Nordwind", "Piraten"]
    assert (first.title, first.year, first.journal, first.journal_abbrev) == (
        "Title of reference",
        2014,
        "Lorem",
        "lorem",
    )
    assert (first.issn, first.volume, first.issue, first.pages, first.doc_type) == (
        "1932-6208",
        "9",
        "3",
        "e0815",
        "JOUR",
    )
    assert (first.publisher, first.url) == ("Fun Factory", "http://example_url.com")
    assert columns(first) == {
        "file_attachments2": "http://example.com",
        "id": "12345",
        "note": "1008150341",
        "place_published": "United States",
        "secondary_authors": "['Glattauer, Daniel']",
    }
    assert second.authors == ["Marxus, Karlus", "Lindgren, Astrid"] and second.year == 2006


def test_asreview_labels_are_kept() -> None:
    records = parsed("csv_asreview_generic_labels.csv").records
    assert [columns(r)["label_included"] for r in records] == ["1", "0", "1", "0", "1", "0"]


# --- what recognition must not do -----------------------------------------------------------------


def test_map_wins_over_the_recognised_dialect() -> None:
    mapping = {"authors": "Authors", "journal": "Abbreviated Source Title"}
    first = parsed("csv_scopus.csv", mapping=mapping).records[0]
    assert first.authors == [
        "Hughes R.",
        "Okafor C.",
        "Van der Berg J.",
    ]  # the mapped column, split as a list
    assert first.journal == "Child Care Health Dev." and first.journal_abbrev is None
    assert columns(first)["Author full names"].startswith("Hughes, Rachel (57200000001)")


def test_id_column_wins_and_the_database_id_is_kept() -> None:
    first = parsed("csv_scopus.csv", id_column="PubMed ID").records[0]
    assert first.source_id == "36800001" and first.other_ids == {"scopus": "2-s2.0-85150000001"}


def test_rows_that_share_an_id_are_all_kept() -> None:
    lines = text("csv_scopus_2019.csv").splitlines()
    twice = "\n".join([*lines, lines[1].replace("Home visiting", "Home visiting (corrected)")])
    records = parsed_text(twice).records
    assert [r.source_id for r in records] == [
        "2-s2.0-85060000010",
        "2-s2.0-85040000014",
        "2-s2.0-85060000010",
    ]
    assert records[2].title is not None and records[2].title.startswith("Home visiting (corrected)")


def test_a_table_of_ones_own_is_no_dialect_and_lists_the_columns_matched() -> None:
    result = parsed("call_for_evidence.csv", mapping={"title": "Submission title"})
    assert result.notes == [
        "columns matched by name: 'Submission title' as title, 'Summary' as abstract, 'URL' as url, "
        "'Organisation' as publisher, 'File' as file"
    ]


def test_every_field_can_be_mapped() -> None:
    assert {
        "title",
        "other_titles",
        "journal_abbrev",
        "start_page",
        "end_page",
        "isbn",
        "pmcid",
        "file",
    } <= set(FIELDS)
    header = "Heading,Alt,Short,First,Last,Book number,PMC"
    mapping = {
        "title": "Heading",
        "other_titles": "Alt",
        "journal_abbrev": "Short",
        "start_page": "First",
        "end_page": "Last",
        "isbn": "Book number",
        "pmcid": "PMC",
    }
    (record,) = parsed_text(f"{header}\nA,B,C,5,9,978-0,PMC12\n", mapping=mapping).records
    assert (record.title, record.other_titles, record.journal_abbrev, record.pages) == (
        "A",
        ["B"],
        "C",
        "5-9",
    )
    assert record.other_ids == {"isbn": "978-0", "pmcid": "PMC12"}


# --- quirks of spreadsheets saved as CSV ------------------------------------------------------------


def test_excel_sep_line_names_the_delimiter() -> None:
    (record,) = parsed_text('sep=;\nTitle;Year;Note\n"A, report";2020;x,y\n').records
    assert (record.title, record.year, columns(record)) == ("A, report", 2020, {"Note": "x,y"})


def test_repeated_column_names_are_each_kept() -> None:
    result = parsed_text("Title,Editors,Editors\nA,Smith J.,Jones M.\n")
    assert columns(result.records[0]) == {"Editors": "Smith J.", "Editors (2)": "Jones M."}
    assert result.notes[-1] == "column 'Editors' appears more than once; each is kept"
    with pytest.raises(ImportFormatError, match="'Editors' appears more than once in the header"):
        parse_csv("Title,Editors,Editors\nA,B,C\n", "x", mapping={"abstract": "Editors"})


def test_a_cell_that_is_not_its_field_is_kept_as_written() -> None:
    (record,) = parsed_text("Title,DOI,Year,PMID\nA,see publisher,n.d.,none\n").records
    assert (record.doi, record.year, record.pmid) == (None, None, None)
    assert columns(record) == {"DOI": "see publisher", "Year": "n.d.", "PMID": "none"}


def test_dates_in_the_spellings_exports_use() -> None:
    content = "Title,Date\nA,2019\nB,March 2022\nC,25 Aug 2004\nD,2017-11-28T00:00:00Z\nE,spring\n"
    records = parsed_text(content).records
    assert [(r.publication_date, r.year) for r in records] == [
        ("2019", 2019),
        ("2022-03", 2022),
        ("2004-08-25", 2004),
        ("2017-11-28", 2017),
        (None, None),
    ]
    assert columns(records[4]) == {"Date": "spring"}


def test_unknown_map_field_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="unknown field 'colour' in --map"):
        parse_csv("Title\nA\n", "x", mapping={"colour": "Title"})


# --- damaged rows: a Problem with the line, the other rows read ------------------------------------


@pytest.mark.parametrize(
    ("name", "first_row_line", "rows"),
    [
        ("csv_scopus.csv", 2, 3),
        ("csv_scopus_2019.csv", 2, 2),
        ("csv_wos_tab.txt", 2, 3),
        ("csv_lens.csv", 2, 2),
        ("csv_dimensions.csv", 3, 2),
        ("csv_openalex.csv", 2, 2),
        ("csv_openalex_wide.csv", 2, 1),
        ("csv_embase.csv", 2, 2),
        ("csv_bibtex.csv", 2, 3),
        ("csv_asreview_generic_semicolon.csv", 2, 2),
    ],
)
def test_a_row_with_a_cell_too_many_is_a_problem_and_the_rest_is_read(
    name: str, first_row_line: int, rows: int
) -> None:
    content = text(name)
    ending = "\r\n" if "\r\n" in content else "\n"
    lines = content.split(ending)
    delimiter = "\t" if name.endswith(".txt") else ";" if "semicolon" in name else ","
    lines[first_row_line - 1] += f"{delimiter}stray{delimiter}"
    damaged = parse_csv(ending.join(lines), "db", name)
    assert [p.line for p in damaged.problems] == [first_row_line]
    assert "cells but the header has" in damaged.problems[0].message
    assert len(damaged.entries) == rows - 1
    assert [line for line, _ in damaged.entries[:1]] == ([first_row_line + 1] if rows > 1 else [])


def test_a_stray_quote_is_a_problem_for_its_row_only() -> None:
    content = 'Title,Year\nFirst,2020\n"Nudge" letters,2021\nThird,2022\n'
    result = parse_csv(content, "x")
    assert [(p.line, p.message.split(";")[0]) for p in result.problems] == [
        (3, "cannot read this row (',' expected after '\"')")
    ]
    assert [(line, r.title) for line, r in result.entries] == [(2, "First"), (4, "Third")]


def test_an_unclosed_quote_names_the_row_where_it_opens() -> None:
    result = parse_csv('Title,Year\nFirst,2020\n"Second,2021\nThird,2022\n', "x")
    assert [p.line for p in result.problems] == [3]
    assert "never closed" in result.problems[0].message
    assert [r.title for r in result.records] == ["First"]
    with pytest.raises(
        ImportFormatError, match="line 3: a quoted cell that starts in this row is never closed"
    ):
        read_csv('Title,Year\nFirst,2020\n"Second,2021\nThird,2022\n', "x")


def test_form_export_headers_are_matched_by_their_words() -> None:
    table = (
        "ID,Email,Name,What is your job title?,Name of your organisation,Type of organisation,"
        "Title of your submission,Summary of your evidence,Link to the evidence\n"
        "1,a@x.org,Ann,Manager,Sure Start Network,Charity,Outreach in rural Norfolk,We ran outreach.,"
        "https://example.org/r.pdf\n"
    )
    (record,) = read_csv(table, "cfe")
    assert (record.title, record.abstract, record.url, record.publisher) == (
        "Outreach in rural Norfolk",
        "We ran outreach.",
        "https://example.org/r.pdf",
        "Sure Start Network",
    )
    assert record.extra is not None
    assert record.extra["columns"]["What is your job title?"] == "Manager"
    assert record.extra["columns"]["Type of organisation"] == "Charity"
