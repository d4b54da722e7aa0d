"""Tables found the way pdfplumber finds them (ruling lines), from PDFium's drawing objects.

pdfplumber's default table finder needs only the page's ruling edges, but it gets them by parsing
the whole page with pdfminer, which is what makes it slow. Here the edges come from PDFium's path
objects, built the way pdfminer builds them (each subpath's end points: two make a line, a closed
axis-aligned four-sided loop a rectangle, anything else a curve), and pdfplumber's own functions
then snap, join and intersect them into cells and tables with its default settings. Cell text is
PDFium's text inside each cell.
"""

from __future__ import annotations

import ctypes
import itertools
from collections.abc import Callable
from typing import Any, cast

Matrix = tuple[float, float, float, float, float, float]
Point = tuple[float, float]
Bbox = tuple[float, float, float, float]
Edge = dict[str, Any]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
MAX_EDGES = 20_000  # more ruling than this is a drawing; cell finding grows with the square of it


def page_tables(page: Any, textpage: Any, clean: Callable[[str], str]) -> list[list[list[str | None]]]:
    """The tables on one PDFium page, as rows of cell text (None where a row has no such cell)."""
    from pdfplumber import table as pt
    from pdfplumber.utils.geometry import filter_edges

    height = float(page.get_height())
    base = display_matrix(page)
    edges = page_edges(page, height, base)
    if len(edges) > MAX_EDGES:
        raise ValueError(f"{len(edges)} ruling lines: a drawing, too many to look for tables in")
    if len(edges) < 4:
        return []
    s = pt.TableSettings.resolve(None)
    pre = s.edge_min_length_prefilter
    edges = filter_edges(edges, "v", min_length=pre) + filter_edges(edges, "h", min_length=pre)
    edges = pt.merge_edges(
        edges, s.snap_x_tolerance, s.snap_y_tolerance, s.join_x_tolerance, s.join_y_tolerance
    )
    edges = filter_edges(edges, min_length=s.edge_min_length)
    points = pt.edges_to_intersections(edges, s.intersection_x_tolerance, s.intersection_y_tolerance)
    found = []
    for cells in pt.cells_to_tables(pt.intersections_to_cells(points)):
        rows = pt.Table(cast(Any, None), cells).rows  # rows need only the cells, not a pdfplumber page
        back = _inverse(base)
        found.append([[_cell_text(textpage, c, height, back, clean) for c in row.cells] for row in rows])
    return found


def _cell_text(
    textpage: Any, cell: Bbox | None, height: float, back: Matrix, clean: Callable[[str], str]
) -> str | None:
    if cell is None:
        return None
    x0, top, x1, bottom = cell
    (ax, ay), (bx, by) = _apply(back, (x0, height - bottom)), _apply(back, (x1, height - top))
    text = clean(
        textpage.get_text_bounded(left=min(ax, bx), bottom=min(ay, by), right=max(ax, bx), top=max(ay, by))
    )
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def display_matrix(page: Any) -> Matrix:
    """User space to the page as shown (rotation applied), the way pdfminer sets its first CTM."""
    x0, y0, x1, y1 = page.get_mediabox()
    turns: dict[int, Matrix] = {
        90: (0, -1, 1, 0, -y0, x1),
        180: (-1, 0, 0, -1, x1, y1),
        270: (0, 1, -1, 0, y1, -x0),
    }
    return turns.get(page.get_rotation(), (1, 0, 0, 1, -x0, -y0))


def _apply(m: Matrix, point: Point) -> Point:
    a, b, c, d, e, f = m
    x, y = point
    return (a * x + c * y + e, b * x + d * y + f)


