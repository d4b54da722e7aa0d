"""Agreement statistics (pure): Cohen's kappa, PABAK and Gwet's AC1 with 95% intervals.

Statistics follow methods.md section 3 (binary case; "maybe" counts as include). Intervals are a
seeded bootstrap over records; a bootstrap over records of a 2x2 table is exactly a multinomial draw
over its four cells, so it is vectorised and costs the same for 50 or 50,000 records. Kappa also
gets the large-sample standard error of Fleiss, Cohen and Everitt (1969).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from review.errors import AgreementError, InputError

STATISTICS = ("kappa", "pabak", "ac1")
MAYBE_NOTE = '"maybe" counts as include for agreement.'
_INCLUDE = {"include": 1, "maybe": 1, "exclude": 0}


@dataclass(frozen=True)
class Interval:
    """A 95% interval."""

    low: float
    high: float


@dataclass(frozen=True)
class Agreement:
    """Agreement of two screeners on n records (table: both incl., A only, B only, both excl.)."""

    n: int
    table: tuple[int, int, int, int]
    po: float
    kappa: float | None  # None when both screeners gave one decision to every record (p_e = 1)
    pabak: float
    ac1: float
    po_ci: Interval
    kappa_ci: Interval | None
    pabak_ci: Interval
    ac1_ci: Interval
    kappa_se: float | None  # analytic (Fleiss, Cohen & Everitt 1969)
    kappa_ci_analytic: Interval | None
    seed: int
    replicates: int

    def value(self, statistic: str) -> float | None:
        """The estimate of `statistic` (kappa, pabak, ac1 or po)."""
        found: float | None = getattr(self, statistic)
        return found

    def interval(self, statistic: str) -> Interval | None:
        """The bootstrap interval of `statistic`."""
        found: Interval | None = getattr(self, f"{statistic}_ci")
        return found


def as_include(decision: str | bool) -> int:
    """1 for include (and maybe), 0 for exclude."""
    if isinstance(decision, bool):
        return int(decision)
    if decision not in _INCLUDE:
        raise InputError(f"Unknown decision {decision!r}: expected include, exclude or maybe.")
    return _INCLUDE[decision]


def compute(
    decisions_a: Sequence[str | bool],
    decisions_b: Sequence[str | bool],
    seed: int,
    *,
    replicates: int = 2000,
) -> Agreement:
    """Agreement of two screeners' decisions on the same records, given in the same order.

    Args:
        decisions_a: the first screener's decisions (include/exclude/maybe, or True for include).
        decisions_b: the second screener's decisions on the same records.
        seed: seed of the bootstrap, so intervals can be reproduced.
        replicates: bootstrap resamples.

    Returns:
        n, p_o, kappa, PABAK, AC1 with percentile bootstrap intervals (widened to include the
        estimate in the rare skewed case where they miss it) and kappa's analytic interval.
    """
    if len(decisions_a) != len(decisions_b):
        raise InputError(f"Agreement needs paired decisions: got {len(decisions_a)} and {len(decisions_b)}.")
    if not decisions_a:
        raise AgreementError("Agreement needs at least one record decided by both screeners.")
    cells: Counter[tuple[int, int]] = Counter(
        (as_include(a), as_include(b)) for a, b in zip(decisions_a, decisions_b, strict=True)
    )
    table = (cells[1, 1], cells[1, 0], cells[0, 1], cells[0, 0])
    return from_table(table, seed, replicates=replicates)


def from_table(table: tuple[int, int, int, int], seed: int, *, replicates: int = 2000) -> Agreement:
    """Agreement from a 2x2 table (both include, A only, B only, both exclude)."""
    import numpy as np

    n = sum(table)
    est = _stats(np.array([table], dtype=float))
    boot = _stats(_resample(table, seed, replicates))
    po, kappa, pabak, ac1 = (float(v[0]) for v in est)
    kappa_value = None if np.isnan(kappa) else kappa
    se = _kappa_se(table) if kappa_value is not None else None
    return Agreement(
        n=n,
        table=table,
        po=po,
        kappa=kappa_value,
        pabak=pabak,
        ac1=ac1,
        po_ci=_percentile(boot[0], po),
        kappa_ci=_percentile(boot[1], kappa_value) if kappa_value is not None else None,
        pabak_ci=_percentile(boot[2], pabak),
        ac1_ci=_percentile(boot[3], ac1),
        kappa_se=se,
        kappa_ci_analytic=_analytic(kappa_value, se),
        seed=seed,
        replicates=replicates,
    )


def _resample(table: tuple[int, int, int, int], seed: int, replicates: int) -> Any:
    import numpy as np

    a, b, c, d = table
    # The statistics are symmetric in the two off-diagonal cells; drawing them in a fixed order
    # makes swapping the screeners give identical intervals, not just statistically equal ones.
    hi, lo = max(b, c), min(b, c)
    n = sum(table)
    draws = np.random.default_rng(seed).multinomial(n, np.array([a, hi, lo, d]) / n, size=replicates)
    return draws.astype(float)


def _stats(tables: Any) -> Any:
    """p_o, kappa, PABAK, AC1 for each row of an (m, 4) array of cell counts."""
    import numpy as np

    a, b, c, d = tables.T
    n = a + b + c + d
    po = (a + d) / n
    pa, pb = (a + b) / n, (a + c) / n  # each screener's share of includes
    pe = pa * pb + (1 - pa) * (1 - pb)
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.where(pe < 1, (po - pe) / (1 - pe), np.nan)
    pi = (pa + pb) / 2
    pe_star = 2 * pi * (1 - pi)
    ac1 = (po - pe_star) / (1 - pe_star)
    return np.vstack([po, kappa, 2 * po - 1, ac1])


def _percentile(samples: Any, estimate: float) -> Interval:
    import numpy as np

    finite = samples[~np.isnan(samples)]
    if finite.size == 0:
        return Interval(estimate, estimate)
    low, high = (float(v) for v in np.percentile(finite, [2.5, 97.5]))
    return Interval(min(low, estimate), max(high, estimate))


def _kappa_se(table: tuple[int, int, int, int]) -> float:
    """Large-sample SE of kappa (Fleiss, Cohen & Everitt 1969; Fleiss 1981 eq. 13.15)."""
    a, b, c, d = table
    n = sum(table)
    p = [[a / n, b / n], [c / n, d / n]]
    row = [p[0][0] + p[0][1], p[1][0] + p[1][1]]
    colm = [p[0][0] + p[1][0], p[0][1] + p[1][1]]
    po = p[0][0] + p[1][1]
    pe = row[0] * colm[0] + row[1] * colm[1]
    diag = sum(p[i][i] * ((1 - pe) - (row[i] + colm[i]) * (1 - po)) ** 2 for i in (0, 1))
    off = (1 - po) ** 2 * sum(p[i][j] * (colm[i] + row[j]) ** 2 for i in (0, 1) for j in (0, 1) if i != j)
    var = (diag + off - (po * pe - 2 * pe + po) ** 2) / (n * (1 - pe) ** 4)
    return float(max(var, 0.0) ** 0.5)


def _analytic(kappa: float | None, se: float | None) -> Interval | None:
    if kappa is None or se is None:
        return None
    return Interval(max(-1.0, kappa - 1.959964 * se), min(1.0, kappa + 1.959964 * se))


def kappa_band(kappa: float | None) -> str:
    """Cochrane Handbook 5.1 §7.2.6 band for a kappa value."""
    if kappa is None:
        return "undefined"
    kappa = round(kappa, 9)  # 0.4 computed as 0.39999... is still "fair"
    if kappa >= 0.75:
        return "excellent"
    if kappa >= 0.60:
        return "good"
    if kappa >= 0.40:
        return "fair"
    return "poor"


def kappa_degenerate(
    table: tuple[int, int, int, int], names: tuple[str, str] = ("one screener", "the other screener")
) -> str | None:
    """Why kappa cannot judge this table, in words, or None when it can.

    Kappa compares agreement with what each screener's own mix of decisions predicts. When both
    give one decision to every record, that prediction is already perfect and kappa is 0/0; when
    one screener does, it predicts every agreement there is and kappa is 0 however well they agree.
    """
    a, b, c, d = table
    undefined = "kappa is undefined when one category is never used"
    if a + b + c == 0:
        return f"every record was excluded by both screeners: {undefined}"
    if b + c + d == 0:
        return f"every record was included by both screeners: {undefined}"
    pinned = "kappa is 0 whatever the agreement when one screener never uses a category"
    for never, who in (
        (a + b == 0, f"{names[0]} included no record"),
        (a + c == 0, f"{names[1]} included no record"),
        (c + d == 0, f"{names[0]} excluded no record"),
        (b + d == 0, f"{names[1]} excluded no record"),
    ):
        if never:
            return f"{who}: {pinned}"
    return None


# --- Krippendorff's alpha (nominal) ---------------------------------------------------------------


@dataclass(frozen=True)
class Alpha:
    """Krippendorff's alpha for nominal data over n pairable values, with a seeded bootstrap interval."""

    units: int  # units with two or more values (the others cannot be paired)
    values: int  # pairable values (n)
    alpha: float | None  # None when every value is the same category (no expected disagreement)
    ci: Interval | None
    seed: int
    replicates: int


