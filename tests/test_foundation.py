"""Protocol loading, store creation and migrations, and the CLI contract."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import col, select

from review.db import init_db, make_engine, schema_version
from review.errors import ProtocolError, StoreError
from review.models import SCHEMA_VERSION
from review.protocol import load_protocol
from tests.conftest import PROTOCOL, ReviewRunner


def test_real_protocol_loads() -> None:
    p = load_protocol(PROTOCOL)
    assert len(p.sources.openalex.searches) >= 5
    assert len(p.sources.govuk.searches) >= 6
    assert "E-SETTING" in p.reason_codes()
    assert p.sha256 and len(p.sha256) == 64
    from review.dedupe import Policy  # the protocol's [dedupe] settings are what a run uses

    assert Policy.of(p.dedupe) == Policy(
        auto=0.999, review=0.2, preprint_is_work=False, conference_is_work=False
    )


def test_template_protocol_loads(tmp_path: Path) -> None:
    from importlib.resources import files

    tpl = tmp_path / "p.toml"
    tpl.write_text(files("review.data").joinpath("protocol_template.toml").read_text())
    assert load_protocol(tpl).review.reviewers
    # `review init` starts a review from the review of record's protocol: keep the two in step.
    assert tpl.read_text() == PROTOCOL.read_text()


def _write(tmp_path: Path, edit: tuple[str, str]) -> Path:
    text_ = PROTOCOL.read_text()
    assert edit[0] in text_
    path = tmp_path / "protocol.toml"
    path.write_text(text_.replace(edit[0], edit[1], 1))
    return path


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (('title = "Integrated', 'titel = "Integrated'), "review.title: missing"),
        (("per_page = 100\n", "per_page = 'many'\n"), "sources.openalex.per_page"),
        (("seed = 2026\n", "seed = 2026\ncolour = 'blue'\n"), "screening.colour: unknown key"),
        (('date_reason = "E-DATE"', 'date_reason = "E-NOPE"'), "not an exclusion code"),
        (('design = "pilot"', 'design = "triple"'), "screening.title_abstract.design"),
        (
            ('adjudicators = ["adjudicator"]', 'adjudicators = ["nobody"]'),
            "nobody, not in [review] reviewers",
        ),
        (("auto_merge = 0.999 ", "auto_merge = 1.5 "), "dedupe.auto_merge"),
        (("review = 0.2 ", "review = 0.9995 "), "must not exceed dedupe.auto_merge"),
    ],
)
def test_bad_protocol_names_file_key_and_fix(tmp_path: Path, edit: tuple[str, str], expected: str) -> None:
    path = _write(tmp_path, edit)
    with pytest.raises(ProtocolError) as err:
        load_protocol(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_bad_toml_syntax(tmp_path: Path) -> None:
    path = _write(tmp_path, ("[review]", "[review"))
    with pytest.raises(ProtocolError, match="not valid TOML"):
        load_protocol(path)


def test_new_store_has_version(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "r.db")
    init_db(engine)
    init_db(engine)  # idempotent
    assert schema_version(engine) == SCHEMA_VERSION


def test_newer_store_refused(tmp_path: Path) -> None:
    engine = make_engine(tmp_path / "r.db")
    init_db(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = '999' WHERE key = 'schema_version'"))
    with pytest.raises(StoreError, match="newer than this review"):
        init_db(engine)


def test_help_touches_no_database(tmp_path: Path) -> None:
    runner = ReviewRunner(tmp_path, str(tmp_path / "r.db"))
    result = runner("status", "--help")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "r.db").exists()


def test_init_then_status(tmp_path: Path) -> None:
    runner = ReviewRunner(tmp_path / "new", str(tmp_path / "new" / "review.db"))
    result = runner.runner.invoke(
        __import__("review.cli", fromlist=["cli"]).cli, ["init", str(tmp_path / "new")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "new" / "protocol" / "protocol.toml").exists()
    again = runner.runner.invoke(
        __import__("review.cli", fromlist=["cli"]).cli, ["init", str(tmp_path / "new")]
    )
    assert again.exit_code == 1
    assert "already exists" in again.stderr
    status = runner("status")
    assert status.exit_code == 0, status.output
    assert "No records yet" in status.stdout


def test_json_columns_round_trip_numbers_text_and_structures(engine: Engine) -> None:
    from review.db import session_scope, utcnow
    from review.models import ExtractionValue, Work

    values = [42, 1.5, "42", [1, "a"], {"k": None}, True]
    with session_scope(engine) as s:
        s.add(Work(id=1, created_at=utcnow(), updated_at=utcnow()))
        s.flush()
        for v in values:
            s.add(ExtractionValue(work_id=1, reviewer="r", field="f", value=v, created_at=utcnow()))
    with session_scope(engine) as s:
        stored = s.exec(select(ExtractionValue).order_by(col(ExtractionValue.id)))
        assert [e.value for e in stored] == values
