"""Field parsers for matching (pure): cleaned titles, series marks, notices, pages, issues, journals,
names. Each turns what databases write into something two records can be compared on."""

from __future__ import annotations

import re
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


_MONTHS: tuple[str, ...] = ("january", "february", "march", "april", "may", "june", "july", "august")
_MONTHS += ("september", "october", "november", "december")
_SEASONS = ("spring", "summer", "autumn", "winter", "q1", "q2", "q3", "q4", "quarter", "quarterly")
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_DATED = frozenset(_MONTHS + _SEASONS + _ORDINALS)
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
)
_COMMENT = re.compile(
    r"^(?:comments? on|commentary on|response to|reply to|reply|in reply|authors? reply|"
    r"letter to the editor)\b|\b(?:authors? )?reply$|\bauthors? response$"
)
_NOTICE_HINT = re.compile(
    r"errat|corrig|correct|retract|withdrawn|concern|vol|comment|respon|reply|letter|\d$"
)


@lru_cache(maxsize=65536)
def notice(key: str) -> str | None:
    """`erratum` or `comment` when a compared title announces a different kind of item than the work
    it names."""
    if not _NOTICE_HINT.search(key):
        return None  # most titles: skip the searches
    if _ERRATUM.search(key):
        return "erratum"
    return "comment" if _COMMENT.search(key) else None


_MONTH_NUMBER = {m[:3]: k + 1 for k, m in enumerate(_MONTHS)}
_RANGE = re.compile(r"^\s*[A-Za-z]{0,4}\s*(\d+)(?:\s*[-–—]+\s*[A-Za-z]{0,4}\s*(\d+))?")
_EXCEL = re.compile(r"^\s*(?:(\d{1,2})-([A-Za-z]{3})|([A-Za-z]{3})-(\d{1,2}))\s*$")


@lru_cache(maxsize=65536)
def page_range(value: str | None) -> tuple[int, int] | None:
    """First and last page: `S33-S40` (33, 40), `e182-5` (182, 185), `iii33` (33, 33), and Excel's
    `01-Jun` for 1-6; None when the field holds no page number."""
    if not value:
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


# Issues run to two digits; a longer "issue" is an article or record number some exports put there.
_ISSUE = re.compile(r"^\s*(?:no\.?\s*|issue\s*)?(\d{1,2})(?:\s*[-–/&]\s*(\d{1,2}))?\s*$", re.IGNORECASE)
_SUPPLEMENT = re.compile(r"^\s*(?:suppl?(?:ement)?\.?|s)\s*(\d{0,2})\s*$", re.IGNORECASE)


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


_CORPORATE = re.compile(rf"\b(?:{nz.ORGANISATION_WORDS})\b", re.IGNORECASE)


_SUFFIX = re.compile(r"\s+(?:jr|sr|ii|iii|iv)\.?$", re.IGNORECASE)
CORPORATE = "#"  # marks an organisation's name among the surnames


