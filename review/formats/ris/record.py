"""A RIS record's tags and values as a RecordIn: which of the tags exporters use for the same thing
(TI, T1, CT; JF, T2, JO; PY, Y1, DA...) fills each column, DOIs and IDs found where databases put them
(AN by its database, links, notes), and every tag not used kept in `extra["ris"]`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from review.formats.common import clean, parse_date
from review.formats.wos import ut_ids
from review.normalize import normalize_doi, normalize_year
from review.records import RecordIn

_BOOKS = frozenset({"BOOK", "EBOOK", "EDBOOK", "CLSWK"})
_TITLES = ("TI", "T1", "CT")
_OTHER_TITLES = ("ST", "TT")
_ALL_TITLES = (*_TITLES, *_OTHER_TITLES)
_BOOK_TITLES = (*_TITLES, "BT", *_OTHER_TITLES)
_LIST_TAGS = frozenset({"AU", "A1", "KW", "SN", *_BOOK_TITLES})
_ABBREVIATIONS = ("J2", "JA", "JI", "J1", "J9")
_EID = re.compile(r"[?&]eid=(2-s2\.0-\d+)")
_EBSCO_AN = re.compile(r"ebscohost\.com/.*[?&]AN=([^&\s]+)", re.IGNORECASE)
# IDs in links (UR, L2): a PubMed or Europe PMC page (PMID), a PMC article, a Lens record.
_LINK_IDS = re.compile(
    r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/|europepmc\.org/article/MED/)(\d+)"
    r"|(?:/pmc/articles/|europepmc\.org/articles/)(PMC\d+)|lens\.org/(\d{3}-\d{3}-\d{3}-\d{3}-\d{2}[\dX])",
    re.IGNORECASE,
)
# Notes that carry an identifier: Zotero's "PMID: 123" and what write_ris writes for other IDs.
_NOTE_ID = re.compile(r"(?:(PMID|PMCID)|([a-z][a-z0-9_]*) ID): (\S.*)$")
_ISBN = re.compile(r"(?<![\w-])(?:97[89]-?)?(?:\d-?){9}[\dXx](?![\w-])")
_ISSN = re.compile(r"(?<![\w-])E?(\d{4})-?(\d{3}[\dXx])(?![\w-])")
# The database named by DB/DP (or the record's URL): what an AN or an Ovid ID is the accession of.
_DATABASES = (
    (re.compile(r"\bembase\b", re.IGNORECASE), "embase"),
    (re.compile(r"\bpsyc ?info\b", re.IGNORECASE), "psycinfo"),
    (re.compile(r"\bmedline\b", re.IGNORECASE), "medline"),
    (re.compile(r"\bnlm\b|\bpubmed\b", re.IGNORECASE), "pubmed"),
    (re.compile(r"\beric\b", re.IGNORECASE), "eric"),
    (re.compile(r"\bcinahl\b", re.IGNORECASE), "cinahl"),
    (re.compile(r"\bebsco", re.IGNORECASE), "ebsco"),
    (re.compile(r"proquest", re.IGNORECASE), "proquest"),
    (re.compile(r"\bscopus\b", re.IGNORECASE), "scopus"),
    (re.compile(r"web of science|\bwos\b", re.IGNORECASE), "wos"),
    (re.compile(r"lens\.org", re.IGNORECASE), "lens"),
)


# A field's value, or its values when the tag repeats (AU, KW...): a list only then, as a list per
# field would multiply the objects the garbage collector walks on a large export.
Fields = dict[str, str | list[str]]


def all_values(f: Mapping[str, str | list[str]], tag: str) -> list[str]:
    """Every value of a tag."""
    values = f.get(tag)
    if values is None:
        return []
    return [values] if isinstance(values, str) else values


class _Fields:
    """A record's fields and which tags went into the record's columns (the rest go to `extra`)."""

    __slots__ = ("f", "taken")

    def __init__(self, fields: Fields) -> None:
        self.f = fields
        self.taken: set[str] = set()

    def one(self, *tags: str) -> str | None:
        """The first non-empty value of the first of `tags` that has one."""
        f = self.f
        for tag in tags:
            values = f.get(tag)
            if values is None:
                continue
            for value in (values,) if isinstance(values, str) else values:
                if value:
                    self.taken.add(tag)
                    return value if "\n" not in value else clean(value)
        return None

    def items(self, *tags: str) -> list[str]:
        """Every value of `tags`, a value per line (EndNote writes one keyword a line under a KW)."""
        out: list[str] = []
        for tag in tags:
            for value in all_values(self.f, tag):
                self.taken.add(tag)
                if "\n" in value:
                    out += [c for c in (_clean(v.strip()) for v in value.split("\n")) if c]
                elif value:
                    out.append(_clean(value) or value)
        return out

    def extra(self) -> dict[str, list[str]] | None:
        """Tags not used for a column, and used single-value tags that held more than one value."""
        taken = self.taken
        rest = {
            tag: [values] if isinstance(values, str) else values
            for tag, values in self.f.items()
            if values and (tag not in taken or (not isinstance(values, str) and tag not in _LIST_TAGS))
        }
        return rest or None


def to_record(fields: Fields, source: str) -> RecordIn:
    """The record of one RIS record's fields; `source` names the import it comes from."""
    f = _Fields(fields)
    kind = f.one("TY")
    title, other_titles = _titles(f, kind)
    journal, abbrev = _journal(f, kind)
    year, date = _dates(f)
    issn, isbn = _serials(f)
    source_id, pmid, ids = _ids(f, isbn)
    return RecordIn(
        source=source,
        source_id=source_id,
        title=title,
        other_titles=other_titles,
        abstract=f.one("AB", "N2"),
        authors=f.items("AU", "A1") or None,
        year=year,
        publication_date=date,
        doi=_doi(f),
        journal=journal,
        journal_abbrev=abbrev,
        issn=issn,
        volume=f.one("VL"),
        issue=f.one("IS"),
        pages=_pages(f),
        publisher=f.one("PB", "PU"),
        doc_type=kind,
        language=f.one("LA"),
        url=f.one("UR") or _link(f),
        pmid=pmid,
        keywords=f.items("KW") or None,
        other_ids=ids,
        extra={"ris": rest} if (rest := f.extra()) else None,
    )


