"""Author lists for matching (pure): surnames and given names in any database's format, organisations
told from people, and how far two lists name the same people."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from review import normalize as nz

_CORPORATE = re.compile(rf"\b(?:{nz.ORGANISATION_WORDS})\b", re.IGNORECASE)


_SUFFIX = re.compile(r"\s+(?:jr|sr|ii|iii|iv)\.?$", re.IGNORECASE)
CORPORATE = "#"  # marks an organisation's name among the surnames
# A converter's "no value" written out as the given-name part (`Si Hyun Kang, null`, `Kang, null`).
NULL = "null"


# What databases write for an unsigned item instead of its authors (Web of Science and publishers
# `Anonymous`, PsycInfo `No authorship indicated`, which a BibTeX converter turns round to
# `indicated, No authorship`, Scopus `[No author name available]`): no author, not a person two
# unsigned items would share.
_UNSIGNED = re.compile(
    r"^\W*(?:anonymous|anon|no authorship indicated|indicated,? no authorship|no author name available)\W*$",
    re.IGNORECASE,
)


def person_names(authors: list[str] | str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Surnames and first given names (a word or an initial), in order; organisations are left out
    when people are named (a study group added to one copy is no disagreement), and marked
    CORPORATE when only organisations are. An unsigned item's placeholder is no author."""
    entries = _entries(authors)
    if len(entries) == 1 and _UNSIGNED.match(entries[0]):  # only ever the whole list
        return (), ()
    surnames: list[str] = []
    givens: list[str] = []
    for entry in entries:
        head, comma, tail = entry.partition(",")
        if not (comma and len(entry) < 20 and head.isalpha()):
            return _names_in_full([e for e in entries if e.strip()])
        surnames.append(nz.normalize_surname(head))  # the common "Smith, J. P.", kept off the slow path
        first = tail.split(None, 1)
        givens.append(nz.normalize_surname(first[0]) if first and first[0].lower() != NULL else "")
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
        if comma and tail.strip().lower() == NULL:  # `Si Hyun Kang, null`: one full name
            entry, comma = head, ""
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


_AND = re.compile(r"\s+and\s+|;")


def _entries(authors: list[str] | str | None) -> list[str]:
    if not authors:
        return []
    if isinstance(authors, str):
        found = _AND.split(authors)
    else:
        found = [e for item in authors for e in (_AND.split(item) if " and " in item else [item])]
    return [e.strip() for e in found]


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
