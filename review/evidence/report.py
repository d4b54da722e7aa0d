"""The matrix as sheets (CSV or XLSX through review/formats/sheet.py) and Markdown, and the report
skeleton: a section per theme citing the literature and the stakeholders, every number from the store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from review.evidence.matrix import Cell, Matrix, ThemeRow
from review.formats import sheet
from review.models import Work
from review.states import EvidenceStream

BY = ("stream", "role")


@dataclass(frozen=True)
class Written:
    paths: tuple[Path, ...]


def _columns(matrix: Matrix, by: str) -> tuple[str, ...]:
    return matrix.streams if by == "stream" else matrix.roles


def _cells(row: ThemeRow, by: str) -> dict[str, Cell]:
    return row.by_stream if by == "stream" else row.by_role


def _heading(key: str, by: str) -> str:
    return EvidenceStream(key).label if by == "stream" else key


def table(matrix: Matrix, by: str) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: per theme and column, documents, segments and voices; literature beside."""
    header = ["theme", "label"]
    for key in _columns(matrix, by):
        header += [f"{_heading(key, by)}: {what}" for what in ("documents", "segments", "voices")]
    header += ["literature works", "convergence"]
    rows = []
    for row in matrix.themes:
        cells: list[Any] = [row.code, row.label]
        for key in _columns(matrix, by):
            cell = _cells(row, by).get(key, Cell())
            cells += [len(cell.documents), len(cell.segments), len(cell.voices)]
        rows.append([*cells, len(row.literature), row.convergence])
    return header, rows


def quotes_table(matrix: Matrix) -> tuple[list[str], list[list[Any]]]:
    rows = [[row.code, q.text, q.provenance] for row in matrix.themes for q in row.quotes]
    return ["theme", "quote", "provenance"], rows


def markdown(matrix: Matrix, by: str = "stream") -> str:
    """The matrix as a Markdown table: `documents (segments)` per cell, voices where campaigns merge."""
    keys = _columns(matrix, by)
    lines = [
        f"| Theme | {' | '.join(_heading(k, by) for k in keys)} | Literature (works) |",
        f"|---|{'---|' * len(keys)}---|",
    ]
    for row in matrix.themes:
        shown = [_shown(_cells(row, by).get(k, Cell())) for k in keys]
        lines.append(f"| {row.label} | {' | '.join(shown)} | {len(row.literature)} |")
    lines.append("")
    lines.append(
        "Cells: documents (segments); where a campaign of near-identical responses counts once, "
        "the voices follow."
    )
    return "\n".join(lines)


def _shown(cell: Cell) -> str:
    if not cell.documents:
        return "-"
    text = f"{len(cell.documents)} ({len(cell.segments)})"
    return text if len(cell.voices) == len(cell.documents) else f"{text}, {len(cell.voices)} voices"


def write(session: Session, matrix: Matrix, out: Path, fmt: str = "csv") -> Written:
    """Write the matrix by stream and by role, the quotes, and the Markdown report skeleton."""
    out.mkdir(parents=True, exist_ok=True)
    by_stream, by_role, quotes = table(matrix, "stream"), table(matrix, "role"), quotes_table(matrix)
    paths: list[Path] = []
    if fmt == "xlsx":
        path = out / "evidence-matrix.xlsx"
        sheet.save_xlsx(
            path,
            [
                sheet.Sheet("by stream", *by_stream),
                sheet.Sheet("by role", *by_role),
                sheet.Sheet("quotes", *quotes),
            ],
        )
        paths.append(path)
    else:
        for name, (header, rows) in (("by-stream", by_stream), ("by-role", by_role), ("quotes", quotes)):
            path = out / f"evidence-matrix-{name}.csv"
            sheet.save_csv(path, header, rows)
            paths.append(path)
    path = out / "evidence-matrix.md"
    path.write_text(
        f"# Framework matrix\n\n## By stream\n\n{markdown(matrix, 'stream')}\n\n"
        f"## By participant role\n\n{markdown(matrix, 'role')}\n",
        encoding="utf-8",
    )
    paths.append(path)
    path = out / "evidence-report.md"
    path.write_text(skeleton(session, matrix), encoding="utf-8")
    paths.append(path)
    return Written(tuple(paths))


def skeleton(session: Session, matrix: Matrix) -> str:
    """A report skeleton: the evidence base, then one section per theme with what supports it."""
    works = _works(session, {w for row in matrix.themes for w in row.literature})
    lines = [
        "# Preconditions of good integrated delivery: evidence by theme",
        "",
        "## The evidence base",
        "",
        f"- Stakeholder documents: {matrix.documents}; coded segments: {matrix.coded_segments}.",
    ]
    for c in matrix.campaigns:
        lines.append(
            f"- A campaign of {c.size} near-identical call-for-evidence responses (documents "
            f"{', '.join(map(str, c.members))}) counts as one voice."
        )
    if matrix.literature_field:
        lines.append(
            f"- Literature: included works coded through the extraction field `{matrix.literature_field}`."
        )
    lines += ["", markdown(matrix, "stream"), ""]
    for row in matrix.themes:
        lines += _section(row, works)
    return "\n".join(lines) + "\n"


def _section(row: ThemeRow, works: dict[int, str]) -> list[str]:
    lines = [
        f"## {row.label}",
        "",
        f"*{row.definition}*" if row.definition else "",
        "",
        f"**Convergence:** {row.convergence}.",
        "",
        "### Literature",
        "",
    ]
    lines += [f"- {works.get(w, f'work {w}')}" for w in row.literature] or ["- No included work raises it."]
    lines += ["", "### Stakeholders", ""]
    for stream, cell in sorted(row.by_stream.items()):
        lines.append(
            f"- {EvidenceStream(stream).label}: {len(cell.documents)} document(s), "
            f"{len(cell.segments)} segment(s), {len(cell.voices)} voice(s)"
        )
    if not row.by_stream:
        lines.append("- No stakeholder evidence coded with it.")
    lines += [""] + [f"> {q.text}\n>\n> ({q.provenance})\n" for q in row.quotes]
    lines += ["### Synthesis", "", "_To write: what the literature and the stakeholders say together._", ""]
    return lines


def _works(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.exec(select(Work.id, Work.title, Work.year).where(col(Work.id).in_(ids)))
    return {
        i: f"{title or 'untitled'} ({year or 'n.d.'}); work {i}" for i, title, year in rows if i is not None
    }
