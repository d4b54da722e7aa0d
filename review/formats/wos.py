"""Web of Science plain text: the default export of every Web of Science database.

    FN Clarivate Analytics Web of Science
    VR 1.0
    PT J
    AU Parkes-Loach, PS
       Majeed, AP
    TI Interactions stabilizing the structure of the core light-harvesting
       complex (LHl) of photosynthetic bacteria and its subunit (B820)
    ...
    UT WOS:000221807500019
    ER

    EF

A field is a two-character tag, a space and the value; its continuation lines are indented three
spaces. In name, address and reference fields (AU, AF, C1, CR...) each line is one item; in the
others the lines are one text wrapped. A record starts with `PT` and ends with `ER`; the file ends
with `EF`. Core Collection, MEDLINE, BIOSIS, Zoological Record and the other databases share the
layout and most tags; each adds its own (Zoological Record: AN accession, FT foreign title, PS page
span, AW item URL, BD/TN/ST/OR thesaurus terms; MEDLINE: MH; SciELO: Y1 Portuguese title...), and
its UT carries its prefix (WOS:, MEDLINE:, ZOOREC:, BCI:...). Tags this reader does not map are kept
in `extra["wos"]`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from review.formats.common import (
    Parsed,
    Problem,
    clean,
    fail,
    parse_date,
    split_lines,
    strict,
)
from review.normalize import normalize_doi, normalize_year
from review.records import RecordIn
from review.runtime import collector_paused

KIND = "Web of Science plain text"
_TAG = re.compile(r"([A-Z][A-Z0-9])(?: (.*))?$")
_HEADER = frozenset({"FN", "VR", "EF"})
# Fields of one item a line; the others are one text wrapped over lines.
_ITEM_A_LINE = frozenset({"AU", "AF", "BA", "BF", "BE", "CA", "GP", "ED", "C1", "C3", "CR"})
_UT_PREFIX = re.compile(r"([A-Z][A-Z0-9]+):\S")
_YEAR = re.compile(r"\b(1[5-9]\d\d|2\d\d\d)\b")

Fields = dict[str, list[str]]


def ut_ids(ut: str) -> tuple[str, str | None] | None:
    """The other_ids key of a Web of Science accession number (UT) and a PMID it holds, or None when
    the value is not a UT. WOS: is the Core Collection ("wos"); MEDLINE:, ZOOREC:, BCI:, CCC:,
    INSPEC:, KJD:, SCIELO:, RSCI:... name their database ("medline", "zoorec"...)."""
    match = _UT_PREFIX.match(ut)
    if match is None:
        return None
    prefix = match.group(1)
    if prefix in ("WOS", "ISI"):
        return "wos", None
    number = ut[len(prefix) + 1 :]
    return prefix.lower(), number if prefix == "MEDLINE" and number.isdigit() else None


@dataclass(slots=True)
class _Entry:
    start: int
    fields: Fields = field(default_factory=dict)
    last: str = ""
    damage: Problem | None = None


class _Scan:
    """One pass over the lines: records with their first line, problems, and whether `EF` was seen."""

    def __init__(self) -> None:
        self.records: list[tuple[int, Fields]] = []
        self.problems: list[Problem] = []
        self.entry: _Entry | None = None
        self.ended = False
        self.seen_record = False  # a `PT` or `FN` line: without one, this is no Web of Science file
        self.last_line = 0

    def feed(self, lines: Iterable[str]) -> None:
        for no, raw in enumerate(lines, 1):
            line = raw.rstrip()
            if line:
                self.last_line = no
                self._line(no, line)
        if self.entry is not None:
            self._unended(self.entry, None)

    def _line(self, no: int, line: str) -> None:
        match = _TAG.match(line)
        entry = self.entry
        if entry is not None and line[0] == " ":
            if entry.damage is None:
                entry.fields[entry.last].append(line.strip())
        elif match is None:
            self._stray_text(no, line)
        elif entry is None:
            self._outside(no, match.group(1), line)
        else:
            self._inside(entry, no, match.group(1), match.group(2) or "")

    def _outside(self, no: int, tag: str, line: str) -> None:
        if tag == "EF":
            self.ended = True
        elif tag == "FN":
            self.seen_record = True  # the header Web of Science writes: its records follow
        elif tag == "PT":
            self.seen_record = True
            self._start(no, line[3:].strip())
        elif tag not in _HEADER and tag != "ER":
            self._start(no, "")
            assert self.entry is not None
            self._damage(
                self.entry, no, f"{line[:40]!r} comes before the `PT` line that starts a record; add one"
            )

    def _inside(self, entry: _Entry, no: int, tag: str, value: str) -> None:
        if tag == "ER":
            self._close(entry)
        elif tag in ("PT", "EF"):
            self._unended(entry, no)
            self.ended = tag == "EF"
            if tag == "PT":
                self.seen_record = True
                self._start(no, value)
        else:
            entry.fields.setdefault(tag, []).append(value.strip())
            entry.last = tag

    def _stray_text(self, no: int, line: str) -> None:
        message = (
            f"{line[:40]!r} is neither a field (a two-capital tag, a space, the value) nor a "
            "continuation indented three spaces; indent it or give it its tag"
        )
        if self.entry is not None:
            self._damage(self.entry, no, message)
        else:
            self.problems.append(Problem(no, message))

    def _start(self, no: int, kind: str) -> None:
        self.entry = _Entry(no, {"PT": [kind]}, "PT")

    def _damage(self, entry: _Entry, no: int, message: str) -> None:
        if entry.damage is None:
            entry.damage = Problem(no, message, f"record starting on line {entry.start}")

    def _close(self, entry: _Entry) -> None:
        if entry.damage is not None:
            self.problems.append(entry.damage)
        else:
            self.records.append((entry.start, entry.fields))
        self.entry = None

    def _unended(self, entry: _Entry, no: int | None) -> None:
        where = f"the next record starts on line {no}" if no else "the file ends"
        self.problems.append(
            entry.damage
            or Problem(
                no or entry.start,
                f"the record starting on line {entry.start} has no `ER` line before {where}; "
                "add `ER` where it ends (was the file cut short?)",
            )
        )
        self.entry = None


def parse_wos(text: str, source: str, name: str = "file") -> Parsed:
    """Records of a Web of Science plain-text export, each with its first line; a Problem for each
    damaged record. ImportFormatError only when the file is not Web of Science plain text at all."""

    scan = _Scan()
    with collector_paused():
        scan.feed(split_lines(text))
        if not scan.seen_record:
            ris = " (it looks like RIS: import it with --format ris)" if "\nTY  - " in f"\n{text}" else ""
            fail(name, KIND, [f"no `PT` line starts a record, so this is not a Web of Science file{ris}"])
        entries: list[tuple[int | None, RecordIn]] = [
            (line, _record(fields, source)) for line, fields in scan.records
        ]
    parsed = Parsed(KIND, entries, scan.problems)
    if not scan.ended:
        parsed.notes.append(
            f"the file has no `EF` line at its end (its last line is {scan.last_line}): if the export "
            "was cut short, the records after it are missing"
        )
    return parsed


def read_wos(text: str, source: str, name: str = "file") -> list[RecordIn]:
    """Records of a Web of Science plain-text file; ImportFormatError naming damaged lines, if any."""
    return strict(parse_wos(text, source, name), name)


# --- from fields to a record ----------------------------------------------------------------------


class _Fields:
    """A record's fields and which tags went into the record's columns (the rest go to `extra`)."""

    __slots__ = ("f", "taken")

    def __init__(self, fields: Fields) -> None:
        self.f = fields
        self.taken: set[str] = set()

    def text(self, *tags: str) -> str | None:
        """The first of `tags` that has a value, its lines joined."""
        for tag in tags:
            value = clean(" ".join(self.f.get(tag, ())))
            if value:
                self.taken.add(tag)
                return value
        return None

    def items(self, tag: str, *, split: bool = False) -> list[str]:
        """A field's items: one a line (names, addresses), or split on ";" (keywords)."""
        lines = self.f.get(tag, ())
        if lines:
            self.taken.add(tag)
        if split:
            return [c for c in (clean(v) for v in " ".join(lines).split(";")) if c]
        return [c for line in lines for v in line.split(";") if (c := clean(v))]

    def extra(self) -> dict[str, list[str]] | None:
        rest = {
            tag: lines if tag in _ITEM_A_LINE else [" ".join(lines)]
            for tag, lines in self.f.items()
            if tag not in self.taken
        }
        return rest or None


