"""Helpers for the screen stage's tests: protocols with other designs, rule-free works, assignments."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from sqlmodel import Session

from review import tally
from review.db import utcnow
from review.models import Assignment
from review.protocol import Protocol, load_protocol
from tests.factories import add_works

# A work that no rule in the real protocol excludes: UK authors, a required term, in range.
KEPT = {"abstract": "Family support in the early years.", "year": 2015, "countries": ["GB"], "language": "en"}


def protocol_at(review_dir: Path) -> Protocol:
    return load_protocol(review_dir)


def with_design(protocol: Protocol, stage: str, **changes: Any) -> Protocol:
    """The protocol with the stage's screening design changed (e.g. design="dual")."""
    design = protocol.stage_design(stage).model_copy(update=changes)
    screening = protocol.screening.model_copy(update={stage: design})
    return protocol.model_copy(update={"screening": screening})


_IDS = itertools.count()


def kept_works(session: Session, n: int, **extra: Any) -> list[int]:
    """`n` works that pass every rule of the real protocol (callable many times on one store)."""
    items = [{**KEPT, "title": f"Children's centre study {i}", "source_id": f"kept-{next(_IDS)}", **extra}
             for i in range(n)]  # fmt: skip
    return add_works(session, items)


def assign_to(
    session: Session,
    work_ids: list[int],
    reviewer: str,
    purpose: str = "single",
    stage: str = "title_abstract",
) -> None:
    for w in work_ids:
        session.add(
            Assignment(work_id=w, stage=stage, reviewer=reviewer, purpose=purpose, created_at=utcnow())
        )
    session.flush()
    tally.refresh(session, work_ids)


def edit_protocol(review_dir: Path, old: str, new: str) -> None:
    """Replace text in the review folder's protocol (the text must be there)."""
    path = review_dir / "protocol" / "protocol.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")
