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
