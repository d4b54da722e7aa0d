"""Text for `review agreement` (the CLI echoes it)."""

from __future__ import annotations

from review.agreement.gate import GateResult
from review.agreement.stats import Agreement, Interval, kappa_band
from review.agreement.store import ReasonAgreement, StageAgreement
from review.states import Stage

LABELS = {"po": "observed agreement", "kappa": "Cohen's kappa", "pabak": "PABAK", "ac1": "Gwet's AC1"}


def num(value: float | None) -> str:
    """Two decimals, or `undefined`."""
    return "undefined" if value is None else f"{value:.2f}"


def ci(interval: Interval | None) -> str:
    """`0.12 to 0.63`."""
    return "-" if interval is None else f"{interval.low:.2f} to {interval.high:.2f}"


def stage_text(report: StageAgreement, by_pair: bool, gate: GateResult | None) -> str:
    """The stage's agreement table, per pair if asked, and the pilot gate."""
    a = report.overall
    where = Stage(report.stage).cli + (" (pilot set)" if report.pilot else "")
    lines = [
        f"Agreement at {where}: {a.n} records decided by two screeners. {report.note}",
        *_table(a),
        f"Protocol threshold: {report.statistic} >= {report.threshold:.2f}.",
    ]
    if by_pair:
        lines += [
            "",
            f"{'pair':<28} {'n':>5} {'p_o':>5}  {'kappa (95% CI)':<24} {'PABAK (95% CI)':<24} AC1 (95% CI)",
        ]
        lines += [_pair_row(f"{p.reviewer_a} / {p.reviewer_b}", p.agreement) for p in report.pairs]
    if gate is not None:
        lines += ["", gate.message]
    return "\n".join(lines)


def _table(a: Agreement) -> list[str]:
    rows = [
        f"  {'statistic':<20} {'estimate':>9}   95% CI (bootstrap, {a.replicates} resamples, seed {a.seed})"
    ]
    for key, label in LABELS.items():
        extra = ""
        if key == "kappa" and a.kappa is not None:
            extra = f"   analytic {ci(a.kappa_ci_analytic)}; Cochrane band: {kappa_band(a.kappa)}"
        rows.append(f"  {label:<20} {num(a.value(key)):>9}   {ci(a.interval(key))}{extra}")
    both_in, only_a, only_b, both_out = a.table
    rows.append(
        f"  Both include {both_in}, both exclude {both_out}, include by one screener only {only_a + only_b}."
    )
    return rows


def _pair_row(name: str, a: Agreement) -> str:
    cells = [f"{num(a.value(k))} ({ci(a.interval(k))})" for k in ("kappa", "pabak", "ac1")]
    return f"{name:<28} {a.n:>5} {a.po:>5.2f}  {cells[0]:<24} {cells[1]:<24} {cells[2]}"


def reason_text(found: list[ReasonAgreement], stage: str) -> str:
    """Excludes by reason code for each screener of each pair, and agreement on reasons."""
    lines = [f"Exclusion reasons at {Stage(stage).cli}, per pair of screeners:"]
    for r in found:
        lines += [
            "",
            f"{r.reviewer_a} / {r.reviewer_b}: both excluded {r.both_excluded}, same reason {r.same_reason} "
            f"(agreement {num(r.po)}, kappa {num(r.kappa)})",
            f"  {'reason':<14} {r.reviewer_a:>12} {r.reviewer_b:>12} {'both':>6}",
        ]
        lines += [f"  {row.reason:<14} {row.by_a:>12} {row.by_b:>12} {row.both:>6}" for row in r.rows]
    return "\n".join(lines)
