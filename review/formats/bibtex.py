"""BibTeX: read with bibtexparser 2 (LaTeX accents decoded, corporate `{names}` kept whole), and write."""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from review.formats.common import (
    clean,
    non_empty,
    parse_date,
    raise_errors,
    split_list,
)
from review.normalize import normalize_doi, normalize_year
from review.records import RecordIn

_MARKUP = re.compile(r"[\\{}$~%]|--")
_SIMPLE_ESCAPE = re.compile(r"\\[&%$#_{}]|\\textbackslash\{\}|\\[~^]\{\}")
_FAST = re.compile(r"\\([&%$#_{}])|\\textbackslash\{\}|\\[~^]\{\}|[{}]|---|--|~")
_FAST_TEXT = {"---": "—", "--": "–", "~": " ", r"\textbackslash{}": "\\", r"\~{}": "~", r"\^{}": "^"}
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ter", "ten"}
_MAPPED = {
    "title",
    "abstract",
    "author",
    "year",
    "date",
    "doi",
    "journal",
    "journaltitle",
    "booktitle",
    "issn",
    "volume",
    "number",
    "issue",
    "pages",
    "publisher",
    "institution",
    "organization",
    "school",
    "url",
    "language",
    "keywords",
}


def read_bibtex(text: str, source: str, name: str = "file") -> list[RecordIn]:
    """Records of a BibTeX file, keyed by their citation keys; raises ImportFormatError on bad entries."""
    from bibtexparser import middlewares
    from bibtexparser.entrypoint import parse_string

    # The parser also logs each bad block; the error raised below says it once, with the line.
    log = logging.getLogger("bibtexparser")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        library = parse_string(text, append_middleware=[middlewares.SeparateCoAuthors()])
    finally:
        log.setLevel(level)
    errors = [f"line {(block.start_line or 0) + 1}: {_reason(block)}" for block in library.failed_blocks]
    if not library.entries and not errors:
        errors = ["no `@type{key, field = {value}}` entries: not a BibTeX file"]
    raise_errors(name, "BibTeX", errors)
    return [_record(entry.entry_type, entry.key, entry.fields_dict, source) for entry in library.entries]


def _reason(block: Any) -> str:
    error = getattr(block, "error", None)
    text = getattr(error, "abort_reason", None) or getattr(error, "message", None) or str(error or "")
    return " ".join(str(text).split()) or f"this entry cannot be read ({type(error).__name__})"


@functools.cache
def _latex() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text  # type: ignore[import-untyped]

    return LatexNodes2Text()


def decode_latex(value: str) -> str:
    """Plain text from LaTeX markup; escapes, braces and dashes are done here, other macros by pylatexenc.

    pylatexenc takes milliseconds per abstract, so values with no macro beyond `\\&`-style escapes skip it.
    """
    if not _MARKUP.search(value):
        return value
    if "\\" in _SIMPLE_ESCAPE.sub("", value):
        # An unescaped % is a literal in BibTeX but a comment to LaTeX, which would drop the rest.
        return str(_latex().latex_to_text(re.sub(r"(?<!\\)%", r"\\%", value)))
    return _FAST.sub(lambda m: m.group(1) or _FAST_TEXT.get(m.group(0), ""), value)


