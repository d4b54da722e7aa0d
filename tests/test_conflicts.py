"""Conflicts: listing, adjudication (terminal and command line), and the spreadsheet round trip."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from review.conflicts import list_conflicts, resolve
from review.db import session_scope
from review.decisions import Final, final_decisions
from review.errors import AdjudicationError, InputError
from review.models import ScreeningDecision
from review.protocol import Protocol, load_protocol
from tests.conflicts_helpers import ADJ, A, B, assign, decide, set_protocol
from tests.factories import add_works

TA, FT = "title_abstract", "full_text"


@pytest.fixture
def protocol(review_dir: Path) -> Protocol:
    return load_protocol(review_dir)


def _build(session: Session) -> list[int]:
    """w0 conflict, w1 agreed include, w2 waiting for B, w3 conflict with notes."""
    ids = add_works(
        session, [{"title": f"Work {i}", "abstract": f"Abstract {i}", "year": 2020} for i in range(4)]
    )
    for w in ids:
        assign(session, w)
    decide(session, ids[0], A, "include")
    decide(session, ids[0], B, "exclude", "E-TOPIC", note="about school-age children")
    decide(session, ids[1], A, "include")
    decide(session, ids[1], B, "maybe")
    decide(session, ids[2], A, "exclude", "E-TOPIC")
    decide(session, ids[3], A, "exclude", "E-SETTING", note="US study")
    decide(session, ids[3], B, "include", note="mentions England")
    return ids


@pytest.fixture
def works(session: Session) -> list[int]:
    """The conflicts above, in the test's own session (for stage functions)."""
    return _build(session)


@pytest.fixture
def saved(engine: Engine) -> list[int]:
    """The conflicts above, committed (for CLI tests, which open their own sessions)."""
    with session_scope(engine) as session:
        return _build(session)


def _adjudications(session: Session) -> list[ScreeningDecision]:
    return list(session.exec(select(ScreeningDecision).where(ScreeningDecision.role == "adjudicator")))


def _finals(engine: Engine) -> dict[int, Final]:
    with Session(engine) as session:
        return final_decisions(session, TA)


def _events(engine: Engine) -> list[ScreeningDecision]:
    with Session(engine) as session:
        return _adjudications(session)


def test_conflicts_show_only_when_both_decided(session: Session, works: list[int]) -> None:
    found = list_conflicts(session, TA)
    assert [c.work_id for c in found] == [works[0], works[3]]
    first = found[0]
    assert first.kind == "include/exclude" and first.title == "Work 0"
    assert [(v.reviewer, v.decision, v.reason_code, v.note) for v in first.votes] == [
        (A, "include", None, None),
        (B, "exclude", "E-TOPIC", "about school-age children"),
    ]
    decide(session, works[2], B, "include")  # now both have decided, and they disagree
    assert works[2] in [c.work_id for c in list_conflicts(session, TA)]


def test_full_text_reason_conflicts(session: Session, works: list[int]) -> None:
    decide(session, works[1], A, "exclude", "E-TOPIC", stage=FT)
    decide(session, works[1], B, "exclude", "E-SETTING", stage=FT)
    (found,) = list_conflicts(session, FT)
    assert (found.work_id, found.kind) == (works[1], "reasons")


def test_resolve_writes_an_adjudicator_event(session: Session, protocol: Protocol, works: list[int]) -> None:
    done = resolve(
        session, protocol, TA, works[0], ADJ, decision="exclude", reason="E-TOPIC", note="agree with B"
    )
    assert done.supersedes is None
    final = final_decisions(session, TA)[works[0]]
    assert (final.status, final.reason_code, final.basis) == ("exclude", "E-TOPIC", "adjudication")
    assert [c.work_id for c in list_conflicts(session, TA)] == [works[3]]
    again = resolve(session, protocol, TA, works[0], ADJ, decision="include")  # a change of mind appends
    assert again.supersedes == done.event_id
    assert final_decisions(session, TA)[works[0]].status == "include"
    assert len(_adjudications(session)) == 2


def test_resolve_refuses_bad_requests(session: Session, protocol: Protocol, works: list[int]) -> None:
    with pytest.raises(AdjudicationError, match=r"reviewer1 screened record .* cannot adjudicate"):
        resolve(session, protocol, TA, works[0], A, decision="include")
    with pytest.raises(InputError, match="Work 999 does not exist"):
        resolve(session, protocol, TA, 999, ADJ, decision="include")
    with pytest.raises(AdjudicationError, match=r"not in conflict.*stands at include"):
        resolve(session, protocol, TA, works[1], ADJ, decision="include")
    with pytest.raises(AdjudicationError, match="needs a reason code"):
        resolve(session, protocol, TA, works[0], ADJ, decision="exclude")
    with pytest.raises(AdjudicationError, match="'E-NOPE' is not one"):
        resolve(session, protocol, TA, works[0], ADJ, decision="exclude", reason="E-NOPE")
    assert _adjudications(session) == []


