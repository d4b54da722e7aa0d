"""Build the schema-1 store with the schema-1 code itself, and dump it as SQL text (schema1.sql).

    mkdir /tmp/schema1 && git archive 66a4b94 review | tar -x -C /tmp/schema1
    .venv/bin/python tests/data/migrations/make_schema1.py /tmp/schema1 tests/data/migrations/schema1.sql

66a4b94 is the last commit at schema version 1. Run it with that folder first on the path, so
`review` is the old package, not this checkout.
"""

import os
import sqlite3
import sys
from datetime import UTC, datetime, timedelta

sys.path.insert(0, sys.argv[1])
from sqlalchemy import text
from sqlmodel import Session

from review.db import init_db, make_engine
from review.models import (
    Assignment,
    DedupeEvent,
    DedupePair,
    Document,
    ExtractionValue,
    Page,
    PdfTable,
    Record,
    RecordHit,
    RuleResult,
    ScreeningDecision,
    ScreeningNote,
    SearchRun,
    StageRun,
    StoppingLog,
    Work,
)

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


path = os.path.join(sys.argv[1], "store.db")
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(path + suffix):
        os.remove(path + suffix)
engine = make_engine(path)
init_db(engine)
with Session(engine) as s, s.begin():
    runs = [
        SearchRun(
            source="openalex",
            search_name="family_hubs",
            platform="OpenAlex API via pyalex 0.21",
            request="https://api.openalex.org/works?search=family+hubs",
            filters={"from_publication_date": "2010-01-01"},
            started_at=at(0),
            finished_at=at(3),
            tool_version="review 0.1.0",
            total_reported=5,
            retrieved=5,
            pages=1,
            status="complete",
            raw_path="sources/openalex/family_hubs.jsonl.gz",
            raw_sha256="ab" * 32,
        ),
        SearchRun(
            source="dfe",
            search_name="dfe_export.ris",
            arm="other",
            platform="RIS file import",
            request="sources/imports/dfe_export.ris",
            started_at=at(5),
            finished_at=at(5),
            tool_version="review 0.1.0",
            retrieved=3,
            pages=1,
            status="complete",
            message="3 records read",
        ),
        SearchRun(
            source="govuk",
            search_name="govuk_hubs",
            arm="other",
            platform="GOV.UK Search API",
            started_at=at(6),
            tool_version="review 0.1.0",
            status="interrupted",
            resume_state={"start": 20},
            cost_usd=0.0,
        ),
    ]
    s.add_all(runs)
    s.flush()
    works = [
        Work(
            title=t,
            abstract=a,
            authors=au,
            year=y,
            doi=d,
            journal=j,
            publisher=p,
            doc_type=dt,
            language="en",
            url=u,
            countries=c,
            created_at=at(10),
            updated_at=at(11 + i),
        )
        for i, (t, a, au, y, d, j, p, dt, u, c) in enumerate(
            [
                (
                    "Family hubs and early help: an evaluation",
                    "We evaluate family hubs in 12 local authorities.",
                    ["Smith, Jane", "Okafor, Chidi"],
                    2021,
                    "10.1000/hubs.1",
                    "Child Care in Practice",
                    "Taylor & Francis",
                    "article",
                    "https://doi.org/10.1000/hubs.1",
                    ["GB"],
                ),
                (
                    "Sure Start children’s centres: long-run effects",
                    None,
                    ["Cattan, Sarah"],
                    2019,
                    "10.1000/ss.2",
                    "IFS Report",
                    "Institute for Fiscal Studies",
                    "report",
                    None,
                    ["GB"],
                ),
                (
                    "Parenting programmes in Wales — a review",
                    "Systematic review.",
                    ["Evans, Rhys"],
                    2018,
                    None,
                    None,
                    "Welsh Government",
                    "report",
                    "https://gov.wales/parenting",
                    None,
                ),
                (
                    "Early years outcomes in England",
                    "Cohort study.",
                    None,
                    2015,
                    "10.1000/ey.4",
                    "BMJ Open",
                    "BMJ",
                    "article",
                    None,
                    ["GB", "IE"],
                ),
                (
                    "Home visiting: a cost analysis",
                    None,
                    ["Ng, Wei"],
                    2005,
                    None,
                    None,
                    None,
                    "article",
                    None,
                    None,
                ),
                (
                    "Children's centres: staff survey",
                    "Survey of staff.",
                    ["Brown, A."],
                    2020,
                    None,
                    None,
                    "Department for Education",
                    "report",
                    None,
                    ["GB"],
                ),
                ("Untouched work", None, None, None, None, None, None, None, None, None),
            ]
        )
    ]
    s.add_all(works)
    s.flush()
    w = [x.id for x in works]
    recs = []
    for i, (src, sid, wi, extra) in enumerate(
        [
            ("openalex", "W1", 0, {"oa": {"is_oa": True}}),
            ("openalex", "W2", 1, None),
            ("openalex", "W3", 2, None),
            ("openalex", "W4", 3, {"locations": [{"pdf_url": "https://example.org/ey.pdf"}]}),
            ("openalex", "W5", 4, None),
            ("dfe", "DFE-1", 0, None),
            ("dfe", "DFE-2", 5, None),
            ("dfe", "DFE-3", 6, None),
        ]
    ):
        wk = works[wi]
        recs.append(
            Record(
                source=src,
                source_id=sid,
                title=wk.title,
                abstract=wk.abstract,
                authors=wk.authors,
                year=wk.year,
                publication_date=f"{wk.year}-03-01" if wk.year else None,
                doi=wk.doi,
                journal=wk.journal,
                issn="1234-5678" if i == 0 else None,
                volume="12" if i < 2 else None,
                issue="3" if i == 0 else None,
                pages="101-119" if i == 0 else None,
                publisher=wk.publisher,
                doc_type=wk.doc_type,
                language="en",
                url=wk.url,
                openalex_id=sid if src == "openalex" else None,
                pmid="3456789" if i == 3 else None,
                countries=wk.countries,
                keywords=["family hubs", "early help"] if i in (0, 5) else None,
                extra=extra,
                first_run_id=runs[0 if src == "openalex" else 1].id,
                created_at=at(1 + i),
                updated_at=at(2 + i),
                work_id=wk.id,
            )
        )
    s.add_all(recs)
    s.flush()
    s.add_all(
        [RecordHit(record_id=r.id, search_run_id=r.first_run_id, rank=k + 1) for k, r in enumerate(recs)]
    )
    s.add(RecordHit(record_id=recs[0].id, search_run_id=runs[2].id, rank=None))
    pairs = [
        DedupePair(
            record_a=recs[0].id,
            record_b=recs[5].id,
            rule="doi",
            scores={"doi": 1.0},
            band="auto",
            decision="merge",
            decided_by="automation",
            decided_at=at(12),
            created_at=at(12),
        ),
        DedupePair(
            record_a=recs[1].id,
            record_b=recs[6].id,
            rule="fuzzy_title+year+authors",
            scores={"title": 0.71, "year": 0.0},
            band="review",
            created_at=at(12),
        ),
        DedupePair(
            record_a=recs[2].id,
            record_b=recs[7].id,
            rule="fuzzy_title+year+authors",
            scores={"title": 0.4},
            band="review",
            decision="keep_both",
            decided_by="reviewer1",
            decided_at=at(13),
            created_at=at(12),
        ),
        DedupePair(
            record_a=recs[3].id,
            record_b=recs[4].id,
            rule="fuzzy_title",
            scores=None,
            band="distinct",
            created_at=at(12),
        ),
    ]
    s.add_all(pairs)
    s.flush()
    s.add(
        DedupeEvent(
            pair_id=pairs[2].id, action="keep_both", reviewer="reviewer1", work_id=None, created_at=at(13)
        )
    )
    TA, FT = "title_abstract", "full_text"

    def assign(wi, stage, reviewer, purpose, m):
        s.add(Assignment(work_id=w[wi], stage=stage, reviewer=reviewer, purpose=purpose, created_at=at(m)))

    for wi, r, p in [
        (0, "reviewer1", "dual"),
        (0, "reviewer2", "dual"),
        (1, "reviewer1", "dual"),
        (1, "reviewer2", "dual"),
        (1, "lead", "adjudicate"),
        (2, "reviewer1", "single"),
        (2, "reviewer2", "verify"),
        (3, "reviewer2", "single"),
        (4, "reviewer1", "rule_check"),
        (5, "reviewer2", "single"),
        (6, "reviewer1", "pilot"),
        (6, "reviewer2", "pilot"),
    ]:
        assign(wi, TA, r, p, 20)
    for wi, r, p in [(0, "reviewer1", "dual"), (0, "reviewer2", "dual"), (2, "reviewer1", "single")]:
        assign(wi, FT, r, p, 60)
    s.flush()

    def decide(wi, stage, reviewer, decision, m, role="screener", reason=None, note=None, supersedes=None):
        d = ScreeningDecision(
            work_id=w[wi],
            stage=stage,
            reviewer=reviewer,
            role=role,
            decision=decision,
            reason_code=reason,
            note=note,
            supersedes=supersedes,
            created_at=at(m),
        )
        s.add(d)
        s.flush()
        return d

    decide(0, TA, "reviewer1", "include", 30)
    decide(0, TA, "reviewer2", "maybe", 31, note="unclear setting")
    decide(1, TA, "reviewer1", "include", 32)
    decide(1, TA, "reviewer2", "exclude", 33, reason="wrong_population")
    decide(1, TA, "lead", "exclude", 40, role="adjudicator", reason="wrong_population")
    first = decide(2, TA, "reviewer1", "exclude", 34, reason="wrong_design")
    overturn = decide(2, TA, "reviewer1", "include", 35, note="changed my mind", supersedes=first.id)
    decide(2, TA, "reviewer2", "include", 36, role="verifier")
    undone = decide(3, TA, "reviewer2", "include", 37)
    decide(3, TA, "reviewer2", "retracted", 38, supersedes=undone.id)
    decide(6, TA, "reviewer1", "exclude", 39, reason="not_uk")
    decide(0, FT, "reviewer1", "exclude", 70, reason="no_outcome")
    decide(0, FT, "reviewer2", "exclude", 71, reason="wrong_design")
    decide(2, FT, "reviewer1", "include", 72)
    s.add_all(
        [
            RuleResult(
                work_id=w[4],
                stage=TA,
                rule="date_range",
                reason_code="out_of_date_range",
                detail="year 2005 before 2010",
                created_at=at(15),
            ),
            RuleResult(
                work_id=w[5],
                stage=TA,
                rule="document_type",
                reason_code="wrong_document_type",
                detail="survey",
                created_at=at(15),
            ),
            RuleResult(
                work_id=w[2],
                stage=TA,
                rule="language",
                reason_code="not_english",
                detail=None,
                active=False,
                created_at=at(15),
                overturned_by=overturn.id,
            ),
        ]
    )
    s.add(
        ScreeningNote(
            work_id=w[0],
            stage=TA,
            reviewer="reviewer2",
            text="Check the setting: hubs or centres?",
            created_at=at(31),
        )
    )
    s.add(
        StoppingLog(
            stage=TA,
            reviewer="lead",
            screened=6,
            remaining=1,
            estimate={"recall": 0.95, "ci": [0.9, 1.0]},
            method="buscar",
            created_at=at(50),
        )
    )
    doc = Document(
        work_id=w[0],
        origin="openalex_best_oa",
        url="https://example.org/hubs.pdf",
        status="readable",
        sha256="cd" * 32,
        path="extracted/files/hubs.pdf",
        content_type="application/pdf",
        size=30255,
        licence="cc-by",
        version="publishedVersion",
        pages=2,
        chars=120,
        tables=1,
        fetched_at=at(61),
        read_at=at(62),
    )
    failed = Document(work_id=w[2], origin="manual", url=None, status="not_retrieved", reason="HTTP 403")
    s.add_all([doc, failed])
    s.flush()
    s.add_all(
        [
            Page(document_id=doc.id, page_no=1, text="Family hubs were set up in 12 areas."),
            Page(document_id=doc.id, page_no=2, text="Outcomes improved for children’s attendance."),
        ]
    )
    s.add(
        PdfTable(
            document_id=doc.id, page_no=2, table_no=1, rows=[["Area", "n"], ["North", "40"], ["South", None]]
        )
    )
    s.add_all(
        [
            ExtractionValue(
                work_id=w[0],
                reviewer="reviewer1",
                field="study.design",
                value="cohort",
                document_id=doc.id,
                page_no=1,
                quote="set up in 12 areas",
                created_at=at(80),
            ),
            ExtractionValue(
                work_id=w[0], reviewer="reviewer1", field="study.sample_size", value=40, created_at=at(81)
            ),
            ExtractionValue(
                work_id=w[0],
                reviewer="reviewer2",
                role="verifier",
                field="study.outcomes",
                value=["attendance", "wellbeing"],
                created_at=at(82),
            ),
        ]
    )
    s.add(
        StageRun(
            stage="dedupe",
            started_at=at(12),
            finished_at=at(12),
            status="complete",
            counts={"records": 8, "works": 7},
            protocol_hash="ef" * 32,
            tool_version="review 0.1.0",
        )
    )
    s.execute(text("UPDATE meta SET value = '2026-11-20T09:00:00+00:00' WHERE key = 'created_at'"))
engine.dispose()
con = sqlite3.connect(path)
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
with open(sys.argv[2], "w") as f:
    for line in con.iterdump():
        f.write(line + "\n")
con.close()