def krippendorff_alpha(units: Sequence[Sequence[Any]], seed: int, *, replicates: int = 2000) -> Alpha:
    """Krippendorff's alpha (nominal) of coders' values per unit; None marks a value a coder left out.

    alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k (Krippendorff 2011, "Computing
    Krippendorff's alpha-reliability"), from the coincidence matrix o of pairable values. The
    interval is a percentile bootstrap over units (seeded), widened to include the estimate.
    """
    import numpy as np

    kept = [[v for v in unit if v is not None] for unit in units]
    kept = [unit for unit in kept if len(unit) > 1]
    categories = sorted({v for unit in kept for v in unit}, key=str)
    index = {c: i for i, c in enumerate(categories)}
    per_unit = np.zeros((len(kept), len(categories), len(categories)))
    for u, unit in enumerate(kept):
        counts = np.bincount([index[v] for v in unit], minlength=len(categories)).astype(float)
        per_unit[u] = (np.outer(counts, counts) - np.diag(counts)) / (len(unit) - 1)
    estimate = _alpha(per_unit.sum(axis=0)) if kept else None
    ci = _alpha_interval(per_unit, estimate, seed, replicates) if estimate is not None else None
    return Alpha(len(kept), round(float(per_unit.sum())), estimate, ci, seed, replicates)


def _alpha_interval(per_unit: Any, estimate: float, seed: int, replicates: int) -> Interval:
    import numpy as np

    # A resample of units is a count per unit (multinomial); its coincidences are a weighted sum.
    units = per_unit.shape[0]
    weights = np.random.default_rng(seed).multinomial(units, np.full(units, 1 / units), size=replicates)
    tables = (weights @ per_unit.reshape(units, -1)).reshape(replicates, *per_unit.shape[1:])
    found = [_alpha(t) for t in tables]
    return _percentile(np.array([np.nan if a is None else a for a in found]), estimate)


def _alpha(coincidence: Any) -> float | None:
    import numpy as np

    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    expected = n * n - float((n_c**2).sum())  # sum over c != k of n_c * n_k
    if expected <= 0:
        return None
    observed = float(coincidence.sum() - np.trace(coincidence))
    return float(1 - (n - 1) * observed / expected)
