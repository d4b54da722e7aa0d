"""A small review built end to end through the CLI, with the exact PRISMA numbers it must give.

Searches (OpenAlex, GOV.UK) are logged with the search stage's own functions (no network);
everything else goes through `review ...`: imports, dedupe and its review queue, rules, pilot
screening by sheets, a conflict and its adjudication, full-text screening with verification, full
texts added as PDFs, and extraction (terminal form, verification, a resolved conflict, a sheet).

Works (after dedupe) and what happens to them:
  arm        work                                  records                     fate
  databases  child health (SSLP)                   openalex-1, scopus o1       included, extracted by form
  databases  school readiness                      openalex-2, scopus o2       not retrieved (paywalled)
  databases  family hubs evaluation                openalex-3, govuk-3         full-text exclude E-POPULATION
  databases  maternal mental health                openalex-4                  title/abstract exclude (people)
  databases  French record                         openalex-5                  rule: language (automation)
  databases  1990 record                           openalex-6                  rule: date (automation)
  databases  Flying Start cohort                   scopus s3                   conflict → adjudicated include
  other      transformation fund                   govuk-1, call-for-evidence  included, extracted by sheet
  other      Start for Life guidance               govuk-2                     title/abstract exclude (people)
  other      Leeds children's centre               call-for-evidence c1        awaiting screening (reviewer2)
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from review.db import session_scope
from review.models import Document, Work
from review.records import RecordIn, finish_run, start_run, upsert_records
from tests.conftest import ReviewRunner
from tests.fulltext_helpers import make_pdf

CHILD_HEALTH = "Sure Start Local Programmes and child health in England"
READINESS = "Children's centres and school readiness in England"
HUBS_EVAL = "Family hubs evaluation in England"
MATERNAL = "Sure Start and maternal mental health in England"
FRENCH = "Les centres Sure Start en Angleterre"
OLD = "Early years services in England before Sure Start"
FLYING = "Flying Start in Wales and England: a cohort study"
FUND = "Family hubs: evaluation of the transformation fund in England"
START = "Start for Life: parenting support in England guidance"
LEEDS = "Our children's centre in Leeds: a call for evidence submission"

EXPECTED_DATABASES = {
    "records": 9,
    "duplicates": 2,
    "works": 7,
    "automation": 2,
    "screened": 5,
    "excluded": 1,
    "sought": 4,
    "not_retrieved_total": 1,
    "assessed": 3,
    "excluded_reports_total": 1,
    "included": 2,
}
EXPECTED_OTHER = {
    "records": 5,
    "duplicates": 2,
    "works": 3,
    "automation": 0,
    "screened": 3,
    "excluded": 1,
    "sought": 1,
    "not_retrieved_total": 0,
    "assessed": 1,
    "excluded_reports_total": 0,
    "included": 1,
}
RIS = "".join(
    f"TY  - JOUR\nTI  - {title}\nAB  - {abstract}\nPY  - {year}\nDO  - {doi}\nER  - \n\n"
    for title, abstract, year, doi in (
        (CHILD_HEALTH, "A study of Sure Start in England.", 2015, "10.1234/o1"),
        (READINESS, "A study of children's centres in England.", 2015, "10.1234/o2"),
        (FLYING, "A cohort study of Flying Start and Sure Start in England and Wales.", 2018, "10.1234/s3"),
    )
)
CALL_FOR_EVIDENCE = f"""Ref,Submission title,Abstract,Year,DOI
c1,{LEEDS},Family support in England at a children's centre.,2023,
c2,{FUND},Family hubs in England.,2015,10.5678/g1
"""
INC = ("include", "")
TA_REVIEWER1 = {
    CHILD_HEALTH: INC,
    READINESS: INC,
    HUBS_EVAL: INC,
    MATERNAL: ("exclude", "E-TOPIC"),
    FLYING: INC,
    FUND: INC,
    START: ("exclude", "E-TYPE"),
    LEEDS: INC,
    OLD: ("exclude", "E-DATE"),  # the rule check given to a person
}
TA_REVIEWER2 = {
    **{k: v for k, v in TA_REVIEWER1.items() if k != LEEDS},  # reviewer2 has not screened Leeds yet
    FLYING: ("exclude", "E-POPULATION"),  # the conflict
}
FULL_TEXT = {CHILD_HEALTH: INC, HUBS_EVAL: ("exclude", "E-POPULATION"), FLYING: INC, FUND: INC}
PDF_PAGES = {
    CHILD_HEALTH: [
        "This evaluation of Sure Start Local Programmes used a difference-in-differences design.",
        "The sample was n = 1,200 children in Leeds and Bradford.",
    ],
    HUBS_EVAL: ["Family hubs in England for school-age children."],
    FLYING: ["A cohort study of 2,345 families in Wales."],
    FUND: ["A process evaluation of family hubs in 12 areas of England."],
}


def _record(source: str, i: int, title: str, doi: str, *, year: int = 2015, lang: str = "en") -> RecordIn:
    abstract = f"{title}. A study of Sure Start children's centres in England."
    gb = ["GB"] if source == "openalex" else None
    return RecordIn(
        source, f"{source}-{i}", title, abstract=abstract, year=year, doi=doi, language=lang, countries=gb
    )


def log_searches(engine: Engine) -> None:
    """One OpenAlex and one GOV.UK search run, as the search stage records them."""
    openalex = [
        _record("openalex", 1, CHILD_HEALTH, "10.1234/o1"),
        _record("openalex", 2, READINESS, "10.1234/o2"),
        _record("openalex", 3, HUBS_EVAL, "10.1234/o3"),
        _record("openalex", 4, MATERNAL, "10.1234/o4"),
        _record("openalex", 5, FRENCH, "10.1234/o5", lang="fr"),
        _record("openalex", 6, OLD, "10.1234/o6", year=1990),
    ]
    govuk = [
        _record("govuk", 1, FUND, "10.5678/g1"),
        _record("govuk", 2, START, "10.5678/g2"),
        _record("govuk", 3, HUBS_EVAL, "10.1234/o3"),
    ]
    with session_scope(engine) as s:
        for source, arm, name, records in (
            ("openalex", "databases", "sure-start", openalex),
            ("govuk", "other", "dfe-family-hubs", govuk),
        ):
            run = start_run(s, source=source, search_name=name, arm=arm, platform=f"{source} API",
                            request=f"https://example.org/{source}?q=sure+start", filters=None,
                            protocol_hash=None)  # fmt: skip
            upsert_records(s, run.id, records)
            run.retrieved = len(records)
            finish_run(run, status="complete")


def fill_sheet(path: Path, decisions: dict[str, tuple[str, str]]) -> None:
    """Fill a screening sheet's decision and reason columns by title."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    for row in rows:
        if row["title"] in decisions:
            row["decision"], row["reason_code"] = decisions[row["title"]]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def ok(run: ReviewRunner, *args: str, input: str | None = None) -> str:
    result = run(*args, input=input)
    assert result.exit_code == 0, (args, result.output, result.stderr)
    return result.output


