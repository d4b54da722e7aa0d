"""Web of Science plain text: every field of the Core Collection's export (a real file from rispy's
tests), Zoological Record's own tags, books, MEDLINE records from "All Databases", and damage named
by line while the other records are read."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.errors import ImportFormatError
from review.formats.wos import parse_wos, read_wos, ut_ids
from review.records import RecordIn
from tests.formats_helpers import DATA, filled, text


def extra(record: RecordIn) -> dict[str, Any]:
    assert record.extra is not None
    return dict(record.extra["wos"])


def test_real_core_collection_export_every_field() -> None:
    parsed = parse_wos(text("wos_rispy_example.txt"), "wos")
    assert (parsed.kind, parsed.problems, parsed.notes) == ("Web of Science plain text", [], [])
    assert [line for line, _ in parsed.entries] == [3, 112]
    first, second = parsed.records
    assert filled(first, "abstract") == {
        "source_id": "WOS:000221807500019",
        "title": (  # wrapped over two lines
            "Interactions stabilizing the structure of the core light-harvesting complex (LHl) of "
            "photosynthetic bacteria and its subunit (B820)"
        ),
        "authors": ["Parkes-Loach, PS", "Majeed, AP", "Law, CJ", "Loach, PA"],  # AF, one a line
        "year": 2004,
        "publication_date": "2004-06-08",  # PD "JUN 8" with PY
        "doi": "10.1021/bi049798f",
        "journal": "BIOCHEMISTRY",
        "journal_abbrev": "Biochemistry",  # JI (ISO); J9 stays in extra
        "issn": "0006-2960",
        "volume": "43",
        "issue": "22",
        "pages": "7003-7016",
        "publisher": "AMER CHEMICAL SOC",
        "doc_type": "Article",
        "language": "English",
        "pmid": "15170338",
        "keywords": [  # Keywords Plus (ID), split on ";" across its wrapped lines
            "CHEMICALLY SYNTHESIZED POLYPEPTIDES",
            "IN-VITRO RECONSTITUTION",
            "AMINO-ACID-SEQUENCE",
            "RHODOSPIRILLUM-RUBRUM",
            "RHODOBACTER-SPHAEROIDES",
            "RHODOPSEUDOMONAS-VIRIDIS",
            "BACTERIOCHLOROPHYLL-A",
            "ALPHA-POLYPEPTIDE",
            "CRYSTAL-STRUCTURE",
            "ANTENNA COMPLEX",
        ],
        "other_ids": {"wos": "WOS:000221807500019"},
    }
    assert first.abstract is not None and first.abstract.startswith("Reconstitution experiments with")
    assert first.abstract.endswith("contributes significantly to stabilizing the complex.")
    kept = extra(first)
    assert set(kept) == {
        "PT", "ID", "C1", "RP", "EM", "RI", "CR", "NR", "TC", "Z9", "U1", "U2", "PI", "PA", "J9", "PG",
        "WC", "SC", "GA", "DA",
    }  # fmt: skip
    assert len(kept["CR"]) == 59  # a cited reference a line
    assert kept["CR"][0] == "ALLEN JP, 1986, P NATL ACAD SCI USA, V83, P8589, DOI 10.1073/pnas.83.22.8589"
    assert (kept["PT"], kept["J9"], kept["TC"], kept["DA"]) == (
        ["J"],
        ["BIOCHEMISTRY-US"],
        ["23"],
        ["2019-03-18"],
    )
    assert kept["C1"] == ["Northwestern Univ, Dept Biochem Mol Biol & Cell Biol, Evanston, IL 60208 USA."]
    assert second.authors == [
        "Cao, WX",
        "Ye, X",
        "Georgiev, GY",
        "Berezhna, S",
        "Sjodin, T",
        "Demidov, AA",
        "Wang, W",
        "Sage, JT",
        "Champion, PM",
    ]
    assert (second.source_id, second.pmid, second.pages) == ("WOS:000221807500020", "15170339", "7017-7027")
    assert extra(second)["C1"] == [
        "Northeastern Univ, Dept Phys, Boston, MA 02115 USA.",
        "Northeastern Univ, Ctr Interdisciplinary Res Complex Syst, Boston, MA 02115 USA.",
    ]
    assert extra(second)["FU"] == ["NIGMS NIH HHS [GM-52002]; NIDDK NIH HHS [DK035090]"]
    assert extra(second)["EM"] == ["jtsage@neu.edu; p.champion@neu.edu"]


def test_core_collection_full_names_group_author_article_number_and_early_access() -> None:
    article, chapter, medline = read_wos(text("wos_core_variants.txt"), "wos")
    assert filled(article) == {
        "source_id": "WOS:000812345600001",
        "title": "Family hubs and parental engagement in England: a mixed-methods evaluation",
        "abstract": "We evaluated family hubs in twelve English local authorities.",
        "authors": ["Hughes, Rachel", "Patel, Anil", "Family Hubs Evaluation Grp"],  # AF, then CA
        "year": 2022,
        "publication_date": "2022-01",  # PD "JAN-FEB"
        "doi": "10.1234/jecp.2022.0031",
        "journal": "JOURNAL OF EARLY CHILDHOOD POLICY",
        "journal_abbrev": "J. Early Child. Policy",
        "issn": "1234-5678; 8765-4321",  # SN, then EI
        "volume": "14",
        "issue": "3",
        "pages": "104501",  # the article number (AR): no BP/EP
        "publisher": "EXAMPLE ACADEMIC PRESS",
        "doc_type": "Article; Early Access",
        "language": "English",
        # DE (author keywords), then ID (Keywords Plus), as Web of Science's RIS export gives them
        "keywords": ["family hubs", "early intervention", "England", "CHILDRENS CENTERS", "SERVICES"],
        "other_ids": {"wos": "WOS:000812345600001"},
    }
    kept = extra(article)
    assert (kept["ID"], kept["AR"], kept["EA"]) == (["CHILDRENS CENTERS; SERVICES"], ["104501"], ["NOV 2021"])
    assert kept["OI"] == ["Hughes, Rachel/0000-0002-1825-0097"] and kept["DA"] == ["2024-06-21"]
    assert "AU" not in kept  # the initials of the same people as AF
    assert filled(chapter) == {
        "source_id": "WOS:000455555500003",
        "title": "Integrated early years services",
        "authors": ["Lewis, Jane"],
        "year": 2018,
        "doi": "10.5555/hecp.2018.3",
        "journal": "HANDBOOK OF EARLY CHILDHOOD POLICY",
        "pages": "45-67",
        "publisher": "EXAMPLE ACADEMIC PRESS",
        "doc_type": "Article; Book Chapter",
        "language": "English",
        "other_ids": {"wos": "WOS:000455555500003", "isbn": "978-1-4822-5326-9"},
    }
    # D2 is the book's DOI, not the chapter's
    assert extra(chapter) == {
        "PT": ["B"],
        "BE": ["Walsh, D"],
        "SE": ["Policy Handbooks"],
        "PI": ["LONDON"],
        "D2": ["10.5555/hecp.2018"],
    }
    assert (medline.source_id, medline.pmid, medline.other_ids) == (
        "MEDLINE:32345678",
        "32345678",
        {"medline": "MEDLINE:32345678"},
    )
    assert extra(medline) == {"PT": ["J"], "MH": ["Child, Preschool; Humans; Schools, Nursery/economics"]}


def test_zoological_record_tags_bom_and_crlf() -> None:
    raw = (DATA / "wos_zoorec.txt").read_bytes()
    assert b"\r\n" in raw
    article, book = read_wos(text("wos_zoorec.txt"), "zoorec")
    assert filled(article) == {
        "source_id": "ZOOREC:ZOOR15700012345",
        "title": (
            "A new species of Ectenopsis (Diptera: Tabanidae) from the Blue Mountains, New South Wales"
        ),
        "other_titles": ["Una nueva especie de Ectenopsis (Diptera: Tabanidae) de las Montanas Azules"],  # FT
        "abstract": (
            "A new species of Ectenopsis is described from the Blue Mountains. The male and female are "
            "illustrated and a key to the species is given."
        ),
        "authors": ["Okafor, C.", "Byrne, S."],
        "year": 2019,
        "publication_date": "2019-03-15",
        "doi": "10.5555/zootaxa.4567.2.7",
        "journal": "Zootaxa",
        "issn": "1175-5326",
        "volume": "4567",
        "issue": "2",
        "pages": "301-315",  # PS, Zoological Record's page span
        "doc_type": "Article",
        "language": "English",
        "url": "https://doi.org/10.5555/zootaxa.4567.2.7",  # AW, the item URL
        "keywords": ["Taxonomy", "New taxa", "Morphology", "Identification key"],  # DE: descriptors
        "other_ids": {"zoorec": "ZOOREC:ZOOR15700012345"},
    }
    assert extra(article) == {
        "PT": ["J"],
        "AN": ["ZOOR15700012345"],
        "UR": ["http://www.mapress.com/zootaxa/"],  # the journal's URL
        "C1": ["Example Univ, Sch Biol Sci, Sydney, NSW 2006, Australia."],
        "EM": ["c.okafor@example.edu.au"],
        "BD": ["Taxonomy; Nomenclature"],
        "TN": ["Insects; Arthropods; Invertebrates"],
        "ST": ["Arthropoda; Insecta; Diptera"],
        "OR": ["Diptera [Insecta] - Tabanidae [Insecta]"],
        "DA": ["2024-06-21"],
    }
    assert (book.pages, book.publisher, book.doc_type) == ("1-240", "Example Natural History Press", "Book")
    assert book.other_ids == {"zoorec": "ZOOREC:ZOOR15700067890", "isbn": "978-1-4822-5326-9"}
    assert extra(book) == {"PT": ["B"], "AN": ["ZOOR15700067890"], "PA": ["Melbourne"], "DA": ["2024-06-21"]}


@pytest.mark.parametrize(
    ("ut", "expected"),
    [
        ("WOS:000221807500019", ("wos", None)),
        ("MEDLINE:15170338", ("medline", "15170338")),
        ("ZOOREC:ZOOR15700012345", ("zoorec", None)),
        ("BCI:BCI201200059473", ("bci", None)),
        ("CCC:000123456700001", ("ccc", None)),
        ("SCIELO:S0100-00000000", ("scielo", None)),
        ("2214991469", None),
    ],
)
def test_ut_prefix_names_the_database(ut: str, expected: tuple[str, str | None] | None) -> None:
    assert ut_ids(ut) == expected


def test_record_without_ut_takes_its_accession_number() -> None:
    content = "FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAN ZOOR1\nTI T\nER\nEF\n"
    (record,) = read_wos(content, "x")
    assert (record.source_id, record.other_ids) == ("ZOOR1", None)


def test_other_language_titles_are_other_titles() -> None:
    content = "PT J\nTI Family hubs\nX1 Centros familiares\nZ1 Familienzentren\nPY 2020\nER\nEF\n"
    (record,) = read_wos(content, "x")
    assert (record.title, record.other_titles) == ("Family hubs", ["Centros familiares", "Familienzentren"])


def test_early_access_year_when_there_is_no_publication_year() -> None:
    (record,) = read_wos("PT J\nTI T\nEA MAR 2021\nER\nEF\n", "x")
    assert (record.year, record.publication_date) == (2021, None)
    assert extra(record)["EA"] == ["MAR 2021"]


def test_a_season_is_kept_as_written() -> None:
    (record,) = read_wos("PT J\nTI T\nPD FAL\nPY 2019\nER\nEF\n", "x")
    assert (record.year, record.publication_date, extra(record)["PD"]) == (2019, None, ["FAL"])


# --- damage -----------------------------------------------------------------------------------------


def test_damaged_record_is_named_and_the_others_are_read() -> None:
    parsed = parse_wos(text("wos_damaged.txt"), "wos")
    assert [(line, r.source_id) for line, r in parsed.entries] == [
        (3, "WOS:000000000000001"),
        (18, "WOS:000000000000003"),
    ]
    (problem,) = parsed.problems
    assert (problem.line, problem.entry) == (13, "record starting on line 10")
    assert problem.message.startswith("'lost the indentation of its second line' is neither a field")
    with pytest.raises(ImportFormatError, match=re.escape("line 13: 'lost the indentation")):
        read_wos(text("wos_damaged.txt"), "wos", "wos_damaged.txt")


def test_file_cut_short_keeps_the_records_before_and_says_so() -> None:
    parsed = parse_wos(text("wos_cut_short.txt"), "wos")
    assert [r.title for r in parsed.records] == ["A good record"]
    (problem,) = parsed.problems
    assert problem.line == 10 and "has no `ER` line before the file ends" in problem.message
    assert parsed.notes == [
        "the file has no `EF` line at its end (its last line is 13): if the export was cut short, the "
        "records after it are missing"
    ]


def test_record_without_er_before_the_next_is_named() -> None:
    content = "PT J\nTI One\nPT J\nTI Two\nER\nEF\n"
    parsed = parse_wos(content, "x")
    assert [r.title for r in parsed.records] == ["Two"]
    assert [(p.line, p.message[:40]) for p in parsed.problems] == [
        (3, "the record starting on line 1 has no `ER")
    ]


def test_field_before_pt_is_named_with_its_record() -> None:
    parsed = parse_wos("FN Clarivate Analytics Web of Science\nVR 1.0\nAU Smith, J\nTI T\nER\nEF\n", "x")
    assert parsed.records == []
    assert [(p.line, p.message) for p in parsed.problems] == [
        (3, "'AU Smith, J' comes before the `PT` line that starts a record; add one")
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("title,year\nA,2020\n", "not a Web of Science file"),
        ("TY  - JOUR\nTI  - T\nER  - \n", "it looks like RIS"),
    ],
)
def test_other_text_is_refused(content: str, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        read_wos(content, "x")


_WOS_LINES = [
    "FN Clarivate Analytics Web of Science", "VR 1.0", "PT J", "AU Smith, J", "   Jones, K", "TI A title",
    "text without a tag", "ER", "EF", "", "UT WOS:000000000000001", "PD MAR 3", "PY 2020", "AR 12",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.sampled_from(_WOS_LINES), max_size=30))
def test_any_jumble_of_lines_is_read_or_refused(lines: list[str]) -> None:
    try:
        parsed = parse_wos("\n".join(lines), "x")
    except ImportFormatError:
        return
    found = [line for line, _ in parsed.entries] + [p.line for p in parsed.problems]
    assert all(line is not None and 1 <= line <= len(lines) for line in found)
