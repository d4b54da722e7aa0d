"""The review protocol (`protocol/protocol.toml`), loaded into a frozen, typed object.

Every error names the file, the key and the fix. The schema is strict: an unknown key is an
error (a typo would otherwise silently switch a criterion off).
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from review.errors import ProtocolError

PROTOCOL_FILE = Path("protocol") / "protocol.toml"
SCREENING_SECTIONS = ("criteria", "rules", "screening")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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


class OpenAlexSearch(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    search: str | None = None  # `search=`: title, abstract and full text
    title_and_abstract: str | None = None  # `filter=title_and_abstract.search:`
    filters: dict[str, str | int | bool] = {}  # extra OpenAlex filters, key: value as the API takes them
    max_records: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _has_query(self) -> OpenAlexSearch:
        if not (self.search or self.title_and_abstract):
            raise ValueError("give `search` or `title_and_abstract` (the text to search for)")
        return self


class OpenAlexSource(_Strict):
    email: str | None = None
    per_page: int = Field(default=100, ge=1, le=200)
    include_xpac: bool = False
    searches: tuple[OpenAlexSearch, ...] = ()


class GovukSearch(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    q: str = Field(min_length=1, max_length=512)
    document_types: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    max_records: int | None = Field(default=None, ge=1)


class GovukSource(_Strict):
    per_page: int = Field(default=1000, ge=1, le=1500)
    fetch_content: bool = True
    searches: tuple[GovukSearch, ...] = ()


class Sources(_Strict):
    openalex: OpenAlexSource = OpenAlexSource()
    govuk: GovukSource = GovukSource()


class ReviewInfo(_Strict):
    title: str = Field(min_length=1)
    questions: tuple[str, ...] = Field(min_length=1)
    reviewers: tuple[str, ...] = Field(min_length=1)
    start_date: date | None = None
    end_date: date | None = None
    languages: tuple[str, ...] = ("en",)

    @model_validator(mode="after")
    def _dates_in_order(self) -> ReviewInfo:
        if self.start_date and self.end_date and self.start_date > self.end_date:
            raise ValueError("start_date is after end_date")
        return self


FieldType = Literal["text", "integer", "number", "boolean", "date", "choice", "choices"]
FIELD_TYPES: tuple[str, ...] = ("text", "integer", "number", "boolean", "date", "choice", "choices")
Prefill = Literal["design", "sample_size", "sample_unit", "nations", "places", "programmes", "year"]
SQL_NAME = r"^[a-z][a-z0-9_]{0,39}$"


class ExtractionField(_Strict):
    """One field of the extraction form; it becomes one column of the writers' table."""

    name: str = Field(pattern=SQL_NAME, description="Column name: lower case, digits, underscores")
    type: FieldType
    required: bool = False
    help: str = ""
    choices: tuple[str, ...] = ()
    prefill: Prefill | None = None  # which full-text suggester proposes a value

    @model_validator(mode="before")
    @classmethod
    def _known_type(cls, data: Any) -> Any:
        # Say which field is wrong: pydantic's own message names only the list position.
        if isinstance(data, dict) and data.get("type") not in FIELD_TYPES:
            raise ValueError(
                f"field {data.get('name')!r}: unknown type {data.get('type')!r}; "
                f"use one of {', '.join(FIELD_TYPES)}"
            )
        return data

    @model_validator(mode="after")
    def _choices_fit_type(self) -> ExtractionField:
        has_choices = self.type in ("choice", "choices")
        if has_choices and not self.choices:
            raise ValueError(f"field {self.name!r}: a {self.type} field needs a list of `choices`")
        if not has_choices and self.choices:
            raise ValueError(f"field {self.name!r}: `choices` only apply to choice and choices fields")
        if len(set(self.choices)) != len(self.choices):
            raise ValueError(f"field {self.name!r}: a choice is listed twice")
        return self


class ExtractionSection(_Strict):
    name: str = Field(pattern=SQL_NAME)
    label: str = ""
    fields: tuple[ExtractionField, ...] = Field(min_length=1)


