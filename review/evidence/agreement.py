"""Agreement of two coders, code by code, on the segments both coded (`review evidence agreement`).

For each code of the codebook, each segment both coders coded is a pair of yes/no decisions (the
code applied or not). Cohen's kappa (bootstrap and analytic intervals) and PABAK come from
review/agreement/stats.py as for screening; Krippendorff's alpha for nominal data, with a seeded
bootstrap interval over segments, from the same module. The disagreements left for an adjudicator
are listed with them.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session

from review.agreement import stats
from review.errors import AgreementError
from review.evidence.coding import codebook, disagreements, standing
from review.protocol import Protocol
from review.states import CodingRole


@dataclass(frozen=True)
class CodeAgreement:
    code: str
    theme: str
    both: int  # segments both coders gave the code
    only_a: int
    only_b: int
    neither: int
    kappa: stats.Agreement
    alpha: stats.Alpha


@dataclass(frozen=True)
class AgreementReport:
    coders: tuple[str, str]
    segments: int  # segments both coded
    codes: tuple[CodeAgreement, ...]
    to_adjudicate: int  # segments the coders coded differently and no adjudicator has settled


def pair_of_coders(session: Session) -> tuple[str, str]:
    """The two coders who coded the most segments in common."""
    by_coder: dict[str, set[int]] = {}
    for s in standing(session):
        if s.role == CodingRole.CODER:
            by_coder.setdefault(s.coder, set()).add(s.segment_id)
    pairs = Counter(
        {(a, b): len(by_coder[a] & by_coder[b]) for a in sorted(by_coder) for b in sorted(by_coder) if a < b}
    )
    if not pairs or pairs.most_common(1)[0][1] == 0:
        raise AgreementError(
            "No segment has been coded by two coders: export the same segments to two coders "
            "(`review evidence code-export --coder NAME`) and import both sheets."
        )
    return pairs.most_common(1)[0][0]


def compute(
    session: Session, protocol: Protocol, coders: tuple[str, str] | None = None, *, seed: int = 2026
) -> AgreementReport:
    """Per-code agreement of two coders over the segments both coded."""
    book = codebook(protocol)
    a, b = coders or pair_of_coders(session)
    sets: dict[str, dict[int, frozenset[str]]] = {a: {}, b: {}}
    for s in standing(session):
        if s.role == CodingRole.CODER and s.coder in sets:
            sets[s.coder][s.segment_id] = s.codes
    shared = sorted(set(sets[a]) & set(sets[b]))
    if not shared:
        raise AgreementError(f"{a} and {b} have coded no segment in common; nothing to compare.")
    found = []
    for code, theme in book.codes().items():
        pairs = [(code in sets[a][seg], code in sets[b][seg]) for seg in shared]
        cells = Counter(pairs)
        found.append(
            CodeAgreement(
                code,
                theme,
                cells[True, True],
                cells[True, False],
                cells[False, True],
                cells[False, False],
                stats.compute([p[0] for p in pairs], [p[1] for p in pairs], seed),
                stats.krippendorff_alpha(pairs, seed),
            )
        )
    open_ = sum(1 for seg, by in disagreements(session).items() if seg in shared and {a, b} <= set(by))
    return AgreementReport((a, b), len(shared), tuple(found), open_)


def render(report: AgreementReport) -> str:
    """The report as a table that fits an 80-column terminal: one line per code."""
    a, b = report.coders
    head = (
        f"Agreement of {a} (A) and {b} (B) on {report.segments} segment(s) both coded, code by code "
        "(95% intervals: kappa analytic, alpha bootstrap over segments):"
    )
    lines = [
        *textwrap.wrap(head, width=78),
        f"{'code':<18} {'both':>4} {'A':>4} {'B':>4} {'none':>4}  {'kappa':>16}  {'alpha':>16}",
    ]
    for c in report.codes:
        lines.append(
            f"{c.code[:18]:<18} {c.both:>4} {c.only_a:>4} {c.only_b:>4} {c.neither:>4}  "
            f"{_shown(c.kappa.kappa, c.kappa.kappa_ci_analytic):>16}  {_shown(c.alpha.alpha, c.alpha.ci):>16}"
        )
    lines.append("A, B: segments only A or only B coded with the code; none: neither did.")
    tail = (
        f"{report.to_adjudicate} segment(s) coded differently wait for an adjudicator: "
        "`review evidence adjudicate SEGMENT --codes ... --adjudicator NAME`."
        if report.to_adjudicate
        else "No disagreement waits for an adjudicator."
    )
    return "\n".join([*lines, *textwrap.wrap(tail, width=78)])


def _shown(value: float | None, interval: stats.Interval | None) -> str:
    if value is None:
        return "undefined"
    if interval is None:
        return f"{value:.2f}"
    return f"{value:.2f} ({interval.low:.2f}-{interval.high:.2f})"
