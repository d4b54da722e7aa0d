"""RIS and PubMed nbib readers and the RIS writer: fields, quirks of real exports, errors, round trips."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.errors import ImportFormatError
from review.formats import (
    assign_ids,
    read_nbib,
    read_ris,
    write_ris,
)

DATA = Path(__file__).parent / "data" / "imports"


def text(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8-sig")


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
    assert first.extra == {
        "ris": {"name_of_database": "Scopus", "type_of_work": "Article", "notes": ["Cited By: 4"]}
    }
    assert records[2].doi == "10.5555/chr.2021.77"
    assert records[2].publication_date == "2021-05-17"


def test_ris_wos_export_joins_wrapped_abstract_and_skips_query_header() -> None:
    records = read_ris(text("wos.ris"), "wos")
    assert [r.source_id for r in records] == ["WOS:000812345600001", "WOS:000812345600002"]
    first = records[0]
    assert first.abstract is not None and "estimate how take-up" in first.abstract
    assert first.abstract.endswith("the entitlement was extended.")
    assert first.authors == ["Okafor, Chidi", "Byrne, Siobhan"]
    assert (first.year, first.pages, first.journal) == (2019, "44-61", "British Journal of Family Studies")
    assert records[1].doc_type == "CONF"


def test_ris_without_ids_gets_stable_ids_and_suffixes_exact_repeats() -> None:
    records = read_ris(text("no_ids.ris"), "dfe")
    assign_ids(records)
    ids = [r.source_id for r in records]
    assert ids[2] == ids[1] + "-2"
    assert len(set(ids)) == 3
    # Moving records around and changing case or punctuation keeps the IDs.
    edited = read_ris(
        text("no_ids.ris").replace("The Best Start for Life:", "the best start for life"), "dfe"
    )
    edited.reverse()
    assign_ids(edited)
    assert sorted(r.source_id for r in edited) == sorted(ids)


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


def test_ris_record_started_before_previous_ended() -> None:
    bad = "TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two\nER  - \n"
    with pytest.raises(ImportFormatError, match="line 3: a record starts here, but the one from line 1"):
        read_ris(bad, "x")


def test_ris_untagged_line_after_a_one_line_field_is_an_error() -> None:
    with pytest.raises(ImportFormatError, match=r"line 3: '#### page 2' .* a PY value cannot continue"):
        read_ris("TY  - JOUR\nPY  - 2020\n#### page 2\nER  - \n", "x")


@pytest.mark.parametrize("line", ["AU  -Smith", "au  - Smith", " AU  - Smith", "AU  Smith"])
def test_ris_mistyped_tags_are_errors_not_continuations(line: str) -> None:
    with pytest.raises(ImportFormatError, match="line 3"):
        read_ris(f"TY  - JOUR\nTI  - A title\n{line}\nER  - \n", "x")


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
    assert (first.journal, first.volume, first.issue, first.pages) == (
        "Journal of Public Health Nursing",
        "36",
        "2",
        "112-120",
    )
    assert (first.doc_type, first.language, first.issn) == ("Journal Article", "eng", "0001-0002")
    assert first.keywords == ["health visiting", "perinatal mental health"]
    assert first.extra is not None and first.extra["nbib"]["MH"] == ["Humans", "Home Care Services"]
    assert second.authors == ["Green S"] and second.year == 2020 and second.doi is None


def test_nbib_bad_line_is_named() -> None:
    with pytest.raises(ImportFormatError, match="line 3: 'this line has lost its indentation'"):
        read_nbib(text("broken.nbib"), "pubmed")


def test_nbib_rejects_other_text() -> None:
    with pytest.raises(ImportFormatError, match="not a MEDLINE file"):
        read_nbib("\n\n", "pubmed")


WORK = {
    "id": 7,
    "title": "Family hubs: 50% of {families} & more",
    "abstract": "Line one.\nLine two.",
    "authors": ["Hughes, Rachel", "Department for Education"],
    "year": 2022,
    "doi": "10.1234/jecp.2022.0031",
    "journal": "Journal of Early Childhood Policy",
    "doc_type": "article",
    "keywords": ["family hubs", "England"],
    "decision": "include",
}


def test_write_ris_reads_back_with_notes_for_other_keys() -> None:
    (back,) = read_ris(write_ris([WORK]), "x")
    assert back.title == WORK["title"]
    assert back.abstract == "Line one. Line two."
    assert back.authors == WORK["authors"]
    assert (back.year, back.doi, back.doc_type, back.source_id) == (2022, WORK["doi"], "JOUR", "7")
    assert back.keywords == WORK["keywords"]
    assert back.extra == {"ris": {"notes": ["decision: include"]}}


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


def test_ris_text_outside_records_never_becomes_a_record() -> None:
    text = "TYPE OF SEARCH: advanced\nTY  - JOUR\nTI  - Only one\nER  - \nTYPICAL trailer line\n"
    assert [r.title for r in read_ris(text, "x")] == ["Only one"]


def test_ris_repeated_issn_keeps_both() -> None:
    (record,) = read_ris("TY  - JOUR\nTI  - T\nSN  - 1234-5678\nSN  - 8765-4321\nER  - \n", "x")
    assert record.issn == "1234-5678; 8765-4321"


def test_nbib_bookshelf_record_uses_book_title() -> None:
    (book,) = read_nbib(
        "PMID- 30000001\nBTI - Early years practice: a handbook\nPB  - NICE\nDP  - 2018\n", "pubmed"
    )
    assert (book.title, book.publisher, book.year) == ("Early years practice: a handbook", "NICE", 2018)
