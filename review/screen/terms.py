"""Whole-phrase, case-insensitive term matching shared by the rules and the screen's highlights.

A term matches as a whole phrase: "Family Hub" matches "family hub" and "Family  Hub," but not
"Family Hubs" (the protocol lists both spellings when it wants both). Curly apostrophes and
hyphens in the text match their plain forms, so "children’s centre" matches "children's centre".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

_FOLD = (("\u2019", "'"), ("\u2018", "'"), ("\u2010", "-"), ("\u2011", "-"), ("\u2013", "-"))


def fold(text: str) -> str:
    """Text with typographic apostrophes and dashes replaced (same length, so spans still line up)."""
    for fancy, plain in _FOLD:  # str.replace runs in C; str.translate with a table is far slower
        if fancy in text:
            text = text.replace(fancy, plain)
    return text


_TOKEN = re.compile(r"\w+|[^\w\s]")


@lru_cache(maxsize=8)
def _tokens(text: str) -> tuple[str, ...]:
    """Lower-case tokens: words, and each punctuation mark on its own (cached: rules share texts)."""
    return tuple(_TOKEN.findall(fold(text).lower()))


@dataclass(frozen=True)
class Matcher:
    """A compiled set of terms; `find` returns which matched, `spans` where.

    Matching works on tokens, indexed by each term's first token, so hundreds of terms (the UK
    places list) cost about the same as a few: one dictionary lookup per word of text.
    """

    terms: tuple[str, ...]
    starts: dict[str, tuple[tuple[tuple[str, ...], str], ...]]  # first token -> (tokens, term), longest first

    def _scan(self, toks: Sequence[str]) -> list[tuple[int, int, str]]:
        """(first, last token index, term) of each match, left to right, longest first."""
        found: list[tuple[int, int, str]] = []
        after = 0
        for i in [i for i, tok in enumerate(toks) if tok in self.starts]:
            if i < after:
                continue
            for key, term in self.starts[toks[i]]:
                if tuple(toks[i : i + len(key)]) == key:
                    found.append((i, i + len(key) - 1, term))
                    after = i + len(key)
                    break
        return found

    def find(self, text: str | None) -> list[str]:
        """The distinct terms found in `text`, in the protocol's spelling and order of first match."""
        if not text or not self.starts:
            return []
        toks = _tokens(text)
        if self.starts.keys().isdisjoint(toks):  # the common case, decided in C
            return []
        return list(dict.fromkeys(term for _, _, term in self._scan(toks)))

    def matches(self, text: str | None) -> tuple[tuple[str, ...], list[tuple[int, int, str]]]:
        """The text's tokens and each match as (first, last token index, term), for context checks."""
        if not text or not self.starts:
            return (), []
        toks = _tokens(text)
        return toks, self._scan(toks)

    def spans(self, text: str | None) -> list[tuple[int, int]]:
        """(start, end) character offsets of every match in `text`, left to right, not overlapping."""
        if not text or not self.starts:
            return []
        marks = list(_TOKEN.finditer(fold(text)))
        hits = self._scan([m.group().lower() for m in marks])
        return [(marks[a].start(), marks[b].end()) for a, b, _ in hits]


@lru_cache(maxsize=64)
def matcher(terms: tuple[str, ...]) -> Matcher:
    """Compile `terms` (cached): whole phrases, case-insensitive, any spacing between words."""
    cleaned = tuple(dict.fromkeys(t.strip() for t in terms if t.strip()))
    starts: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for term in cleaned:
        key = tuple(_tokens(term))
        starts.setdefault(key[0], []).append((key, term))
    ordered = {k: tuple(sorted(v, key=lambda kv: -len(kv[0]))) for k, v in starts.items()}
    return Matcher(cleaned, ordered)


def compile_terms(terms: Iterable[str]) -> Matcher:
    """A matcher for any iterable of terms (cached by the terms)."""
    return matcher(tuple(terms))


def term_colours(text: str, include: Sequence[str], exclude: Sequence[str]) -> list[str | None]:
    """Each character's highlight on a screen: "green" in an include term, "red" in an exclude
    term (red wins where both), else None."""
    colours: list[str | None] = [None] * len(text)
    for terms, colour in ((include, "green"), (exclude, "red")):
        for start, end in compile_terms(tuple(terms)).spans(text):
            colours[start:end] = [colour] * (end - start)
    return colours


@lru_cache(maxsize=1)
def uk_places() -> tuple[str, ...]:
    """The shipped list of UK nations, regions, local authorities and UK-only programmes."""
    text = files("review.data").joinpath("uk_places.txt").read_text(encoding="utf-8")
    lines = (line.strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


# Places abroad that share, contain or follow a UK place name ("Birmingham, Alabama", "New South
# Wales", "London, Ontario", "New York"): a UK name inside one, or right before one, is not the UK.
ABROAD = (
    "Alabama", "Alaska", "Arizona", "Arkansas", "California", "Colorado", "Connecticut", "Delaware",
    "Florida", "Georgia", "Hawaii", "Idaho", "Illinois", "Indiana", "Iowa", "Kansas", "Kentucky",
    "Louisiana", "Maine", "Maryland", "Massachusetts", "Michigan", "Minnesota", "Mississippi",
    "Missouri", "Montana", "Nebraska", "Nevada", "New Hampshire", "New Jersey", "New Mexico", "New York",
    "North Carolina", "North Dakota", "Ohio", "Oklahoma", "Oregon", "Pennsylvania", "Rhode Island",
    "South Carolina", "South Dakota", "Tennessee", "Texas", "Utah", "Vermont", "Virginia", "Washington",
    "West Virginia", "Wisconsin", "Wyoming", "USA", "U.S.A.", "U.S.", "United States", "New England",
    "Ontario", "Quebec", "British Columbia", "Alberta", "Manitoba", "Saskatchewan", "Nova Scotia",
    "New Brunswick", "Newfoundland", "Canada", "New South Wales", "Victoria, Australia", "Queensland",
    "Tasmania", "Western Australia", "South Australia", "Australia", "New Zealand",
)  # fmt: skip


def uk_named(text: str, places: Sequence[str]) -> list[str]:
    """UK places and programmes named in `text`, leaving out those that are part of, or directly
    followed by, a place abroad."""
    toks, found = compile_terms(places).matches(text)
    if not found:
        return []
    _, abroad = compile_terms(ABROAD).matches(text)
    covered = {i for first, last, _ in abroad for i in range(first, last + 1)}
    starts = {first for first, _, _ in abroad}

    def at_home(first: int, last: int) -> bool:
        nxt = last + 2 if last + 1 < len(toks) and toks[last + 1] == "," else last + 1
        return not (covered & set(range(first, last + 1)) or nxt in starts)

    return list(dict.fromkeys(term for first, last, term in found if at_home(first, last)))
