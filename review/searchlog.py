"""`review searches`: the search log from the store, as a table, CSV, or a PRISMA-S appendix."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from review.formats.csvfile import write_csv
from review.models import SearchRun, StageRun

COLUMNS = (
    "id",
    "source",
    "search_name",
    "arm",
    "platform",
    "request",
    "filters",
    "started_at",
    "finished_at",
    "tool_version",
    "total_reported",
    "retrieved",
    "status",
    "cost_usd",
    "message",
)
_TABLE = ("id", "source", "search_name", "arm", "started_at", "status", "total_reported", "retrieved")
_ARM_TITLES = {
    "databases": "Databases and registers",
    "other": "Other methods (websites, organisations, citations)",
}


@dataclass(frozen=True)
class SearchLog:
    runs: tuple[dict[str, Any], ...]  # one dict per search run, keys as COLUMNS
    dedupe: dict[str, Any] | None  # the latest completed dedupe stage run, if any


def run(session: Session) -> SearchLog:
    """Every search run (oldest first) and the latest deduplication run."""
    runs = session.exec(select(SearchRun).order_by(col(SearchRun.id))).all()
    dedupe = session.exec(
        select(StageRun)
        .where(StageRun.stage == "dedupe", StageRun.status == "complete")
        .order_by(col(StageRun.id).desc())
    ).first()
    return SearchLog(
        runs=tuple({c: getattr(r, c) for c in COLUMNS} for r in runs),
        dedupe=dedupe.model_dump() if dedupe else None,
    )


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def render_csv(log: SearchLog) -> str:
    """One row per search run with every logged field (filters as JSON)."""
    return write_csv([{c: _fmt(r[c]) for c in COLUMNS} for r in log.runs], COLUMNS)


def render_table(log: SearchLog) -> str:
    """An aligned summary table, each run followed by its platform and exact request."""
    if not log.runs:
        return "No searches yet: run `review search` or `review import FILE`."
    cells = [[_fmt(r[c]) for c in _TABLE] for r in log.runs]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(_TABLE)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(_TABLE, widths, strict=True))]
    for run, row in zip(log.runs, cells, strict=True):
        lines.append("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        lines.append(f"    platform: {run['platform']}  tool: review {run['tool_version']}")
        lines.append(f"    finished: {_fmt(run['finished_at']) or '-'}  cost: ${_fmt(run['cost_usd'])}")
        lines.append(f"    request:  {run['request']}")
        if run["filters"]:
            lines.append(f"    filters:  {_fmt(run['filters'])}")
        if run["message"]:
            lines.append(f"    note:     {run['message']}")
    return "\n".join(lines)


def render_markdown(log: SearchLog) -> str:
    """The PRISMA-S search appendix: a section per source, then the deduplication method."""
    out = ["# Search methods (PRISMA-S)", ""]
    if not log.runs:
        out += ["No searches have been run yet.", ""]
    arms = dict.fromkeys([*_ARM_TITLES, *(r["arm"] for r in log.runs)])
    for arm in arms:
        title = _ARM_TITLES.get(arm, f"Arm: {arm}")
        sources = list(dict.fromkeys(r["source"] for r in log.runs if r["arm"] == arm))
        if sources:
            out += [f"## {title}", ""]
        for source in sources:
            out += [f"### {source}", ""]
            for r in (r for r in log.runs if r["source"] == source and r["arm"] == arm):
                out += _markdown_run(r)
    out += ["## Deduplication", "", _dedupe_line(log.dedupe), ""]
    return "\n".join(out)


def _markdown_run(r: dict[str, Any]) -> list[str]:
    total = "not reported" if r["total_reported"] is None else f"{r['total_reported']:,}"
    finished = f", finished {_fmt(r['finished_at'])} UTC" if r["finished_at"] else ""
    request = str(r["request"] or "")
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall("`+", request)), default=0))
    return [
        f"#### Search {r['id']}: {r['search_name']}",
        "",
        f"- Database/platform: {r['platform'] or r['source']}",
        f"- Date run: {_fmt(r['started_at'])} UTC{finished} (review {r['tool_version']})",
        f"- Limits and filters: {_fmt(r['filters']) or 'none'}",
        f"- Records: {total} reported by the source, {r['retrieved']:,} retrieved",
        f"- Status: {r['status']}" + (f" ({r['message']})" if r["message"] else ""),
        "- Search strategy, exactly as run:",
        "",
        f"{fence}text",
        request,
        fence,
        "",
    ]


def _dedupe_line(dedupe: dict[str, Any] | None) -> str:
    if dedupe is None:
        return "Deduplication: not yet deduplicated (run `review dedupe`)."
    counts = dict(dedupe.get("counts") or {})
    method = counts.pop("method", None)
    summary = ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in counts.items() if not isinstance(v, dict))
    when = _fmt(dedupe.get("finished_at") or dedupe.get("started_at"))
    return (
        f"Deduplication: software review {dedupe['tool_version']} (`review dedupe`, stage run {dedupe['id']}"
        + (f"; method: {method}" if method else "")
        + f"), run {when} UTC"
        + (f"; {summary}." if summary else ".")
    )
