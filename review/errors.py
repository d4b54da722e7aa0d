"""The exceptions the CLI shows as `Error: ...` (exit 1). Anything else is a bug."""

from __future__ import annotations


class ReviewError(Exception):
    """An expected failure: the message says what failed and what to do."""


class ProtocolError(ReviewError):
    """The protocol file is missing, malformed or inconsistent."""


class StoreError(ReviewError):
    """The review database cannot be opened, is too new, or is in the wrong state."""


class SearchError(ReviewError):
    """A search could not be run (bad query, refused by the service, interrupted)."""


class ImportFormatError(ReviewError):
    """A file given to `review import` cannot be read; the message names the line."""


class StageOrderError(ReviewError):
    """A stage was asked to run before the stage it builds on."""


class InputError(ReviewError):
    """A value given by the user (record ID, reviewer, file) is not valid."""


class AgreementError(ReviewError):
    """Agreement cannot be computed (for example, no record was screened by two people)."""


class AdjudicationError(ReviewError):
    """A conflict cannot be resolved as asked (wrong adjudicator, not a conflict, bad decision)."""


class ExtractionError(ReviewError):
    """An extraction value, form or record is not valid; the message names the field."""


class QueryError(ReviewError):
    """A `review query` was refused (it would write) or failed."""