def person_names(authors: list[str] | str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Surnames and first given names (a word or an initial), in order; organisations are left out
    when people are named (a study group added to one copy is no disagreement), and marked
    CORPORATE when only organisations are."""
    entries = _entries(authors)
    surnames: list[str] = []
    givens: list[str] = []
    for entry in entries:
        head, comma, tail = entry.partition(",")
        if not (comma and len(entry) < 20 and head.isalpha()):
            return _names_in_full([e for e in entries if e.strip()])
        surnames.append(nz.normalize_surname(head))  # the common "Smith, J. P.", kept off the slow path
        first = tail.split(None, 1)
        givens.append(nz.normalize_surname(first[0]) if first else "")
    return tuple(surnames), tuple(givens)


def _names_in_full(entries: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # "Surname, I." is a person: only longer or comma-less entries can be organisations.
    people = [e for e in entries if (len(e) < 20 and "," in e) or not _CORPORATE.search(e)]
    if not people:
        names = tuple(CORPORATE + nz.normalize_surname(e) for e in entries)
        return tuple(n for n in names if len(n) > 1), tuple("" for n in names if len(n) > 1)
    surnames: list[str] = []
    givens: list[str] = []
    for entry in people:
        entry = _SUFFIX.sub(
            "", entry.replace(" Jr.,", ",").replace(" Jr,", ",")
        )  # Jr, Sr, II: not the surname
        head, comma, tail = entry.partition(",")
        if not comma:
            found = nz.author_surnames(entry)
            surnames.extend(found)
            givens.extend("" for _ in found)
            continue
        surname = nz.normalize_surname(nz.strip_markup(head).strip())
        if surname:
            surnames.append(surname)
            givens.append(nz.normalize_surname((tail.split() or [""])[0]))
    return tuple(surnames), tuple(givens)


def _entries(authors: list[str] | str | None) -> list[str]:
    if not authors:
        return []
    if isinstance(authors, str):
        return [e.strip() for e in re.split(r"\s+and\s+|;", authors)]
    return [
        e.strip() for item in authors for e in (re.split(r"\s+and\s+|;", item) if " and " in item else [item])
    ]


def same_person(sa: str, ga: str, sb: str, gb: str) -> bool:
    """One author in two spellings: equal surnames, one typo, a particle (`le quintrec`), or given and
    family names swapped (`Kathryn, Liszewski M.` and `Liszewski, M. K.`)."""
    if sa == sb:
        return True
    if sa[:1] != sb[:1] and sa[-1:] != sb[-1:] and ga[:1] != sb[:1] and gb[:1] != sa[:1]:
        return False  # nothing below can hold: skip the slower checks (most pairs of names)
    if len(sa) >= 4 and len(sb) >= 4 and (sa.endswith(sb) or sb.endswith(sa)):
        return True  # a particle kept by one database only: le quintrec, quintrec
    if len(sa) >= 5 and len(sb) >= 5 and fuzz.ratio(sa, sb) >= 80 and ga[:1] == gb[:1]:
        return True
    if (len(ga) > 1 and sb == ga) or (len(gb) > 1 and sa == gb):
        return True
    # Both given as initials, each the other's surname initial: `Sabyasachi, C.` and `Choudhury, S.`
    return len(ga) == 1 and len(gb) == 1 and ga == sb[:1] and gb == sa[:1] and sa != sb


def author_agreement(
    a: tuple[tuple[str, ...], tuple[str, ...]], b: tuple[tuple[str, ...], tuple[str, ...]]
) -> str:
    """`all`, `most`, `some`, `none` or `missing`: how far two author lists name the same people,
    in any order (the shorter list's people found in the longer)."""
    (sa, ga), (sb, gb) = a, b
    if not sa or not sb:
        return "missing"
    if sa == sb:
        return "all"
    if sa[0].startswith(CORPORATE) != sb[0].startswith(CORPORATE):
        return "missing"  # an organisation for one copy, its people for the other
    if len(sa) > len(sb):
        sa, ga, sb, gb = sb, gb, sa, ga
    matched, first = _matched(sa, ga, sb, gb)
    share = matched / len(sa)
    if share >= 0.8 and (first or len(sa) > 2):
        return "all"
    if share >= 0.5:
        return "most"
    return "some" if matched else "none"


def _matched(
    sa: tuple[str, ...], ga: tuple[str, ...], sb: tuple[str, ...], gb: tuple[str, ...]
) -> tuple[int, bool]:
    """How many of `sa` are found in `sb` (equal surnames first, then spelling variants), and
    whether the first authors are one person."""
    free = list(range(len(sb)))
    left = []
    for s, g in zip(sa, ga, strict=True):
        hit = next((k for k in free if sb[k] == s), None)
        if hit is None:
            left.append((s, g))
        else:
            free.remove(hit)
    matched = len(sa) - len(left)
    for s, g in left:
        hit = next((k for k in free if same_person(s, g, sb[k], gb[k])), None)
        if hit is not None:
            free.remove(hit)
            matched += 1
    return matched, same_person(sa[0], ga[0], sb[0], gb[0])
