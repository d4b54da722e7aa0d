"""The PRISMA 2020 flow diagram as hand-written SVG (no plotting dependency).

Two arms side by side (databases and registers; other methods), each a column of main boxes
(identified, screened, sought, assessed) with a column of side boxes (removed, excluded, not
retrieved, excluded with reasons), and one box of included studies across both arms.
"""

from __future__ import annotations

import textwrap
from xml.sax.saxutils import escape

from review.report.prisma import ArmCounts, PrismaCounts, source_kind, source_label

BOX_W = 300
GAP = 30
LEFT = 40  # room for the phase labels
LINE_H = 15
PAD = 8
WRAP = 46  # characters per line at 11px in a 300px box
ROW_GAP = 36
KIND_TITLES = {
    "databases": "Databases",
    "websites": "Websites",
    "organisations": "Organisations",
    "citations": "Citation searching",
}


def n(value: int) -> str:
    return f"(n = {value:,})"


def _main_lines(arm: ArmCounts) -> list[list[str]]:
    ident = ["Records identified from:"]
    for kind, total in arm.kinds.items():
        ident.append(f"{KIND_TITLES[kind]} {n(total)}")
        found = {s: k for s, k in arm.identified.items() if source_kind(s, arm.arm) == kind}
        ident += [f"  {source_label(s)} {n(k)}" for s, k in found.items()]
    return [
        ident,
        [f"Records screened {n(arm.screened)}"],
        [f"Reports sought for retrieval {n(arm.sought)}"],
        [f"Reports assessed for eligibility {n(arm.assessed)}"],
    ]


def _side_lines(arm: ArmCounts, reason_texts: dict[str, str]) -> list[list[str]]:
    removed = [
        "Records removed before screening:",
        f"Duplicate records {n(arm.duplicates)}",
        f"Records marked as ineligible by automation tools {n(arm.automation)}",
        f"Records removed for other reasons {n(0)}",
    ]
    if arm.awaiting_dedupe:
        removed.append(f"Records awaiting deduplication {n(arm.awaiting_dedupe)}")
    excluded = [f"Records excluded {n(arm.excluded)}", *_waiting("screening", arm.awaiting_screening)]
    missing = [f"Reports not retrieved {n(arm.not_retrieved_total)}"]
    missing += [f"  {reason} {n(k)}" for reason, k in arm.not_retrieved.items()]
    if arm.awaiting_retrieval:
        missing.append(f"Reports awaiting retrieval {n(arm.awaiting_retrieval)}")
    reports = [f"Reports excluded {n(arm.excluded_reports_total)}"]
    reports += [f"  {_reason(c, reason_texts)} {n(k)}" for c, k in arm.excluded_reports.items()]
    reports += _waiting("assessment", arm.awaiting_assessment)
    return [removed, excluded, missing, reports]


def _reason(code: str, texts: dict[str, str]) -> str:
    text = texts.get(code)
    return f"{code}: {textwrap.shorten(text, 40, placeholder='…')}" if text else code


def _waiting(what: str, found: dict[str, int]) -> list[str]:
    lines = []
    if found.get("pending"):
        lines.append(f"Awaiting {what} {n(found['pending'])}")
    if found.get("conflict"):
        lines.append(f"In conflict, awaiting adjudication {n(found['conflict'])}")
    return lines


