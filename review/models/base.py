"""What every table module shares: the JSON and long-text column helpers, and the `meta` table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel


def _json(default: Any = None) -> Any:
    # none_as_null: a missing value is SQL NULL, not the JSON text "null".
    return Field(default=default, sa_column=Column(JSON(none_as_null=True), nullable=True))


def _text() -> Any:
    return Field(default=None, sa_column=Column(Text, nullable=True))


class Meta(SQLModel, table=True):
    """Key/value facts about this store: schema version, creation time, tool version."""

    key: str = Field(primary_key=True)
    value: str