def _inverse(m: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    det = a * d - b * c
    ia, ib, ic, id_ = d / det, -b / det, -c / det, a / det
    return (ia, ib, ic, id_, -(e * ia + f * ic), -(e * ib + f * id_))


def page_edges(page: Any, height: float, base: Matrix = IDENTITY) -> list[Edge]:
    """Ruling edges (pdfplumber's `page.edges`) in top-down coordinates of the page as shown."""
    import pypdfium2.raw as raw

    edges: list[Edge] = []
    for i in range(raw.FPDFPage_CountObjects(page.raw)):
        _walk(raw, raw.FPDFPage_GetObject(page.raw, i), base, height, edges)
    return edges


def _walk(raw: Any, handle: Any, parent: Matrix, height: float, edges: list[Edge]) -> None:
    kind = raw.FPDFPageObj_GetType(handle)
    if kind not in (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM):
        return
    matrix = _compose(_matrix(raw, handle), parent)
    if kind == raw.FPDF_PAGEOBJ_FORM:
        for j in range(raw.FPDFFormObj_CountObjects(handle)):
            _walk(raw, raw.FPDFFormObj_GetObject(handle, j), matrix, height, edges)
        return
    for pts in _subpaths(raw, handle):
        # Rounded: PDFium's float32 noise must not move a gap across pdfplumber's snap tolerances.
        flipped = [(round(x, 3), round(height - y, 3)) for x, y in (_apply(matrix, p) for p in pts)]
        edges.extend(_shape_edges(flipped))


def _matrix(raw: Any, handle: Any) -> Matrix:
    m = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(handle, ctypes.byref(m)):
        return IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: Matrix, outer: Matrix) -> Matrix:
    """The matrix applying `inner`, then `outer` (PDF row-vector convention)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer  # noqa: N806
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _subpaths(raw: Any, handle: Any) -> list[list[Point]]:
    """Each subpath's end points, as pdfminer lists them (a closing `h` repeats the start)."""
    x, y = ctypes.c_float(), ctypes.c_float()
    paths: list[list[Point]] = []
    bezier = 0
    for k in range(raw.FPDFPath_CountSegments(handle)):
        seg = raw.FPDFPath_GetPathSegment(handle, k)
        kind = raw.FPDFPathSegment_GetType(seg)
        raw.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
        point = (float(x.value), float(y.value))
        if kind == raw.FPDF_SEGMENT_MOVETO or not paths:
            paths.append([point])
            bezier = 0
        elif kind == raw.FPDF_SEGMENT_BEZIERTO:
            bezier += 1
            if bezier % 3 == 0:  # two control points, then the end point
                paths[-1].append(point)
        else:
            paths[-1].append(point)
        if raw.FPDFPathSegment_GetClose(seg) and paths[-1][-1] != paths[-1][0]:
            paths[-1].append(paths[-1][0])
    return paths


def _shape_edges(pts: list[Point]) -> list[Edge]:
    if len(pts) == 2 or (len(pts) == 3 and pts[2] == pts[0]):
        return [_line(pts[0], pts[1])]
    if len(pts) == 5 and pts[0] == pts[4] and _square(pts):
        xs, ys = [p[0] for p in pts], [p[1] for p in pts]
        x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
        corners = [((x0, top), (x1, top)), ((x0, bottom), (x1, bottom)), ((x0, top), (x0, bottom))]
        corners.append(((x1, top), (x1, bottom)))
        return [_segment(p, q, "h" if p[1] == q[1] else "v") for p, q in corners]
    return [e for p, q in itertools.pairwise(pts) if (e := _curve_edge(p, q))]


def _square(pts: list[Point]) -> bool:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = pts[:4]
    return (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (
        y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0
    )


def _line(p: Point, q: Point) -> Edge:
    return _segment(p, q, "h" if p[1] == q[1] else "v")


def _curve_edge(p: Point, q: Point) -> Edge | None:
    if p[0] == q[0]:
        return _segment(p, q, "v")
    if p[1] == q[1]:
        return _segment(p, q, "h")
    return None


def _segment(p: Point, q: Point, orientation: str) -> Edge:
    x0, x1 = sorted((p[0], q[0]))
    top, bottom = sorted((p[1], q[1]))
    return {
        "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": top,
        "width": x1 - x0, "height": bottom - top, "orientation": orientation, "object_type": "edge",
    }  # fmt: skip
