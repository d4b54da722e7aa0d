"""The keyboard screen, driven through the CLI: decide, undo, note, quit, resume; blinded; bad input."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import col, select

from review.cli.terminal import highlight
from review.db import session_scope
from review.models import Document, ScreeningDecision, ScreeningNote
from review.screen import decide
from tests.conftest import ReviewRunner
from tests.screen_helpers import assign_to, edit_protocol, kept_works, protocol_at

TA = "title_abstract"


def _shown(output: str) -> list[int]:
    """Work IDs in the order their cards were shown."""
    return [int(m) for m in re.findall(r"^Work (\d+): ", output, flags=re.MULTILINE)]


def _events(engine: Engine, reviewer: str = "reviewer1") -> list[tuple[int, str, str | None, int | None]]:
    with session_scope(engine) as s:
        rows = s.exec(
            select(ScreeningDecision)
            .where(ScreeningDecision.reviewer == reviewer)
            .order_by(col(ScreeningDecision.id))
        )
        return [(r.work_id, r.decision, r.reason_code, r.supersedes) for r in rows]


@pytest.fixture
def queued(engine: Engine) -> list[int]:
    """Three works in reviewer1's title/abstract queue (committed)."""
    with session_scope(engine) as s:
        ids = kept_works(s, 3)
        assign_to(s, ids, "reviewer1")
    return ids


def test_include_exclude_undo_quit_and_resume(run: ReviewRunner, engine: Engine, queued: list[int]) -> None:
    first = run("screen", "--reviewer", "reviewer1", input="ie2\nuq")
    assert first.exit_code == 0, first.output
    a, b, c, again = _shown(first.output)
    assert again == b and c not in (a, b)  # the undone record comes back at once
    assert "Saved: exclude (E-TOPIC)" in first.output and "Undone" in first.output
    events = _events(engine)
    assert events[:2] == [(a, "include", None, None), (b, "exclude", "E-TOPIC", None)]
    assert events[2][:2] == (b, "retracted") and events[2][3] is not None
    assert "1/3 done, 1 included" in first.output.splitlines()[-1]
    assert "ranked by the protocol's terms" in first.output  # how the queue is ordered, said plainly

    second = run("screen", "--reviewer", "reviewer1", input="mq")
    assert second.exit_code == 0, second.output
    shown = _shown(second.output)
    assert a not in shown and shown[0] in {b, *queued} - {a}
    assert _events(engine)[-1][:2] == (shown[0], "maybe")


def test_reason_prompt_can_be_cancelled_and_notes_are_kept(
    run: ReviewRunner, engine: Engine, queued: list[int]
) -> None:
    result = run("screen", "--reviewer", "reviewer1", input="e0\nnNeeds the full report\ni?q")
    assert result.exit_code == 0, result.output
    assert "Exclude cancelled." in result.output and "Note saved." in result.output
    assert "E-POPULATION:" in result.output  # the criteria help lists the reasons
    w = _shown(result.output)[0]
    with session_scope(engine) as s:
        note = s.exec(select(ScreeningNote)).one()
        event = s.exec(select(ScreeningDecision)).one()
    assert (note.work_id, note.text, note.reviewer) == (w, "Needs the full report", "reviewer1")
    assert (event.work_id, event.decision, event.note) == (w, "include", "Needs the full report")