def _clean(value: str) -> str | None:
    # Values are stripped when read; only wrapped ones (a newline) need `clean`.
    return clean(value) if "\n" in value else value or None


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _titles(f: _Fields, kind: str | None) -> tuple[str | None, list[str] | None]:
    """The title (TI, else T1, CT, a book's BT, ST short, TT translated) and the others it has."""
    tags = _BOOK_TITLES if kind in _BOOKS else _ALL_TITLES
    found = [tag for tag in tags if tag in f.f]
    f.taken.update(found)
    titles = _unique(c for tag in found for v in all_values(f.f, tag) if (c := _clean(v)))
    return (titles[0] if titles else None), (titles[1:] or None)


def _journal(f: _Fields, kind: str | None) -> tuple[str | None, str | None]:
    """The journal (or book, proceedings) title and its abbreviation.

    JF is the full name where a database writes both JF and JO (Embase, EBSCO); JO alone is the
    journal (Web of Science). For a book T2 is its series, so stays in `extra`.
    """
    tags = ("JF", "JO") if kind in _BOOKS else ("JF", "T2", "JO", "BT")
    journal = f.one(*tags)
    abbrev = f.one(*_ABBREVIATIONS)
    jo = _first(f.f, "JO")
    if jo and jo != journal and not abbrev:
        abbrev = jo
        f.taken.add("JO")
    elif jo == journal:
        f.taken.add("JO")
    return journal, abbrev


def _dates(f: _Fields) -> tuple[int | None, str | None]:
    """The year (PY, Y1, DA) and the date: DA, Y1 or PY when it has a month ("2019/03/15/"), or a
    DA of only month and day ("APR 21", Web of Science; "Jun", EndNote) with the year."""
    raw = {tag: value for tag in ("DA", "Y1", "PY") if (value := _first(f.f, tag))}
    years = {tag: normalize_year(value) for tag, value in raw.items()}
    year = years.get("PY") or years.get("Y1") or years.get("DA")
    date, used = None, ""
    for tag, value in raw.items():
        if not value.isdigit():  # a bare year has no date to parse
            date = parse_date(value) or (parse_date(f"{year} {value}") if year and not years[tag] else None)
        if date:
            used = tag
            break
    f.taken.update(tag for tag in raw if tag == used or (year and years[tag] == year))
    return year, date


def _first(f: Mapping[str, str | list[str]], tag: str) -> str | None:
    """A tag's first value, cleaned; None when it has none (without marking the tag used)."""
    values = f.get(tag)
    if not values:
        return None
    return _clean(values if isinstance(values, str) else values[0])


def _doi(f: _Fields) -> str | None:
    """DO, else a DOI where exporters put one: L3 (EBSCO), M3 (Zotero's old DOI tag), a link."""
    doi = normalize_doi(f.one("DO"))
    if doi is None:
        f.taken.discard("DO")  # not a DOI: kept as written
        values = (v for tag in ("L3", "M3", "UR", "L1", "L2") for v in all_values(f.f, tag))
        doi = next((d for d in map(normalize_doi, values) if d), None)
    return doi


def _link(f: _Fields) -> str | None:
    """Without a UR, the first web link in L2 (Ovid's link to its record, a full text); L2 stays in
    `extra` with its other links."""
    return next((link for link in all_values(f.f, "L2") if link.startswith(("http://", "https://"))), None)


def _pages(f: _Fields) -> str | None:
    """SP-EP ("201-219"), SP alone ("e1042", "iii33", "349-69" as written), or the article number
    (C7, Scopus and EndNote) when there are no pages. C7 itself stays in `extra`."""
    start, end = f.one("SP"), f.one("EP")
    if (start or "").lower() == "no" and (end or "").lower() == "specified":
        f.taken.difference_update(("SP", "EP"))  # Ovid's "No pagination specified", split in two
        return None
    if start and end and "-" not in start:
        return f"{start}-{end}"
    return start or end or _first(f.f, "C7")


