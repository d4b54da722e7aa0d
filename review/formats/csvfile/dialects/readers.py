"""Cell readers for columns only one database writes: Scopus and Embase abbreviated names, Scopus
full names with author IDs, OpenAlex display names, countries and inverted-index abstracts, BibTeX
`and` lists, Emtree terms, PMCIDs and URL lists.
"""

from __future__ import annotations

import json
import re

from review.formats.csvfile.cells import split_on
from review.normalize import surname_first

_SURNAME_INITIALS = re.compile(r"(?P<surname>.*\S)\s+(?P<initials>(?:[A-Z][a-z]?\.[ -]?)+)")


def _surname_initials(name: str) -> str:
    """`New K.C.` → `New, K.C.` (Scopus and Embase write the surname, then initials with stops)."""
    match = _SURNAME_INITIALS.fullmatch(name)
    return f"{match['surname']}, {match['initials'].strip()}" if match else name


def abbreviated_names(value: str) -> list[str] | None:
    """Scopus `Authors` and Embase `Author Names`: `New K.C.; Hanula J.L.`, or in older exports
    `New K.C., Hanula J.L.` (commas between authors; no comma inside a name)."""
    if value.startswith("[No author"):  # Scopus's placeholder for a record without authors
        return None
    parts = value.split(";") if ";" in value else value.split(",")
    return [_surname_initials(p.strip()) for p in parts if p.strip()] or None


def scopus_full_names(value: str) -> list[str] | None:
    """Scopus `Author full names`: `New, Kevin C. (57200000000); ...`; the Scopus author IDs are
    also in the `Author(s) ID` column, kept in extra."""
    names = [re.sub(r"\s*\(\d+\)$", "", p.strip()) for p in value.split(";")]
    return [n for n in names if n] or None


def openalex_names(value: str) -> list[str] | None:
    """OpenAlex display names (`Jakub Kužílek|Martin Hlosta`) as `Surname, Given`, the way the
    OpenAlex search connector stores them, so the two agree; an organisation's name stays whole."""
    names = [surname_first(name) for name in value.split("|")]
    return [n for n in names if n] or None


def bibtex_names(value: str) -> list[str] | None:
    """BibTeX `A and B` at brace depth 0; braces around a corporate name dropped."""
    names, depth, start = [], 0, 0
    for match in re.finditer(r"[{}]|\s+and\s+", value):
        token = match.group()
        depth += 1 if token == "{" else -1 if token == "}" else 0
        if depth == 0 and token.strip() == "and":
            names.append(value[start : match.start()])
            start = match.end()
    names.append(value[start:])
    cleaned = [n.replace("{", "").replace("}", "").strip() for n in names]
    return [n for n in cleaned if n] or None


def embase_terms(value: str) -> list[str] | None:
    """Emtree terms: `a, b (diagnosis, surgery), c`, a comma inside brackets not splitting."""
    if ";" in value:
        return split_on(value, ";")
    return [t for t in map(str.strip, _OUTSIDE_BRACKETS.split(value)) if t] or None


_OUTSIDE_BRACKETS = re.compile(r",(?![^()]*\))")  # a comma not followed by a `)` before any `(`


def first_url(value: str) -> str | None:
    return next((u for u in re.split(r"[;\s]+", value) if u.startswith("http")), None)


def pmcid(value: str) -> str | None:
    match = re.search(r"(?:PMC)?(\d+)\s*$", value, re.IGNORECASE)
    return f"PMC{match.group(1)}" if match else None


def countries(value: str) -> list[str] | None:
    return list(dict.fromkeys(c.strip() for c in value.split("|") if c.strip())) or None


def joined_pipes(value: str) -> str:
    return "; ".join(p.strip() for p in value.split("|") if p.strip())


def inverted_abstract(value: str) -> str | None:
    """An abstract from OpenAlex's inverted index (`{"word": [0, 5], ...}`) written as JSON."""
    try:
        index = json.loads(value)
    except ValueError:
        return None
    if not isinstance(index, dict):
        return None
    at = {
        p: str(word)
        for word, places in index.items()
        if isinstance(places, list)
        for p in places
        if isinstance(p, int)
    }
    return " ".join(at[p] for p in sorted(at)) or None
