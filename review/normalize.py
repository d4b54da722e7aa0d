"""Pure normalisers for matching records: identifiers, titles, authors and bibliographic fields.

Every function is idempotent (`f(f(x)) == f(x)`) and total: bad input gives None or "", never an error.
"""

from __future__ import annotations

import html
import re
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from urllib.parse import unquote

_DOI_PREFIX = re.compile(r"^(?:https?://)?(?:dx\.)?(?:www\.)?(?:doi\.org/|doi:\s*|doi\s+)", re.IGNORECASE)
_DOI_SHAPE = re.compile(r"^10\.[0-9]{3,9}/\S+$")
_TAG = re.compile(r"<[^>]{0,200}>")
_SPACES = re.compile(r"\s+")
# `:`, ` - ` (or an en or em dash) or `? `/`. `, written to start with one character class: the
# regex engine then skips to candidate characters (the plain alternation took half the time of
# `split_subtitle`).
_SUBTITLE = re.compile(r"[:?.\s](?:(?<=:)|(?<=[?.])\s|(?<=\s)[-–—]\s)")
_OPENALEX = re.compile(r"(?:openalex\.org/)?(?:works/)?\b([Ww]\d{2,})\b")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_ISSN = re.compile(r"\b([0-9]{4})-?([0-9]{3}[0-9xX])\b")
_INITIALS = re.compile(r"\b[A-Z]\.")
# Trailing "[Review] [43 refs]", "[Erratum appears in ...]" (often cut off), "(Provisional abstract)"
_ANNOTATION = re.compile(
    r"(?:\s*\.?\s*(?:\[[^\[\]]*(?:\]|$)|\((?:provisional|structured)? ?abstract\)))+\s*$", re.IGNORECASE
)
_YEAR = re.compile(r"(?<![0-9])([12][0-9]{3})(?![0-9])")
_VOLUME = re.compile(r"\s*(?:vol(?:ume)?\.?\s*)?([0-9]+)\b(?!\s*\))", re.IGNORECASE)
_PAGE = re.compile(r"\s*[A-Za-z]?([0-9]+)")
_PMID_PREFIX = re.compile(r"^(?:pmid:?|https?://pubmed\.ncbi\.nlm\.nih\.gov/)", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]+")
_AUTHOR_SEP = re.compile(r"\s+and\s+|;")
_WORD = re.compile(r"[a-z]+")
_NON_LETTERS = {c: None for c in range(128) if not chr(c).isalpha()}
_NORMAL_AUTHOR = re.compile(r"[a-z]+(?: [a-z]{1,4})?")