def test_protocol_may_allow_screener_adjudication(
    review_dir: Path, session: Session, works: list[int]
) -> None:
    set_protocol(review_dir, "allow_screener_adjudication = false", "allow_screener_adjudication = true")
    resolve(session, load_protocol(review_dir), TA, works[0], A, decision="include")
    assert final_decisions(session, TA)[works[0]].status == "include"


# --- CLI ----------------------------------------------------------------------------------------


def test_end_to_end_through_the_cli(run, engine: Engine, saved: list[int]) -> None:
    listed = run("conflicts")
    assert listed.exit_code == 0, listed.output
    assert "2 open conflict(s)" in listed.output and "E-TOPIC" in listed.output
    done = run(
        "conflicts",
        "resolve",
        "--reviewer",
        ADJ,
        "--work",
        str(saved[0]),
        "--decision",
        "exclude",
        "--reason",
        "E-TOPIC",
        "--note",
        "school-age only",
    )
    assert done.exit_code == 0, done.output
    assert f"Work {saved[0]}: exclude (E-TOPIC) by adjudicator, saved." in done.output
    assert _finals(engine)[saved[0]].status == "exclude"
    assert "1 open conflict(s)" in run("conflicts").output
    log = run("log", str(saved[0]))
    assert log.exit_code == 0, log.output
    assert "conflict (reviewer1: include, reviewer2: exclude E-TOPIC)" in log.output
    assert "adjudicator (adjudicated) exclude (E-TOPIC) - school-age only" in log.output


def test_interactive_resolution(run, engine: Engine, saved: list[int]) -> None:
    result = run("conflicts", "resolve", "--reviewer", ADJ, input="snUS only\ne1\nq")
    assert result.exit_code == 0, result.output
    assert "2 of 2 conflict(s) left" in result.output and "about school-age children" in result.output
    assert "mentions England" in result.output and "1 of 2 conflict(s) left" in result.output
    assert "1 conflict(s) resolved" in result.output
    finals = _finals(engine)
    assert finals[saved[0]].status == "conflict"  # skipped
    assert (finals[saved[3]].status, finals[saved[3]].reason_code) == ("exclude", "E-SETTING")
    (event,) = _events(engine)
    assert (event.reviewer, event.note) == (ADJ, "US only")


def test_interactive_quit_keeps_what_was_decided(run, engine: Engine, saved: list[int]) -> None:
    result = run("conflicts", "resolve", "--reviewer", ADJ, input="iq")
    assert result.exit_code == 0, result.output
    assert _finals(engine)[saved[0]].status == "include"
    assert _finals(engine)[saved[3]].status == "conflict"


def test_cli_errors(run, saved: list[int]) -> None:
    own = run("conflicts", "resolve", "--reviewer", A, "--record", str(saved[0]), "--decision", "include")
    assert own.exit_code == 1 and "cannot adjudicate" in own.stderr
    both_mine = run("conflicts", "resolve", "--reviewer", A)
    assert both_mine.exit_code == 1 and "were screened by reviewer1" in both_mine.stderr
    unknown = run("conflicts", "resolve", "--reviewer", ADJ, "--work", "999", "--decision", "include")
    assert unknown.exit_code == 1 and "Work 999 does not exist" in unknown.stderr
    # --record, the option's old name, still works
    old_name = run("conflicts", "resolve", "--reviewer", ADJ, "--record", "999", "--decision", "include")
    assert old_name.exit_code == 1 and "Work 999 does not exist" in old_name.stderr
    stranger = run("conflicts", "resolve", "--reviewer", "mallory")
    assert stranger.exit_code == 1 and "Unknown reviewer" in stranger.stderr
    no_record = run("conflicts", "resolve", "--reviewer", ADJ, "--decision", "include")
    assert no_record.exit_code == 2
    assert run("log", "999").exit_code == 1


# --- spreadsheets -------------------------------------------------------------------------------


def _fill(path: Path, decisions: dict[int, tuple[str, str, str]]) -> None:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        row["decision"], row["reason_code"], row["note"] = decisions.get(int(row["record_id"]), ("", "", ""))
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_csv_round_trip(run, engine: Engine, saved: list[int], review_dir: Path) -> None:
    exported = run("conflicts", "export", "--reviewer", ADJ, "--format", "csv")
    assert exported.exit_code == 0, exported.output
    path = review_dir / "extracted" / f"conflicts-title-abstract-{ADJ}.csv"
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["record_id"]) for r in rows] == [saved[0], saved[3]]
    assert rows[0]["decision_2"] == "exclude" and rows[0]["note_2"] == "about school-age children"
    assert rows[0]["adjudicator"] == ADJ and rows[0]["decision"] == ""
    _fill(path, {saved[0]: ("exclude", "E-TOPIC", "school age")})
    imported = run("conflicts", "import", str(path))
    assert imported.exit_code == 0, imported.output
    assert "Applied 1 decision(s); 1 row(s) without a decision" in imported.output
    assert _finals(engine)[saved[0]].status == "exclude"
    again = run("conflicts", "import", str(path))
    assert "Applied 0 decision(s)" in again.output and "1 already applied" in again.output
    assert len(_events(engine)) == 1


