"""Stage 5: the PRISMA 2020 flow (SVG and the PRISMA2020 package's CSV), the PRISMA-S search
appendix and the methods paragraph, all computed from the store.

- `prisma`: the counts of every box, per arm;
- `prisma_csv`: the CSV layout the PRISMA2020 R package reads;
- `svg`: the flow diagram;
- `methods`: the methods paragraph.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from review.protocol import Protocol
from review.report import methods, prisma_csv, svg
from review.report.prisma import ArmCounts, PrismaCounts, counts
from review.stagerun import stage_run

FILES = ("prisma.svg", "prisma.csv", "search_appendix.md", "methods.md")


@dataclass(frozen=True)
class ReportResult:
    counts: PrismaCounts
    files: tuple[Path, ...]


def run(session: Session, protocol: Protocol, out_dir: Path) -> ReportResult:
    """Write the PRISMA diagram, its CSV, the search appendix and the methods text into `out_dir`."""
    with stage_run(session, "report", protocol_hash=protocol.sha256) as logged:
        result = _write(session, protocol, out_dir)
        logged.counts = {"files": len(result.files), "included": result.counts.included}
    return result


def _write(session: Session, protocol: Protocol, out_dir: Path) -> ReportResult:
    from review import searchlog

    found = counts(session, {c.code: c.text for c in protocol.criteria.exclude})
    texts = (
        svg.render(found),
        prisma_csv.to_csv(found),
        searchlog.render_markdown(searchlog.run(session)),
        methods.paragraph(session, protocol, found),
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = tuple(out_dir / name for name in FILES)
    for path, text in zip(paths, texts, strict=True):
        # No byte-order mark, not even on prisma.csv: R's read.csv would take it into a column name.
        path.write_text(text, encoding="utf-8")
    return ReportResult(counts=found, files=paths)


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


__all__ = ["ArmCounts", "PrismaCounts", "ReportResult", "counts", "run", "summary"]
