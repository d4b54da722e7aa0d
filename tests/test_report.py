"""PRISMA counts from the store: arms, honest waiting boxes, retrieval reasons, CSV layout, SVG."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, col, select

from review import report, tally
from review.db import utcnow
from review.models import Document, Record, RecordHit, RuleResult
from review.records import RecordIn, finish_run, start_run, upsert_records
from review.report import prisma_csv, svg
from tests.conftest import ReviewRunner
from tests.extract_helpers import decide
from tests.factories import add_works


def searched(session: Session, source: str, arm: str, titles: list[str]) -> list[int]:
    """A search run that found one record per title, each record its own work; returns work IDs."""
    run = start_run(session, source=source, search_name="s", arm=arm, platform="p", request="q", filters=None,
                    protocol_hash=None)  # fmt: skip
    finish_run(run, status="complete")
    works = add_works(session, [{"title": t} for t in titles], source=source)
    records = session.exec(select(Record).where(col(Record.work_id).in_(works))).all()
    assert run.id is not None
    session.add_all(RecordHit(record_id=r.id, search_run_id=run.id) for r in records if r.id is not None)
    session.flush()
    return works


def test_empty_store_gives_zeros_and_a_valid_diagram(session: Session) -> None:
    counts = report.counts(session)
    assert counts.included == 0 and counts.databases.records == 0
    root = ET.fromstring(svg.render(counts))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    rows = list(csv.DictReader(io.StringIO(prisma_csv.to_csv(counts))))
    assert list(rows[0]) == ["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"]
    assert {r["data"] for r in rows} >= {
        "database_results",
        "duplicates",
        "excluded_automatic",
        "new_studies",
    }


def test_waiting_works_are_counted_not_dropped(session: Session) -> None:
    works = searched(session, "openalex", "databases", [f"t{i}" for i in range(7)])
    decide(session, works[0], "title_abstract", "include")  # sought, no document yet
    decide(session, works[1], "title_abstract", "include", reviewer="reviewer1")
    decide(session, works[1], "title_abstract", "exclude", reviewer="reviewer2", reason="E-TOPIC")  # conflict
    decide(session, works[2], "title_abstract", "exclude", reason="E-TYPE")
    rule = RuleResult(work_id=works[3], stage="title_abstract", rule="language", reason_code="E-LANGUAGE",
                      created_at=utcnow())  # fmt: skip
    session.add(rule)
    session.flush()
    tally.refresh(session, [works[3]])
    decide(session, works[4], "title_abstract", "include")
    decide(session, works[5], "title_abstract", "include")
    # works[6] is unscreened
    now = utcnow()
    session.add(Document(work_id=works[4], origin="manual", url="a", status="not_retrieved", reason="404",
                         fetched_at=now - timedelta(days=1)))  # fmt: skip
    session.add(Document(work_id=works[4], origin="manual", url="b", status="unreadable",
                         reason="encrypted PDF", fetched_at=now))  # fmt: skip
    session.add(Document(work_id=works[5], origin="manual", url="c", status="readable"))
    session.flush()
    db = report.counts(session).databases
    assert (db.records, db.works, db.duplicates, db.automation, db.screened) == (7, 7, 0, 1, 6)
    assert db.excluded == 1 and db.awaiting_screening == {"pending": 1, "conflict": 1}
    assert db.screened == db.excluded + sum(db.awaiting_screening.values()) + db.sought
    assert (db.sought, db.awaiting_retrieval, db.not_retrieved, db.assessed) == (
        3,
        1,
        {"encrypted PDF": 1},
        1,
    )
    assert db.awaiting_assessment == {"pending": 1} and db.included == 0
    shown = " ".join(t.text or "" for t in ET.fromstring(svg.render(report.counts(session))).iter())
    assert (
        "In conflict, awaiting adjudication (n = 1)" in shown
        and "Reports awaiting retrieval (n = 1)" in shown
    )


def test_a_work_found_by_both_arms_counts_in_databases(session: Session) -> None:
    [both] = searched(session, "openalex", "databases", ["shared"])
    [alone] = searched(session, "govuk", "other", ["gov only"])
    run = start_run(session, source="govuk", search_name="s2", arm="other", platform="p", request="q",
                    filters=None, protocol_hash=None)  # fmt: skip
    upsert_records(session, run.id, [RecordIn("govuk", "govuk-copy", "shared")])
    copy = session.exec(select(Record).where(Record.source_id == "govuk-copy")).one()
    copy.work_id = both  # dedupe merged the GOV.UK copy into the OpenAlex work
    session.flush()
    assert alone != both
    counts = report.counts(session)
    assert (counts.databases.records, counts.databases.works, counts.databases.duplicates) == (1, 1, 0)
    assert (counts.other.records, counts.other.works, counts.other.duplicates) == (2, 1, 1)
    assert counts.other.kinds == {"websites": 2, "organisations": 0, "citations": 0}


def test_prisma_command_writes_four_files(run: ReviewRunner, review_dir: Path) -> None:
    result = run("prisma")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (review_dir / "extracted").iterdir())
    assert names == ["methods.md", "prisma.csv", "prisma.svg", "search_appendix.md"]
    assert "No searches have been run yet." in (review_dir / "extracted" / "methods.md").read_text()


def test_help_creates_no_store(run: ReviewRunner, review_dir: Path) -> None:
    for command in (("prisma",), ("query",), ("export",), ("extract",), ("extract", "verify")):
        assert run(*command, "--help").exit_code == 0
    assert not (review_dir / "review.db").exists()


def test_methods_date_an_export_by_when_it_was_searched_not_imported(session: Session) -> None:
    from datetime import date

    from review.models import SearchRun
    from review.report.methods import _sources

    now = utcnow()
    session.add(SearchRun(source="openalex", search_name="s", started_at=now, tool_version="t"))
    session.add(SearchRun(source="scopus", search_name="a.ris", started_at=now, tool_version="t",
                          searched_on=date(2026, 3, 2)))  # fmt: skip
    session.add(SearchRun(source="medline", search_name="b.nbib", started_at=now, tool_version="t"))
    session.flush()
    text = _sources(session).lower()
    assert f"openalex (1 run, databases; {now:%-d %B %Y})".lower() in text
    assert "scopus (1 run, databases; 2 march 2026)" in text  # not the day it was imported
    assert "medline (1 run, databases; an unrecorded date)" in text
