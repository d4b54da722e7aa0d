"""Normalisers: known spellings map to one form, and every normaliser is idempotent (hypothesis)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from review import normalize as nz


@pytest.mark.parametrize(
    "raw",
    [
        "10.1097/MOL.0b013e3282ffaf82",
        "doi:10.1097/mol.0b013e3282ffaf82",
        "DOI: 10.1097/MOL.0B013E3282FFAF82.",
        "https://doi.org/10.1097/MOL.0b013e3282ffaf82",
        "http://dx.doi.org/10.1097/MOL.0b013e3282ffaf82;",
        " https://www.doi.org/10.1097/MOL.0b013e3282ffaf82 ",
    ],
)
def test_doi_spellings_agree(raw: str) -> None:
    assert nz.normalize_doi(raw) == "10.1097/mol.0b013e3282ffaf82"


def test_doi_unescapes_and_rejects_non_dois() -> None:
    assert nz.normalize_doi("10.1016/s0735-1097%2813%2962048-3") == "10.1016/s0735-1097(13)62048-3"
    assert nz.normalize_doi("NA") is None
    assert nz.normalize_doi("") is None


def test_title_folds_case_markup_diacritics_and_annotations() -> None:
    assert (
        nz.normalize_title("<i>Écoles</i> &amp; the “Best” Start: 2020–21") == "ecoles the best start 2020 21"
    )
    assert nz.normalize_title("Update on HPV. [Review] [33 refs]") == "update on hpv"
    assert nz.normalize_title("Dynamics of HPV16.[Erratum appears in J Clin") == "dynamics of hpv16"
    assert nz.normalize_title("[Protective effects of incretin]") == "protective effects of incretin"


def test_subtitle_split() -> None:
    assert nz.split_subtitle("Sharing Economy - Effects of Photos") == (
        "sharing economy",
        "effects of photos",
    )
    assert nz.split_subtitle("Sharing Economy: Effects of Photos") == ("sharing economy", "effects of photos")
    assert nz.split_subtitle("No subtitle here") == ("no subtitle here", "")
    # Each separator (an en or em dash as a hyphen; `?` and `.` before a space), the first one taken.
    for sep in (" – ", " — ", "? ", ". ", ":", " : "):
        split = nz.split_subtitle(f"Sure Start{sep}Ten years on - a review")
        assert split == ("sure start", "ten years on a review")
    # Not separators: a hyphen inside a word, a full stop inside a number, a question mark at the end.
    assert nz.split_subtitle("Place-based support in 2.5 years?") == ("place based support in 2 5 years", "")
    assert nz.split_subtitle("U.S. policy") == ("u s", "policy")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (["Adeli K.Lewis G. F."], ("adeli", "lewis")),
        ("Zuna, R E and Wang, S S", ("zuna", "wang")),
        (["Stahl, Bernd-Carsten"], ("stahl",)),
        (["Jane Smith", "Ó Súilleabháin, Máire"], ("smith", "osuilleabhain")),
        (None, ()),
    ],
)
def test_author_surnames(raw: Any, expected: tuple[str, ...]) -> None:
    assert nz.author_surnames(raw) == expected


@pytest.mark.parametrize(
    "raw", ["J. P. Smith", "Smith J. P.", "Smith JP", "Smith, John Paul", "Smith, J.-P."]
)
def test_author_surname_and_initials(raw: str) -> None:
    assert nz.normalize_author(raw) == "smith jp"


def test_bibliographic_fields() -> None:
    assert nz.normalize_year("Epub 2019 Mar") == 2019
    assert nz.normalize_year(12) is None
    assert nz.normalize_issn("0957-9672 (Print)\n0957-9672") == "0957-9672"
    assert nz.normalize_volume("58 (Suppl. 2)") == "58"
    assert nz.normalize_volume("2)") is None  # the tail of a split supplement note, not a volume
    assert nz.first_page("0221-8") == "221"
    assert nz.first_page("S417-S429") == "417"
    assert nz.first_page("Suppl-48") is None
    assert nz.normalize_journal("The Lancet") == "lancet"


def test_identifiers() -> None:
    assert nz.normalize_openalex_id("https://openalex.org/W2741809807") == "W2741809807"
    assert nz.normalize_pmid("PMID: 0012345") == "12345"
    assert nz.normalize_govuk_path("https://www.gov.uk/government/publications/X-Y/?a=1#b") == (
        "/government/publications/x-y"
    )
    uuid = "5f5c6b2e-7631-11e4-a3cb-005056011aef"
    assert nz.normalize_content_id(uuid.upper()) == uuid


IDEMPOTENT: list[Callable[[Any], Any]] = [
    nz.normalize_doi,
    nz.normalize_title,
    nz.normalize_journal,
    nz.normalize_volume,
    nz.first_page,
    nz.normalize_openalex_id,
    nz.normalize_pmid,
    nz.normalize_govuk_path,
    nz.normalize_content_id,
    nz.normalize_issn,
    nz.normalize_author,
    nz.normalize_surname,
]


@pytest.mark.parametrize("fn", IDEMPOTENT, ids=lambda f: f.__name__)
@given(text=st.text(max_size=60))
def test_normalisers_are_idempotent(fn: Callable[[Any], Any], text: str) -> None:
    once = fn(text)
    if once is not None:
        assert fn(once) == once


@given(
    text=st.from_regex(
        r"(https?://(dx\.)?doi\.org/|doi: ?)?10\.[0-9]{4,5}/[A-Za-z0-9][A-Za-z0-9.()-]{0,19}", fullmatch=True
    )
)
def test_doi_prefix_and_case_never_matter(text: str) -> None:
    doi = nz.normalize_doi(text)
    assert doi is not None
    assert nz.normalize_doi(text.upper()) == doi
    assert nz.normalize_doi(f"https://doi.org/{doi}") == doi


@given(title=st.text(max_size=80))
def test_title_ignores_case_and_spacing(title: str) -> None:
    assert nz.normalize_title(title.upper()) == nz.normalize_title(title.lower()) or not title.isascii()
    assert nz.normalize_title(f"  {title}  ") == nz.normalize_title(title)


@pytest.mark.parametrize(
    ("value", "kinds"),
    [
        ("Published Erratum", {"erratum"}),
        ("Erratum", {"erratum"}),
        ("Correction", {"erratum"}),
        ("Editorial Material", {"editorial"}),
        ("JOUR", {"article"}),
        ("Article; Early Access", {"article", "early access"}),
        ("inproceedings", {"inproceedings"}),
        ("official_statistics", {"official-statistics"}),
        ("", set()),
        (None, set()),
    ],
)
def test_document_kinds_speak_openalex_words(value: str | None, kinds: set[str]) -> None:
    assert nz.document_kinds(value) == kinds


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("Jane Q. Lewis", "Lewis, Jane Q."),
        ("Department for Education", "Department for Education"),
        ("WHO Working Group", "WHO Working Group"),
        ("Plato", "Plato"),
    ],
)
def test_display_names_are_surname_first_unless_an_organisation(name: str, written: str) -> None:
    assert nz.surname_first(name) == written