def _wrap(lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        indent = "  " if line.startswith("  ") else ""
        wrapped = textwrap.wrap(line.strip(), WRAP - len(indent)) or [""]
        out += [indent + wrapped[0]] + [indent + "  " + w for w in wrapped[1:]]
    return out


def _box(x: int, y: int, h: int, lines: list[str], fill: str, width: int = BOX_W) -> list[str]:
    parts = [f'<rect x="{x}" y="{y}" width="{width}" height="{h}" rx="4" fill="{fill}" stroke="#333"/>']
    for i, line in enumerate(lines):
        ty = y + PAD + LINE_H * (i + 1) - 4
        parts.append(f'<text x="{x + PAD}" y="{ty}" xml:space="preserve">{escape(line)}</text>')
    return parts


def _arrow(x1: int, y1: int, x2: int, y2: int) -> str:
    return f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#333" marker-end="url(#arrow)"/>'


def render(c: PrismaCounts, previous: int | None = None) -> str:
    """The diagram as a standalone SVG document.

    With `previous` (the studies of the previous version), the PRISMA 2020 diagram for updated
    reviews: a previous-studies column on the left, the arms' boxes for the new records, then the
    new studies and the total.
    """
    arms = c.arms()
    left = LEFT if previous is None else LEFT + BOX_W + GAP
    mains = [[_wrap(b) for b in _main_lines(a)] for a in arms]
    sides = [[_wrap(b) for b in _side_lines(a, c.reason_texts)] for a in arms]
    heights = [max(len(col[row]) for col in (*mains, *sides)) * LINE_H + 2 * PAD for row in range(4)]
    tops = [60]
    for h in heights:
        tops.append(tops[-1] + h + ROW_GAP)
    body: list[str] = []
    for i, arm in enumerate(arms):
        x_main = left + i * 2 * (BOX_W + GAP)
        x_side = x_main + BOX_W + GAP
        title = "databases and registers" if arm.arm == "databases" else "other methods"
        heading = f"Identification of new studies via {title}"
        body.append(f'<text x="{x_main}" y="40" font-weight="bold">{heading}</text>')
        for row in range(4):
            y, h = tops[row], heights[row]
            body += _box(x_main, y, h, mains[i][row], "#fff")
            body += _box(x_side, y, h, sides[i][row], "#f4f4f4")
            body.append(_arrow(x_main + BOX_W, y + h // 2, x_side, y + h // 2))
            if row < 3:
                body.append(_arrow(x_main + BOX_W // 2, y + h, x_main + BOX_W // 2, tops[row + 1]))
        body.append(_arrow(x_main + BOX_W // 2, tops[3] + heights[3], x_main + BOX_W // 2, tops[4]))
    width = left + 4 * BOX_W + 3 * GAP + 20
    span = 3 * BOX_W + 2 * GAP  # from the first arm's main column to the second's
    box_h = 2 * LINE_H + 2 * PAD
    if previous is None:
        included = [
            f"Studies included in review {n(c.included)}",
            f"Reports of included studies {n(c.included)}",
        ]
        body += _box(left, tops[4], box_h, included, "#fff", width=span)
        body += _phases(tops, heights, box_h)
        return _document(width, tops[4] + box_h + 20, body)
    body += _update_boxes(c, previous, tops, box_h, span)
    body += _phases(tops, heights, 2 * box_h + ROW_GAP)
    return _document(width, tops[4] + 2 * box_h + ROW_GAP + 20, body)


def _update_boxes(c: PrismaCounts, previous: int, tops: list[int], box_h: int, span: int) -> list[str]:
    """The updated review's own boxes: previous studies, new studies, and the total of both."""
    prev = [
        f"Studies included in previous version of review {n(previous)}",
        f"Reports of studies included in previous version of review {n(previous)}",
    ]
    prev_h = len(_wrap(prev)) * LINE_H + 2 * PAD
    body = ['<text x="40" y="40" font-weight="bold">Previous studies</text>']
    body += _box(LEFT, tops[0], prev_h, _wrap(prev), "#fff")
    new_x = LEFT + BOX_W + GAP
    new = [
        f"New studies included in review {n(c.included)}",
        f"Reports of new included studies {n(c.included)}",
    ]
    body += _box(new_x, tops[4], box_h, new, "#fff", width=span)
    total_y = tops[4] + box_h + ROW_GAP
    total = previous + c.included
    lines = [f"Total studies included in review {n(total)}", f"Reports of total included studies {n(total)}"]
    body += _box(LEFT, total_y, box_h, lines, "#fff", width=span + BOX_W + GAP)
    body.append(_arrow(LEFT + BOX_W // 2, tops[0] + prev_h, LEFT + BOX_W // 2, total_y))
    body.append(_arrow(new_x + span // 2, tops[4] + box_h, new_x + span // 2, total_y))
    return body


def _phases(tops: list[int], heights: list[int], included_h: int) -> list[str]:
    spans = (
        ("Identification", tops[0], tops[0] + heights[0]),
        ("Screening", tops[1], tops[3] + heights[3]),
        ("Included", tops[4], tops[4] + included_h),
    )
    out = []
    for label, y1, y2 in spans:
        mid = (y1 + y2) // 2
        out.append(f'<rect x="4" y="{y1}" width="24" height="{y2 - y1}" fill="#9ecae1"/>')
        out.append(
            f'<text x="20" y="{mid}" transform="rotate(-90 20 {mid})" text-anchor="middle">{label}</text>'
        )
    return out


def _document(width: int, height: int, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="11">\n'
        "<title>PRISMA 2020 flow diagram</title>\n"
        '<defs><marker id="arrow" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="#333"/></marker></defs>\n'
        f'<rect width="{width}" height="{height}" fill="white"/>\n'
    )
    return head + "\n".join(body) + "\n</svg>\n"
