"""Stakeholder evidence end to end through `review evidence`: import a response workbook, a DOCX
submission and a VTT interview (pseudonymised), code them as two coders by spreadsheet, agreement,
adjudication, the matrix and report, the REFI-QDA project (valid against the XSD, read back), and
withdrawal from every output."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
import xmlschema
from sqlalchemy import Engine, inspect, text
from sqlmodel import Session, col, select

from review.db import make_engine
from review.evidence import qdpx
from review.formats import sheet
from review.models import EvidenceCoding, EvidenceDocument, EvidenceSegment
from tests.conftest import ReviewRunner

DATA = Path(__file__).parent / "data" / "evidence"
ROOT = Path(__file__).parent.parent
XSD = ROOT / "review" / "data" / "refi-qda" / "Project-mrt2019.xsd"
REAL_NAMES = (
    "Margaret",
    "Okafor",
    "okafor@",
    "Daniel Price",
    "Priya",
    "Raman",
    "Tom Hughes",
    "Aisha",
    "Brennan",
    "Helen Carter",
    "Carter",
    "Sarah",
    "Whitfield",
)
# What each coder codes, by the start of the segment's text (everything else: `none`).
CODER_1 = {
    "Having health visitors": "co-location; governance",
    "Funding arrives": "funding-stability; workforce; data-sharing",
    "P001, hub manager": "family-involvement",
    "The hub is two buses": "outreach",
    "Areas that share": "data-sharing",
    "For me it was governance": "governance; family-involvement",
    "Go to them": "outreach; funding",
    "We call on": "funding-stability",
    "I call on": "funding-stability",
    "Co-location works": "co-location",
}
CODER_2 = {**CODER_1, "Funding arrives": "funding-stability; data-sharing", "Go to them": "outreach"}


@pytest.fixture
def evidence(review_dir: Path, run: ReviewRunner) -> ReviewRunner:
    """A review whose protocol has the template's codebook, with the three fixture files imported."""
    shutil.copy(
        ROOT / "review" / "data" / "protocol_template.toml", review_dir / "protocol" / "protocol.toml"
    )
    result = run("evidence", "import", str(DATA / "responses.xlsx"))
    assert result.exit_code == 0, result.output
    result = run(
        "evidence",
        "import",
        str(DATA / "submission.docx"),
        "--stream",
        "call-for-evidence",
        "--role",
        "voluntary sector",
        "--organisation-type",
        "Charity",
        "--name",
        "Helen Carter",
    )
    assert result.exit_code == 0, result.output
    result = run(
        "evidence", "import", str(DATA / "interview.vtt"), "--role", "expert", "--region", "East of England"
    )
    assert result.exit_code == 0, result.output
    return run


def _engine(run: ReviewRunner) -> Engine:
    return make_engine(run.db)


def _code(run: ReviewRunner, coder: str, codes: dict[str, str], tmp_path: Path, fmt: str = "csv") -> Path:
    path = tmp_path / f"coding-{coder}.{fmt}"
    result = run("evidence", "code-export", str(path), "--coder", coder)
    assert result.exit_code == 0, result.output
    table = sheet.read_rows(path, "a coding sheet", sheet="coding")
    header = [str(h) for h in table[0]]
    for row in table[1:]:
        found = [v for k, v in codes.items() if str(row[header.index("text")]).startswith(k)]
        row[header.index("codes")] = found[0] if found else "none"
    if fmt == "csv":
        sheet.save_csv(path, header, table[1:])
    else:
        sheet.save_xlsx(path, [sheet.Sheet("coding", header, table[1:])])
    return path


def _both_coded(run: ReviewRunner, tmp_path: Path) -> None:
    for coder, codes, fmt in (("reviewer1", CODER_1, "xlsx"), ("reviewer2", CODER_2, "csv")):
        result = run("evidence", "code-import", str(_code(run, coder, codes, tmp_path, fmt)))
        assert result.exit_code == 0, result.output


