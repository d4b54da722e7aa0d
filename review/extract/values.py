"""Typed extraction values: parse what a person typed, check a stored value, show it back.

Values are stored as JSON: text, choice and date as strings (dates ISO), integer and number as
numbers, boolean as true/false, choices as a list of strings in the form's order. None means blank.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from review.errors import ExtractionError
from review.protocol import ExtractionField, ExtractionForm

TRUE = ("yes", "y", "true", "1")
FALSE = ("no", "n", "false", "0")
CLEAR = "-"  # typed to blank a field that has a default


def parse_text(key: str, field: ExtractionField, raw: str | None) -> Any:
    """The value for what a person typed (blank → None); raises ExtractionError naming the field."""
    text = (raw or "").strip()
    if not text or text == CLEAR:
        return None
    parser = _PARSERS[field.type]
    return parser(key, field, text)


def check_value(key: str, field: ExtractionField, value: Any) -> Any:
    """A stored or imported value checked against its field, normalised; raises naming the field."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        return parse_text(key, field, value)
    if field.type == "choices" and isinstance(value, list | tuple):
        return _choices(key, field, ";".join(str(v) for v in value))
    ok = {
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
    }
    if ok.get(field.type):
        return float(value) if field.type == "number" else value
    raise ExtractionError(f"{key}: {value!r} is not a valid {field.type} value{_allowed(field)}.")


def require(key: str, field: ExtractionField, value: Any) -> None:
    """A required field must not be left blank."""
    if field.required and value is None:
        raise ExtractionError(f"{key}: this field is required; give a value{_allowed(field)}.")


def show(value: Any) -> str:
    """A value as a person types it: lists joined with '; ', booleans as yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def field_by_key(form: ExtractionForm, key: str) -> ExtractionField:
    """The field named "section.field" (or just "field"), or an error listing the fields."""
    for full, field in form.all_fields():
        if key in (full, field.name):
            return field
    names = ", ".join(k for k, _ in form.all_fields())
    raise ExtractionError(f"Unknown extraction field {key!r}: the form has {names}.")


def full_key(form: ExtractionForm, key: str) -> str:
    """ "field" or "section.field" → "section.field"."""
    field = field_by_key(form, key)
    return next(k for k, f in form.all_fields() if f is field)


def _allowed(field: ExtractionField) -> str:
    if field.choices:
        return f"; allowed: {', '.join(field.choices)}"
    return {
        "integer": " (a whole number, e.g. 1234)",
        "number": " (a number, e.g. 0.25)",
        "boolean": " (yes or no)",
        "date": " (an ISO date, YYYY-MM-DD)",
    }.get(field.type, "")


def _integer(key: str, field: ExtractionField, text: str) -> int:
    try:
        return int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise ExtractionError(f"{key}: {text!r} is not a whole number{_allowed(field)}.") from None


def _number(key: str, field: ExtractionField, text: str) -> float:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise ExtractionError(f"{key}: {text!r} is not a number{_allowed(field)}.") from None


def _boolean(key: str, field: ExtractionField, text: str) -> bool:
    low = text.lower()
    if low in TRUE or low in FALSE:
        return low in TRUE
    raise ExtractionError(f"{key}: {text!r} is not yes or no.")


def _date(key: str, field: ExtractionField, text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise ExtractionError(f"{key}: {text!r} is not a date{_allowed(field)}.") from None


def _match(key: str, field: ExtractionField, text: str) -> str:
    for choice in field.choices:
        if choice.casefold() == text.strip().casefold():
            return choice
    raise ExtractionError(f"{key}: {text.strip()!r} is not one of the choices{_allowed(field)}.")


def _choice(key: str, field: ExtractionField, text: str) -> str:
    return _match(key, field, text)


def _choices(key: str, field: ExtractionField, text: str) -> list[str] | None:
    # Choices may contain commas (none do in the form, but a person may type either separator).
    parts = [p for p in (text.split(";") if ";" in text else text.split(",")) if p.strip()]
    chosen = {_match(key, field, p) for p in parts}
    return [c for c in field.choices if c in chosen] or None


def _text(key: str, field: ExtractionField, text: str) -> str:
    return text


_PARSERS = {
    "text": _text,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "date": _date,
    "choice": _choice,
    "choices": _choices,
}
