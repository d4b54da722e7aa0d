"""End to end through the CLI: every PRISMA box has its exact expected number (see report_helpers)."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from sqlalchemy import Engine

from review import report
from review.db import session_scope
from review.protocol import load_protocol
from tests.conftest import ReviewRunner
from tests.report_helpers import (
    CHILD_HEALTH,
    EXPECTED_DATABASES,
    EXPECTED_OTHER,
    FLYING,
    FUND,
    build_review,
    ok,
)

CHILD_FORM = {
    "citation": "Melhuish 2015",
    "document_type": "peer-reviewed article",
    "programmes": "Sure Start Local Programmes",
    "outcome_domains": "child health; parenting",
    "key_findings": "Better child health at age 5",
    "appraisal_tool": "design-based",
    "overall_quality": "moderate",
}
SHEET_ROWS = {
    FLYING: {
        "citation": "Welsh Government 2018", "document_type": "evaluation report", "year": "2018",
        "nations": "England; Wales", "programmes": "Flying Start", "design": "cohort",
        "outcome_domains": "child development", "key_findings": "Gains in language",
        "appraisal_tool": "design-based", "overall_quality": "low",
    },
    FUND: {
        "citation": "DfE 2015", "document_type": "evaluation report", "year": "2015",
        "nations": "England", "programmes": "Family Hubs", "design": "process evaluation",
        "outcome_domains": "service reach and use",
        "preconditions": "governance; data sharing", "key_findings": "Hubs widened reach",
        "appraisal_tool": "AACODS", "overall_quality": "moderate",
    },
}  # fmt: skip
EXPECTED_CSV = {
    "database_results": "9",
    "database_specific_results": "OpenAlex, 6; scopus, 3",
    "website_results": "3",
    "organisation_results": "2",
    "citations_results": "0",
    "duplicates": "2",
    "excluded_automatic": "2",
    "excluded_other": "0",
    "records_screened": "5",
    "records_excluded": "1",
    "dbr_sought_reports": "4",
    "dbr_notretrieved_reports": "1",
    "dbr_assessed": "3",
    "dbr_excluded": "E-POPULATION Population outside 0-5 and their families "
    "(e.g. school-age only adults without young children), 1",
    "other_sought_reports": "1",
    "other_notretrieved_reports": "0",
    "other_assessed": "1",
    "other_excluded": "0",
    "new_studies": "3",
    "total_studies": "3",
}
SVG_TEXTS = (
    "Databases (n = 9)",
    "OpenAlex (n = 6)",
    "scopus (n = 3)",
    "Websites (n = 3)",
    "Organisations (n = 2)",
    "Duplicate records (n = 2)",
    "Records marked as ineligible by automation tools (n = 2)",
    "Records screened (n = 5)",
    "Records screened (n = 3)",
    "Records excluded (n = 1)",
    "Awaiting screening (n = 1)",
    "Reports sought for retrieval (n = 4)",
    "Reports not retrieved (n = 1)",
    "paywalled (n = 1)",
    "Reports assessed for eligibility (n = 3)",
    "Reports excluded (n = 1)",
    "Studies included in review (n = 3)",
)


def form_input(review_dir: Path, answers: dict[str, str]) -> str:
    """Terminal-form keystrokes: the answer for each field in form order, Enter elsewhere."""
    form = load_protocol(review_dir).extraction
    assert form is not None
    return "".join(answers.get(f.name, "") + "\n" for _, f in form.all_fields())


def extract_all(run: ReviewRunner, review_dir: Path, ids: dict[str, int]) -> None:
    child = str(ids[CHILD_HEALTH])
    ok(run, "extract", child, "--reviewer", "reviewer1", input=form_input(review_dir, CHILD_FORM))
    ok(
        run,
        "extract",
        "verify",
        child,
        "--reviewer",
        "reviewer2",
        input=form_input(review_dir, {"design": "cohort"}),
    )
    assert "design.design" in ok(run, "extract", "conflicts")
    ok(
        run,
        "extract",
        "resolve",
        child,
        "design.design",
        "difference-in-differences",
        "--reviewer",
        "adjudicator",
    )
    sheet = review_dir / "extract.csv"
    ok(run, "extract", "export", str(sheet), "--reviewer", "reviewer1")
    rows = list(csv.DictReader(io.StringIO(sheet.read_text(encoding="utf-8-sig"))))
    for row in rows:
        for key, value in SHEET_ROWS.get(row["title"], {}).items():
            column = next(c for c in row if c.endswith("." + key))
            row[column] = value
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    sheet.write_text(out.getvalue())
    ok(run, "extract", "import", str(sheet), "--reviewer", "reviewer1")


@pytest.mark.slow
def test_review_through_the_cli_gives_exact_prisma_numbers(
    run: ReviewRunner, engine: Engine, review_dir: Path
) -> None:
    ids = build_review(run, engine, review_dir)
    extract_all(run, review_dir, ids)

    output = ok(run, "prisma")
    assert "databases: 9 records, 2 duplicates, 2 excluded by automation, 5 screened" in output
    with session_scope(engine) as s:
        counts = report.counts(s)
    for arm, expected in ((counts.databases, EXPECTED_DATABASES), (counts.other, EXPECTED_OTHER)):
        assert {k: getattr(arm, k) for k in expected} == expected, arm.arm
    assert counts.databases.identified == {"openalex": 6, "scopus": 3}
    assert counts.other.identified == {"call-for-evidence": 2, "govuk": 3}
    assert counts.databases.not_retrieved == {"paywalled": 1}
    assert counts.databases.excluded_reports == {"E-POPULATION": 1}
    assert counts.other.awaiting_screening == {"pending": 1}
    assert counts.databases.awaiting_screening == {} and counts.databases.awaiting_assessment == {}

    extracted = review_dir / "extracted"
    table = {r["data"]: r["n"] for r in csv.DictReader(io.StringIO((extracted / "prisma.csv").read_text()))}
    assert {k: table[k] for k in EXPECTED_CSV} == EXPECTED_CSV

    svg = ET.parse(extracted / "prisma.svg").getroot()
    texts = " | ".join(
        " ".join(t.text.split()) for t in svg.iter("{http://www.w3.org/2000/svg}text") if t.text
    )
    shown = " ".join(texts.replace(" | ", " ").split())
    for label in SVG_TEXTS:
        assert label in shown, label

    methods = (extracted / "methods.md").read_text()
    assert "Searches identified 14 records (9 from databases, 5 by other methods)" in methods
    assert "removed 4 duplicate records, leaving 10 unique records" in methods
    assert "Cohen's kappa" in methods
    assert "In all, 3 studies were included." in methods
    appendix = (extracted / "search_appendix.md").read_text()
    assert "sure-start" in appendix and "scopus.ris" in appendix


@pytest.mark.slow
def test_extraction_reaches_the_writers_tables_and_exports(
    run: ReviewRunner, engine: Engine, review_dir: Path
) -> None:
    ids = build_review(run, engine, review_dir)
    extract_all(run, review_dir, ids)

    evidence = json.loads(ok(run, "query", "--saved", "evidence_map", "--format", "json"))
    assert [tuple(r.values()) for r in evidence] == [
        ("Family Hubs", "service reach and use", "process evaluation", 1),
        ("Flying Start", "child development", "cohort", 1),
        ("Sure Start Local Programmes", "child health", "difference-in-differences", 1),
        ("Sure Start Local Programmes", "parenting", "difference-in-differences", 1),
    ]
    columns = "sample_size, sample_unit, areas, nations"
    sql = f"SELECT {columns} FROM extract_early_years WHERE work_id = {ids[CHILD_HEALTH]}"
    assert ok(run, "query", sql, "--format", "csv").splitlines()[1] == "1200,children,Leeds; Bradford,England"

    ok(run, "export")
    extracted = review_dir / "extracted"
    assert (extracted / "included.ris").read_text().count("ER  - ") == 3
    assert (extracted / "included.bib").read_text().count("@") == 3
    assert len((extracted / "included.csv").read_text().splitlines()) == 4
    flat = (extracted / "extract_early_years.csv").read_text()
    assert "Welsh Government 2018" in flat and "Melhuish 2015" in flat
    assert (extracted / "extract_early_years_programmes.md").read_text().count("Flying Start") == 1
