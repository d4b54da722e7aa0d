"""PubMed nbib (MEDLINE tagged format), as PubMed's "Save > PubMed format" writes it.

    PMID- 31234567
    TI  - Health visiting contacts in the first two years and maternal mental health: a
          population cohort study in England.
    FAU - Ahmed, Fatima
    AU  - Ahmed F

A field is a tag padded to four characters, "- " and the value; continuation lines are indented six
spaces; records are separated by blank lines and each starts with `PMID- `. A line that is none of
these leaves its record out with a Problem naming the line; the other records are still read.
Tags not mapped to a record field (MeSH MH, PHST dates, grants, comments...) are kept in
`extra["nbib"]`.
"""

from __future__ import annotations

import itertools
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

KIND = "PubMed nbib"
_TAG = re.compile(r"([A-Z][A-Z0-9]{1,3}) {0,2}- (.*)$")
_CONTINUATION = "      "
# Tags only MEDLINE writes: a file with none of them is not MEDLINE (a RIS file matches _TAG too).
_MEDLINE_ONLY = frozenset({"PMID", "FAU", "JT", "OWN", "STAT", "BTI", "VI", "IP", "PG", "DP"})
_ID_LABEL = re.compile(r"^(.*?)\s*\[([a-z]+)\]$")  # "10.1111/x [doi]", "S0140-6736(19)30041-8 [pii]"
_ISSN_LABEL = re.compile(r"^(\S+)\s*\((\w+)\)")  # "1878-0849 (Electronic)"
_INITIALS = re.compile(r"^(.+?) ([A-Z]{1,4})$")  # AU "Pérez-de la Fuente R"

Fields = list[tuple[str, str]]


@dataclass(slots=True)
class _Entry:
    start: int
    fields: Fields = field(default_factory=list)
    damage: Problem | None = None
    split: int | None = None  # the blank line that ended the record before (for a PMID-less record)


class _Scan:
    """One pass over the lines: the records (damaged ones with their Problem) and notes."""

    def __init__(self) -> None:
        self.entries: list[_Entry] = []
        self.entry: _Entry | None = None
        self.blank: int | None = None
        self.notes: list[str] = []

    def feed(self, lines: Iterable[str]) -> None:
        for no, line in enumerate(lines, 1):
            padded = line.ljust(6)  # an empty field may have lost its trailing space
            match = _TAG.match(padded) if padded[4:6] == "- " else None
            if match:
                self._field(no, match.group(1), match.group(2).strip())
            elif not line.strip():
                self.entry, self.blank = None, no
            elif line.startswith(_CONTINUATION) and self.entry is not None and self.entry.fields:
                tag, value = self.entry.fields[-1]
                self.entry.fields[-1] = (tag, f"{value} {line.strip()}")
            else:
                self._stray(no, line)

    def _field(self, no: int, tag: str, value: str) -> None:
        if self.entry is None or tag == "PMID":
            if self.entry is not None:  # a record without the blank line that should end the one above
                self.notes.append(f"line {no}: a record starts here with no blank line above it")
            self.entry = _Entry(no, split=self.blank if tag != "PMID" else None)
            self.entries.append(self.entry)
        self.entry.fields.append((tag, value))

    def _stray(self, no: int, line: str) -> None:
        message = (
            f"{line[:40]!r} is neither a `TAG - value` line (tag padded to four characters) nor a "
            "continuation indented six spaces; indent it or give it its tag"
        )
        if self.entry is None:
            self.entry = _Entry(no)
            self.entries.append(self.entry)
        if self.entry.damage is None:
            self.entry.damage = Problem(no, message, f"record starting on line {self.entry.start}")


def parse_nbib(text: str, source: str, name: str = "file") -> Parsed:
    """Records of a PubMed nbib/MEDLINE file, each with its first line; a Problem for each damaged
    record. ImportFormatError only when the file is not MEDLINE at all."""
    scan = _Scan()
    with collector_paused():
        scan.feed(split_lines(text))
        if not any(tag in _MEDLINE_ONLY for entry in scan.entries for tag, _ in entry.fields):
            ris = " (it looks like RIS: import it with --format ris)" if "TY  - " in text else ""
            fail(name, KIND, [f"no `PMID- ` or other MEDLINE `TAG - value` line: not a MEDLINE file{ris}"])
        parsed = Parsed(KIND, notes=scan.notes)
        _split_records(scan.entries)
        for entry in scan.entries:
            if entry.damage is not None:
                parsed.problems.append(entry.damage)
            else:
                parsed.entries.append((entry.start, _record(entry.fields, source)))
    return parsed


def read_nbib(text: str, source: str, name: str = "file") -> list[RecordIn]:
    """Records of a PubMed nbib/MEDLINE file; ImportFormatError naming damaged lines, if any."""
    return strict(parse_nbib(text, source, name), name)


