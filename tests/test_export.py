"""`review export`: included studies as RIS, BibTeX and CSV; extraction tables as CSV and Markdown."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from review import extract
from review.db import session_scope
from review.extract import Entry
from review.formats import read_bibtex, read_csv, read_ris
from review.protocol import load_protocol
from tests.conftest import ReviewRunner
from tests.extract_helpers import decide, included
from tests.factories import add_works


def test_export_writes_included_studies_and_tables(
    run: ReviewRunner, engine: Engine, review_dir: Path
) -> None:
    protocol = load_protocol(review_dir)
    with session_scope(engine) as s:
        first = {"title": "Sure Start and child health", "year": 2019, "doi": "10.1234/a"}
        first["authors"] = ["Cattan, Sarah"]
        works = included(s, [first, {"title": "Family hubs | a review", "year": 2023}])
        [out] = add_works(s, [{"title": "Excluded"}], source="other")
        decide(s, out, "title_abstract", "exclude", reason="E-TOPIC")
        values = {"citation": "Cattan 2019", "programmes": ["Sure Start Local Programmes", "Family Hubs"]}
        extract.save(
            s, protocol, works[0], "reviewer1", "extractor", [Entry(k, v) for k, v in values.items()]
        )
    result = run("export")
    assert result.exit_code == 0, result.output
    assert "2 included studies" in result.output
    folder = review_dir / "extracted"
    ris = read_ris((folder / "included.ris").read_text(), "x")
    assert [r.title for r in ris] == ["Sure Start and child health", "Family hubs | a review"]
    assert ris[0].doi == "10.1234/a" and ris[0].authors == ["Cattan, Sarah"]
    assert len(read_bibtex((folder / "included.bib").read_text(), "x")) == 2
    included_csv = (folder / "included.csv").read_text(encoding="utf-8")
    assert included_csv.startswith("\ufeffid,")  # a byte-order mark, so Excel reads UTF-8
    assert [r.title for r in read_csv(included_csv.lstrip("\ufeff"), "x")] == [r.title for r in ris]
    flat = (folder / "extract_early_years.csv").read_text(encoding="utf-8-sig").splitlines()
    assert flat[0].startswith("work_id,citation,document_type")
    assert flat[1].startswith(f"{works[0]},Cattan 2019,")
    assert "Sure Start Local Programmes; Family Hubs" in flat[1]
    child = (folder / "extract_early_years_programmes.md").read_text().splitlines()
    assert child == [
        "| work_id | value |",
        "|---|---|",
        f"| {works[0]} | Family Hubs |",
        f"| {works[0]} | Sure Start Local Programmes |",
    ]
