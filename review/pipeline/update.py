"""`review update` end to end: the searches' new windows, then the automated stages for what they found.

After the update runs (review.search.update) come dedupe (new records against every earlier one),
the title/abstract rules, the ranking and the queues (only works first seen since the latest closed
version: review.screen.assign), each in its own transaction like `review run`. Screening the new
works waits for people, as ever.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from review import pipeline
from review.http import ClientSettings
from review.protocol import Protocol
from review.search import update
from review.search.harvest import Progress, SessionFactory
from review.settings import Settings

AFTER_SEARCH = ("dedupe", "rules", "rank", "assign")


@dataclass(frozen=True)
class UpdateOutcome:
    search: update.UpdateResult
    stages: pipeline.PipelineResult | None  # None when the searches did not all finish


def run(
    sessions: SessionFactory,
    protocol: Protocol,
    root: Path,
    *,
    settings: Settings,
    source: str | None = None,
    name: str | None = None,
    changed: bool = False,
    full: bool = False,
    search_only: bool = False,
    client: ClientSettings | None = None,
    progress: Progress | None = None,
) -> UpdateOutcome:
    """Run the update's searches, then (unless `search_only` or a search stopped) the stages after."""
    found = update.run(sessions, protocol, root, settings=settings, source=source, name=name, changed=changed,
                       full=full, client=client, progress=progress)  # fmt: skip
    if search_only or found.unfinished:
        return UpdateOutcome(found, None)
    stages = pipeline.run(sessions, protocol, root, stages=AFTER_SEARCH, offline=True, settings=settings)
    return UpdateOutcome(found, stages)
