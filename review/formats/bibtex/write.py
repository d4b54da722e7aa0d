"""BibTeX text from work or record rows, which read_bibtex reads back field for field: the stored type
as near a BibTeX type as there is, text escaped, and a citation key made up for each entry.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

from review.formats.common import clean

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
_BIBTEX_TYPES = {"inproceedings", "incollection", "inbook", "conference", "misc", "online", "mastersthesis"}
# Store columns in the order they are written, with their BibTeX/BibLaTeX field names.
_FIELDS = (
    ("title", "title"),
    ("journal", "journal"),
    ("journal_abbrev", "shortjournal"),
    ("year", "year"),
    ("publication_date", "date"),
    ("volume", "volume"),
    ("issue", "number"),
    ("pages", "pages"),
    ("publisher", "publisher"),
    ("issn", "issn"),
    ("doi", "doi"),
    ("url", "url"),
    ("pmid", "pmid"),
    ("language", "language"),
    ("abstract", "abstract"),
)
# A report's publisher is its `institution`, and its `number` is the report's number, not an issue.
_RENAMED = {("publisher", "techreport"): "institution", ("number", "techreport"): "issue"}
_ID_FIELDS = {"isbn": "isbn", "pmcid": "pmcid", "arxiv": "arxiv"}
_WRITTEN = {key for key, _ in _FIELDS} | {"authors", "keywords", "doc_type", "other_titles", "other_ids"}
_ESCAPES = {c: "\\" + c for c in "&%$#_{}"} | {"\\": r"\textbackslash{}", "~": r"\~{}", "^": r"\^{}"}


def escape(value: Any) -> str:
    """Text safe inside a braced BibTeX value."""
    text = "".join(_ESCAPES.get(c, c) for c in " ".join(str(value).split()))
    return text.replace("--", "-{}-").replace("--", "-{}-")  # LaTeX would read -- as a dash


def bibtex_type(doc_type: str | None) -> str:
    """A BibTeX entry type for a stored document type (GOV.UK types become `techreport`)."""
    kind = (doc_type or "").lower()
    if kind in _TYPES.values() or kind in _BIBTEX_TYPES:
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
    """BibTeX text for work or record rows (dicts) that `read_bibtex` reads back field for field.

    Other titles become `othertitle`, `othertitle2`...; other IDs `isbn`, `pmcid`, `arxiv` or
    `<database>-id` (`scopus-id`, `wos-id`...); a stored type that is no BibTeX type is kept in `doctype`.
    Other scalar keys (the row's `id`...) become fields of their own.
    """
    used: set[str] = set()
    return "\n".join(_entry(row, used) for row in rows)


def _entry(row: Mapping[str, Any], used: set[str]) -> str:
    kind = bibtex_type(row.get("doc_type"))
    fields: list[tuple[str, Any]] = []
    for key, name in _FIELDS:
        if clean(_scalar(row.get(key))):
            fields.append((_RENAMED.get((name, kind), name), row[key]))
    titles = [t for t in row.get("other_titles") or [] if clean(t)]
    fields += [(f"othertitle{i if i > 1 else ''}", t) for i, t in enumerate(titles, 1)]
    ids = row.get("other_ids") or {}
    fields += [(_ID_FIELDS.get(k, f"{k}-id"), v) for k, v in ids.items() if clean(_scalar(v))]
    if row.get("keywords"):
        fields.append(("keywords", "; ".join(row["keywords"])))
    if row.get("doc_type") and str(row["doc_type"]).lower() != kind:
        fields.append(("doctype", row["doc_type"]))
    fields += [(_name(k), v) for k, v in row.items() if k not in _WRITTEN and clean(_scalar(v))]
    authors = [("author", " and ".join(_author(a) for a in row["authors"]))] if row.get("authors") else []
    body = "".join(f",\n  {name} = {{{value}}}" for name, value in authors)
    body += "".join(f",\n  {name} = {{{escape(value)}}}" for name, value in fields)
    return f"@{kind}{{{_key(row, used)}{body}\n}}\n"


def _name(key: str) -> str:
    return re.sub(r"\W", "_", key).lower()


def _scalar(value: Any) -> str | None:
    return None if value is None or isinstance(value, (dict, list)) else str(value)