def _deaccent(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return text


def _fold(text: str) -> str:
    """Lower case without diacritics (é → e, ß → ss), keeping letters, digits and punctuation."""
    return _deaccent(text).casefold()


def _punct_table() -> dict[int, str]:
    keep = set("abcdefghijklmnopqrstuvwxyz0123456789")
    return {c: " " for c in range(128) if chr(c) not in keep}


_PUNCT = _punct_table()
_PUNCT_BYTES = bytes(
    c if chr(c).isascii() and chr(c) in "abcdefghijklmnopqrstuvwxyz0123456789" else 32 for c in range(256)
)


def normalize_doi(value: str | None) -> str | None:
    """A bare lower-case DOI (`10.x/y`) from a DOI in any usual spelling, or None if it is not one.

    Strips `doi:` and resolver URL prefixes, URL escapes, whitespace and trailing punctuation.
    """
    if not value:
        return None
    doi = value.strip().lstrip("([{<\"' ")
    while "%" in doi and unquote(doi) != doi:  # until stable, so the result is a fixed point
        doi = unquote(doi)
    for _ in range(2):  # "https://doi.org/doi:10..." occurs in exports
        if not doi.startswith("10."):
            doi = _DOI_PREFIX.sub("", doi).strip()
    doi = doi.lower().rstrip(".,;: \t")
    while doi.endswith((")", "]")) and doi.count(doi[-1]) > doi.count("(" if doi[-1] == ")" else "["):
        doi = doi[:-1].rstrip(".,;: \t")  # a closing bracket of the surrounding text, not the DOI's
    return doi if _DOI_SHAPE.match(doi) else None


def strip_markup(text: str) -> str:
    """Text without HTML/XML tags and with entities decoded (`<i>E. coli</i> &amp;` → `E. coli &`)."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def strip_annotations(title: str) -> str:
    """A title without database annotations: `... [Review] [33 refs]`, `(Provisional abstract)`."""
    if "[" not in title and not title.rstrip().lower().endswith("abstract)"):
        return title.strip()  # the regex below backtracks at every position: skip it when it cannot match
    stripped = _ANNOTATION.sub("", title).strip()
    return stripped or title.strip()


def normalize_title(value: str | None) -> str:
    """Lower-case ASCII words and single spaces: no markup, annotations, diacritics or punctuation."""
    if not value:
        return ""
    return _words(strip_annotations(strip_markup(value)))


def _words(text: str) -> str:
    text = _fold(text)
    if text.isascii():  # bytes.translate with a 256-byte table is several times faster than str's
        return " ".join(text.encode("ascii").translate(_PUNCT_BYTES).decode("ascii").split())
    text = "".join(c if c.isalnum() else " " for c in text.translate(_PUNCT))
    return " ".join(text.split())


def split_subtitle(value: str | None) -> tuple[str, str]:
    """The normalised main title and subtitle (split at the first `:`, ` - `, `?` or `. `)."""
    if not value:
        return "", ""
    text = strip_annotations(strip_markup(value))
    found = _SUBTITLE.search(text)
    if found is None:
        return _words(text), ""
    main, sub = _words(text[: found.start()]), _words(text[found.end() :])
    return (main, sub) if main else (sub, "")


def _split_author_field(authors: Sequence[str] | str | None) -> list[str]:
    if not authors:
        return []
    items = [authors] if isinstance(authors, str) else list(authors)
    out: list[str] = []
    for item in items:
        if not item:
            continue
        if " and " in item:
            out.extend(p for p in _AUTHOR_SEP.split(item) if p.strip())
        elif ";" in item:
            out.extend(p for p in item.split(";") if p.strip())
        else:
            out.append(item)
    return out


def _surnames_of(entry: str) -> list[str]:
    entry = strip_markup(entry).strip()
    if "," in entry:
        return [entry.split(",", 1)[0]]
    if _INITIALS.search(entry):
        # "Surname I. I." or several run together ("Adeli K.Lewis G. F."): every longer word is a surname
        return [w for w in re.findall(r"[^\W\d_][^\W\d_'’-]*(?:[-'’][^\W\d_]+)*", entry) if len(w) > 1]
    words = entry.split()
    return [words[-1]] if words else []


def normalize_surname(value: str) -> str:
    """A surname as lower-case ASCII letters only (`O'Brien-Smith` → `obriensmith`)."""
    if value.isalpha() and value.isascii():
        return value.lower()
    if value.isascii():
        return value.lower().translate(_NON_LETTERS)
    return "".join(_WORD.findall(_fold(value)))


def author_surnames(authors: Sequence[str] | str | None) -> tuple[str, ...]:
    """Normalised surnames in order from `Surname, Given` strings, `A and B` lists or `Smith J.Jones K.`."""
    if not authors:
        return ()
    names: list[str] = []
    for entry in _split_author_field(authors):
        head, comma, _ = entry.partition(",")
        if comma:  # the common `Surname, Given` form, kept off the slower general path
            surname = normalize_surname(strip_markup(head).strip())
            if surname:
                names.append(sys.intern(surname))  # surnames repeat: share one string each
        else:
            names.extend(_entry_surnames(entry))
    return tuple(names)


@lru_cache(maxsize=65536)
def _entry_surnames(entry: str) -> tuple[str, ...]:
    # Author strings repeat across records (and whole author lists across duplicates): cache them.
    return tuple(s for s in (normalize_surname(n) for n in _surnames_of(entry)) if s)


def normalize_author(value: str) -> str:
    """One author as `surname initials` (`Smith, John Paul`, `J. P. Smith`, `Smith JP` → `smith jp`)."""
    entry = strip_markup(value).strip()
    if _NORMAL_AUTHOR.fullmatch(entry):  # already `surname initials`
        return entry
    if "," in entry:
        surname, given = entry.split(",", 1)
    else:
        words = entry.split()
        # "Smith J. P." / "Smith JP" (initials last) versus "John Paul Smith" (surname last)
        cut = len(words)
        while cut > 1 and re.fullmatch(r"(?:[A-Z]\.?){1,3}", words[cut - 1]):
            cut -= 1
        if cut < len(words):
            surname, given = " ".join(words[:cut]), " ".join(words[cut:])
        else:
            surname, given = (words[-1], " ".join(words[:-1])) if words else ("", "")
    given = _deaccent(given)
    given = given if given.isupper() and " " not in given.strip() else given.replace(".", " ")
    initials = "".join(w if w.isupper() and len(w) <= 3 else w[0] for w in re.findall(r"[A-Za-z]+", given))
    return f"{normalize_surname(surname)} {_fold(initials)[:4]}".strip()


def normalize_year(value: object) -> int | None:
    """A plausible publication year (1000-2999) from an int or the first four-digit run in a string."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if 1000 <= value <= 2999 else None
    match = _YEAR.search(str(value))
    return int(match.group(1)) if match else None


def normalize_issn(value: str | None) -> str | None:
    """The first ISSN in a field as `NNNN-NNNX`, or None."""
    match = _ISSN.search(value or "")
    return f"{match.group(1)}-{match.group(2).upper()}" if match else None


def normalize_journal(value: str | None) -> str:
    """A journal name for comparison: normalised title words, no leading `the`."""
    text = normalize_title(value)
    return text[4:] if text.startswith("the ") else text


def normalize_volume(value: str | None) -> str | None:
    """The volume number without leading zeros (`Vol. 012` → `12`, `58 (Suppl 2)` → `58`).

    None when the field does not start with a volume number (`2)` left from a split supplement note).
    """
    if not value:
        return None
    match = _VOLUME.match(value)
    return str(int(match.group(1))) if match else None


def first_page(value: str | None) -> str | None:
    """The first page number of a range (`0221-8` → `221`, `e70933` → `70933`, `S417-S429` → `417`).

    None when the field does not start with a page (`Suppl-48`, `t-8`), so it cannot contradict another.
    """
    if not value:
        return None
    match = _PAGE.match(value)
    return str(int(match.group(1))) if match else None


def normalize_openalex_id(value: str | None) -> str | None:
    """A bare OpenAlex work ID (`https://openalex.org/W123` → `W123`)."""
    if not value:
        return None
    match = _OPENALEX.search(value.strip())
    return "W" + match.group(1)[1:] if match else None


def normalize_pmid(value: str | None) -> str | None:
    """A PubMed ID as digits without leading zeros, or None."""
    if not value:
        return None
    digits = _PMID_PREFIX.sub("", value.strip())
    digits = digits.strip().strip("/")
    return str(int(digits)) if _DIGITS.fullmatch(digits) and int(digits) > 0 else None


def normalize_govuk_path(value: str | None) -> str | None:
    """A GOV.UK base path (`https://www.gov.uk/government/x/?a=1#b` → `/government/x`), lower case."""
    if not value:
        return None
    path = value.strip()
    path = re.sub(r"^(?:https?://)?(?:www\.)?gov\.uk", "", path, flags=re.IGNORECASE)
    path = path.split("?", 1)[0].split("#", 1)[0].rstrip("/").lower()
    if not path.startswith("/"):
        return None
    return re.sub(r"/+", "/", path)


def normalize_content_id(value: str | None) -> str | None:
    """A GOV.UK content ID as a lower-case UUID, or None."""
    if not value:
        return None
    match = _UUID.search(value.lower())
    return match.group() if match else None


def org_words(value: str | Iterable[str] | None) -> frozenset[str]:
    """Distinctive words of organisation names, for checking a publisher is compatible."""
    text = value if isinstance(value, str) or value is None else "; ".join(value)
    words = set(normalize_title(text).split())
    return frozenset(words - _ORG_STOPWORDS)


_ORG_STOPWORDS = frozenset(
    {"the", "of", "for", "and", "in", "on", "a", "an", "uk", "hm", "her", "majesty", "s", "department"}
    | {"office", "ministry", "agency", "service", "services", "government", "limited", "ltd", "inc"}
)


# Document types as databases and formats name them -> OpenAlex's words (what protocols use), so a
# rule that excludes "erratum" also excludes PubMed's "Published Erratum" and Scopus's "Erratum".
_KINDS = {
    "article": ("jour", "jfull", "ejour", "journal article", "journal-article", "article-journal", "article",
                "research article", "research-article", "original article", "j", "mgzn", "magazine article"),
    "review": ("review", "systematic review", "meta-analysis", "review article", "literature review"),
    "editorial": ("editorial", "editorial material", "editorial-material"),
    "letter": ("letter", "letter to the editor", "correspondence"),
    "erratum": ("erratum", "published erratum", "correction", "corrigendum", "correction notice"),
    "retraction": ("retraction", "retraction of publication", "retraction notice"),
    "book": ("book", "ebook", "edbook", "edited book", "monograph", "b"),
    "book-chapter": ("chap", "echap", "chapter", "book chapter", "book section", "book-chapter",
                     "incollection", "inbook", "section"),
    "dissertation": ("thes", "thesis", "dissertation", "phdthesis", "mastersthesis", "doctoral thesis"),
    "report": ("rprt", "govdoc", "report", "techreport", "technical report", "government document", "grey"),
    "dataset": ("data", "dbase", "dataset", "data set", "data paper"),
    "preprint": ("preprint", "posted-content", "unpub", "unpublished", "unpublished work"),
}  # fmt: skip
_KIND_OF = {word: kind for kind, words in _KINDS.items() for word in words}


def document_kinds(value: str | None) -> frozenset[str]:
    """A document type in OpenAlex's words, for each of the types a value lists ("Article; Early
    Access" is two): "Published Erratum" -> erratum, "JOUR" -> article; an unknown type is kept as
    written (lower case, "_" as "-")."""
    kinds = set()
    for part in (value or "").split(";"):
        word = " ".join(part.strip().lower().replace("_", "-").split())
        if word:
            kinds.add(_KIND_OF.get(word, word))
    return frozenset(kinds)


# Words of an organisation's name, not a person's: "Department for Education", "WHO Working Group",
# "ALTS Trialists", "Pfizer Inc". One list for display names here and author lists in dedupe.
ORGANISATION_WORDS = (
    r"department|ministry|office|council|agency|institute|university|foundation|trust|association|"
    r"society|organi[sz]ation|group|committee|consortium|network|collaborat\w*|centre|center|service|"
    r"board|commission|authority|investigators|team|trialists|forum|study|trial|inc|ltd|pharmaceuticals?"
)
# In a display name, the joining words of a name in full count too ("Department for Education").
_CORPORATE = re.compile(rf"\b(?:for|of|and|the|on|{ORGANISATION_WORDS})\b|&", re.IGNORECASE)


def surname_first(display_name: str) -> str:
    """A display name ("Jane Q. Lewis") as "Lewis, Jane Q."; an organisation's name stays whole."""
    name = display_name.strip()
    given, _, surname = name.rpartition(" ")
    return f"{surname}, {given}" if given and not _CORPORATE.search(name) else name
