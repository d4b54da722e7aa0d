"""Changes to the screening protocol after screening started: logged, then reported.

The part of the protocol screening depends on (`Protocol.screening_snapshot`: criteria and reason
codes, rules, designs, agreement statistics and thresholds) is logged when screening starts (the
first assignment at any stage) and again whenever a screening run (`review screen rules`,
`review screen assign`, which also acts on the pilot gate) finds it changed. The store has no table
for it yet: `StageRun` rows named `screen_protocol` hold the snapshot and the change in `counts`.
`review status` and the methods text report every change with when it happened; `pending` finds a
change that no run has logged yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from review.models import Assignment, ScreeningDecision, StageRun
from review.protocol import Protocol
from review.stagerun import log_event
from review.states import STAGES, Stage

LOG = "screen_protocol"
_MISSING = object()


@dataclass(frozen=True)
class ProtocolChange:
    """One logged change of the screening protocol."""

    at: datetime
    changes: tuple[str, ...]  # "screening.title_abstract.agreement_statistic: kappa → ac1"
    progress: dict[str, dict[str, int]]  # stage -> {"pilot_batches": n, "decisions": n} at the time

    def when(self) -> str:
        """How far screening had gone: "after 1 pilot batch and 8 decisions at title/abstract"."""
        parts = []
        for stage, done in self.progress.items():
            batches, decisions = done.get("pilot_batches", 0), done.get("decisions", 0)
            said = [_count(batches, "pilot batch", "pilot batches")] if batches else []
            said += [_count(decisions, "decision")] if decisions else []
            if said:
                parts.append(f"{' and '.join(said)} at {_label(stage)}")
        return f"after {'; '.join(parts)}" if parts else "before any screening decision"


def track(session: Session, protocol: Protocol) -> ProtocolChange | None:
    """Log the screening settings once screening has started, and again each time they change.

    Returns the change, if this call found one. Call with the store's write lock held (`assign`
    takes it; `rules` has written by then) so that two runs do not log one change twice.
    """
    digest = protocol.screening_hash()
    last = _latest(session)
    if last is not None and last.counts and last.counts.get("screening_hash") == digest:
        return None
    if last is None and session.exec(select(Assignment.id).limit(1)).first() is None:
        return None  # screening has not started: the protocol is still being written
    snapshot = protocol.screening_snapshot()
    changes = diff((last.counts or {}).get("snapshot", {}), snapshot) if last else []
    counts = {"event": "change" if last else "start", "screening_hash": digest, "snapshot": snapshot,
              "changes": changes, "progress": _progress(session, protocol)}  # fmt: skip
    logged = log_event(session, LOG, counts, protocol_hash=protocol.sha256)
    return _change(logged.started_at, counts) if last else None


def history(session: Session) -> list[ProtocolChange]:
    """Every logged change of the screening protocol, oldest first."""
    q = select(StageRun).where(StageRun.stage == LOG).order_by(col(StageRun.id))
    runs = [r for r in session.exec(q) if (r.counts or {}).get("event") == "change"]
    return [_change(r.started_at, r.counts or {}) for r in runs]


def pending(session: Session, protocol: Protocol) -> tuple[str, ...]:
    """Differences between the protocol now and the screening settings last logged (none if equal)."""
    last = _latest(session)
    if last is None or not last.counts or last.counts.get("screening_hash") == protocol.screening_hash():
        return ()
    return tuple(diff(last.counts.get("snapshot", {}), protocol.screening_snapshot()))


def diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Each setting that differs, as "key: old → new" (criteria keyed by their reason code)."""
    before, after = _flatten(old), _flatten(new)
    found = [
        _describe(key, before.get(key, _MISSING), after.get(key, _MISSING))
        for key in sorted(set(before) | set(after))
        if before.get(key, _MISSING) != after.get(key, _MISSING)
    ]
    return found or ["the order of criteria or rules changed"]


def _flatten(value: Any, key: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list) and value and all(isinstance(v, dict) and "code" in v for v in value):
        items = [(v["code"], v.get("text")) for v in value]  # criteria: a change names its code
    else:
        return {} if value is None else {key: value}
    found: dict[str, Any] = {}
    for name, inner in items:
        found.update(_flatten(inner, f"{key}.{name}" if key else str(name)))
    return found


def _describe(key: str, old: Any, new: Any) -> str:
    if old is _MISSING:
        return f"{key} added ({_short(new)})"
    if new is _MISSING:
        return f"{key} removed (was {_short(old)})"
    if isinstance(old, list) and isinstance(new, list):
        added, removed = [x for x in new if x not in old], [x for x in old if x not in new]
        said = [f"added {_short(added)}"] if added else []
        said += [f"removed {_short(removed)}"] if removed else []
        return f"{key}: {'; '.join(said) or 'reordered'}"
    return f"{key}: {_short(old)} → {_short(new)}"


def _short(value: Any) -> str:
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _label(stage: str) -> str:
    # The progress logged is read back from the store: a stage this code does not know shows as stored.
    found = Stage.parse(stage)
    return found.label if found else stage


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n:,} {singular if n == 1 else plural or singular + 's'}"


def _latest(session: Session) -> StageRun | None:
    q = select(StageRun).where(StageRun.stage == LOG).order_by(col(StageRun.id).desc())
    return session.exec(q.limit(1)).first()


def _progress(session: Session, protocol: Protocol) -> dict[str, dict[str, int]]:
    from review.agreement import pilot_batches  # light: the statistics load only when judged

    q = select(ScreeningDecision.stage, func.count()).group_by(col(ScreeningDecision.stage))
    decisions = dict(session.exec(q).all())
    return {
        stage: {
            "pilot_batches": len(pilot_batches(session, stage, protocol.stage_design(stage).pilot_size)),
            "decisions": int(decisions.get(stage, 0)),
        }
        for stage in STAGES
    }


def _change(at: datetime, counts: dict[str, Any]) -> ProtocolChange:
    return ProtocolChange(at, tuple(counts.get("changes", ())), dict(counts.get("progress", {})))