def _record(fields: Fields, source: str) -> RecordIn:
    f = _Fields(fields)
    year, date = _dates(f)
    source_id, pmid, ids = _ids(f)
    return RecordIn(
        source=source,
        source_id=source_id,
        title=f.text("TI"),
        other_titles=_other_titles(f),
        abstract=f.text("AB"),
        authors=_authors(f),
        year=year,
        publication_date=date,
        doi=_doi(f),
        journal=f.text("SO"),
        journal_abbrev=f.text("JI", "J9"),
        issn="; ".join(i for i in (f.text("SN"), f.text("EI")) if i) or None,
        volume=f.text("VL"),
        issue=f.text("IS"),
        pages=_pages(f),
        publisher=f.text("PU"),
        doc_type=f.text("DT"),
        language=f.text("LA"),
        url=f.text("AW"),  # Zoological Record's item URL; Core Collection records have none
        pmid=pmid,
        keywords=_keywords(f),
        other_ids=ids,
        extra={"wos": rest} if (rest := f.extra()) else None,
    )


def _other_titles(f: _Fields) -> list[str] | None:
    """Titles in other languages: FT foreign (Zoological Record), X1 non-English, X2 transliterated,
    Z1 other languages, Y1 Portuguese (SciELO)."""
    titles = [title for tag in ("FT", "X1", "X2", "Z1", "Y1") if tag in f.f and (title := f.text(tag))]
    return list(dict.fromkeys(titles)) or None


