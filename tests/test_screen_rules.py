"""Protocol rules: conservative automatic exclusions, recorded as automation, explained on request."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from review import tally
from review.db import utcnow
from review.decisions import final_decisions
from review.models import Record, RuleResult, ScreeningDecision
from review.screen import decide, rules
from review.screen.terms import compile_terms, uk_named, uk_places
from tests.conftest import ReviewRunner
from tests.factories import add_works
from tests.screen_helpers import KEPT, assign_to, edit_protocol, protocol_at

TA = "title_abstract"


def _fired(session: Session) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for r in session.exec(select(RuleResult).where(RuleResult.active == True)):  # noqa: E712
        found.setdefault(r.work_id, set()).add(r.rule)
    return found


def test_each_rule_fires_only_when_the_data_says_so(session: Session, review_dir: Path) -> None:
    ids = add_works(session, [
        {**KEPT, "title": "Kept"},
        {**KEPT, "title": "Too old", "year": 1990},
        {**KEPT, "title": "No year", "year": None},
        {**KEPT, "title": "French", "language": "fr"},
        {**KEPT, "title": "Language unknown", "language": "und"},
        {**KEPT, "title": "Spelled English", "language": "English"},
        {**KEPT, "title": "An erratum", "doc_type": "erratum"},
        {**KEPT, "title": "US authors", "countries": ["US"]},
        {**KEPT, "title": "US authors writing about Leeds", "countries": ["US"]},
        {**KEPT, "title": "No countries at all", "countries": None},
        {**KEPT, "title": "Off topic", "abstract": "Hip fractures in older adults."},
        {**KEPT, "title": "Off topic but no abstract", "abstract": None},
    ])  # fmt: skip
    result = rules.run(session, protocol_at(review_dir), TA)
    fired = _fired(session)
    assert fired == {
        ids[1]: {"date_range"},
        ids[3]: {"language"},
        ids[6]: {"document_type"},
        ids[7]: {"setting"},
        ids[10]: {"required_terms"},
    }
    assert result.examined == 12 and result.excluded == 5 and result.added == 5
    finals = final_decisions(session, TA)
    assert (finals[ids[1]].status, finals[ids[1]].reason_code, finals[ids[1]].basis) == (
        "exclude",
        "E-DATE",
        "automation",
    )
    assert finals[ids[0]].status == "pending"


def test_setting_uses_record_countries_institutions_and_govuk(session: Session, review_dir: Path) -> None:
    ids = add_works(session, [{**KEPT, "title": f"Study {i}", "countries": ["US"]} for i in range(3)])
    now = utcnow()
    session.add(Record(source="govuk", source_id="/gov/1", work_id=ids[0], created_at=now, updated_at=now))
    leeds = {"institutions": [{"name": "University of Leeds", "country_code": "GB"}]}
    session.add(
        Record(source="openalex", source_id="W1", work_id=ids[1], created_at=now, updated_at=now, extra=leeds)
    )
    session.flush()
    rules.run(session, protocol_at(review_dir), TA)
    assert _fired(session) == {ids[2]: {"setting"}}


def test_rerun_is_idempotent_clears_and_keeps_overturned(session: Session, review_dir: Path) -> None:
    ids = add_works(
        session, [{**KEPT, "title": "Old", "year": 1990}, {**KEPT, "title": "US", "countries": ["US"]}]
    )
    protocol = protocol_at(review_dir)
    rules.run(session, protocol, TA)
    again = rules.run(session, protocol, TA)
    assert (again.added, again.cleared, again.excluded) == (0, 0, 2)
    assert len(session.exec(select(RuleResult)).all()) == 2
    # A person checking the setting exclusion includes the work: the rule is overturned, and stays so.
    assign_to(session, [ids[1]], "reviewer1", purpose="rule_check")
    decide.record(session, protocol, work_id=ids[1], stage=TA, reviewer="reviewer1", decision="include")
    rules.run(session, protocol, TA)
    assert _fired(session) == {ids[0]: {"date_range"}}
    assert final_decisions(session, TA)[ids[1]].status == "include"
    # The protocol widens its dates: the date exclusion no longer fires and is switched off.
    wider = protocol.model_copy(update={"review": protocol.review.model_copy(update={"start_date": None})})
    result = rules.run(session, wider, TA)
    assert result.cleared == 1 and _fired(session) == {}


def test_undoing_a_rule_check_restores_the_rule(session: Session, review_dir: Path) -> None:
    (w,) = add_works(session, [{**KEPT, "title": "Old", "year": 1990}])
    protocol = protocol_at(review_dir)
    rules.run(session, protocol, TA)
    assign_to(session, [w], "reviewer2", purpose="rule_check")
    decide.record(session, protocol, work_id=w, stage=TA, reviewer="reviewer2", decision="include")
    assert _fired(session) == {}
    decide.undo(session, "reviewer2", TA)
    assert _fired(session) == {w: {"date_range"}}
    assert final_decisions(session, TA)[w].basis == "automation"


def test_terms_match_whole_phrases_case_and_apostrophes() -> None:
    m = compile_terms(["Family Hub", "children's centre"])
    assert m.find("The FAMILY HUB and Children’s  Centre") == ["Family Hub", "children's centre"]
    assert m.find("Family Hubs") == []


def test_explain_cli_names_the_rule(run: ReviewRunner, review_dir: Path, session: Session) -> None:
    (w,) = add_works(session, [{**KEPT, "title": "Old", "year": 1990}])
    session.commit()
    assert run("screen", "rules").exit_code == 0
    result = run("screen", "--explain", str(w))
    assert result.exit_code == 0, result.output
    assert "date_range -> E-DATE (active): published 1990, before start date 1998-01-01" in result.output
    missing = run("screen", "--explain", "999")
    assert missing.exit_code == 1 and "Error: No work 999" in missing.stderr


def test_protocol_without_rules_excludes_nothing(
    run: ReviewRunner, review_dir: Path, session: Session
) -> None:
    text = (review_dir / "protocol" / "protocol.toml").read_text()
    start, end = text.index("[rules]"), text.index("[screening]")
    (review_dir / "protocol" / "protocol.toml").write_text(text[:start] + text[end:])
    add_works(session, [{**KEPT, "title": "Old", "year": 1990}])
    session.commit()
    result = run("screen", "rules")
    assert result.exit_code == 0, result.output
    assert "sets no rules" in result.output


def test_protocol_without_reason_codes_is_an_error(run: ReviewRunner, review_dir: Path) -> None:
    edit_protocol(
        review_dir, 'exclude = [\n    { code = "E-SETTING"', 'exclude_old = [\n    { code = "E-SETTING"'
    )
    result = run("screen", "rules")
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "criteria.exclude" in result.stderr


def test_full_text_rules_leave_title_abstract_judgements_alone(session: Session, review_dir: Path) -> None:
    protocol = protocol_at(review_dir)
    old, ok = add_works(session, [{**KEPT, "title": "Old", "year": 1990}, {**KEPT, "title": "Fine"}])
    rules.run(session, protocol, TA)
    # The adjudicator lets the old work through; the other is included by its screener.
    session.add(ScreeningDecision(work_id=old, stage=TA, reviewer="adjudicator", role="adjudicator",
                                  decision="include", created_at=utcnow()))  # fmt: skip
    session.flush()
    tally.refresh(session, [old])
    assign_to(session, [ok], "reviewer1")
    decide.record(session, protocol, work_id=ok, stage=TA, reviewer="reviewer1", decision="include")
    result = rules.run(session, protocol, "full_text")
    assert result.examined == 2 and result.excluded == 0
    assert {f.status for f in final_decisions(session, "full_text").values()} == {"pending"}


@pytest.mark.parametrize(
    ("text", "uk"),
    [
        ("Family hubs in Birmingham", True),
        ("Birmingham City Council's early help offer", True),
        ("Home visiting in Birmingham, Alabama", False),
        ("Manchester, New Hampshire and Cambridge, Massachusetts", False),
        ("Child care subsidies in New South Wales", False),
        ("Parenting programmes in London, Ontario", False),
        ("Head Start in New York City", False),
        ("Sure Start in Leeds compared with Head Start in Boston, Massachusetts", True),
    ],
)
def test_a_uk_place_name_abroad_is_not_the_uk(text: str, uk: bool) -> None:
    assert bool(uk_named(text, uk_places())) is uk


def test_document_type_rule_reads_each_databases_words(session: Session, review_dir: Path) -> None:
    types = ["Published Erratum", "Editorial Material", "Erratum", "JOUR", "Article; Early Access", "Letter"]
    ids = add_works(session, [{**KEPT, "title": f"Imported {t}", "doc_type": t} for t in types])
    rules.run(session, protocol_at(review_dir), TA)
    assert _fired(session) == {w: {"document_type"} for w in (ids[0], ids[1], ids[2], ids[5])}
