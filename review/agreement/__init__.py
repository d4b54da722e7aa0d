"""Agreement between screeners, as the methods section reports it (methods.md section 3).

`compute` is a pure function of two screeners' decisions; `stage_agreement`, `reason_agreement`
and `pilot_gate` read standing decisions from the store (`review.decisions`); `pilot_history`
gives every pilot batch with the verdicts logged on it (`batches`).
"""

from __future__ import annotations

from review.agreement.batches import PilotBatch, Verdict, pilot_batches
from review.agreement.gate import BatchHistory, GateResult, pilot_gate, pilot_history, verdict_text
from review.agreement.stats import (
    MAYBE_NOTE,
    STATISTICS,
    Agreement,
    Interval,
    compute,
    from_table,
    kappa_band,
    kappa_degenerate,
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
    "BatchHistory",
    "GateResult",
    "Interval",
    "PairAgreement",
    "PilotBatch",
    "ReasonAgreement",
    "ReasonRow",
    "StageAgreement",
    "Verdict",
    "compute",
    "from_table",
    "kappa_band",
    "kappa_degenerate",
    "pairs",
    "pilot_batches",
    "pilot_gate",
    "pilot_history",
    "pilot_works",
    "reason_agreement",
    "stage_agreement",
    "verdict_text",
]