def _authors(f: _Fields) -> list[str] | None:
    """Full names (AF) rather than initials (AU); book authors (BF, BA) for a book without them;
    group authors (CA, GP) after the people. Each "Surname, Given" as Web of Science writes it."""
    people = f.items("AF") or f.items("AU") or f.items("BF") or f.items("BA")
    groups = f.items("CA") + f.items("GP")
    if "AF" in f.taken:
        f.taken.add("AU")  # the same people, with initials only
    return (people + groups) or None


def _keywords(f: _Fields) -> list[str] | None:
    """Author keywords (DE; Zoological Record's descriptors) then Keywords Plus (ID), as the Web of
    Science RIS export gives both as KW. ID is also kept in `extra` to tell the two apart."""
    keywords = f.items("DE", split=True) + f.items("ID", split=True)
    f.taken.discard("ID")
    return list(dict.fromkeys(keywords)) or None


def _dates(f: _Fields) -> tuple[int | None, str | None]:
    """PY, else the early-access year (EY, or the year in EA "MAR 2020"); PD ("JUN 8", "MAR", "FAL")
    with the year as the date, else EA. DA is the date of the export, not of the work: kept in extra."""
    year = normalize_year(f.text("PY"))
    if year is None and (early := f.text("EY") or _early_year(f)):
        year = normalize_year(early)
    published = f.text("PD")
    date = parse_date(published if published and _YEAR.search(published) else f"{year} {published}")
    if published and date is None:
        f.taken.discard("PD")  # a season ("FAL") or a range: kept as written
    return year, date if year or date else None


def _early_year(f: _Fields) -> str | None:
    early = " ".join(f.f.get("EA", ()))
    match = _YEAR.search(early)
    return match.group(1) if match else None


def _doi(f: _Fields) -> str | None:
    """DI; D2 is the DOI of the book a chapter is in, so stays in `extra`."""
    doi = normalize_doi(f.text("DI"))
    if doi is None:
        f.taken.discard("DI")
    return doi


def _pages(f: _Fields) -> str | None:
    """BP-EP, else Zoological Record's page span (PS), else the article number (AR, also kept)."""
    start, end = f.text("BP"), f.text("EP")
    if start and end:
        return f"{start}-{end}"
    pages = start or end or f.text("PS")
    if pages is None and (number := clean(" ".join(f.f.get("AR", ())))):
        return number
    return pages


def _ids(f: _Fields) -> tuple[str, str | None, dict[str, str] | None]:
    """UT (the source_id) under its database's key, PM (PMID), BN (ISBN); Zoological Record's AN
    (its accession, the UT without prefix) is the source_id when there is no UT."""
    ut = f.text("UT")
    ids: dict[str, str] = {}
    pmid = f.text("PM")
    if ut and (found := ut_ids(ut)):
        key, in_ut = found
        ids[key] = ut
        pmid = pmid or in_ut
    if isbn := f.text("BN"):
        ids["isbn"] = isbn
    source_id = ut or clean(" ".join(f.f.get("AN", ()))) or ""
    return source_id, pmid, ids or None