def test_import_lists_every_bad_row_and_applies_nothing(
    run, engine: Engine, saved: list[int], review_dir: Path
) -> None:
    path = review_dir / "sheet.csv"
    assert run("conflicts", "export", "--reviewer", ADJ, "--output", str(path)).exit_code == 0
    _fill(path, {saved[0]: ("include", "", ""), saved[3]: ("exclude", "E-WRONG", "")})
    with path.open(encoding="utf-8") as fh:
        text = fh.read()
    blanks = "," * 12  # up to the adjudicator column
    extra = [
        f"abc,title-abstract,x{blanks}{ADJ},include,,",
        f"{saved[1]},title-abstract,x{blanks}{ADJ},include,,",
    ]
    path.write_text(text + "\n".join(extra) + "\n", encoding="utf-8")
    result = run("conflicts", "import", str(path))
    assert result.exit_code == 1
    assert "3 bad row(s); nothing was applied" in result.stderr
    assert "row 3: record" in result.stderr and "E-WRONG" in result.stderr
    assert "row 4: record_id 'abc'" in result.stderr
    assert "row 5: Work" in result.stderr and "not in conflict" in result.stderr
    assert _events(engine) == []


def test_import_refuses_a_screener_as_adjudicator(
    run, engine: Engine, saved: list[int], review_dir: Path
) -> None:
    path = review_dir / "sheet.csv"
    assert run("conflicts", "export", "--reviewer", ADJ, "--output", str(path)).exit_code == 0
    _fill(path, {saved[0]: ("include", "", "")})
    path.write_text(
        path.read_text(encoding="utf-8").replace(f",{ADJ},include", f",{A},include"), encoding="utf-8"
    )
    result = run("conflicts", "import", str(path))
    assert result.exit_code == 1 and "reviewer1 screened record" in result.stderr
    assert _events(engine) == []


def test_xlsx_round_trip(run, engine: Engine, saved: list[int], review_dir: Path) -> None:
    from openpyxl import load_workbook

    assert run("conflicts", "export", "--reviewer", ADJ).exit_code == 0
    path = review_dir / "extracted" / f"conflicts-title-abstract-{ADJ}.xlsx"
    wb = load_workbook(path)
    ws = wb.active
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("decision") + 1, value="include")
    ws.cell(row=3, column=header.index("note") + 1, value="UK setting after all")
    wb.save(path)
    result = run("conflicts", "import", str(path))
    assert result.exit_code == 0, result.output
    assert _finals(engine)[saved[3]].status == "include"


def test_export_with_nothing_to_resolve_fails_cleanly(run, saved: list[int]) -> None:
    result = run("conflicts", "export", "--reviewer", ADJ, "--stage", "full-text")
    assert result.exit_code == 1 and "No open conflicts at full-text" in result.stderr


def test_maybe_is_an_adjudication_only_at_title_abstract(
    session: Session, protocol: Protocol, works: list[int]
) -> None:
    resolve(session, protocol, TA, works[0], ADJ, decision="maybe")
    assert final_decisions(session, TA)[works[0]].status == "include"  # it goes on to full text
    decide(session, works[0], A, "exclude", "E-TOPIC", stage=FT)
    decide(session, works[0], B, "include", stage=FT)
    with pytest.raises(AdjudicationError, match="not one of include, exclude at full-text"):
        resolve(session, protocol, FT, works[0], ADJ, decision="maybe")


def test_xlsx_keeps_text_that_looks_like_a_formula(run, engine: Engine, review_dir: Path) -> None:
    from openpyxl import load_workbook

    with session_scope(engine) as session:
        (w,) = add_works(session, [{"title": '=HYPERLINK("http://x")'}])
        decide(session, w, A, "include")
        decide(session, w, B, "exclude", "E-TOPIC", note="=1+1")
    path = review_dir / "c.xlsx"
    assert run("conflicts", "export", "--reviewer", ADJ, "--output", str(path)).exit_code == 0
    ws = load_workbook(path).active
    row = [c for c in ws[2]]
    assert {c.value for c in row if c.data_type == "f"} == set()
    assert "=1+1" in [c.value for c in row]


def test_a_note_typed_before_quitting_is_kept(run, engine: Engine, saved: list[int]) -> None:
    result = run("conflicts", "resolve", "--reviewer", ADJ, input="nAsk the authors for the full report\nq")
    assert result.exit_code == 0, result.output
    from sqlmodel import Session, select

    from review.models import ScreeningNote

    with Session(engine) as session:
        notes = session.exec(select(ScreeningNote)).all()
    assert [(n.work_id, n.reviewer, n.text) for n in notes] == [
        (saved[0], ADJ, "Ask the authors for the full report")
    ]