def test_import_keeps_stream_attributes_and_provenance(evidence: ReviewRunner) -> None:
    engine = _engine(evidence)
    with Session(engine) as s:
        docs = s.exec(select(EvidenceDocument).order_by(EvidenceDocument.id)).all()  # type: ignore[arg-type]
        segments = s.exec(select(EvidenceSegment)).all()
    engine.dispose()
    assert [(d.stream, d.kind, d.source_row) for d in docs] == [
        *(("call_for_evidence", "xlsx", row) for row in range(2, 8)),
        ("call_for_evidence", "docx", 0),
        ("interview", "vtt", 0),
    ]
    first, submission, interview = docs[0], docs[6], docs[7]
    assert (first.participant, first.role, first.organisation_type, first.region) == (
        "P001",
        "Practitioner",
        "Local authority",
        "North West",
    )
    assert first.source_file == "responses.xlsx" and len(first.sha256) == 64
    assert (submission.participant, submission.role, submission.organisation_type) == (
        "P007",
        "voluntary sector",
        "Charity",
    )
    assert (interview.participant, interview.role, interview.region) == ("P008", "expert", "East of England")
    turns = [g for g in segments if g.document_id == interview.id]
    assert [(g.turn, g.speaker, g.start_ms) for g in turns] == [
        (1, "Interviewer", 1000),
        (2, "P008", 7000),
        (3, "Interviewer", 31500),
        (4, "P008", 36500),
    ]
    # Each segment's place in its document's text is exact (REFI-QDA selections rely on it).
    texts = {d.id: d.text or "" for d in docs}
    assert all(texts[g.document_id][g.start_char : g.end_char] == g.text for g in segments)


def test_reimporting_a_file_changes_nothing(evidence: ReviewRunner) -> None:
    result = evidence("evidence", "import", str(DATA / "responses.xlsx"))
    assert result.exit_code == 0, result.output
    assert "responses.xlsx: already imported: skipped" in result.output
    assert "Imported 0 document(s), 0 segment(s)" in result.output


def test_a_malformed_transcript_imports_nothing_and_says_where(
    evidence: ReviewRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.vtt"
    bad.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Jo Bloggs>Hi</v>\n\n1:2 --> 00:00:03.000\nx\n"
    )
    result = evidence(
        "evidence", "import", str(DATA / "focus-group.srt"), str(bad), "--stream", "focus-group"
    )
    assert result.exit_code == 1
    assert f"{bad}, line 6, timing: '1:2' is not a cue timing; nothing was imported." in result.output
    listed = evidence("evidence", "list", "--stream", "focus-group")
    assert "No evidence documents" in listed.output  # the good file in the same command was not kept either


def _text_columns(engine: Engine) -> dict[str, list[str]]:
    found = {}
    for table in ("evidence_document", "evidence_segment", "evidence_coding", "stage_run"):
        columns = inspect(engine).get_columns(table)
        found[table] = [
            c["name"]
            for c in columns
            if "CHAR" in str(c["type"]) or "TEXT" in str(c["type"]) or "JSON" in str(c["type"])
        ]
    return found


def test_no_real_name_is_left_in_the_store_outside_the_mapping(
    evidence: ReviewRunner, tmp_path: Path
) -> None:
    _both_coded(evidence, tmp_path)
    engine = _engine(evidence)
    with engine.connect() as conn:
        for table, columns in _text_columns(engine).items():
            for column in columns:
                values = [
                    str(v) for (v,) in conn.execute(text(f"SELECT {column} FROM {table}")) if v is not None
                ]
                for name in REAL_NAMES:
                    assert not [v for v in values if name.lower() in v.lower()], (table, column, name)
        rows = conn.execute(text("SELECT real_name, pseudonym FROM evidence_pseudonym")).all()
        mapping = {str(name): str(pseudonym) for name, pseudonym in rows}
    engine.dispose()
    assert mapping["Margaret Okafor"] == mapping["m.okafor@example.org"] == "P001"
    assert mapping["Helen Carter"] == "P007" and mapping["Sarah Whitfield"] == "P008"
    listed = evidence("evidence", "list", "--segments")
    assert "P001, hub manager" in listed.output and "Thanks, P008." in listed.output
    assert not [n for n in REAL_NAMES if n in listed.output]


