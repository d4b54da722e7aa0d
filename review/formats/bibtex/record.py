"""One BibTeX entry's fields as a RecordIn: LaTeX decoded (pylatexenc only where needed), names as
"Surname, Given" with corporate `{names}` whole, ISSNs, pages and database IDs tidied, and every field
with no place in a record kept in `extra["bibtex"]`, so nothing in the file is lost.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from review.formats.common import clean, non_empty, parse_date, split_list
from review.normalize import normalize_doi, normalize_issn, normalize_pmid, normalize_year
from review.records import RecordIn

T = TypeVar("T")

_MARKUP = re.compile(r"[\\{}$~%]|--")
_SIMPLE_ESCAPE = re.compile(r"\\[&%$#_{}]|\\textbackslash\{\}|\\[~^]\{\}")
_FAST = re.compile(r"\\([&%$#_{}])|\\textbackslash\{\}|\\[~^]\{\}|[{}]|---|--|~")
_FAST_TEXT = {"---": "—", "--": "–", "~": " ", r"\textbackslash{}": "\\", r"\~{}": "~", r"\^{}": "^"}
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ter", "ten"}
# Fields LaTeX never interprets (BibLaTeX "verbatim"): only escapes are undone, `--` and `~` kept.
_VERBATIM = {"url", "doi", "file", "eprint", "pdf", "unique-id", "isbn", "issn", "eissn"}
_EID = re.compile(r"[?&]eid=(2-s2\.0-\d+)")
_ISSN = re.compile(r"\b(\d{4})-?(\d{3}[\dXx])\b")
_PMID_NOTE = re.compile(r"\bPMID:\s*(\d+)")
_NAME_PARTS = re.compile(r"(?<!\\)[{}]|[ \t\r\n]+and[ \t\r\n]+", re.I)
_URL_MACRO = re.compile(r"^\\url\{([^{}]+)\}$")
_OWN_ID = re.compile(r"^([a-z]+)-id$")  # `scopus-id = {...}`: other_ids as write_bibtex writes them
_KEYWORD_FIELDS = ("author_keywords", "keywords", "keywords-plus")
_ABBREV_FIELDS = ("shortjournal", "journal-iso", "abbrev_source_title", "journalabbreviation")
_EPRINT_IDS = {"pubmed": "pmid", "pmid": "pmid", "pmc": "pmcid", "pmcid": "pmcid", "arxiv": "arxiv"}


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
    if "\\" in value and "\\" in _SIMPLE_ESCAPE.sub("", value):
        # An unescaped % is a literal in BibTeX but a comment to LaTeX, which would drop the rest.
        return str(_latex().latex_to_text(re.sub(r"(?<!\\)%", r"\\%", value)))
    return _FAST.sub(lambda m: m.group(1) or _FAST_TEXT.get(m.group(0), ""), value)


def _verbatim(value: str) -> str:
    if "\\" not in value and "{" not in value:
        return value
    return re.sub(r"\\([_%&#$~{}])", r"\1", value).replace("{", "").replace("}", "")


class _Fields:
    """One entry's fields, decoded when used; the fields never used go to `extra`."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.raw = fields
        self.used: set[str] = set()

    def peek(self, key: str) -> str | None:
        raw = self.raw.get(key)
        if raw is None:
            return None
        return clean(_verbatim(raw) if key in _VERBATIM else decode_latex(raw))

    def get(self, *keys: str) -> str | None:
        """The first of `keys` with a value, now counted as used."""
        for key in keys:
            if key in self.raw and (value := self.peek(key)):
                self.used.add(key)
                return value
        return None

    def get_as(self, convert: Callable[[str], T | None], *keys: str) -> T | None:
        """The first of `keys` whose value converts; a value that does not stays in `extra`."""
        for key in keys:
            value = self.peek(key) if key in self.raw else None
            converted = convert(value) if value else None
            if converted is not None:
                self.used.add(key)
                return converted
        return None

    def rest(self) -> dict[str, str]:
        return {k: v for k in self.raw if k not in self.used and (v := self.peek(k) or self.raw[k].strip())}


def bibtex_record(entry_type: str, key: str, fields: Mapping[str, str], source: str) -> RecordIn:
    """A record from one entry's fields (lower-case names, braces and macros resolved)."""
    f = _Fields(fields)
    url = _url(f)
    title, subtitle = f.get("title"), f.get("subtitle")
    record = RecordIn(
        source=source,
        source_id=key,
        title=f"{title}: {subtitle}" if title and subtitle else title or subtitle,
        other_titles=_other_titles(f, title),
        abstract=f.get("abstract"),
        authors=_authors(f),
        year=f.get_as(normalize_year, "year", "date"),
        publication_date=f.get_as(parse_date, "date") or _month_date(f),
        doi=f.get_as(normalize_doi, "doi") or normalize_doi(url if url and "doi.org/" in url else None),
        journal=f.get("journal", "journaltitle", "booktitle"),
        journal_abbrev=f.get(*_ABBREV_FIELDS),
        issn=issns(f.get_as(_issn, "issn"), f.get_as(_issn, "eissn")),
        volume=f.get("volume"),
        issue=f.get("issue") if entry_type.lower() in ("techreport", "report") else f.get("number", "issue"),
        pages=page_range(f.get("pages", "art_number", "article-number", "eid")),
        publisher=f.get("publisher", "institution", "school", *_organization(entry_type)),
        doc_type=f.get("doctype") or entry_type.lower(),
        language=f.get("language", "langid"),
        url=url,
        keywords=_keywords(f),
        pmid=f.get_as(normalize_pmid, "pmid", "pubmed_id") or _pmid_in_note(f),
    )
    record.other_ids = _other_ids(f, url)
    record.source_id = _database_id(f, url) or key
    rest = f.rest() | ({"key": key} if record.source_id != key else {})
    record.extra = {"bibtex": rest} if rest else None
    return record