def _field(fields: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        field = fields.get(key)
        value = clean(decode_latex(str(field.value))) if field is not None else None
        if value:
            return value
    return None


def _record(entry_type: str, key: str, fields: Mapping[str, Any], source: str) -> RecordIn:
    authors = fields["author"].value if "author" in fields else []
    authors = [a for a in (authors if isinstance(authors, list) else [authors]) if a.strip() != "others"]
    kept = {k: decode_latex(str(f.value)) for k, f in fields.items() if k not in _MAPPED}
    return RecordIn(
        source=source,
        source_id=key,
        title=_field(fields, "title"),
        abstract=_field(fields, "abstract"),
        authors=non_empty(person_name(a) for a in authors),
        year=normalize_year(_field(fields, "year", "date")),
        publication_date=parse_date(_field(fields, "date")),
        doi=normalize_doi(_field(fields, "doi")),
        journal=_field(fields, "journal", "journaltitle", "booktitle"),
        issn=_field(fields, "issn"),
        volume=_field(fields, "volume"),
        issue=_field(fields, "number", "issue"),
        pages=re.sub(r"\s*(--|–|—)\s*", "-", _field(fields, "pages") or "") or None,
        publisher=_field(fields, "publisher", "institution", "organization", "school"),
        doc_type=entry_type.lower(),
        language=_field(fields, "language"),
        url=_field(fields, "url"),
        keywords=split_list(_field(fields, "keywords"), ";,"),
        extra={"bibtex": kept} if kept else None,
    )


def person_name(raw: str) -> str:
    """A BibTeX name as "Surname, Given": "{Department for Education}" stays whole."""
    raw = raw.strip()
    corporate = _wrapped(raw)
    text = " ".join(decode_latex(raw).split())
    if corporate or "," in text or " " not in text:
        return text
    words = text.split(" ")
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in _PARTICLES:
        cut -= 1
    return f"{' '.join(words[cut:])}, {' '.join(words[:cut])}"


def _wrapped(raw: str) -> bool:
    """Whether one brace group spans the whole value (`{Department for Education}`)."""
    if not raw.startswith("{"):
        return False
    depth = 0
    unescaped = re.sub(r"\\[{}]", "", raw)
    for i, char in enumerate(unescaped):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return i == len(unescaped) - 1
    return False


# --- writing --------------------------------------------------------------------------------

_TYPES = {
    "article": "article",
    "journal-article": "article",
    "jour": "article",
    "book": "book",
    "book-chapter": "incollection",
    "chap": "incollection",
    "report": "techreport",
    "rprt": "techreport",
    "govdoc": "techreport",
    "dissertation": "phdthesis",
    "thes": "phdthesis",
}
_FIELDS = (
    ("title", "title"),
    ("abstract", "abstract"),
    ("year", "year"),
    ("doi", "doi"),
    ("journal", "journal"),
    ("issn", "issn"),
    ("volume", "volume"),
    ("issue", "number"),
    ("pages", "pages"),
    ("publisher", "publisher"),
    ("url", "url"),
    ("language", "language"),
)
_ESCAPES = {c: "\\" + c for c in "&%$#_{}"} | {"\\": r"\textbackslash{}", "~": r"\~{}", "^": r"\^{}"}


def escape(value: Any) -> str:
    """Text safe inside a braced BibTeX value."""
    text = "".join(_ESCAPES.get(c, c) for c in " ".join(str(value).split()))
    return text.replace("--", "-{}-").replace("--", "-{}-")  # LaTeX would read -- as a dash


def bibtex_type(doc_type: str | None) -> str:
    """A BibTeX entry type for a stored document type (GOV.UK types become `techreport`)."""
    kind = (doc_type or "").lower()
    if kind in _TYPES.values():
        return kind
    return _TYPES.get(kind, "techreport" if "_" in kind else "misc")


def _key(row: Mapping[str, Any], used: set[str]) -> str:
    first = (row.get("authors") or ["anon"])[0].split(",")[0]
    word = next((w for w in str(row.get("title") or "").split() if len(w) > 3), "")
    folded = unicodedata.normalize("NFKD", f"{first}{row.get('year') or ''}{word}")
    base = re.sub(r"[^A-Za-z0-9]", "", folded).lower() or "ref"
    key, n = base, 1
    while key in used:
        n += 1
        key = f"{base}{chr(ord('a') + n - 2) if n <= 27 else n}"
    used.add(key)
    return key


def _author(name: str) -> str:
    # Braces keep a corporate name whole, and stop the name splitter mangling escaped characters.
    plain = "," in name and not any(c in _ESCAPES for c in name)
    return escape(name) if plain else "{" + escape(name) + "}"


def write_bibtex(rows: Sequence[Mapping[str, Any]]) -> str:
    """BibTeX text for work or record rows (dicts); other scalar keys become fields of their own."""
    known = {key for key, _ in _FIELDS} | {"authors", "keywords", "doc_type"}
    used: set[str] = set()
    out: list[str] = []
    for row in rows:
        kind = bibtex_type(row.get("doc_type"))
        fields: list[tuple[str, str]] = []
        if row.get("authors"):
            fields.append(("author", " and ".join(_author(a) for a in row["authors"])))
        for key, name in _FIELDS:
            if clean(_scalar(row.get(key))):
                field = "institution" if (name, kind) == ("publisher", "techreport") else name
                fields.append((field, escape(row[key])))
        if row.get("keywords"):
            fields.append(("keywords", escape("; ".join(row["keywords"]))))
        for key, value in row.items():
            if key not in known and clean(_scalar(value)):
                fields.append((re.sub(r"\W", "_", key).lower(), escape(value)))
        body = "".join(f",\n  {name} = {{{value}}}" for name, value in fields)
        out.append(f"@{kind}{{{_key(row, used)}{body}\n}}\n")
    return "\n".join(out)


def _scalar(value: Any) -> str | None:
    return None if value is None or isinstance(value, (dict, list)) else str(value)
