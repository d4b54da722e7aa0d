"""`review searches`: the search log from the store, as a table, CSV, or a PRISMA-S appendix.

Each run also gets the PRISMA-S items in one shape for every source: the interface, the strategy
exactly as run and the date searched. For OpenAlex and GOV.UK these are the connector's platform,
the request built from the protocol and the day the run started; for an import, what was given
with `review import --interface/--strategy/--searched-on`, or "not recorded" (never a guess).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from review.formats.csvfile import write_csv
from review.imports import PLATFORMS, RESERVED_SOURCES, default_platform
from review.models import SearchRun, StageRun

FIELDS = (
    "id",
    "source",
    "search_name",
    "arm",
    "platform",
    "request",
    "strategy",
    "searched_on",
    "filters",
    "started_at",
    "finished_at",
    "tool_version",
    "total_reported",
    "retrieved",
    "refused",
    "status",
    "cost_usd",
    "message",
)
PRISMA_S = ("interface", "search_strategy", "date_searched")  # derived per run, for every source
COLUMNS = FIELDS + PRISMA_S
HARVESTED = RESERVED_SOURCES  # the connectors; any other source is a file import
NOT_RECORDED = "not recorded"
_TABLE = (
    "id",
    "source",
    "search_name",
    "arm",
    "started_at",
    "status",
    "total_reported",
    "retrieved",
    "refused",
)
_ARM_TITLES = {
    "databases": "Databases and registers",
    "other": "Other methods (websites, organisations, citations)",
}


@dataclass(frozen=True)
class SearchLog:
    runs: tuple[dict[str, Any], ...]  # one dict per search run, keys as COLUMNS (+ "imported")
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
        runs=tuple(_with_prisma_s({c: getattr(r, c) for c in (*FIELDS, "refusals")}) for r in runs),
        dedupe=dedupe.model_dump() if dedupe else None,
    )


def _with_prisma_s(r: dict[str, Any]) -> dict[str, Any]:
    imported = r["source"] not in HARVESTED
    if not imported:
        return {**r, "imported": False, "interface": r["platform"], "search_strategy": r["request"],
                "date_searched": r["started_at"].date().isoformat()}  # fmt: skip
    defaults = {default_platform(fmt, r["search_name"]) for fmt in PLATFORMS}
    given = r["platform"] and r["platform"] not in defaults
    return {
        **r,
        "imported": True,
        "interface": r["platform"] if given else NOT_RECORDED,
        "search_strategy": r["strategy"] or NOT_RECORDED,
        "date_searched": r["searched_on"].isoformat() if r["searched_on"] else NOT_RECORDED,
    }


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def render_csv(log: SearchLog) -> str:
    """One row per search run with every logged field (filters as JSON) and the PRISMA-S items."""
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
        lines.append(f"    interface: {run['interface']}  searched: {run['date_searched']}")
        lines.append(f"    finished: {_fmt(run['finished_at']) or '-'}  cost: ${_fmt(run['cost_usd'])}")
        lines.append(f"    tool:     review {run['tool_version']}")
        lines.append(f"    request:  {run['request']}")
        if run["imported"]:
            strategy = str(run["search_strategy"]).rstrip("\n").replace("\n", "\n              ")
            lines.append(f"    strategy: {strategy}")
        if run["filters"]:
            lines.append(f"    filters:  {_fmt(run['filters'])}")
        if run["message"]:
            lines.append(f"    note:     {run['message']}")
        if run["refused"]:
            lines.append(f"    refused:  {run['refused']} in the file, not stored:")
        lines += [f"              {problem['reason']}" for problem in (run["refusals"] or [])[:20]]
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
    searched = r["date_searched"]
    if r["imported"] and not r["searched_on"]:
        searched += f" (the export was imported on {r['started_at']:%Y-%m-%d})"
    limits = _fmt(r["filters"]) or (
        "none recorded apart from the strategy (limits set at the database belong in it)"
        if r["imported"]
        else "none"
    )
    lines = [
        f"#### Search {r['id']}: {r['search_name']}",
        "",
        f"- {'Database' if r['arm'] == 'databases' else 'Source'}: {r['source']}",
        f"- Interface/platform: {r['interface']}",
        f"- Date searched: {searched}",
        f"- Limits and filters: {limits}",
        f"- Records: {total} reported by the source, {r['retrieved']:,} retrieved",
        *_refused_lines(r),
        *_update_lines(r),
    ]
    if r["imported"]:
        lines.append(f"- Records file: {r['request']}")
    lines += [
        f"- Logged: {_fmt(r['started_at'])} UTC{finished} (review {r['tool_version']})",
        f"- Status: {r['status']}" + (f" ({r['message']})" if r["message"] else ""),
    ]
    if r["imported"] and not r["strategy"]:
        return [*lines, "- Search strategy: not recorded (give it with `review import --strategy`)", ""]
    return [*lines, "- Search strategy, exactly as run:", "", *_fenced(str(r["search_strategy"])), ""]


def _update_lines(r: dict[str, Any]) -> list[str]:
    """An update run's date window (`review update`), or an import that updates an earlier one."""
    filters = r["filters"] or {}
    window = filters.get("update")
    if isinstance(window, dict):
        return [
            f"- Update of search {window.get('after_run')}: only what is new since {window.get('since')} "
            f"(filter {window.get('field')}); the window starts on the day that run started"
        ]
    if filters.get("update_of") is not None:
        counts = ""
        if "new" in filters:
            counts = (
                f": {filters['new']:,} records new, {filters.get('already_imported', 0):,} already imported"
            )
        return [f"- Update of the import in search {filters['update_of']}{counts}"]
    return []


def _refused_lines(r: dict[str, Any]) -> list[str]:
    """An import's records that were not stored: skipped as damaged (--skip-invalid) or blank."""
    if not r["refused"]:
        return []
    listed = [f"  - {p['reason']}" for p in r.get("refusals") or []]
    more = r["refused"] - len(listed)
    tail = [f"  - ... and {more:,} more"] if more > 0 else []
    return [f"- Records in the file not stored: {r['refused']:,}", *listed, *tail]


def _fenced(text: str) -> list[str]:
    """A fenced block holding `text` verbatim, its fence longer than any backtick run inside."""
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall("`+", text)), default=0))
    return [f"{fence}text", text.removesuffix("\n"), fence]


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
