"""PubMed nbib (MEDLINE tagged format): `TAG - value`, tags padded to four characters, continuation
lines indented six spaces, records separated by blank lines."""

from __future__ import annotations

import re
from collections.abc import Sequence

from review.formats.common import clean, non_empty, parse_date, raise_errors
from review.normalize import normalize_doi, normalize_year
from review.records import RecordIn

_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) {0,2}- (.*)$")
_CONTINUATION = "      "
_SINGLE = ("TI", "BTI", "AB", "DP", "TA", "JT", "VI", "IP", "PG", "PMID", "PB")

Fields = list[tuple[str, str]]


def _split(lines: Sequence[str]) -> tuple[list[tuple[int, Fields]], list[str]]:
    """(first line, [(tag, value), ...]) per record, and `line N: ...` problems."""
    records: list[tuple[int, Fields]] = []
    errors: list[str] = []
    current: Fields | None = None
    for no, line in enumerate(lines, 1):
        padded = line.ljust(6)  # an empty field may have lost its trailing space
        match = _TAG.match(padded) if padded[4:6] == "- " else None
        if not line.strip():
            current = None
        elif match:
            if current is None:
                current = []
                records.append((no, current))
            current.append((match.group(1), match.group(2).strip()))
        elif line.startswith(_CONTINUATION) and current:
            tag, value = current[-1]
            current[-1] = (tag, f"{value} {line.strip()}")
        else:
            errors.append(
                f"line {no}: {line[:40]!r} is neither a `TAG - value` line (tag padded to four "
                "characters) nor a continuation indented six spaces"
            )
    return records, errors


def read_nbib(text: str, source: str, name: str = "file") -> list[RecordIn]:
    """Records of a PubMed nbib/MEDLINE file; raises ImportFormatError naming bad lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    records, errors = _split(lines)
    if not records:
        raise_errors(name, "PubMed nbib", ["no `PMID- ` or other `TAG - value` line: not a MEDLINE file"])
    raise_errors(name, "PubMed nbib", errors)
    return [_record(fields, source) for _, fields in records]


def _doi(values: list[str]) -> str | None:
    for value in values:
        if value.endswith("[doi]"):
            return normalize_doi(value.removesuffix("[doi]"))
    return None


def _record(fields: Fields, source: str) -> RecordIn:
    many: dict[str, list[str]] = {}
    for tag, value in fields:
        many.setdefault(tag, []).append(value)
    one = {tag: clean(many[tag][0]) for tag in _SINGLE if tag in many}
    pmid = one.get("PMID")
    kept = {t: v for t, v in many.items() if t not in {*_SINGLE, "AU", "FAU", "LID", "AID", "OT", "LA", "PT"}}
    return RecordIn(
        source=source,
        source_id=pmid or "",
        title=one.get("TI") or one.get("BTI"),  # BTI: a book (NCBI Bookshelf) has no TI
        abstract=one.get("AB"),
        authors=non_empty(many.get("FAU") or many.get("AU") or []),
        year=normalize_year(one.get("DP")),
        publication_date=parse_date(one.get("DP")),
        doi=_doi(many.get("LID", []) + many.get("AID", [])),
        journal=one.get("JT") or one.get("TA"),
        issn=clean(many["IS"][0].split("(")[0]) if "IS" in many else None,
        volume=one.get("VI"),
        issue=one.get("IP"),
        pages=one.get("PG"),
        publisher=one.get("PB"),
        doc_type=clean(many["PT"][0]) if "PT" in many else None,
        language=clean(many["LA"][0]) if "LA" in many else None,
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
        pmid=pmid,
        keywords=non_empty(many.get("OT", [])),
        extra={"nbib": kept} if kept else None,
    )
