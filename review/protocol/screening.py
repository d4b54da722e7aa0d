"""The screening sections: criteria, highlight terms, rules, the screening design and dedupe settings."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from review.protocol.base import _Strict


class Criterion(_Strict):
    code: str = Field(min_length=1, description="Short reason code, e.g. E1 or E-SETTING")
    text: str = Field(min_length=1, description="What the criterion says")


class Criteria(_Strict):
    include: tuple[Criterion, ...] = Field(min_length=1)
    exclude: tuple[Criterion, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_codes(self) -> Criteria:
        codes = [c.code for c in (*self.include, *self.exclude)]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"reason codes must be unique; repeated: {', '.join(dupes)}")
        return self

    def reason_codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.exclude)


class Highlight(_Strict):
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


class TermRule(_Strict):
    terms: tuple[str, ...] = Field(min_length=1)
    reason: str


class SettingRule(_Strict):
    """Keep records set in the UK: affiliation countries or place names in the text."""

    countries: tuple[str, ...] = ("GB",)
    places: tuple[str, ...] = ()  # nations, regions, local authorities; default list if empty
    reason: str


class TypeRule(_Strict):
    exclude: tuple[str, ...] = Field(min_length=1)
    reason: str


class Rules(_Strict):
    date_reason: str | None = None
    language_reason: str | None = None
    document_types: TypeRule | None = None
    setting: SettingRule | None = None
    required_terms: TermRule | None = None
    excluded_terms: TermRule | None = None


Design = Literal["dual", "pilot", "single+verify", "single"]


class StageDesign(_Strict):
    design: Design = "dual"
    pilot_size: int = Field(default=50, ge=1)
    agreement_threshold: float = Field(default=0.6, ge=-1, le=1)
    agreement_statistic: Literal["kappa", "pabak", "ac1"] = "kappa"
    # Kappa cannot judge a pilot batch in which a screener never includes (or never excludes): it is
    # undefined when both use one category and 0 whatever the agreement when one does. With rare
    # includes that is a common batch, and judging it by kappa loops batch after batch. The default
    # judges it by PABAK, which methods.md section 3 names for rare includes and which reads as plain
    # agreement (0.6 is 80% of records agreed), rather than passing only perfect agreement: one
    # include by one screener in 50 would fail that and loop again.
    pilot_degenerate: Literal["fallback_statistic", "pass_on_perfect_agreement"] = "fallback_statistic"
    pilot_fallback_statistic: Literal["pabak", "ac1"] = "pabak"
    after_pilot: Literal["dual", "single+verify", "single"] = "single+verify"
    verify_fraction: float = Field(default=1.0, gt=0, le=1)
    rule_check_fraction: float = Field(default=0.0, ge=0, le=1)


class Screening(_Strict):
    seed: int = 2026
    adjudicators: tuple[str, ...] = ()  # reviewers who settle conflicts: no screening queue by default
    allow_screener_adjudication: bool = False
    title_abstract: StageDesign = StageDesign()
    full_text: StageDesign = StageDesign()


class Dedupe(_Strict):
    """How `review dedupe` decides (methods §5): match probabilities bounding the bands, and which
    related items a review counts as one work."""

    # A pair at or above `auto_merge` is merged without a person; from `review` up it is queued for one.
    auto_merge: float = Field(default=0.999, gt=0, lt=1)
    review: float = Field(default=0.2, gt=0, lt=1)
    # Kept apart and linked by default: some reviews count a preprint and its published version, or
    # a conference abstract and the journal article, as one work.
    preprint_is_work: bool = False
    conference_is_work: bool = False

    @model_validator(mode="after")
    def _ordered(self) -> Dedupe:
        if self.review > self.auto_merge:
            raise ValueError(
                f"dedupe.review ({self.review}) must not exceed dedupe.auto_merge ({self.auto_merge})"
            )
        return self
