"""Stage 5: the PRISMA 2020 flow (SVG and the PRISMA2020 package's CSV), the PRISMA-S search
appendix and the methods paragraph, all computed from the store.

- `prisma`: the counts of every box, per arm;
- `prisma_csv`: the CSV layout the PRISMA2020 R package reads;
- `svg`: the flow diagram;
- `methods`: the methods paragraph;
- `update`: once a version is closed, what the open version added (PRISMA 2020 for updated reviews).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from review.protocol import Protocol
from review.report import methods, prisma_csv, svg, update
from review.report.prisma import ArmCounts, PrismaCounts, counts
from review.report.update import UpdateCounts
from review.stagerun import stage_run
from review.states import Stage

FILES = ("prisma.svg", "prisma.csv", "search_appendix.md", "methods.md")


@dataclass(frozen=True)
class ReportResult:
    counts: PrismaCounts
    files: tuple[Path, ...]
    update: UpdateCounts | None = None  # what the open version added, once a version is closed


def run(session: Session, protocol: Protocol, out_dir: Path) -> ReportResult:
    """Write the PRISMA diagram, its CSV, the search appendix and the methods text into `out_dir`;
    once a version is closed, the update's diagram, CSV and methods too (`update.FILES`)."""
    with stage_run(session, "report", protocol_hash=protocol.sha256) as logged:
        result = write(session, protocol, out_dir)
        logged.counts = {"files": len(result.files), "included": result.counts.included}
    return result


def write(session: Session, protocol: Protocol, out_dir: Path) -> ReportResult:
    """`run` without its stage-run row (a version's close logs its own)."""
    from review import searchlog, versions

    texts = {c.code: c.text for c in protocol.criteria.exclude}
    found = counts(session, texts)
    files = {
        "prisma.svg": svg.render(found),
        "prisma.csv": prisma_csv.to_csv(found),
        "search_appendix.md": searchlog.render_markdown(searchlog.run(session)),
        "methods.md": methods.paragraph(session, protocol, found),
    }
    since = versions.latest(session)
    changed = None if since is None else update.compute(session, since, texts)
    if since is not None and changed is not None:
        design = methods.design_text(protocol, Stage.TITLE_ABSTRACT)
        before = changed.previous_studies
        files["prisma_update.svg"] = svg.render(changed.new, previous=before)
        files["prisma_update.csv"] = prisma_csv.to_csv(changed.new, previous=before)
        files["methods_update.md"] = update.methods_text(
            changed, protocol.sha256, since.protocol_hash, design
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        # No byte-order mark, not even on prisma.csv: R's read.csv would take it into a column name.
        (out_dir / name).write_text(text, encoding="utf-8")
        paths.append(out_dir / name)
    return ReportResult(counts=found, files=tuple(paths), update=changed)


def summary(c: PrismaCounts) -> str:
    """One line per arm with the main boxes (and what still waits), for the terminal."""
    return "\n".join(_arm_line(a) for a in c.arms())


def _arm_line(a: ArmCounts) -> str:
    waiting = (
        a.awaiting_dedupe
        + sum(a.awaiting_screening.values())
        + a.awaiting_retrieval
        + sum(a.awaiting_assessment.values())
    )
    return (
        f"{a.arm}: {a.records} records, {a.duplicates} duplicates, {a.automation} excluded by automation, "
        f"{a.screened} screened, {a.excluded} excluded, {a.sought} sought, "
        f"{a.not_retrieved_total} not retrieved, {a.assessed} assessed, "
        f"{a.excluded_reports_total} excluded, {a.included} included"
        + (f"; {waiting} still waiting for a person or a stage (see prisma.svg)" if waiting else "")
    )


__all__ = ["ArmCounts", "PrismaCounts", "ReportResult", "UpdateCounts", "counts", "run", "summary", "write"]