def test_two_coders_by_spreadsheet_then_agreement_and_adjudication(
    evidence: ReviewRunner, tmp_path: Path
) -> None:
    _both_coded(evidence, tmp_path)
    again = evidence("evidence", "code-import", str(tmp_path / "coding-reviewer2.csv"))
    assert "0 coding(s) recorded, 21 unchanged" in again.output  # re-import: nothing new
    result = evidence("evidence", "agreement", "--coders", "reviewer1", "reviewer2")
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line.split() for line in result.output.splitlines()[2:-1]}
    # funding: reviewer1 gives it to "Go to them", reviewer2 does not; 21 segments both coded.
    assert lines["funding"][:5] == ["funding", "0", "1", "0", "20"]
    assert lines["workforce"][:5] == ["workforce", "0", "1", "0", "20"]
    assert lines["outreach"][:5] == ["outreach", "2", "0", "0", "19"] and lines["outreach"][5] == "1.00"
    assert "2 segment(s) coded differently wait for an adjudicator" in result.output
    engine = _engine(evidence)
    with Session(engine) as s:
        go = s.exec(select(EvidenceSegment).where(EvidenceSegment.text.startswith("Go to them"))).one()  # type: ignore[union-attr]
    settled = evidence(
        "evidence",
        "adjudicate",
        str(go.id),
        "--codes",
        "outreach; funding-stability",
        "--adjudicator",
        "adjudicator",
        "--note",
        "bids are about stability",
    )
    assert settled.exit_code == 0, settled.output
    with Session(engine) as s:
        events = s.exec(
            select(EvidenceCoding).where(EvidenceCoding.segment_id == go.id).order_by(col(EvidenceCoding.id))
        ).all()
    engine.dispose()
    assert [(e.coder, e.role, e.codes, e.via) for e in events] == [
        ("reviewer1", "coder", ["funding", "outreach"], "sheet"),
        ("reviewer2", "coder", ["outreach"], "sheet"),
        ("adjudicator", "adjudicator", ["funding-stability", "outreach"], "terminal"),
    ]
    assert all(e.created_at is not None for e in events)
    after = evidence("evidence", "agreement")
    assert "1 segment(s) coded differently wait for an adjudicator" in after.output


def test_a_bad_coding_sheet_is_refused_whole(evidence: ReviewRunner, tmp_path: Path) -> None:
    path = _code(evidence, "reviewer1", CODER_1, tmp_path)
    table = sheet.read_rows(path, "a coding sheet")
    header = [str(h) for h in table[0]]
    table[1][header.index("codes")] = "governance; goverance"
    table[2][header.index("segment_id")] = "9999"
    table[3][header.index("coder")] = "reviewer2"
    sheet.save_csv(path, header, table[1:])
    result = evidence("evidence", "code-import", str(path))
    assert result.exit_code == 1
    assert "3 problem(s); nothing was imported" in result.output
    assert "row 2, codes: unknown code(s) goverance: use codes of the [codebook] or `none`" in result.output
    assert "row 3, segment_id: no segment 9999 in this review" in result.output
    assert "row 4, coder: a row of 'reviewer2', not 'reviewer1'" in result.output
    engine = _engine(evidence)
    with Session(engine) as s:
        assert s.exec(select(EvidenceCoding)).all() == []
    engine.dispose()