def _split_records(entries: list[_Entry]) -> None:
    """PubMed starts every record with PMID: when it does so elsewhere in the file, a record without
    one is the tail of the record above, cut off by a stray blank line. Both are left out (the one
    above has lost fields), each with a Problem naming the blank line."""
    if not entries or not entries[0].fields or entries[0].fields[0][0] != "PMID":
        return
    for before, entry in itertools.pairwise(entries):
        if entry.split is None or entry.damage is not None:
            continue
        entry.damage = Problem(
            entry.start,
            f"this record has no `PMID- ` line: the blank line above it (line {entry.split}) cuts it "
            f"from the record starting on line {before.start}; delete that blank line",
        )
        if before.damage is None:
            before.damage = Problem(
                entry.split,
                f"this blank line cuts the record in two (its fields go on from line {entry.start}); "
                "delete it",
                f"record starting on line {before.start}",
            )


# --- from fields to a record ----------------------------------------------------------------------


class _Fields:
    """A record's fields by tag, and which tags went into the record's columns (the rest: `extra`)."""

    __slots__ = ("f", "taken")

    def __init__(self, fields: Fields) -> None:
        self.f: dict[str, list[str]] = {}
        for tag, value in fields:
            self.f.setdefault(tag, []).append(value)
        self.taken: set[str] = set()

    def one(self, *tags: str) -> str | None:
        for tag in tags:
            for value in self.f.get(tag, ()):
                text = clean(value)
                if text:
                    self.taken.add(tag)
                    return text
        return None

    def all(self, tag: str) -> list[str]:
        self.taken.add(tag)
        return [c for v in self.f.get(tag, ()) if (c := clean(v))]

    def extra(self, listed: frozenset[str]) -> dict[str, list[str]] | None:
        """Tags not used, and used single-value tags that held more than one value (LA, PT...)."""
        rest = {
            tag: values
            for tag, values in self.f.items()
            if tag not in self.taken or (len(values) > 1 and tag not in listed)
        }
        return rest or None


_LISTED = frozenset({"FAU", "AU", "CN", "OT", "IS", "TT"})


def _record(fields: Fields, source: str) -> RecordIn:
    f = _Fields(fields)
    pmid = f.one("PMID")
    ids, doi, elocation = _ids(f)
    title = f.one("TI", "BTI")  # BTI: a book (NCBI Bookshelf) has no TI
    return RecordIn(
        source=source,
        source_id=pmid or "",
        title=title,
        other_titles=f.all("TT") or None,  # the title in the original language
        abstract=f.one("AB"),
        authors=_authors(fields, f),
        year=normalize_year(f.one("DP")),
        publication_date=parse_date(f.one("DP")),
        doi=doi,
        journal=f.one("JT") or (f.one("BTI") if "TI" in f.taken else None),  # a chapter's book
        journal_abbrev=f.one("TA"),
        issn=_issn(f),
        volume=f.one("VI"),
        issue=f.one("IP"),
        pages=f.one("PG") or elocation,
        publisher=f.one("PB"),
        doc_type=f.one("PT"),
        language=f.one("LA"),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
        pmid=pmid,
        keywords=f.all("OT") or None,  # the authors' keywords; MeSH (MH) stays in extra
        other_ids=ids,
        extra={"nbib": rest} if (rest := f.extra(_LISTED)) else None,
    )


def _authors(fields: Fields, f: _Fields) -> list[str] | None:
    """People (FAU "Surname, Given", else AU "Surname Initials" as "Surname, Initials") and
    corporate authors (CN) in the order the record lists them."""
    person = "FAU" if "FAU" in f.f else "AU"
    f.taken.update(("FAU", "AU", "CN") if person == "FAU" else ("AU", "CN"))
    out = []
    for tag, value in fields:
        name = clean(value)
        if name and tag == person:
            out.append(name if "," in name else _INITIALS.sub(r"\1, \2", name))
        elif name and tag == "CN":
            out.append(name)
    return out or None


def _ids(f: _Fields) -> tuple[dict[str, str] | None, str | None, str | None]:
    """Other IDs (PMC, ISBN), the DOI, and the electronic location (an article number such as
    "e80092", written in LID without a label) from LID and AID lines. LID and AID are also kept."""
    doi = elocation = None
    for value in [*f.f.get("LID", ()), *f.f.get("AID", ())]:
        match = _ID_LABEL.match(value)
        if match and match.group(2) == "doi":
            doi = doi or normalize_doi(match.group(1))
        elif match is None and value.strip():
            elocation = elocation or value.strip()
    ids = {key: value for key, tag in (("pmcid", "PMC"), ("isbn", "ISBN")) if (value := f.one(tag))}
    return ids or None, doi, elocation


def _issn(f: _Fields) -> str | None:
    """Print then electronic ISSN, "; "-joined; the linking ISSN only when there is neither.
    The IS lines themselves are kept in `extra` (they say which is which)."""
    labelled: dict[str, str] = {}
    for value in f.f.get("IS", ()):
        match = _ISSN_LABEL.match(value)
        number, label = (match.group(1), match.group(2).lower()) if match else (value.strip(), "")
        labelled.setdefault(label, number)
    issns = [labelled[k] for k in ("print", "electronic", "") if k in labelled] or list(labelled.values())
    return "; ".join(dict.fromkeys(issns)) or None
