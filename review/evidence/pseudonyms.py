"""Pseudonyms: every respondent and speaker name becomes a stable `P001`-style pseudonym at import.

The mapping (name -> pseudonym) lives in `evidence_pseudonym` only; every other evidence table and
every export holds pseudonyms. A name is replaced wherever it recurs in any imported text: the full
name and e-mail address in any case, and each part of the name (first name, surname) where it is
written with its capital, so "Jane said" and "Mrs Smith" are caught as well as "Jane Smith".
Role labels of transcripts (Interviewer, Facilitator, Speaker 2) are not names and stay as they are.
"""

from __future__ import annotations

import re

from sqlmodel import Session, select

from review.db import utcnow
from review.models import EvidencePseudonym

ROLE_LABEL = re.compile(
    r"^(interviewer|facilitator|moderator|researcher|note[- ]?taker|host|chair|unknown"
    r"|(speaker|participant|parent|respondent|p)\s*\d+)$",
    re.I,
)
ERASED = "(withdrawn)"
MIN_PART = 3  # shorter name parts ("Al", "Jo") would replace ordinary words; the full name still goes


def name_key(name: str) -> str:
    """The name as matched: lower case, single spaces."""
    return " ".join(name.split()).lower()


def is_name(label: str | None) -> bool:
    """Whether a speaker label or cell is a person's name (not empty, not a role label)."""
    return bool(label and label.strip() and not ROLE_LABEL.match(label.strip()))


class Pseudonyms:
    """The store's mapping, extended as new names are met, and the replacement of names in text."""

    def __init__(self, session: Session) -> None:
        self.session = session
        rows = session.exec(select(EvidencePseudonym)).all()
        self.by_key = {r.name_key: r.pseudonym for r in rows}
        # A withdrawn participant's name was erased (review/evidence/withdraw.py): nothing to replace.
        self.names = {r.real_name: r.pseudonym for r in rows if not r.name_key.startswith(ERASED)}
        self._pattern: tuple[re.Pattern[str] | None, re.Pattern[str] | None] | None = None

    def of(self, name: str, same_as: str | None = None) -> str:
        """The pseudonym of `name`, given one now if it has none (P001, P002, ... in order met).

        `same_as`: another spelling of the same person (their e-mail beside their name) shares
        that name's pseudonym.
        """
        key = name_key(name)
        if key not in self.by_key:
            pseudonym = self.of(same_as) if same_as else self._next()
            self.session.add(
                EvidencePseudonym(
                    name_key=key, real_name=" ".join(name.split()), pseudonym=pseudonym, created_at=utcnow()
                )
            )
            self.by_key[key] = pseudonym
            self.names[" ".join(name.split())] = pseudonym
            self._pattern = None
        return self.by_key[key]

    def _next(self) -> str:
        taken = set(self.by_key.values())
        number = len(taken) + 1
        while f"P{number:03d}" in taken:  # numbers stay unique whatever was erased
            number += 1
        return f"P{number:03d}"

    def label(self, label: str | None) -> str | None:
        """A speaker label as stored: a role label as it is, a name as its pseudonym."""
        return self.of(label) if label is not None and is_name(label) else label

    def scrub(self, text: str) -> str:
        """The text with every known name (whole, or a capitalised part) replaced by its pseudonym."""
        whole, parts = self._patterns()
        if whole is not None:
            text = whole.sub(lambda m: self.by_key[name_key(m.group(0))], text)
        if parts is not None:
            text = parts.sub(lambda m: self._parts[m.group(0)], text)
        return text

    def _patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        if self._pattern is None:
            self._parts: dict[str, str] = {}
            for name, pseudonym in self.names.items():
                for part in re.split(r"[\s.@_]+", name.split("@")[0] if "@" in name else name):
                    if len(part) >= MIN_PART and part[:1].isupper():
                        self._parts.setdefault(part, pseudonym)
            self._pattern = (_alternation(list(self.names), re.I), _alternation(list(self._parts), 0))
        return self._pattern


def _alternation(words: list[str], flags: int) -> re.Pattern[str] | None:
    if not words:
        return None
    # Longest first, so "Jane Smith" is replaced before "Jane"; whole words only.
    spelled = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w@.])(?:{spelled})(?![\w@])", flags)
