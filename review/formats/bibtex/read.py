"""BibTeX and BibLaTeX files read with bibtexparser 2, as Scopus, Web of Science, Zotero, JabRef and
Google Scholar write them, into each entry's fields, which review.formats.bibtex.record makes records.

Field names are read in any case (`Author`); `@string` and month macros and `a # b` are resolved; a
repeated field is kept as `name-2`. A damaged entry (a stray brace in an abstract) becomes a Problem
naming the line of the damage; every other entry is still read. Entries sharing a citation key are
all returned, with a note.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from review.formats.bibtex.record import bibtex_record
from review.formats.common import Parsed, Problem, fail, strict
from review.records import RecordIn

_BRACE = re.compile(r"(?<!\\)[{}]")
_MONTHS = dict(zip(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
                   ("January", "February", "March", "April", "May", "June", "July", "August",
                    "September", "October", "November", "December"), strict=True))  # fmt: skip


def read_bibtex(text: str, source: str, name: str = "file") -> list[RecordIn]:
    """Records of a BibTeX file, keyed by their citation keys; ImportFormatError if an entry is damaged."""
    return strict(parse_bibtex(text, source, name), name)


def parse_bibtex(text: str, source: str, name: str = "file") -> Parsed:
    """Every readable entry of a BibTeX/BibLaTeX file, a Problem for each damaged one, and notes.

    ImportFormatError only when the file holds no `@type{key, ...}` entry at all.
    """
    from bibtexparser.model import Entry, ImplicitComment, ParsingFailedBlock, String

    library = _split(text)
    parsed = Parsed("BibTeX")
    found: list[tuple[int, Any]] = []
    strings: list[Any] = []
    after_entry = False  # whether the block before was an entry (text after it may be its lost fields)
    for block in library.blocks:
        count = len(found)
        if isinstance(block, ParsingFailedBlock):
            block = _recovered(block, parsed)
        if isinstance(block, Entry):
            found.append(((block.start_line or 0) + 1, block))
        elif isinstance(block, String):
            strings.append(block)
        elif isinstance(block, ImplicitComment) and after_entry and _cut_short(block.comment):
            line, entry = found.pop()
            parsed.problems.append(_early_end(line, entry))
        after_entry = len(found) > count
    if not found and not parsed.problems:
        fail(name, "BibTeX", ["no `@type{key, field = {value}}` entries: not a BibTeX file"])
    _read_entries(found, string_macros(strings), source, parsed)
    return parsed


def _read_entries(
    found: list[tuple[int, Any]], macros: Mapping[str, str], source: str, parsed: Parsed
) -> None:
    parsed.notes += key_notes([(line, entry.key) for line, entry in found])
    for line, entry in found:
        fields, repeated = lower_fields(entry.fields, macros)
        parsed.entries.append((line, bibtex_record(entry.entry_type, entry.key, fields, source)))
        parsed.notes += [
            f"line {line}: entry {entry.key} has {n} `{k}` fields; the first is read, the others are kept "
            f"as `{k}-2`{'...' if n > 2 else ''}"
            for k, n in repeated
        ]


def _split(text: str) -> Any:
    from bibtexparser.entrypoint import parse_string

    # The parser also logs each bad block; the Problem says it once, with the line of the damage.
    log = logging.getLogger("bibtexparser")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        # No middleware: `lower_fields` strips braces and resolves macros in the same pass, on
        # recovered entries too (bibtexparser runs no middleware on failed blocks).
        return parse_string(text, parse_stack=[])
    finally:
        log.setLevel(level)


def _recovered(block: Any, parsed: Parsed) -> Any:
    """The entry (or @string) in a block whose only fault is a repeated key or field; a Problem for
    any other block bibtexparser could not read."""
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock

    if isinstance(block, (DuplicateBlockKeyBlock, DuplicateFieldKeyBlock)):
        return block.ignore_error_block
    parsed.problems.append(_damage(block))
    return None


def string_macros(strings: Iterable[Any]) -> dict[str, str]:
    """@string macros by lower-case name (BibTeX's are case-insensitive), with the month macros; a
    macro defined twice has its last value."""
    macros = dict(_MONTHS)
    for string in strings:
        macros[string.key.lower()] = unwrap(str(string.value), macros)
    return macros


def lower_fields(
    fields: Iterable[Any], strings: Mapping[str, str]
) -> tuple[dict[str, str], list[tuple[str, int]]]:
    """Field values by lower-case name (Web of Science writes `Author`, `Unique-ID`), unwrapped.

    A repeated field keeps its first value under its name, later ones as `name-2`, `name-3`...
    """
    out: dict[str, str] = {}
    counts: dict[str, int] = {}
    for field in fields:
        key = field.key.lower()
        if key in out:
            counts[key] = counts.get(key, 1) + 1
            key = f"{key}-{counts[key]}"
        out[key] = unwrap(str(field.value), strings)
    return out, list(counts.items())


def unwrap(value: str, strings: Mapping[str, str]) -> str:
    """A raw value without its enclosing `{...}` or `"..."`; a macro name or `a # b` resolved."""
    value = value.strip()
    first = value[:1]
    if first == "{" and value.endswith("}") and _encloses(value[1:-1], "{}"):
        return value[1:-1]
    if first == '"' and len(value) > 1 and value.endswith('"') and _encloses(value[1:-1], '"'):
        return value[1:-1]
    if "#" in value:
        parts = _top_level(value, "#")
        if len(parts) > 1:
            return "".join(unwrap(part, strings) for part in parts)
    return strings.get(value.lower(), value)


def _encloses(inner: str, marks: str) -> bool:
    """Whether the delimiters around `inner` belong together (not `{a} # {b}` or `"a" # "b"`)."""
    if marks == '"':
        return '"' not in inner or len(_top_level(inner, '"')) == 1
    if "{" not in inner and "}" not in inner:
        return True
    depth = 0
    for match in _BRACE.finditer(inner):
        depth += 1 if match.group() == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def _top_level(value: str, separator: str) -> list[str]:
    """`value` split at each `separator` outside braces and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == separator and depth == 0 and not (quoted and separator != '"'):
            parts.append(value[start:i])
            start = i + 1
        elif char == '"' and depth == 0:
            quoted = not quoted
    return [*parts, value[start:]]


def key_notes(keys: Sequence[tuple[int, str]]) -> list[str]:
    """One note per citation key that several entries share (they are all kept)."""
    lines: dict[str, list[int]] = {}
    for line, key in keys:
        lines.setdefault(key, []).append(line)
    shared = [(k, v) for k, v in lines.items() if len(v) > 1 and k]
    notes = [
        f"citation key {k} is used by {len(v)} entries (lines {', '.join(map(str, v))}); all kept"
        for k, v in shared[:5]
    ]
    if len(shared) > 5:
        notes.append(f"... and {len(shared) - 5} more citation keys are used by several entries; all kept")
    return notes


# --- where an entry is damaged --------------------------------------------------------------

_FIELD_START = re.compile(r"^\s*,?\s*([A-Za-z][\w:.+-]*)\s*=\s*(?:[{\"]|\w+\s*,?\s*$)")
_ENTRY_KEY = re.compile(r"@\w*\s*[{(]\s*([^,\s]*)")
_FIX_OPEN = "escape it as \\{ or remove it"


def _entry_name(raw: str, line: int) -> str:
    match = _ENTRY_KEY.match(raw)
    key = match.group(1) if match else ""
    return f"entry {key} from line {line}" if key else f"the entry on line {line}"


def _damage(block: Any) -> Problem:
    """A Problem at the line of the damage in a block bibtexparser could not read."""
    raw = str(block.raw or "")
    start = (block.start_line or 0) + 1
    where = _unclosed_brace(raw.split("\n"))
    if where is not None:
        offset, key, stray = where
        message = (
            f"a `{{` in `{key}` is never closed, so the entry runs on into the next one: {_FIX_OPEN}"
            if stray
            else f"the value of `{key}` opened here is never closed: add its closing `}}` "
            f"(a stray `{{` inside it: {_FIX_OPEN})"
        )
        return Problem(start + offset, message, _entry_name(raw, start))
    error = getattr(block, "error", None)
    reason = getattr(error, "abort_reason", None) or str(error or "") or "this entry cannot be read"
    reason = " ".join(reason.split()).rstrip(".")
    message = f"{reason}; check the entry's punctuation: `@type{{key, field = {{value}}, ...}}`"
    return Problem(start + raw.rstrip("\n").count("\n"), message, _entry_name(raw, start))


def _unclosed_brace(lines: list[str]) -> tuple[int, str, bool] | None:
    """(line offset, field, whether a stray `{`) for the first field whose braces do not balance."""
    starts = [i for i, line in enumerate(lines) if _FIELD_START.match(line)]
    for n, first in enumerate(starts):
        chunk = lines[first : starts[n + 1] if n + 1 < len(starts) else len(lines)]
        if _balance("\n".join(chunk)) > 0:
            match = _FIELD_START.match(lines[first])
            offset = _stray_line(chunk)
            return first + (offset or 0), match.group(1) if match else "?", offset is not None
    return None


def _stray_line(chunk: list[str]) -> int | None:
    """The line of a field's value holding a `{` with no `}`, discounting the value's own braces."""
    depths = [_balance(line) for line in chunk]
    if re.search(r"=\s*\{", chunk[0]):
        depths[0] -= 1
    filled = [i for i, line in enumerate(chunk) if line.strip()]
    if filled and chunk[filled[-1]].rstrip().endswith(("}", "},")):
        depths[filled[-1]] += 1
    return next((i for i, depth in enumerate(depths) if depth > 0), None)


def _balance(text: str) -> int:
    escaped = text.count("\\{") - text.count("\\}")
    return text.count("{") - text.count("}") - escaped


def _cut_short(comment: str) -> bool:
    """Whether text after an entry holds fields: a stray `}` ended the entry early."""
    text = comment.lstrip()
    return text.startswith(",") or any(_FIELD_START.match(line) for line in text.split("\n"))


def _early_end(line: int, entry: Any) -> Problem:
    raw = str(entry.raw)
    lines = raw.split("\n")
    key = next((m.group(1) for m in map(_FIELD_START.match, reversed(lines)) if m), "a field")
    return Problem(
        line + len(lines) - 1,
        f"a `}}` in `{key}` closes the entry early, so the fields after it would be lost: "
        "escape it as \\} or remove it",
        _entry_name(raw, line),
    )
