"""The search sources (OpenAlex, GOV.UK) and the review's own facts (title, questions, reviewers)."""

from __future__ import annotations

from datetime import date

from pydantic import Field, model_validator

from review.protocol.base import _Strict


class OpenAlexSearch(_Strict):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    search: str | None = None  # `search=`: title, abstract and full text
    title_and_abstract: str | None = None  # `filter=title_and_abstract.search:`
    # extra OpenAlex filters, key: value as the API takes them
    filters: dict[str, str | int | bool] = Field(default_factory=dict)
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
