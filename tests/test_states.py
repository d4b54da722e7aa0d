"""One name per stage and state: the spellings users type, read and the store keeps; the store
refuses any other value."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from review.states import Stage


def test_a_stage_is_typed_shown_and_stored_one_way_each() -> None:
    assert [s.cli for s in Stage] == ["title-abstract", "full-text"]
    assert [s.label for s in Stage] == ["title/abstract", "full text"]
    assert Stage("full_text") is Stage.FULL_TEXT and f"{Stage.FULL_TEXT}" == "full_text"
    assert (
        Stage.parse(" Full-Text ") is Stage.FULL_TEXT
        and Stage.parse("title_abstract") is Stage.TITLE_ABSTRACT
    )
    assert Stage.parse("full/text") is None
    assert Stage.choices() == "title-abstract or full-text"


_WORK = "INSERT INTO work (id, created_at, updated_at) VALUES (1, '2026-12-01', '2026-12-01')"
_DECISION = (
    "INSERT INTO screening_decision (work_id, stage, reviewer, role, decision, created_at) "
    "VALUES (1, :stage, 'reviewer1', :role, 'include', '2026-12-01')"
)


@pytest.mark.parametrize(
    ("stage", "role"), [("full-text", "screener"), ("title_abstract", "boss")], ids=["stage", "role"]
)
def test_the_store_refuses_a_stage_or_state_it_does_not_know(engine: Engine, stage: str, role: str) -> None:
    with engine.begin() as conn:
        conn.execute(text(_WORK))
        conn.execute(text(_DECISION), {"stage": "full_text", "role": "screener"})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(_DECISION), {"stage": stage, "role": role})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(f"UPDATE screening_decision SET stage = '{stage}', role = '{role}'"))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT stage, role FROM screening_decision")).all() == [
            ("full_text", "screener")
        ]
