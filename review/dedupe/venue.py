"""Where a record sits in its journal, for matching (pure): page ranges as databases write them, issue
numbers (not the record numbers some exports put there), and journal names with their ISO 4 / NLM
abbreviations compared both ways."""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from review.dedupe.fields import MONTHS, title_key

_MONTH_NUMBER = {m[:3]: k + 1 for k, m in enumerate(MONTHS)}
_RANGE = re.compile(r"^\s*(?:pp?\.\s*)?[A-Za-z]{0,4}\s*(\d+)(?:\s*[-–—]+\s*[A-Za-z]{0,4}\s*(\d+))?")
# A thesis's or book's extent ("215 p.", "xii, 215 pp", "180 pages"): how long it is, not where it sits.
_EXTENT = re.compile(r"^\s*(?:[ivxlc]+\s*[,+]\s*)?\[?\d+\]?\s*(?:p|pp|pages?|leaves)\.?\s*$", re.IGNORECASE)
_EXCEL = re.compile(r"^\s*(?:(\d{1,2})-([A-Za-z]{3})|([A-Za-z]{3})-(\d{1,2}))\s*$")


@lru_cache(maxsize=65536)
def page_range(value: str | None) -> tuple[int, int] | None:
    """First and last page: `S33-S40` (33, 40), `e182-5` (182, 185), `iii33` (33, 33), and Excel's
    `01-Jun` for 1-6, `pp. 12-20` (12, 20); None when the field holds no page number (or a length,
    `215 p.`)."""
    if not value or _EXTENT.match(value):
        return None
    excel = _EXCEL.match(value)
    if excel:
        day, month, month2, day2 = excel.groups()
        first, last = (day, month) if day else (month2, day2)
        number = _MONTH_NUMBER.get((month or month2).lower())
        if number is None:
            return None
        return (int(first), number) if day else (number, int(last))
    match = _RANGE.match(value)
    if not match:
        return None
    start, end = match.group(1), match.group(2)
    if end is None:
        return int(start), int(start)
    if len(end) < len(start) and int(end) < int(start):  # "123-9" is 123-129
        end = start[: len(start) - len(end)] + end
    if int(end) < int(start):
        return None  # "2297-2108": a typo in one of the numbers, and no telling which
    return int(start), int(end)


_SUPPLEMENT_PAGES = re.compile(r"^\s*(?:s\d|suppl|meeting\s*abstracts?\b)", re.IGNORECASE)


def in_supplement(pages: str | None) -> bool:
    """Pages a supplement numbers (`S42`, `s13-s14`, `Suppl-6`), or that say they are a meeting's
    abstracts (`MeetingAbstracts`, as HighWire journals such as AJRCCM label them): where meeting
    abstracts print."""
    return bool(pages and _SUPPLEMENT_PAGES.match(pages))


# Issues run to two digits; a longer "issue" is an article or record number some exports put there.
_ISSUE = re.compile(r"^\s*(?:no\.?\s*|issue\s*)?(\d{1,2})(?:\s*[-–/&]\s*(\d{1,2}))?\s*$", re.IGNORECASE)
_SUPPLEMENT = re.compile(r"^\s*\(?\s*(?:suppl?(?:ement)?\.?|s)\s*(\d{0,2})\s*\)?\s*$", re.IGNORECASE)


_ISSUE_IN_VOLUME = re.compile(r"^\s*\d+\s*\((\d{1,2}(?:-\d{1,2})?)\)")


def issue_number(value: str | None, volume: str | None = None, first_page: str | None = None) -> str | None:
    """An issue as compared (`3`, `3-4`, `s2` for a supplement), or None when it does not look like one.

    An issue written into the volume (`16 (1) (no pagination)`) counts; an "issue" equal to the first
    page is an article number (Embase), not an issue.
    """
    in_volume = _ISSUE_IN_VOLUME.match(volume or "")
    if in_volume:
        value = in_volume.group(1)
    if not value or value.strip() == first_page:
        return None
    match = _ISSUE.match(value)
    if match:
        first, last = match.groups()
        return f"{int(first)}-{int(last)}" if last else str(int(first))
    supplement = _SUPPLEMENT.match(value)
    return f"s{supplement.group(1)}" if supplement else None


def issues_agree(a: str, b: str) -> bool:
    """One issue number, written alone, as part of a double issue (`3` and `3-4`) or as a supplement
    (`S2` and `2`; a supplement without a number agrees with any)."""
    a, b = a.lstrip("s"), b.lstrip("s")
    return not a or not b or a == b or a in b.split("-") or b in a.split("-")


# Journal words that ISO 4 / NLM abbreviate other than by cutting the word short.
_ABBREVIATIONS = {"natl": "national", "intl": "international", "jpn": "japanese", "br": "british"}
_ABBREVIATIONS |= {"assn": "association", "hlth": "health", "dept": "department", "mgmt": "management"}
_ABBREVIATIONS |= {"sch": "school", "gen": "general", "zh": "zhonghua"}
_JOURNAL_STOP = frozenset(
    {"the", "of", "and", "in", "for", "on", "de", "la", "und", "official", "a", "d", "l", "et"}
)
_ALTERNATIVES = re.compile(r"\s=\s|\[|\]|:|\s-\s|\.\s*(?=[A-Z])|\(|\)")


@lru_cache(maxsize=65536)
def journal_names(journal: str | None) -> tuple[tuple[str, ...], ...]:
    """The journal as word tuples, one per name it gives: `A = B`, `[Rinsho byori] The Japanese
    journal...`, `Jpen: Journal of ...` and `Lung cancer (Amsterdam, Netherlands)` name two each."""
    if not journal:
        return ()
    parts = [journal, *_ALTERNATIVES.split(journal)]
    names = []
    for part in parts:
        words = tuple(
            _ABBREVIATIONS.get(w, w)
            for w in title_key(part.replace("&", " and ")).split()
            if w not in _JOURNAL_STOP and not w.isdigit()
        )
        if words and words not in names:
            names.append(words)
    return tuple(names)


def _abbreviates(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Word for word, each word of `short` abbreviates the word of `long` as ISO 4 does: the same first
    letter, then letters of the word in order (`curr opin`, `dtsch med wochenschr`, `natl`)."""
    return len(short) == len(long) and all(_shortens(a, b) for a, b in zip(short, long, strict=True))


def _shortens(short: str, word: str) -> bool:
    if word.startswith(short):
        return True
    if not short or short[0] != word[0] or len(short) >= len(word):
        return False
    rest = iter(word[1:])
    return all(c in rest for c in short[1:])  # a subsequence: `in` advances the iterator


def _names_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if a == b or "".join(a) == "".join(b):  # hyphenated compounds: cardio-thoracic, cardiothoracic
        return True
    if _abbreviates(a, b) or _abbreviates(b, a):
        return True
    joined_a, joined_b = " ".join(a), " ".join(b)
    if min(len(a), len(b)) >= 3 and (joined_a in joined_b or joined_b in joined_a):
        return True  # a translated name and its original run together
    return min(len(joined_a), len(joined_b)) >= 12 and fuzz.ratio(joined_a, joined_b) >= 90


@lru_cache(maxsize=262144)
def journals_agree(a: str | None, b: str | None) -> bool | None:
    """Whether two journal fields name one journal (either may abbreviate); None if one is missing."""
    names_a, names_b = journal_names(a), journal_names(b)
    if not names_a or not names_b:
        return None
    return any(_names_agree(x, y) for x in names_a for y in names_b)