def _database_id(f: _Fields, url: str | None) -> str | None:
    """The Scopus EID in a Scopus export's record URL, or Web of Science's Unique-ID.

    A database's record ID outlives the citation key, which Scopus and Web of Science make up from
    author and year anew on every export (and repeat within one).
    """
    eid = _EID.search(url) if url else None
    return eid.group(1) if eid else f.peek("unique-id")


def _organization(entry_type: str) -> tuple[str, ...]:
    # A conference paper's `organization` is the conference's sponsor, not its publisher.
    return () if entry_type.lower() in ("inproceedings", "conference", "proceedings") else ("organization",)


def _url(f: _Fields) -> str | None:
    """`url`, or a `howpublished = {\\url{...}}` holding nothing else (@misc and @online entries)."""
    url = f.get("url")
    match = None if url else _URL_MACRO.fullmatch(f.raw.get("howpublished", "").strip())
    if match:
        f.used.add("howpublished")
        return _verbatim(match.group(1))
    return url


def _authors(f: _Fields) -> list[str] | None:
    raw = f.raw.get("author")
    if raw is None:
        return None
    f.used.add("author")
    return non_empty(person_name(a) for a in split_names(raw) if a != "others")


def split_names(value: str) -> list[str]:
    """The names of a BibTeX name list: split at ` and ` (any case) outside braces."""
    names, depth, start = [], 0, 0
    for match in _NAME_PARTS.finditer(value):
        token = match.group()
        if token in "{}":
            depth += 1 if token == "{" else -1
        elif depth == 0:
            names.append(value[start : match.start()])
            start = match.end()
    names.append(value[start:])
    return [n for n in (name.strip() for name in names) if n]


def _other_titles(f: _Fields, title: str | None) -> list[str] | None:
    keys = ["shorttitle", "origtitle", *sorted(k for k in f.raw if k.startswith("othertitle"))]
    titles = [t for t in (f.get(k) for k in keys) if t and t != title]
    return list(dict.fromkeys(titles)) or None


def _month_date(f: _Fields) -> str | None:
    """An ISO date from year, month (`jan`, `{MAY}`, `3`) and day, when the entry has a month."""
    year, month = f.peek("year"), f.peek("month")
    if not (year and month):
        return None
    value = parse_date(f"{year} {month} {f.peek('day') or ''}")
    if value:
        f.used.update(("month", "day") if len(value) > 7 else ("month",))
    return value


def _keywords(f: _Fields) -> list[str] | None:
    words: dict[str, str] = {}
    for key in _KEYWORD_FIELDS:
        for word in split_list(f.get(key), ";,") or []:
            words.setdefault(word.casefold(), word)
    return list(words.values()) or None


def _pmid_in_note(f: _Fields) -> str | None:
    # Zotero writes the PMID it keeps in "Extra" into `note`; the note itself stays in `extra`.
    match = _PMID_NOTE.search(f.peek("note") or "")
    return match.group(1) if match else _eprint(f, "pmid")


def _eprint(f: _Fields, kind: str) -> str | None:
    """A BibLaTeX `eprint` whose `eprinttype` says it is a `kind` ID."""
    eprint_type = (f.peek("eprinttype") or f.peek("archiveprefix") or "").lower()
    if _EPRINT_IDS.get(eprint_type) != kind:
        return None
    f.used.update(("eprinttype", "archiveprefix"))
    return f.get("eprint")


def _other_ids(f: _Fields, url: str | None) -> dict[str, str] | None:
    ids: dict[str, str] = {}
    if url and (eid := _EID.search(url)):
        ids["scopus"] = eid.group(1)
    unique = f.get("unique-id")  # Web of Science: `WOS:000…` (`ISI:` before 2013), `MEDLINE:…`...
    if unique:
        ids["wos" if unique.upper().startswith(("WOS:", "ISI:")) else "accession"] = unique
    for key in ("isbn", "pmcid", "arxiv"):
        value = f.get(key) or _eprint(f, key)
        if value:
            ids[key] = value
    for key in [k for k in f.raw if k.endswith("-id") and k not in f.used]:
        own = _OWN_ID.match(key)
        if own and (value := f.get(key)):
            ids.setdefault(own.group(1), value)
    return ids or None


def issns(*values: str | None) -> str | None:
    """Print and electronic ISSNs as `NNNN-NNNX`, `; `-joined, each once."""
    found = (normalize_issn(m.group(0)) for v in values if v for m in _ISSN.finditer(v))
    return "; ".join(dict.fromkeys(i for i in found if i)) or None


def _issn(value: str) -> str | None:
    return value if _ISSN.search(value) else None


def page_range(value: str | None) -> str | None:
    """Pages as `start-end` (`201--219`, `100 – 127`); article numbers and `iii33` kept as written."""
    if not value:
        return None
    return re.sub(r"\s*(?:--|-|–|—)\s*", "-", value) or None


def person_name(raw: str) -> str:
    """A BibTeX name as "Surname, Given": "{Department for Education}" stays whole."""
    raw = raw.strip()
    corporate = _wrapped(raw)
    inner = raw[1:-1] if corporate else raw
    text = " ".join((decode_latex(inner) if _MARKUP.search(inner) else inner).split())
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
    if raw.endswith("}") and "{" not in raw[1:-1] and "}" not in raw[1:-1]:
        return True  # the common case, without walking the characters
    depth = 0
    unescaped = re.sub(r"\\[{}]", "", raw)
    for i, char in enumerate(unescaped):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0:
            return i == len(unescaped) - 1
    return False
