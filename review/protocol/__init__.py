"""The review protocol (`protocol/protocol.toml`), loaded into a frozen, typed object.

Every error names the file, the key and the fix. The schema is strict: an unknown key is an
error (a typo would otherwise silently switch a criterion off). The sections are defined by area
(`screening`, `sources`, `forms`: the extraction form and the codebook) and all re-exported here.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from review.errors import ProtocolError
from review.protocol.base import _Strict
from review.protocol.forms import (
    CODE_NAME,
    FIELD_TYPES,
    SQL_NAME,
    Codebook,
    ExtractionField,
    ExtractionForm,
    ExtractionSection,
    FieldType,
    Prefill,
    SubTheme,
    Theme,
)
from review.protocol.screening import (
    Criteria,
    Criterion,
    Dedupe,
    Design,
    Highlight,
    Rules,
    Screening,
    SettingRule,
    StageDesign,
    TermRule,
    TypeRule,
)
from review.protocol.sources import (
    GovukSearch,
    GovukSource,
    OpenAlexSearch,
    OpenAlexSource,
    ReviewInfo,
    Sources,
)

PROTOCOL_FILE = Path("protocol") / "protocol.toml"
SCREENING_SECTIONS = ("criteria", "rules", "screening")


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
    # saved read-only SQL queries, by name (`review query --saved NAME`)
    queries: dict[str, str] = Field(default_factory=dict)

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
                for k in (
                    "document_types",
                    "setting",
                    "required_terms",
                    "excluded_terms",
                )
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


__all__ = [
    "CODE_NAME",
    "FIELD_TYPES",
    "PROTOCOL_FILE",
    "SCREENING_SECTIONS",
    "SQL_NAME",
    "Codebook",
    "Criteria",
    "Criterion",
    "Dedupe",
    "Design",
    "ExtractionField",
    "ExtractionForm",
    "ExtractionSection",
    "FieldType",
    "GovukSearch",
    "GovukSource",
    "Highlight",
    "OpenAlexSearch",
    "OpenAlexSource",
    "Prefill",
    "Protocol",
    "ReviewInfo",
    "Rules",
    "Screening",
    "SettingRule",
    "Sources",
    "StageDesign",
    "SubTheme",
    "TermRule",
    "Theme",
    "TypeRule",
    "load_protocol",
]