class ExtractionForm(_Strict):
    """The extraction form: sections of typed fields, and how extraction is checked."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,29}$", description="SQL-safe table name prefix")
    design: Literal["single+verify", "dual"] = "single+verify"
    sections: tuple[ExtractionSection, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> ExtractionForm:
        names = [f.name for s in self.sections for f in s.fields]
        dupes = sorted({n for n in names if names.count(n) > 1} | ({"work_id"} & set(names)))
        if dupes:
            raise ValueError(f"field names must be unique across the form (and not work_id): {dupes}")
        return self

    def all_fields(self) -> tuple[tuple[str, ExtractionField], ...]:
        """(key "section.field", field) pairs in form order."""
        return tuple((f"{s.name}.{f.name}", f) for s in self.sections for f in s.fields)


CODE_NAME = r"^[a-z][a-z0-9_-]{0,39}$"


class SubTheme(_Strict):
    """A sub-theme of the framework: coded like a theme, counted under its theme in the matrix."""

    code: str = Field(pattern=CODE_NAME, description="What coders type: lower case, digits, - and _")
    label: str = Field(min_length=1)
    definition: str = ""


class Theme(_Strict):
    """A theme of the framework (codebook), with its definition and sub-themes."""

    code: str = Field(pattern=CODE_NAME, description="What coders type: lower case, digits, - and _")
    label: str = Field(min_length=1)
    definition: str = ""
    # Values of the extraction field `codebook.literature_field` that mean this theme (default: the label)
    literature: tuple[str, ...] = ()
    subthemes: tuple[SubTheme, ...] = ()


class Codebook(_Strict):
    """The framework stakeholder evidence is coded with (and the literature, through one extraction field)."""

    themes: tuple[Theme, ...] = Field(min_length=1)
    campaign_threshold: float = Field(default=90.0, ge=50, le=100)  # rapidfuzz token-set similarity
    literature_field: str | None = None  # "section.field" of the extraction form coded with the themes

    @model_validator(mode="after")
    def _unique_codes(self) -> Codebook:
        codes = [c for t in self.themes for c in (t.code, *(s.code for s in t.subthemes))]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(
                f"codes must be unique across themes and sub-themes; repeated: {', '.join(dupes)}"
            )
        return self

    def codes(self) -> dict[str, str]:
        """Every code coders may apply, and the theme code it counts under."""
        found = {}
        for theme in self.themes:
            found[theme.code] = theme.code
            found.update({sub.code: theme.code for sub in theme.subthemes})
        return found


class Protocol(_Strict):
    review: ReviewInfo
    criteria: Criteria
    highlight: Highlight = Highlight()
    rules: Rules = Rules()
    screening: Screening = Screening()
    dedupe: Dedupe = Dedupe()
    sources: Sources = Sources()
    extraction: ExtractionForm | None = None  # the extraction form (see review/extract)
    codebook: Codebook | None = None  # the framework for stakeholder evidence (see review/evidence)
    queries: dict[str, str] = {}  # saved read-only SQL queries, by name (`review query --saved NAME`)

    path: Path | None = Field(default=None, exclude=True)
    sha256: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _adjudicators_are_reviewers(self) -> Protocol:
        unknown = [a for a in self.screening.adjudicators if a not in self.review.reviewers]
        if unknown:
            raise ValueError(
                f"screening.adjudicators names {', '.join(unknown)}, not in [review] reviewers; "
                "add them there"
            )
        if not self.screeners():
            raise ValueError(
                "every reviewer is an adjudicator: [review] reviewers needs at least one screener"
            )
        return self

    @model_validator(mode="after")
    def _reasons_exist(self) -> Protocol:
        codes = set(self.criteria.reason_codes())
        used = {
            "rules.date_reason": self.rules.date_reason,
            "rules.language_reason": self.rules.language_reason,
            **{
                f"rules.{k}.reason": getattr(getattr(self.rules, k), "reason", None)
                for k in ("document_types", "setting", "required_terms", "excluded_terms")
            },
        }
        for key, code in used.items():
            if code is not None and code not in codes:
                raise ValueError(
                    f"{key} = {code!r} is not an exclusion code in [criteria]; "
                    f"use one of {', '.join(sorted(codes))}"
                )
        return self

    @model_validator(mode="after")
    def _literature_field_exists(self) -> Protocol:
        wanted = self.codebook.literature_field if self.codebook else None
        if wanted is None:
            return self
        fields = dict(self.extraction.all_fields()) if self.extraction else {}
        field = fields.get(wanted)
        if field is None or field.type not in ("choice", "choices"):
            raise ValueError(
                f"codebook.literature_field = {wanted!r} is not a choice or choices field of [extraction]; "
                "name one as section.field, or leave it out"
            )
        assert self.codebook is not None
        for theme in self.codebook.themes:
            unknown = [v for v in theme.literature if v not in field.choices]
            if unknown:
                raise ValueError(
                    f"codebook theme {theme.code!r}: literature values {unknown} are not choices of {wanted}"
                )
        return self

    def reason_codes(self) -> tuple[str, ...]:
        return self.criteria.reason_codes()

    def screeners(self) -> tuple[str, ...]:
        """The reviewers given screening queues by default (everyone but the adjudicators)."""
        return tuple(r for r in self.review.reviewers if r not in self.screening.adjudicators)

    def stage_design(self, stage: str) -> StageDesign:
        design: StageDesign = getattr(self.screening, stage)
        return design

    def screening_snapshot(self) -> dict[str, Any]:
        """The parts of the protocol that decide screening: criteria and reason codes, rules, designs,
        agreement statistics and thresholds (not searches, highlights or the extraction form)."""
        return self.model_dump(mode="json", include=set(SCREENING_SECTIONS))

    def screening_hash(self) -> str:
        """sha256 of `screening_snapshot`: changes only when something screening depends on changes."""
        text = json.dumps(self.screening_snapshot(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def load_protocol(path: Path) -> Protocol:
    """Read and validate a protocol file (or a review folder holding protocol/protocol.toml)."""
    if path.is_dir():
        path = path / PROTOCOL_FILE
    if not path.exists():
        raise ProtocolError(
            f"No protocol at {path}: run `review init` to create one, or pass --protocol FILE."
        )
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"{path}: not valid TOML ({exc}). Fix the syntax at that place.") from exc
    try:
        protocol = Protocol.model_validate(data)
    except ValidationError as exc:
        raise ProtocolError(_describe(path, exc)) from exc
    return protocol.model_copy(update={"path": path, "sha256": hashlib.sha256(raw).hexdigest()})


def _describe(path: Path, exc: ValidationError) -> str:
    lines = [f"{path}: the protocol is not valid ({exc.error_count()} problem(s)):"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  {key}: {_fix(err)}")
    return "\n".join(lines)


def _fix(err: Any) -> str:
    kind, msg = str(err["type"]), str(err["msg"])
    if kind == "missing":
        return "missing: add this key (see `review init` for a template)."
    if kind == "extra_forbidden":
        return "unknown key: remove it or correct its spelling."
    if kind == "literal_error":
        return f"{msg}."
    if kind == "value_error":
        return msg.removeprefix("Value error, ") + "."
    return f"{msg} (got {err.get('input')!r})."
