"""RIS as databases and reference managers write it, read line by line (no rispy) into each record's
tags and values, which review.formats.ris.record turns into records.

A record runs from `TY  - ` to `ER  - `; a field is `TAG  - value` (two capitals or a capital and a
digit, two spaces, a hyphen, a space). What real exports add is accepted:

- text between records (Ovid's "1." counters, "Link to the Ovid Full Text or citation:" lines and its
  search strategy, Cochrane's "Record #1 of 2" headers) is skipped; a tagged line there (Ovid writes
  `C1  - Database: Embase <...>` after the last record) is skipped with a note, unless an `ER` follows
  it: then a record lost its `TY` line, which is a problem, not something to skip;
- a line without a tag continues the field above (EndNote writes one keyword a line under one `KW`,
  Web of Science and Scopus wrap notes), except after a one-line field (year, volume, DOI...), where
  it is damage;
- blank lines inside a record (JabRef), `ER  -` with or without its trailing space, CRLF.

Damage inside a record (a mistyped tag, a stray line after a one-line field, a missing `ER`) leaves
that record out with a Problem naming the line; the other records are still read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from review.formats.common import Parsed, Problem, fail, split_lines, strict
from review.formats.ris.record import Fields, all_values, to_record
from review.records import RecordIn
from review.runtime import collector_paused

KIND = "RIS"
_TAG = re.compile(r"([A-Z][A-Z0-9])  -(?: |$)")
# A tag typed wrongly: one space, no space after the hyphen, lower case, indented.
_LOOSE_TAG = re.compile(r"^\s*[A-Z][A-Z0-9]\s*-+(\s|$)|^[A-Z][A-Z0-9]  (-\S|[^-\s])|^[a-z][a-z0-9]  - ")
# A field joined to the end of the line above, its line break lost ("...Psychiatric PubUR  - https:").
# Only a RIS tag after a lower-case letter, digit or punctuation: "USA  - a study" is no field.
_GLUED_TAG = re.compile(
    r"(?<=[a-z0-9.,;)\]])(A[1-4BDNU]|BT|C[1-8]|CY|D[AOP]|EP|ET|I[DS]|J[12AFO]|KW|L[1-4A]|M[1-3]|N[12]"
    r"|OP|P[BY]|S[NP]|T[12ITY]|U[1-5R]|VL|Y[12])  - (?=\S)"
)
# Fields whose values never wrap: an untagged line after one of them is a broken line.
_ONE_LINE = frozenset({"TY", "PY", "Y1", "DA", "VL", "IS", "SP", "EP", "DO", "LA", "AN", "ID"})


class _Scan:
    """One pass over the lines: records (with the line they start on), problems and notes."""

    def __init__(self) -> None:
        self.records: list[tuple[int, Fields]] = []
        self.problems: list[Problem] = []
        self.stray: list[int] = []  # tagged lines outside records since the last record
        self.skipped: list[int] = []  # stray tagged lines that were skipped (for the note)
        self.glued: list[int] = []  # lines where a field was found joined to the line above
        self.start = 0  # the line the open record starts on
        self.fields: Fields | None = None  # the open record's fields (None: outside a record)
        self.damage: Problem | None = None  # the first damage in the open record
        self.seen_type = False

    def feed(self, lines: Iterable[str]) -> None:
        # The common line, a field inside a record, is handled inline: this loop is the reader's
        # cost on a large export, so the rare cases (TY, ER, untagged lines) call out.
        match = _TAG.match
        last = ""
        for no, line in enumerate(lines, 1):
            fields = self.fields
            if match(line):
                tag = line[:2]
                if fields is not None and tag != "ER" and tag != "TY":
                    value = line[6:].strip()
                    old = fields.get(tag)
                    if old is None:
                        fields[tag] = value
                    elif isinstance(old, str):
                        fields[tag] = [old, value]
                    else:
                        old.append(value)
                    last = tag
                else:
                    self._tagged(no, tag, line[6:].strip())
                    last = tag
            elif fields is not None:
                self._untagged(no, line, fields, last)
            elif _LOOSE_TAG.match(line):
                self._loose_outside(no, line)
        self._end_of_file()

    def _tagged(self, no: int, tag: str, value: str) -> None:
        if tag == "TY":
            self._start(no, value)
        elif self.fields is None:
            self._outside(no, tag)
        else:
            self._close()  # an ER

    def _start(self, no: int, value: str) -> None:
        self.seen_type = True
        if self.fields is not None:
            self._unended(no)
        self.skipped += self.stray
        self.stray = []
        self.start, self.fields, self.damage = no, {"TY": value}, None

    def _outside(self, no: int, tag: str) -> None:
        if tag != "ER":
            self.stray.append(no)
        elif self.stray:  # fields, then an end: a record whose `TY` line is missing or mistyped
            self.problems.append(
                Problem(
                    self.stray[0],
                    f"the record ending on line {no} has no `TY  - ` line to start it; "
                    "add one (e.g. `TY  - JOUR`) above this line",
                )
            )
            self.stray = []

    def _untagged(self, no: int, line: str, fields: Fields, last: str) -> None:
        if not line.strip() or self.damage is not None:
            return  # JabRef and EndNote leave blank lines inside records; a damaged one is left out
        if _LOOSE_TAG.match(line):
            self._damage(
                no,
                f"{line[:40]!r} is not a RIS field; write it as `TAG  - value` "
                "(two capitals, two spaces, a hyphen, a space)",
            )
        elif last in _ONE_LINE or last not in fields:
            self._damage(
                no,
                f"{line[:40]!r} is not a `TAG  - value` line, and a {last} value cannot "
                "continue onto a new line; give it its tag or delete it",
            )
        else:
            text, glued = line.strip(), _GLUED_TAG.search(line)
            if glued:  # the rest of the line is a field of its own
                text = line[: glued.start()].strip()
                self.glued.append(no)
            old = fields[last]
            if isinstance(old, str):
                fields[last] = f"{old}\n{text}"
            else:
                old[-1] = f"{old[-1]}\n{text}"
            if glued:
                tag, value = glued.group(1), line[glued.end() :].strip()
                fields[tag] = [*all_values(fields, tag), value] if tag in fields else value

    def _loose_outside(self, no: int, line: str) -> None:
        # A mistyped `TY` starts a record all the same, so its fields are reported with it
        # rather than skipped one by one.
        if line.lstrip()[:2].upper() == "TY":
            self._start(no, "")
            self._damage(no, f"{line[:40]!r} is not a RIS field; write it as `TY  - JOUR`")
        else:
            self.stray.append(no)

    def _damage(self, no: int, message: str) -> None:
        if self.damage is None:  # the first damaged line is the one to fix first
            self.damage = Problem(no, message, f"record starting on line {self.start}")

    def _close(self) -> None:
        if self.damage is not None:
            self.problems.append(self.damage)
        elif self.fields is not None:
            self.records.append((self.start, self.fields))
        self.fields, self.damage = None, None

    def _unended(self, no: int) -> None:
        self.problems.append(
            self.damage
            or Problem(
                no,
                f"a record starts here, but the one from line {self.start} has no `ER  -` line; "
                "add `ER  - ` where that record ends",
            )
        )

    def _end_of_file(self) -> None:
        if self.fields is not None:
            self.problems.append(
                self.damage
                or Problem(
                    self.start,
                    "the record starting here has no `ER  -` line to end it; add `ER  - ` after its "
                    "last field (was the file cut short?)",
                )
            )
        self.skipped += self.stray


def parse_ris(text: str, source: str, name: str = "file") -> Parsed:
    """Records of a RIS file, each with its first line; a Problem for each record that is damaged.

    ImportFormatError only when the file is not RIS at all (no record starts in it).
    """
    scan = _Scan()
    with collector_paused():
        scan.feed(split_lines(text))
        if not scan.seen_type and not scan.problems:
            wos = " (it looks like Web of Science plain text: use --format wos)" if text[:3] == "FN " else ""
            fail(name, KIND, [f"no line starts with `TY  - `, so this is not a RIS file{wos}"])
        entries: list[tuple[int | None, RecordIn]] = [
            (line, to_record(fields, source)) for line, fields in scan.records
        ]
    parsed = Parsed(KIND, entries, scan.problems)
    if scan.skipped:
        parsed.notes.append(_skipped_note(scan.skipped))
    if scan.glued:
        parsed.notes.append(
            f"line(s) {', '.join(map(str, scan.glued[:5]))}: a field was joined to the end of the text "
            "above it (its line break lost in the export); it was read as its own field"
        )
    return parsed


def read_ris(text: str, source: str, name: str = "file") -> list[RecordIn]:
    """Records of a RIS file; ImportFormatError naming the damaged lines if any record is damaged."""
    return strict(parse_ris(text, source, name), name)


def _skipped_note(lines: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:5]) + (" ..." if len(lines) > 5 else "")
    return (
        f"{len(lines)} tagged line(s) outside any record (between an `ER` and the next `TY`) were "
        f"skipped, as databases such as Ovid write there: line(s) {shown}"
    )
