"""Schema version 6 (2026-12-08)."""

from __future__ import annotations

from review.migrations.steps import Step, state_checks

_V6_STAGES = ("title_abstract", "full_text")
# The values each state column may hold at version 6 (review.states then); NULL is always allowed.
_V6_STATES: dict[str, dict[str, tuple[str, ...]]] = {
    "search_run": {
        "status": ("running", "complete", "interrupted", "budget_exhausted", "failed"),
        "arm": ("databases", "other"),
    },
    "dedupe_pair": {"band": ("auto", "review", "distinct", "related"), "decision": ("merge", "keep_both")},
    "dedupe_event": {"action": ("merge", "keep_both", "undo")},
    "assignment": {
        "stage": _V6_STAGES,
        "purpose": ("dual", "pilot", "single", "verify", "rule_check", "adjudicate"),
    },
    "screening_decision": {
        "stage": _V6_STAGES,
        "role": ("screener", "adjudicator", "verifier"),
        "decision": ("include", "exclude", "maybe", "retracted"),
    },
    "rule_result": {"stage": _V6_STAGES},
    "screening_note": {"stage": _V6_STAGES},
    "stopping_log": {"stage": _V6_STAGES},
    "document": {
        "origin": (
            "record_file", "openalex_best_oa", "openalex_location", "openalex_oa_url", "govuk_attachment",
            "govuk_html", "record_url", "manual", "none",
        ),
        "status": ("pending", "retrieved", "not_retrieved", "readable", "unreadable"),
    },
    "extraction_value": {"role": ("extractor", "verifier", "consensus", "prefill")},
}  # fmt: skip


def _version_6() -> tuple[Step, ...]:
    return (
        Step(
            "every stage and state column holds one of its values",
            state_checks("sqlite", _V6_STATES),
            state_checks("postgresql", _V6_STATES),
        ),
    )


STEPS = _version_6()
