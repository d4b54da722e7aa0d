"""The extraction form and the codebook (the framework shared by the literature and stakeholder evidence)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from review.protocol.base import _Strict

FieldType = Literal["text", "integer", "number", "boolean", "date", "choice", "choices"]
FIELD_TYPES: tuple[str, ...] = (
    "text",
    "integer",
    "number",
    "boolean",
    "date",
    "choice",
    "choices",
)
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