def screen_by_sheet(
    run: ReviewRunner, root: Path, stage: str, decisions: dict[str, dict[str, tuple[str, str]]]
) -> None:
    for who, mine in decisions.items():
        sheet = root / f"{stage}-{who}.csv"
        ok(
            run,
            "screen",
            "export",
            "--reviewer",
            who,
            "--stage",
            stage,
            "--format",
            "csv",
            "--output",
            str(sheet),
        )
        fill_sheet(sheet, mine)
        ok(run, "screen", "import", str(sheet))


def work_ids(engine: Engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return {str(w.title): int(w.id or 0) for w in s.exec(select(Work))}


def add_fulltexts(run: ReviewRunner, engine: Engine, root: Path, ids: dict[str, int]) -> None:
    """PDFs added through `review fulltext add`; one report could not be retrieved."""
    for title, pages in PDF_PAGES.items():
        pdf = root / f"{ids[title]}.pdf"
        pdf.write_bytes(make_pdf(pages))
        ok(run, "fulltext", "add", str(ids[title]), str(pdf))
    with session_scope(engine) as s:
        s.add(Document(work_id=ids[READINESS], origin="openalex_best_oa", url="https://example.org/paywall",
                       status="not_retrieved", reason="paywalled"))  # fmt: skip


def build_review(run: ReviewRunner, engine: Engine, root: Path) -> dict[str, int]:
    """Every stage up to full-text decisions; returns work IDs by title."""
    log_searches(engine)
    (root / "scopus.ris").write_text(RIS)
    (root / "cfe.csv").write_text(CALL_FOR_EVIDENCE)
    ok(run, "import", str(root / "scopus.ris"), "--format", "ris", "--source", "scopus")
    ok(
        run,
        "import",
        str(root / "cfe.csv"),
        "--format",
        "csv",
        "--source",
        "call-for-evidence",
        "--id-column",
        "Ref",
    )
    ok(run, "dedupe")
    ok(run, "dedupe", "review", "--reviewer", "reviewer1", input="m\n" * 4)
    ok(run, "screen", "assign", "--reviewers", "reviewer1,reviewer2")
    screen_by_sheet(run, root, "title-abstract", {"reviewer1": TA_REVIEWER1, "reviewer2": TA_REVIEWER2})
    ids = work_ids(engine)
    assert f"{ids[FLYING]}" in ok(run, "conflicts")
    ok(
        run,
        "conflicts",
        "resolve",
        "--reviewer",
        "adjudicator",
        "--work",
        str(ids[FLYING]),
        "--decision",
        "include",
    )
    add_fulltexts(run, engine, root, ids)
    ok(run, "screen", "assign", "--stage", "full-text", "--reviewers", "reviewer1,reviewer2")
    both = {"reviewer1": FULL_TEXT, "reviewer2": FULL_TEXT}
    screen_by_sheet(run, root, "full-text", both)
    ok(run, "screen", "assign", "--stage", "full-text")  # the exclude goes to a second person to verify
    screen_by_sheet(run, root, "full-text", both)
    return ids
