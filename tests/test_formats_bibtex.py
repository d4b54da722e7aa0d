"""BibTeX reader and writer: fields, quirks of real exports, errors, round trips."""

from __future__ import annotations

from pathlib import Path

import bibtexparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from review.errors import ImportFormatError
from review.formats import (
    read_bibtex,
    write_bibtex,
)

DATA = Path(__file__).parent / "data" / "imports"


def text(name: str) -> str:
    return (DATA / name).read_bytes().decode("utf-8-sig")


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


def test_bibtex_broken_entry_names_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ImportFormatError, match="line 6: Unexpected block start"):
        read_bibtex(text("broken.bib"), "x")
    assert capsys.readouterr().err == ""  # said once, in the error, not also logged


def test_bibtex_and_others_is_not_an_author() -> None:
    (entry,) = read_bibtex("@misc{k, author = {Khan, Aisha and others}, title = {T}}", "x")
    assert entry.authors == ["Khan, Aisha"]


def test_bibtex_duplicate_key_is_an_error() -> None:
    with pytest.raises(ImportFormatError, match=r"line 2: .*smith2020"):
        read_bibtex("@misc{smith2020, title={A}}\n@misc{smith2020, title={B}}\n", "x")


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


def test_write_bibtex_escapes_and_reads_back() -> None:
    out = write_bibtex([WORK, {**WORK, "doc_type": "report", "id": 8}])
    assert "@article{hughes2022family," in out and "@techreport{hughes2022familya," in out
    assert "author = {Hughes, Rachel and {Department for Education}}" in out
    first, second = read_bibtex(out, "x")
    assert first.title == WORK["title"] and first.authors == WORK["authors"]
    assert first.extra is not None and first.extra["bibtex"]["decision"] == "include"
    assert bibtexparser.parse_string(out).failed_blocks == []
    assert second.doc_type == "techreport"


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