def test_the_matrix_counts_documents_segments_and_campaign_voices(
    evidence: ReviewRunner, tmp_path: Path, review_dir: Path
) -> None:
    _both_coded(evidence, tmp_path)
    result = evidence("evidence", "matrix", "--out", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    rows = {r[0]: r for r in sheet.read_rows(tmp_path / "out" / "evidence-matrix-by-stream.csv", "matrix")}
    header = rows["theme"]
    cfe = [header.index(f"call for evidence: {w}") for w in ("documents", "segments", "voices")]
    interview = header.index("interview: documents")
    # funding-stability (under funding): response 1 and the campaign's three answers, two voices.
    assert [rows["funding"][i] for i in cfe] == ["4", "4", "2"]
    assert rows["funding"][interview] == "0"  # the coders disagree on "Go to them": not yet final
    assert [rows["outreach"][i] for i in cfe] == ["1", "1", "1"] and rows["outreach"][interview] == "1"
    assert [rows["governance"][i] for i in cfe] == ["1", "1", "1"] and rows["governance"][interview] == "1"
    assert rows["governance"][-1] == "divergent: raised by stakeholders only"  # no literature coded yet
    by_role = {r[0]: r for r in sheet.read_rows(tmp_path / "out" / "evidence-matrix-by-role.csv", "matrix")}
    parent = [by_role["theme"].index(f"Parent: {w}") for w in ("documents", "segments", "voices")]
    assert [by_role["funding"][i] for i in parent] == ["3", "3", "1"]  # the campaign: one voice
    quotes = sheet.read_rows(tmp_path / "out" / "evidence-matrix-quotes.csv", "quotes")
    outreach = [q for q in quotes if q[0] == "outreach"]
    assert any(q[2].startswith("P008, expert; interview; interview.vtt, turn 4 at 00:36") for q in outreach)
    report = (tmp_path / "out" / "evidence-report.md").read_text()
    assert "## Governance" in report and "## Family involvement" in report
    assert "A campaign of 3 near-identical call-for-evidence responses (documents 4, 5, 6)" in report
    outputs = " ".join(p.read_text(encoding="utf-8-sig") for p in (tmp_path / "out").iterdir())
    assert not [n for n in REAL_NAMES if n.lower() in outputs.lower()]


def test_the_qdpx_is_valid_reads_back_and_holds_no_name(evidence: ReviewRunner, tmp_path: Path) -> None:
    _both_coded(evidence, tmp_path)
    path = tmp_path / "evidence.qdpx"
    result = evidence("evidence", "export-qdpx", str(path))
    assert result.exit_code == 0, result.output
    assert "8 source(s)" in result.output
    project = qdpx.read(path)
    xmlschema.XMLSchema(XSD).validate(project.xml.decode("utf-8"))
    assert sorted(project.codes.values())[:3] == ["co-location", "data-sharing", "family-involvement"]
    assert len(project.sources) == 8
    go = next(t for t in project.selections if t.startswith("Go to them"))
    assert sorted(project.selections[go]) == [
        "funding",
        "outreach",
        "outreach",
    ]  # reviewer1's two, reviewer2's one
    assert "P008" in project.cases and "P001" in project.cases
    with zipfile.ZipFile(path) as archive:
        everything = " ".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    assert not [n for n in REAL_NAMES if n.lower() in everything.lower()]
    named = evidence("evidence", "export-qdpx", str(tmp_path / "named.qdpx"), "--with-names")
    assert "It holds real names" in named.output
    assert "P008 (Sarah Whitfield)" in qdpx.read(tmp_path / "named.qdpx").cases


def test_withdrawing_a_document_removes_it_from_every_output(evidence: ReviewRunner, tmp_path: Path) -> None:
    _both_coded(evidence, tmp_path)
    result = evidence("evidence", "withdraw", "8", "--by", "lead", "--reason", "consent withdrawn by email")
    assert result.exit_code == 0, result.output
    assert "Withdrew document 8 (interview.vtt): 4 segment(s) erased, 1 name(s) erased" in result.output
    engine = _engine(evidence)
    with Session(engine) as s:
        doc = s.get(EvidenceDocument, 8)
        assert doc is not None and doc.text is None
        assert (doc.withdrawn_by, doc.withdrawn_reason) == ("lead", "consent withdrawn by email")
        assert doc.withdrawn_at is not None
        assert {g.text for g in s.exec(select(EvidenceSegment).where(EvidenceSegment.document_id == 8))} == {
            None
        }
    with engine.connect() as conn:
        assert "Sarah Whitfield" not in {
            r for (r,) in conn.execute(text("SELECT real_name FROM evidence_pseudonym"))
        }
    engine.dispose()
    evidence("evidence", "matrix", "--out", str(tmp_path / "out"))
    evidence("evidence", "export-qdpx", str(tmp_path / "after.qdpx"))
    rows = {r[0]: r for r in sheet.read_rows(tmp_path / "out" / "evidence-matrix-by-stream.csv", "matrix")}
    assert all(rows[t][rows["theme"].index("interview: documents")] == "0" for t in rows if t != "theme")
    outputs = " ".join(p.read_text(encoding="utf-8-sig") for p in (tmp_path / "out").iterdir())
    assert "interview.vtt" not in outputs and "P008" not in outputs
    project = qdpx.read(tmp_path / "after.qdpx")
    assert len(project.sources) == 7 and "P008" not in project.cases
    assert not [t for t in project.selections if t.startswith("Go to them")]
    listed = evidence("evidence", "list", "--withdrawn")
    assert "WITHDRAWN" in listed.output and "by lead: consent withdrawn by email" in listed.output
    sheet_path = tmp_path / "after.csv"
    evidence("evidence", "code-export", str(sheet_path), "--coder", "reviewer1")
    assert "Go to them" not in sheet_path.read_text(encoding="utf-8-sig")
    again = evidence("evidence", "import", str(DATA / "interview.vtt"))
    assert "already imported: skipped" in again.output  # a withdrawn document does not come back


def test_the_evidence_demo_runs_the_whole_flow_and_prints_the_matrix(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from review.cli import cli

    folder = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["evidence", "demo", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert (
        "Imported 10 documents (29 segments) from 5 files; 12 names replaced by pseudonyms." in result.output
    )
    assert "reviewer1 coded 29 segments by spreadsheet" in result.output
    assert (
        "| Theme | call for evidence | interview | focus group | family voice | Literature (works) |"
        in result.output
    )
    assert (
        "| Funding | 3 (3), 2 voices | 1 (1) | - | - | 0 |" in result.output
    )  # one campaign response withdrawn
    project = qdpx.read(folder / "extracted" / "evidence.qdpx")
    xmlschema.XMLSchema(XSD).validate(project.xml.decode("utf-8"))
    assert len(project.sources) == 9
    again = CliRunner().invoke(cli, ["evidence", "demo", "--dir", str(folder)])
    assert again.exit_code == 1 and "already exists" in again.output
