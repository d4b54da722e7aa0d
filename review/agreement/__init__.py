"""Agreement between screeners, as the methods section reports it (methods.md section 3).

`compute` is a pure function of two screeners' decisions; `stage_agreement`, `reason_agreement`
and `pilot_gate` read standing decisions from the store (`review.decisions`).
"""

from __future__ import annotations

from review.agreement.gate import GateResult, pilot_gate
from review.agreement.stats import (
    MAYBE_NOTE,
    STATISTICS,
    Agreement,
    Interval,
    compute,
    from_table,
    kappa_band,
)
from review.agreement.store import (
    PairAgreement,
    ReasonAgreement,
    ReasonRow,
    StageAgreement,
    pairs,
    pilot_works,
    reason_agreement,
    stage_agreement,
)

__all__ = [
    "MAYBE_NOTE",
    "STATISTICS",
    "Agreement",
    "GateResult",
    "Interval",
    "PairAgreement",
    "ReasonAgreement",
    "ReasonRow",
    "StageAgreement",
    "compute",
    "from_table",
    "kappa_band",
    "pairs",
    "pilot_gate",
    "pilot_works",
    "reason_agreement",
    "stage_agreement",
]
