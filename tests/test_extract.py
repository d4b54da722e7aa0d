"""Extraction: the typed form, values and their errors, the writers' tables, who may extract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session

from review import extract
from review.errors import ExtractionError, ProtocolError
from review.extract import Entry
from review.extract.values import parse_text
from review.protocol import Protocol, load_protocol
from tests.conftest import PROTOCOL, ReviewRunner
from tests.extract_helpers import add_fulltext, decide, included
from tests.factories import add_works

REQUIRED = {
    "citation": "Smith 2020",
    "document_type": "evaluation report",
    "year": 2020,
    "nations": ["England"],
    "programmes": ["Family Hubs"],
    "design": "qualitative",
    "key_findings": "Staff valued co-location",
    "appraisal_tool": "AACODS",
    "overall_quality": "moderate",
}


@pytest.fixture
def protocol() -> Protocol:
    return load_protocol(PROTOCOL)


def entries(values: dict[str, Any]) -> list[Entry]:
    return [Entry(k, v) for k, v in values.items()]


def save(
    session: Session, protocol: Protocol, work: int, who: str, role: str, values: dict[str, Any]
) -> None:
    extract.save(session, protocol, work, who, role, entries(values))


def rows(session: Session, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.execute(text(sql))]


def test_the_real_form_has_every_section_and_type(protocol: Protocol) -> None:
    form = protocol.extraction
    assert form is not None and form.name == "early_years" and form.design == "single+verify"
    sections = [s.name for s in form.sections]
    assert sections[:3] == ["study", "setting", "programme"] and sections[-1] == "appraisal"
    types = {f.type for _, f in form.all_fields()}
    assert types == {"text", "integer", "number", "boolean", "date", "choice", "choices"}
    preconditions = dict(form.all_fields())["delivery.preconditions"].choices
    assert {"governance", "funding", "workforce", "data sharing", "co-location", "outreach"} <= set(
        preconditions
    )
    assert "evidence_map" in protocol.queries


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            '{ name = "funder", type = "text"',
            '{ name = "funder", type = "txt"',
            "field 'funder': unknown type 'txt'",
        ),
        (
            '{ name = "sample_size", type = "integer"',
            '{ name = "sample_size", type = "choice"',
            "field 'sample_size': a choice field needs a list of `choices`",
        ),
        ('{ name = "reach", type = "text"', '{ name = "Reach!", type = "text"', "sections.6.fields.2.name"),
        ('{ name = "reach", type = "text"', '{ name = "barriers", type = "text"', "unique across the form"),
    ],
)
def test_bad_form_names_the_field(tmp_path: Path, old: str, new: str, expected: str) -> None:
    source = PROTOCOL.read_text()
    assert old in source
    path = tmp_path / "protocol.toml"
    path.write_text(source.replace(old, new, 1))
    with pytest.raises(ProtocolError) as err:
        load_protocol(path)
    assert expected in str(err.value)


@pytest.mark.parametrize(
    ("key", "typed", "expected"),
    [
        ("population.sample_size", "1,234", 1234),
        ("findings.effect_size", "0.25", 0.25),
        ("population.disadvantaged_focus", "Yes", True),
        ("study.publication_date", "2021-03-04", "2021-03-04"),
        ("design.design", "rct", "RCT"),
        ("setting.nations", "wales, England", ["England", "Wales"]),
        ("study.funder", "  ", None),
    ],
)
def test_typed_values_are_parsed(protocol: Protocol, key: str, typed: str, expected: Any) -> None:
    assert protocol.extraction is not None
    field = dict(protocol.extraction.all_fields())[key]
    assert parse_text(key, field, typed) == expected


@pytest.mark.parametrize(
    ("key", "typed", "message"),
    [
        ("population.sample_size", "about 40", "population.sample_size: 'about 40' is not a whole number"),
        ("findings.effect_size", "big", "findings.effect_size: 'big' is not a number"),
        (
            "population.disadvantaged_focus",
            "perhaps",
            "population.disadvantaged_focus: 'perhaps' is not yes or no",
        ),
        ("study.publication_date", "March 2021", "study.publication_date: 'March 2021' is not a date"),
        ("design.design", "RCTs", "design.design: 'RCTs' is not one of the choices; allowed: RCT, quasi"),
        ("setting.nations", "England; Cornwall", "setting.nations: 'Cornwall' is not one of the choices"),
    ],
)
def test_bad_values_name_the_field(protocol: Protocol, key: str, typed: str, message: str) -> None:
    assert protocol.extraction is not None
    field = dict(protocol.extraction.all_fields())[key]
    with pytest.raises(ExtractionError) as err:
        parse_text(key, field, typed)
    assert message in str(err.value)


def test_a_bad_value_writes_nothing(session: Session, protocol: Protocol) -> None:
    [work] = included(session, [{"title": "A"}])
    bad = {**REQUIRED, "sample_size": "many"}
    with pytest.raises(ExtractionError, match=r"population\.sample_size"):
        save(session, protocol, work, "reviewer1", "extractor", bad)
    assert rows(session, "SELECT COUNT(*) FROM extraction_value") == [(0,)]


def test_only_included_works_are_extracted(session: Session, protocol: Protocol) -> None:
    [excluded, waiting] = add_works(session, [{"title": "Out"}, {"title": "Waiting"}])
    decide(session, excluded, "title_abstract", "exclude", reason="E-TOPIC")
    decide(session, waiting, "title_abstract", "include")
    with pytest.raises(
        ExtractionError, match=r"not included at full text \(at title/abstract it is exclude\)"
    ):
        extract.begin(session, protocol, excluded, "reviewer1", "extractor")
    with pytest.raises(ExtractionError, match=r"at full text it is pending"):
        extract.begin(session, protocol, waiting, "reviewer1", "extractor")
    with pytest.raises(ExtractionError, match="No record 999"):
        extract.begin(session, protocol, 999, "reviewer1", "extractor")


def test_writers_table_has_a_column_per_field_and_child_tables(session: Session, protocol: Protocol) -> None:
    [work, empty] = included(session, [{"title": "A"}, {"title": "B"}])
    save(session, protocol, work, "reviewer1", "extractor", {**REQUIRED, "outcome_domains": ["parenting"]})
    assert protocol.extraction is not None
    columns = [c["name"] for c in inspect(session.connection()).get_columns("extract_early_years")]
    assert columns == ["work_id", *(f.name for _, f in protocol.extraction.all_fields())]
    found = rows(
        session, "SELECT work_id, citation, year, nations, design FROM extract_early_years ORDER BY 1"
    )
    assert found == [(work, "Smith 2020", 2020, "England", "qualitative"), (empty, None, None, None, None)]
    assert rows(session, "SELECT * FROM extract_early_years_outcome_domains") == [(work, "parenting")]


def test_form_changes_migrate_the_table(session: Session, protocol: Protocol) -> None:
    [work] = included(session, [{"title": "A"}])
    save(session, protocol, work, "reviewer1", "extractor", {**REQUIRED, "funder": "Nuffield"})
    assert protocol.extraction is not None
    study = protocol.extraction.sections[0]
    added = study.fields[0].model_copy(update={"name": "doi_checked", "type": "boolean", "required": False})
    kept = (*(f for f in study.fields if f.name != "funder"), added)
    form = protocol.extraction.model_copy(
        update={"sections": (study.model_copy(update={"fields": kept}), *protocol.extraction.sections[1:])}
    )
    result = extract.materialise(session, protocol.model_copy(update={"extraction": form}))
    assert result.columns_added == ("doi_checked",)
    assert rows(session, "SELECT funder, doi_checked FROM extract_early_years") == [("Nuffield", None)]


def test_single_verify_conflict_is_listed_and_resolved(session: Session, protocol: Protocol) -> None:
    [work] = included(session, [{"title": "A"}])
    save(session, protocol, work, "reviewer1", "extractor", REQUIRED)
    with pytest.raises(ExtractionError, match="single\\+verify, so a second person verifies"):
        extract.begin(session, protocol, work, "reviewer2", "extractor")
    with pytest.raises(ExtractionError, match="a different person must verify"):
        extract.begin(session, protocol, work, "reviewer1", "verifier")
    offered = {
        i.key: i.default.value
        for i in extract.begin(session, protocol, work, "reviewer2", "verifier")
        if i.default
    }
    assert offered["design.design"] == "qualitative"
    save(session, protocol, work, "reviewer2", "verifier", {**REQUIRED, "design": "mixed methods"})
    [conflict] = extract.conflicts(session)
    assert (conflict.field, conflict.by_reviewer) == (
        "design.design",
        {"reviewer1": "qualitative", "reviewer2": "mixed methods"},
    )
    assert rows(session, "SELECT design, citation FROM extract_early_years") == [(None, "Smith 2020")]
    with pytest.raises(ExtractionError, match=r"study\.citation of record .* is not a conflict \(agreed\)"):
        extract.resolve(session, protocol, work, "citation", "X", "adjudicator")
    with pytest.raises(ExtractionError, match=r"design\.design: 'lab' is not one of the choices"):
        extract.resolve(session, protocol, work, "design", "lab", "adjudicator")
    result = extract.resolve(session, protocol, work, "design", "mixed methods", "adjudicator")
    assert result.remaining == 0
    assert rows(session, "SELECT design FROM extract_early_years") == [("mixed methods",)]


def test_prefill_suggests_with_page_and_quote(session: Session, protocol: Protocol) -> None:
    [work] = included(
        session, [{"title": "Family Hubs in Blackpool", "abstract": "An evaluation.", "year": 2023}]
    )
    doc = add_fulltext(
        session,
        work,
        [
            "Introduction. Family hubs opened across England in 2022.",
            "Methods. We ran a quasi-experimental study. The analysis covered 3,456 families in 30 areas.",
        ],
    )
    extract.prefill(session, protocol, [work])
    items = {i.key: i for i in extract.begin(session, protocol, work, "reviewer1", "extractor")}
    design = items["design.design"].default
    assert design is not None
    assert (design.value, design.document_id, design.page_no) == ("quasi-experimental", doc, 2)
    assert design.quote == "We ran a quasi-experimental study."
    sample = items["population.sample_size"].default
    assert sample is not None and (sample.value, sample.page_no) == (3456, 2)
    values = {key: item.default.value for key, item in items.items() if item.default is not None}
    assert values["population.sample_unit"] == "families"
    assert values["setting.nations"] == ["England"]
    assert values["programme.programmes"] == ["Family Hubs"]
    assert values["setting.areas"] == "Blackpool"
    assert values["study.year"] == 2023
    assert extract.prefill(session, protocol, [work]).suggestions == 0  # re-running adds nothing


def test_terminal_form_reprompts_and_keeps_provenance(
    run: ReviewRunner, review_dir: Path, engine: Any
) -> None:
    from review.db import session_scope

    with session_scope(engine) as s:
        [work] = included(
            s, [{"title": "Sure Start in England", "abstract": "A cohort study.", "year": 2010}]
        )
    form = load_protocol(review_dir).extraction
    assert form is not None
    answers = {"citation": "Belsky 2010", "document_type": "review", "effect_size": "big\n0.4",
               "programmes": "other", "key_findings": "Mixed", "appraisal_tool": "nope\ndesign-based",
               "overall_quality": "low"}  # fmt: skip
    keys = "".join(answers.get(f.name, "") + "\n" for _, f in form.all_fields())
    result = run("extract", str(work), "--reviewer", "reviewer1", input=keys)
    assert result.exit_code == 0, result.output
    assert "findings.effect_size: 'big' is not a number" in result.stderr
    assert "appraisal.appraisal_tool: 'nope' is not one of the choices" in result.stderr
    assert 'suggested (title/abstract: "A cohort study.")' in result.output
    with session_scope(engine) as s:
        got = rows(s, "SELECT design, effect_size, appraisal_tool, year FROM extract_early_years")
        quote = rows(
            s, "SELECT quote FROM extraction_value WHERE role = 'extractor' AND field = 'design.design'"
        )
    assert got == [("cohort", 0.4, "design-based", 2010)]
    assert quote == [("A cohort study.",)]


def test_terminal_form_stops_on_request_and_keeps_what_was_answered(
    run: ReviewRunner, review_dir: Path, engine: Any
) -> None:
    from review.db import session_scope

    with session_scope(engine) as s:
        [work] = included(s, [{"title": "Sure Start in England", "year": 2010}])
    form = load_protocol(review_dir).extraction
    assert form is not None
    first = form.all_fields()[0][1].name
    answers = {first: "Belsky 2010"}
    keys = "".join(answers.get(f.name, "") + "\n" for _, f in form.all_fields()[:1]) + ":q\n"
    result = run("extract", str(work), "--reviewer", "reviewer1", input=keys)
    assert result.exit_code == 0, result.output
    assert ":q saves what you have entered and stops" in result.output
    assert f"Stopped after 1 of {len(form.all_fields())} fields" in result.output
    with session_scope(engine) as s:
        saved = rows(s, "SELECT field, value FROM extraction_value WHERE role = 'extractor'")
    # The value column is JSON: SQLite hands back its text, PostgreSQL the decoded value.
    kept = [(f, json.loads(v) if str(v).startswith('"') else v) for f, v in saved if v is not None]
    assert kept == [(form.all_fields()[0][0], "Belsky 2010")]
    # The end of input (or Ctrl-C) keeps the answers too.
    again = run("extract", str(work), "--reviewer", "reviewer1", input="\n")
    assert again.exit_code == 0, again.output
    assert "Stopped after 1 of" in again.output


def test_cli_errors_say_why(run: ReviewRunner) -> None:
    result = run("extract", "7", "--reviewer", "reviewer1")
    assert result.exit_code == 1 and "Error: No record 7" in result.stderr
    result = run("extract", "7", "--reviewer", "nobody")
    assert result.exit_code == 1 and "Unknown reviewer 'nobody'" in result.stderr


def test_dual_design_compares_two_extractors(session: Session, protocol: Protocol) -> None:
    assert protocol.extraction is not None
    form = protocol.extraction.model_copy(update={"design": "dual"})
    dual = protocol.model_copy(update={"extraction": form})
    [work] = included(session, [{"title": "A"}])
    save(session, dual, work, "reviewer1", "extractor", REQUIRED)
    save(session, dual, work, "reviewer2", "extractor", {**REQUIRED, "year": 2021})
    with pytest.raises(ExtractionError, match="design is dual"):
        extract.begin(session, dual, work, "adjudicator", "verifier")
    assert [(c.field, c.by_reviewer) for c in extract.conflicts(session)] == [
        ("study.year", {"reviewer1": 2020, "reviewer2": 2021})
    ]
    assert rows(session, "SELECT year, citation FROM extract_early_years") == [(None, "Smith 2020")]


def test_a_verifier_blanking_a_value_is_a_disagreement(session: Session, protocol: Protocol) -> None:
    [work] = included(session, [{"title": "A"}])
    save(session, protocol, work, "reviewer1", "extractor", {**REQUIRED, "funder": "DfE"})
    save(session, protocol, work, "reviewer2", "verifier", {**REQUIRED, "funder": None})
    assert [(c.field, c.by_reviewer) for c in extract.conflicts(session)] == [
        ("study.funder", {"reviewer1": "DfE", "reviewer2": None})
    ]
