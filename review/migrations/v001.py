"""Schema version 1: the first schema, as the schema-1 models (git 66a4b94) created it."""

from __future__ import annotations

from importlib import resources

from review.migrations.steps import Step


def _schema_file(version: int, dialect: str) -> tuple[str, ...]:
    text = resources.files("review.data").joinpath(f"schema/{version:03d}_{dialect}.sql").read_text()
    return tuple(s.strip() for s in text.split(";\n") if s.strip())


def _initial() -> tuple[Step, ...]:
    return (Step("the first schema", _schema_file(1, "sqlite"), _schema_file(1, "postgresql")),)


STEPS = _initial()