def _serials(f: _Fields) -> tuple[str | None, str | None]:
    """ISSNs (as NNNN-NNNN, print and electronic "; "-joined) and ISBNs from the SN lines.

    Exports write "03064530 (ISSN)", "0894-9867, 0894-9867", "1895-5770 1895-5770", "E2196-7822"
    (ERIC's electronic ISSN), or an ISBN for a book. An SN that is neither stays in `extra`.
    """
    if "SN" not in f.f:
        return None, None
    issns: list[str] = []
    isbns: list[str] = []
    understood = True
    for value in all_values(f.f, "SN"):
        books = _ISBN.findall(value)
        serials = [f"{a}-{b.upper()}" for a, b in _ISSN.findall(_ISBN.sub(" ", value))]
        isbns += books
        issns += serials
        understood = understood and bool(books or serials or not value.strip())
    if understood and (issns or isbns):
        f.taken.add("SN")
    return "; ".join(_unique(issns)) or None, "; ".join(_unique(isbns)) or None


def _database(f: Mapping[str, str | list[str]]) -> str | None:
    """The database the record comes from, as an other_ids key: from DB and DP, else the URL."""
    if "DB" not in f and "DP" not in f and "UR" not in f:
        return None
    for text in (" ".join([*all_values(f, "DB"), *all_values(f, "DP")]), " ".join(all_values(f, "UR"))):
        for pattern, key in _DATABASES if text else ():
            if pattern.search(text):
                return key
    return None


def _ids(f: _Fields, isbn: str | None) -> tuple[str, str | None, dict[str, str] | None]:
    """source_id, PMID and the other IDs: AN by its database (a `WOS:` UT, a PMID from NLM, an
    Embase, ProQuest or EBSCO accession), Ovid's ID with its DB, Embase's U2 (record) and C5 (PMID),
    the Scopus EID and EBSCO AN in the record URL, PubMed and PMC links, ID notes."""
    db = _database(f.f)
    ids: dict[str, str] = {}
    pmid = _accession(f, db, ids)
    links = " ".join([*all_values(f.f, "UR"), *all_values(f.f, "L2")])
    for match in _LINK_IDS.finditer(links) if links else ():
        pmid = pmid or match.group(1)
        for key, value in (("pmcid", match.group(2)), ("lens", match.group(3))):
            if value:
                ids.setdefault(key, value.upper())
    pmid = _note_ids(f, ids) or pmid
    if isbn:
        ids["isbn"] = isbn
    found = next((ids[key] for key in ("scopus", "ebsco", "lens") if key in ids), "")
    return f.one("AN", "ID", "U1", "U2", "U3", "U4", "U5") or found, pmid, ids or None


def _accession(f: _Fields, db: str | None, ids: dict[str, str]) -> str | None:
    """Puts the record's accession numbers in `ids` under their database; returns a PMID among them."""
    pmid = None
    an = _first(f.f, "AN")
    # Ovid's own RIS puts its accession number in ID, with DB and no DP; elsewhere (EndNote, Zotero,
    # Lens) ID is the record's number in the reference manager or the export.
    ovid = db is not None and "DB" in f.f and "DP" not in f.f
    accession = an or (_first(f.f, "ID") if ovid else None)
    if accession and (ut := ut_ids(accession)):
        key, pmid = ut
        ids[key] = accession
    elif accession and db in ("pubmed", "medline") and accession.isdigit():
        pmid = accession
    elif accession:
        ids[db or "accession"] = accession
    if db == "embase":
        pmid = _embase(f, ids) or pmid
    elif db == "scopus":
        pmid = _numeric(f, "C2") or pmid  # Scopus writes the PubMed ID in C2
    urls = " ".join(all_values(f.f, "UR"))
    if eid := _EID.search(urls):
        ids["scopus"] = eid.group(1)
    if "ebsco" not in ids and (ebsco := _EBSCO_AN.search(urls)):
        ids["ebsco"] = ebsco.group(1)
    return pmid


def _embase(f: _Fields, ids: dict[str, str]) -> str | None:
    """Embase's own RIS: U2 is the Embase record (L-number) and C5 the MEDLINE PMID."""
    record = _first(f.f, "U2")
    if record:
        ids.setdefault("embase", record)
    return _numeric(f, "C5")


def _numeric(f: _Fields, tag: str) -> str | None:
    """A tag's value when it is a number (a PMID), the tag then used."""
    value = _first(f.f, tag)
    if value and value.isdigit():
        f.taken.add(tag)
        return value
    return None


def _note_ids(f: _Fields, ids: dict[str, str]) -> str | None:
    """IDs written as notes ("PMID: 123", "PMCID: PMC1", "scopus ID: 2-s2.0-1"); those notes are used."""
    notes = all_values(f.f, "N1")
    if not notes:
        return None
    pmid, kept = None, []
    for note in notes:
        match = _NOTE_ID.match(note)
        if match is None:
            kept.append(note)
        elif match.group(1) == "PMID":
            pmid = match.group(3)
        else:
            ids[(match.group(1) or match.group(2)).lower()] = match.group(3)
    if kept:
        f.f["N1"] = kept
    else:
        del f.f["N1"]
    return pmid
