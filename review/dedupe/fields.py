"""Title parsers for matching (pure): cleaned titles, parallel titles, series marks and notices. Each
turns what databases write into something two records can be compared on; `venue` does pages,
issues and journals, `people` author lists."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from rapidfuzz import fuzz

from review import normalize as nz

# A translation or language note the database added: "LA: Chi", "(author's transl)".
_LANGUAGE_NOTE = re.compile(r"\s*(?:\bLA:\s*[A-Za-z]{2,12}|\(author'?s'? transl\.?\))\s*$", re.IGNORECASE)


def strip_notes(title: str) -> str:
    """A title without the notes databases append, nested brackets included.

    `... syndrome.[Erratum appears in J Pediatr. 2003 Jun;142(6):616 [added]]`, `... [Japanese]`,
    `... LA: Chi` and a cut-off `... [Erratum appears in J Pedi` all go; a title that is bracketed
    whole (`[A translated title]`) is kept, brackets and all.
    """
    text = title.strip()
    if not text.endswith(("]", ")")) and "[" not in text and "LA:" not in text:
        return text  # nothing to strip (most titles): skip the searches
    while text:
        cut = _LANGUAGE_NOTE.search(text) if "LA:" in text or text.endswith(")") else None
        end = cut.start() if cut else _bracket_start(text.rstrip(" ."))
        if end is None or end <= 0:
            return text
        text = text[:end].rstrip(" .")
    return text


def _bracket_start(text: str) -> int | None:
    """Where a trailing `[...]` group (or an unclosed `[...` cut off by the database) starts."""
    if not text.endswith("]"):
        start = text.rfind("[")
        return start if start >= 0 and "]" not in text[start:] else None
    depth = 0
    for k in range(len(text) - 1, -1, -1):
        depth += {"]": 1, "[": -1}.get(text[k], 0)
        if depth == 0:
            return k
    return None


# Where a database joins a title and its original-language version: `<ORIGINAL>` (CAB, Embase).
_PARALLEL = re.compile(r"\s*<ORIGINAL>\s*", re.IGNORECASE)


# Words that open a note a database appends in brackets, not a title: `[Erratum appears in ...]`,
# `[Review] [45 refs]`, `[Comment in: ...]`, `[see comments]`, `[published erratum ...]`.
_NOTE_OPENING = re.compile(
    r"^\W*(?:errat|corrig|correct|retract|comment|review|see\b|published|update|reprint|abstract|"
    r"letter|editorial|article|author|translat|original|\d+ refs|refs\b|added|in\b|with\b)",
    re.IGNORECASE,
)


def parallel_title(raw: str) -> tuple[str, str]:
    """The title to compare and another-language title given with it, or (title, "") when there is
    none: `English. <ORIGINAL> FRANCAIS` gives the English and the French; `English [Türkçe başlık
    dört kelime]` (Scopus) the English and the bracketed title; `Estudio ...; Community acquired
    ...` keeps the whole title and offers the part after `; ` too (which of the two is the
    translation cannot be told)."""
    if "<" in raw:
        parts = _PARALLEL.split(raw, maxsplit=1)
        if len(parts) == 2 and parts[0].strip() and parts[1].strip():
            return parts[0], parts[1]
    bracketed = _trailing_title(raw)
    if bracketed:
        return raw, bracketed
    head, sep, tail = raw.partition("; ")
    if sep and len(head.split()) >= 4 and len(tail.split()) >= 4:
        return raw, tail
    return raw, ""


def _trailing_title(raw: str) -> str:
    """A whole title in a trailing `[...]` after a title of its own (four words or more on each
    side, and not a database's note): `strip_notes` drops it from the compared title."""
    text = raw.rstrip(" .")
    if not text.endswith("]"):
        return ""
    start = _bracket_start(text)
    if not start or len(text[:start].split()) < 4:
        return ""
    inner = text[start + 1 : -1]
    return inner if len(inner.split()) >= 4 and not _NOTE_OPENING.match(inner) else ""


# Where a database cites, in an erratum's title, the article it corrects: Web of Science
# "... (vol 360, pg 542, 2009)", Embase "... (New England Journal of Medicine (2009) 360 (542-544))".
_YEAR = r"(?:1[89]|20)\d\d"
_CITED = re.compile(
    rf"\s*\((?:vol\.?\s*\d+\s*,[^()]*,\s*{_YEAR}|[^()]+\(\s*{_YEAR}\s*\)\s*\d+[^()]*(?:\([^()]*\)[^()]*)?)\)"
    r"\s*\.?\s*$",
    re.IGNORECASE,
)


def cited_article(title: str) -> tuple[str, bool]:
    """The title without a trailing citation of the article it corrects, and whether it had one
    (then the record is an erratum: its title is the corrected article's)."""
    if not title.rstrip(" .").endswith(")"):
        return title, False
    found = _CITED.search(title)
    if not found or found.start() == 0:
        return title, False
    return title[: found.start()], True


def title_key(raw: str | None) -> str:
    """The title as compared: no markup or notes, ASCII lower-case words, and one spelling for
    British and American words (ae/oe -> e: haemolytic/hemolytic, oesophageal/esophageal)."""
    if not raw:
        return ""
    words = nz.normalize_title(strip_notes(nz.strip_markup(raw)))
    return words.replace("ae", "e").replace("oe", "e")


MONTHS: tuple[str, ...] = ("january", "february", "march", "april", "may", "june", "july", "august")
MONTHS += ("september", "october", "november", "december")
_SEASONS = ("spring", "summer", "autumn", "winter", "q1", "q2", "q3", "q4", "quarter", "quarterly")
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_DATED = frozenset(MONTHS + _SEASONS + _ORDINALS)
_ROMAN = frozenset(("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"))
_PART_WORDS = frozenset(("part", "phase", "study", "trial", "paper", "section", "chapter", "book"))


_NO_MARKS: frozenset[str] = frozenset()


_NUMBER = re.compile(r"\b\d+\b")
# "10 000" and "10,000" (a comma is a space once normalised) are the number 10000.
_THOUSANDS = re.compile(r"\b(\d{1,3}) (?=\d{3}\b)")


@lru_cache(maxsize=65536)
def series_marks(key: str) -> frozenset[str]:
    """What tells one item of a series or set of parts from the next: numbers, years, months,
    quarters, ordinals, and roman numerals after `part`/`phase`/... or at the end (`... 2`)."""
    marks = {n.lstrip("0") or "0" for n in _NUMBER.findall(_THOUSANDS.sub(r"\1", key))}
    words = key.split()
    marks.update(_DATED.intersection(words))
    if not _ROMAN.isdisjoint(words):
        last = len(words) - 1
        marks.update(
            "roman:" + w
            for k, w in enumerate(words)
            if w in _ROMAN and (k == last or (k and words[k - 1] in _PART_WORDS))
        )
    return frozenset(marks) if marks else _NO_MARKS


def without_marks(key: str) -> str:
    """The title without what tells series items apart (numbers, dates, roman numerals)."""
    return " ".join(w for w in key.split() if not (w.isdigit() or w in _DATED or w in _ROMAN))


def same_series(key_a: str, key_b: str) -> bool:
    """Titles that are one once their numbers and dates are gone (`Tribunal statistics quarterly:
    April to June 2023`, `Tribunals statistics quarterly: January to March 2024`); not `Women and
    the Criminal Justice System 2021` and `Ethnicity and the Criminal Justice System 2022`."""
    return fuzz.ratio(without_marks(key_a), without_marks(key_b)) >= 90


def marks_relation(a: frozenset[str], b: frozenset[str]) -> str | None:
    """`series` when dates tell two otherwise equal titles apart, `part` when numbers do; None if not."""
    if not (a - b) or not (b - a):
        return None  # one title has a number the other lacks: too weak (`Ca<sup>2</sup>` and `Ca2`)
    differ = a ^ b
    dated = any(m in _DATED or (m.isdigit() and 1800 <= int(m) <= 2100) for m in differ)
    return "series" if dated else "part"


def swapped_words(key_a: str, key_b: str) -> bool:
    """Titles that differ by a word put for an unrelated word ("criminal court statistics quarterly"
    and "family court statistics quarterly"; "... final report" and "... interim report"), not by
    a spelling, an abbreviation (`natl`, `eval`: letters of the word in order) or words added or
    dropped."""
    words_a, words_b = Counter(key_a.split()), Counter(key_b.split())
    only_a, only_b = list((words_a - words_b).elements()), list((words_b - words_a).elements())
    if not only_a or not only_b:
        return False
    return not any(_spelled_alike(x, y) for x in only_a for y in only_b)


def _spelled_alike(x: str, y: str) -> bool:
    """One spelling of a word for another, or a word and its abbreviation (`natl`, `eval`)."""
    short, long = sorted((x, y), key=len)
    return fuzz.ratio(x, y) >= 75 or (short[:1] == long[:1] and _in_order(short, long))


def _in_order(short: str, long: str) -> bool:
    """Every letter of `short` found in `long` in the same order (`natl` in `national`)."""
    letters = iter(long)
    return all(c in letters for c in short)


# Notices, read from the compared title (lower-case words): Web of Science writes an erratum as
# "... (vol 142, pg 310, 2003)", Embase as "... (N Engl J Med (2009) 360 (542-544))".
# A notice's opening word, unless the words after it make it an article's ("Correction of
# hyponatraemia", "Retraction of the lung"); and no bare "re" (from "Re:"), which also starts
# "RE-AIM" and "re-evaluation" once punctuation is gone.
_ARTICLE_AFTER = r"(?! (?:of|for|in|by|with|using|after|during|versus|vs)\b)"
_ERRATUM = re.compile(
    rf"^(?:erratum|errata|corrigendum|corrigenda|corrections?{_ARTICLE_AFTER}|"
    rf"retraction{_ARTICLE_AFTER}|retracted|withdrawn|notice of retraction|expression of concern)\b"
    r"|\bvol \d+ (?:pg|p) \w+|\b(?:1[89]|20)\d\d \d+ \d+ \d+$"
    # APA (PsycInfo): `"<the article's title>": Correction to Lee et al. (2014).`
    r"|\bcorrection to \w+(?: et al|(?: \w+)? and \w+)? (?:1[89]|20)\d\d$"
)
# A comment: opening words, a closing "reply", a reply to named authors ("... - Reply to Buddles et
# al"; not a bare "response to <word>": "response to methotrexate" ends many titles), or a book
# review, whose title cites the book's ISBN or page count ("..., Elgar, 1999, 263 pp. ISBN ...").
_COMMENT = re.compile(
    r"^(?:comments? on|commentary on|response to|reply to|reply|in reply|authors? reply|"
    r"letter to the editor)\b|\b(?:authors? )?reply$|\bauthors? response$"
    r"|\b(?:reply|response|rejoinder|comments?) to \w+(?: \w+){0,2} (?:et al|and colleagues)$"
    r"|\bisbn\b|\b\d+ pp\b"
)
# An announcement of a statistics release (GOV.UK, ONS): not the release it names.
_ANNOUNCEMENT = re.compile(
    r"^(?:intention to publish|pre release access list|statistics? release announcement)\b"
)
_NOTICE_HINT = re.compile(
    r"errat|corrig|correct|retract|withdrawn|concern|vol|comment|respon|reply|rejoinder|letter|isbn|pp|"
    r"intention|pre release|announcement|\d$"
)


@lru_cache(maxsize=65536)
def notice(key: str) -> str | None:
    """`erratum`, `comment` or `announcement` when a compared title announces a different kind of
    item than the work it names."""
    if not _NOTICE_HINT.search(key):
        return None  # most titles: skip the searches
    if _ERRATUM.search(key):
        return "erratum"
    if _ANNOUNCEMENT.search(key):
        return "announcement"
    return "comment" if _COMMENT.search(key) else None