def test_a_crash_keeps_decisions_already_made(
    run: ReviewRunner, engine: Engine, queued: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = decide.record
    calls = []

    def flaky(*args: Any, **kwargs: Any) -> decide.Decided:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(decide, "record", flaky)
    result = run("screen", "--reviewer", "reviewer1", input="ii")
    assert isinstance(result.exception, RuntimeError)
    assert [e[1] for e in _events(engine)] == ["include"]


def test_blinded_to_other_reviewers(
    run: ReviewRunner, engine: Engine, queued: list[int], review_dir: Path
) -> None:
    with session_scope(engine) as s:
        assign_to(s, queued, "reviewer2")
        for w in queued:
            decide.record(s, protocol_at(review_dir), work_id=w, stage=TA, reviewer="reviewer2",
                          decision="exclude", reason_code="E-SETTING", note="SECRET-OPINION")  # fmt: skip
    result = run("screen", "--reviewer", "reviewer1", input="q")
    assert result.exit_code == 0
    assert "reviewer2" not in result.output and "SECRET" not in result.output
    assert "E-SETTING" not in result.output.split("Keys:")[0]
    assert "0/3 done" in result.output


def test_full_text_shows_document_status_or_not_retrieved(
    run: ReviewRunner, engine: Engine, review_dir: Path
) -> None:
    with session_scope(engine) as s:
        ids = kept_works(s, 2)
        assign_to(s, ids, "reviewer1")
        for w in ids:
            decide.record(
                s, protocol_at(review_dir), work_id=w, stage=TA, reviewer="reviewer1", decision="include"
            )
        assign_to(s, ids, "reviewer1", stage="full_text")
        s.add(Document(work_id=ids[0], origin="manual", status="readable", pages=12, path="fulltext/a.pdf"))
    result = run("screen", "--reviewer", "reviewer1", "--stage", "full-text", input="isq")
    assert result.exit_code == 0, result.output
    assert "Full text readable, 12 pages: fulltext/a.pdf" in result.output
    assert "Full text not retrieved" in result.output
    assert "reviewer1 · full text: " in result.output and "full/text" not in result.output


def test_highlight_colours_include_and_exclude_terms() -> None:
    text = highlight(
        "Sure Start for adolescents and an adolescent", include=["sure start"], exclude=["adolescent"]
    )
    assert "\x1b[32m\x1b[1mSure Start\x1b[0m" in text
    assert "\x1b[31m\x1b[1madolescent\x1b[0m" in text and "adolescents" in text
    assert text.count("\x1b[31m") == 1  # "adolescents" is not the whole phrase "adolescent"


def test_bad_reviewer_stage_and_empty_queue(run: ReviewRunner, engine: Engine) -> None:
    unknown = run("screen", "--reviewer", "nobody")
    assert unknown.exit_code == 1 and "Error: Unknown reviewer 'nobody'" in unknown.stderr
    bad_stage = run("screen", "--reviewer", "reviewer1", "--stage", "abstract")
    assert bad_stage.exit_code == 2 and "abstract" in bad_stage.stderr
    empty = run("screen", "--reviewer", "reviewer1")
    assert empty.exit_code == 1 and "review screen assign" in empty.stderr
    assert run("screen").exit_code == 2


def test_protocol_without_criteria_is_an_error(run: ReviewRunner, review_dir: Path, engine: Engine) -> None:
    edit_protocol(review_dir, "[criteria]\ninclude = [", "[criteria_x]\ninclude = [")
    result = run("screen", "--reviewer", "reviewer1")
    assert result.exit_code == 1
    assert "Error:" in result.stderr and "criteria" in result.stderr
    with session_scope(engine) as s:
        assert s.exec(select(ScreeningDecision)).all() == []


def test_choices_not_offered_are_ignored() -> None:
    """Full-text adjudication offers no "maybe": the key does nothing and the help leaves it out."""
    import click
    from click.testing import CliRunner

    from review.cli.terminal import Card, Choice, run_terminal

    made: list[Choice] = []

    @click.command()
    def loop() -> None:
        run_terminal([Card(1, "A report", "govuk")], reasons=[("E-TOPIC", "off topic")],
                     on_decide=made.append, decisions=("include", "exclude"))  # fmt: skip

    result = CliRunner().invoke(loop, input="mi")
    assert result.exit_code == 0, result.output
    assert [c.decision for c in made] == ["include"]
    assert "m maybe" not in result.output and "i include" in result.output
