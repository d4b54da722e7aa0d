"""`review evidence demo`: the whole stakeholder-evidence flow on bundled fictional documents, offline.

A new review folder (the template protocol, with its [codebook]); the sample workbook, emailed
submission, interview, focus group and family-voice notes (review/data/evidence_demo/) imported and
pseudonymised; two coders' sheets exported, filled in by two scripted coders who read slightly
differently, and imported; agreement per code; the disagreements adjudicated; one campaign response
withdrawn; the matrix, report skeleton and REFI-QDA project written. Returns the lines to show.
"""

from __future__ import annotations

import re
from importlib.resources import as_file, files
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from review.db import init_db, make_engine, session_scope
from review.errors import InputError
from review.evidence import agreement, coding, matrix, qdpx, report, sheets
from review.evidence.imports import import_files
from review.evidence.read import Attributes
from review.evidence.withdraw import withdraw
from review.formats import sheet
from review.init import run as init_review
from review.protocol import Protocol, load_protocol
from review.states import CodingRole

FILES = ("responses.xlsx", "submission.docx", "interview.vtt", "focus-group.srt", "family-voice.txt")
# What each scripted coder looks for, code by code: the second reads a little differently.
READING = {
    "governance": r"board|governance|one set of outcomes",
    "funding": r"funding|grant|bids",
    "funding-stability": r"one-year|short-term|long-term|more than a year",
    "workforce": r"staff|workforce|training|caseload",
    "data-sharing": r"record|data|consent|systems|same form",
    "co-location": r"same family hub building|share one reception|share a room",
    "outreach": r"outreach|knocked|community centre|came to our house|at home|food bank|go to them",
    "family-involvement": r"parent panel|parent forum|parent representatives|steering group|being asked",
}
SECOND_READING = {
    **READING,
    "workforce": r"staff|workforce|caseload",
    "data-sharing": r"data|consent|same form|single family record",
    "outreach": r"outreach|knocked|community centre|came to our house|leaflets|go to them",
    "governance": r"board|governance",
}


def run(folder: Path) -> list[str]:
    """Build the demo review in `folder` (which must not exist) and return what to show."""
    if folder.exists():
        raise InputError(f"{folder} already exists: give the demo a new folder (--dir).")
    init_review(folder)
    protocol = load_protocol(folder)
    engine = make_engine(folder / "review.db")
    init_db(engine)
    out, shown = folder / "extracted", []
    try:
        with (
            as_file(files("review.data").joinpath("evidence_demo")) as data,
            session_scope(engine) as session,
        ):
            done = import_files(
                session, [data / f for f in FILES], Attributes(), sidecar=data / "attributes.csv"
            )
        shown.append(
            f"Imported {done.documents} documents ({done.segments} segments) from {len(FILES)} files; "
            f"{done.pseudonyms} names replaced by pseudonyms."
        )
        for coder, reading in (("reviewer1", READING), ("reviewer2", SECOND_READING)):
            shown.append(_code_by_sheet(engine, protocol, coder, reading, out))
        with session_scope(engine) as session:
            shown += ["", agreement.render(agreement.compute(session, protocol))]
            settled = _adjudicate(session)
        shown.append(f"The adjudicator settled {settled} disagreement(s).")
        with session_scope(engine) as session:
            gone = withdraw(session, 6, "lead", "consent withdrawn by email (demo)")
        shown.append(f"Withdrew document {gone.document_id} ({gone.title}): consent withdrawn, logged.")
        with session_scope(engine) as session:
            built = matrix.build(session, protocol)
            written = report.write(session, built, out)
            project = qdpx.export(session, protocol, out / "evidence.qdpx")
        shown += [
            "",
            "Framework matrix (documents (segments) per theme and stream):",
            "",
            report.markdown(built, "stream"),
            "",
        ]
        shown += [f"Wrote {p}" for p in (*written.paths, project.path)]
    finally:
        engine.dispose()
    return shown


def _code_by_sheet(engine: Engine, protocol: Protocol, coder: str, reading: dict[str, str], out: Path) -> str:
    path = out / f"coding-{coder}.csv"
    with session_scope(engine) as session:
        sheets.export(session, protocol, coder, path)
    table = sheet.read_rows(path, "the demo's coding sheet")
    header = [str(h) for h in table[0]]
    text, codes = header.index("text"), header.index("codes")
    for row in table[1:]:
        found = [c for c, pattern in reading.items() if re.search(pattern, str(row[text]), re.I)]
        row[codes] = "; ".join(found) or "none"
    sheet.save_csv(path, header, table[1:])
    with session_scope(engine) as session:
        result = sheets.import_file(session, protocol, path)
    return f"{coder} coded {result.applied} segments by spreadsheet ({path.name})."


def _adjudicate(session: Session) -> int:
    # The scripted adjudicator keeps what either coder saw: a code one coder missed still counts.
    waiting = coding.disagreements(session)
    for segment_id, by_coder in waiting.items():
        settled = frozenset().union(*by_coder.values())
        coding.record(
            session,
            segment_id,
            "adjudicator",
            settled,
            role=CodingRole.ADJUDICATOR,
            via="demo",
            note="demo: union of the coders' codes",
        )
    return len(waiting)
