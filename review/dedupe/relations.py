"""Related records: different items about the same work, which dedupe keeps apart but links.

An erratum and its article, a comment and the article it answers, items of one series, parts of
one study, a conference paper and its journal version, a preprint and its published version, a
review and its update, a statistics release and its announcement. The matcher stores each link as
a `dedupe_pair` row with band "related", no decision, and `relation` naming its kind. For a kind
with a direction, `scores["subject"]` names the record the relation describes (the erratum, the
comment, the conference version, the preprint, the update, the announcement); without it the link
is shown without a direction rather than guessed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, union_all
from sqlmodel import Session

from review.models import DedupePair, Record, Work
from review.states import Band

RELATED = Band.RELATED  # the dedupe_pair band of a link
SUBJECT = "subject"  # the key in dedupe_pair.scores naming the record the relation describes


@dataclass(frozen=True)
class Relation:
    """One kind of link and how it reads from each side: "record 12 is <active> record 40"."""

    name: str
    active: str  # said of the subject record: "an erratum or correction of"
    passive: str  # said of the other record: "corrected by"
    noun: str  # one link, in counts: "erratum"
    nouns: str  # several: "errata"

    def phrase(self, subject: bool | None) -> str:
        """How a record stands to the other: as the subject, the other side, or direction unknown."""
        if self.active == self.passive or subject is True:
            return self.active
        return self.passive if subject is False else f"linked ({self.noun}) with"


_KINDS = (
    Relation("erratum", "an erratum or correction of", "corrected by", "erratum", "errata"),
    Relation("comment", "a comment on or reply to", "commented on by", "comment", "comments"),
    Relation(
        "series",
        "another item of the same series as",
        "another item of the same series as",
        "item of a series",
        "items of a series",
    ),
    Relation(
        "part", "another part of the same study as", "another part of the same study as", "part", "parts"
    ),
    Relation(
        "conference_version",
        "a conference version of",
        "the journal version of",
        "conference version",
        "conference versions",
    ),
    Relation("preprint", "a preprint of", "the published version of", "preprint", "preprints"),
    Relation("update", "an update of", "updated by", "update", "updates"),
    Relation("announcement", "an announcement of", "announced by", "announcement", "announcements"),
)
RELATIONS = {kind.name: kind for kind in _KINDS}


def relation(name: str | None) -> Relation:
    """The kind named `name`; a name the vocabulary lacks still reads, without a direction."""
    known = RELATIONS.get(name or "")
    if known is not None:
        return known
    noun = (name or "related item").replace("_", " ")
    return Relation(name or "", f"linked ({noun}) with", f"linked ({noun}) with", noun, noun)


def label(phrase: str) -> str:
    """A phrase without its article, for a short line: "erratum or correction of"."""
    for article in ("a ", "an ", "the "):
        if phrase.startswith(article):
            return phrase.removeprefix(article)
    return phrase


def direction(scores: dict[str, Any] | None, a: int, b: int, record_id: int) -> bool | None:
    """Whether `record_id` is the subject of pair (a, b)'s relation; None when not recorded."""
    subject = (scores or {}).get(SUBJECT)
    if subject not in (a, b):
        return None
    return bool(subject == record_id)


def statement(pair: DedupePair) -> tuple[int, str, int]:
    """The pair as (record, phrase, record): 12, "an erratum or correction of", 40 (the subject
    first when recorded, else record_a)."""
    a, b = pair.record_a, pair.record_b
    first, second = (b, a) if direction(pair.scores, a, b, b) else (a, b)
    return first, relation(pair.relation).phrase(direction(pair.scores, a, b, first)), second


@dataclass(frozen=True)
class Related:
    """Another work a work is linked to, and how: "erratum or correction of work 40"."""

    relation: str
    label: str
    other_record_id: int
    other_work_id: int
    other_title: str | None


def related_works(session: Session, work_id: int) -> list[Related]:
    """The works linked to `work_id` through related pairs of their records, one per work and kind."""
    return related_by_work(session, [work_id]).get(work_id, [])


# Up to this many works (a card, a page) are looked up by ID; a whole queue reads every link once,
# which costs only the few related pairs (their partial index) instead of a long IN list.
_LOOKUP = 500


def related_by_work(session: Session, work_ids: Sequence[int]) -> dict[int, list[Related]]:
    """`related_works` for many works at once (work -> links); works without links are left out."""
    wanted = set(work_ids)
    found: dict[int, dict[tuple[int, str, str], Related]] = defaultdict(dict)
    for row in session.execute(_links_query(wanted if len(wanted) <= _LOOKUP else None)):
        for work, link in _sides(row):
            if work in wanted:
                found[work].setdefault((link.other_work_id, link.relation, link.label), link)
    return {work: sorted(links.values(), key=_order) for work, links in found.items()}


def _order(link: Related) -> tuple[int, str, str]:
    return link.other_work_id, link.relation, link.label


def _sides(row: Sequence[Any]) -> Iterator[tuple[int, Related]]:
    """The link as each record's work sees it; nothing when both records are one work now."""
    a, b, name, scores, work_a, work_b, title_a, title_b = row
    if work_a == work_b:
        return
    kind = relation(name)
    for this, other, other_work, title in ((a, b, work_b, title_b), (b, a, work_a, title_a)):
        phrase = kind.phrase(direction(scores, a, b, this))
        yield work_a if this == a else work_b, Related(kind.name, label(phrase), other, other_work, title)


def _links_query(work_ids: Collection[int] | None) -> Select[Any]:
    """Every related pair (or those touching the records of `work_ids`), with both records' works
    and those works' titles (what a screener sees)."""
    pair = DedupePair.__table__  # type: ignore[attr-defined]
    rec, work = Record.__table__, Work.__table__  # type: ignore[attr-defined]
    ra, rb, wa, wb = rec.alias("ra"), rec.alias("rb"), work.alias("wa"), work.alias("wb")
    query = (
        select(pair.c.record_a, pair.c.record_b, pair.c.relation, pair.c.scores,
               ra.c.work_id, rb.c.work_id, wa.c.title, wb.c.title)
        .join(ra, ra.c.id == pair.c.record_a)
        .join(rb, rb.c.id == pair.c.record_b)
        .join(wa, wa.c.id == ra.c.work_id)
        .join(wb, wb.c.id == rb.c.work_id)
        .where(pair.c.band == RELATED)  # no ORDER BY: SQLite would walk every pair in id order for it
    )  # fmt: skip
    if work_ids is None:
        return query
    # From the works' records into each small link index in turn: an OR of the two would read
    # every link instead (SQLite's plan).
    mine = select(rec.c.id).where(rec.c.work_id.in_(list(work_ids)))
    by_a = select(pair.c.id).where(pair.c.band == RELATED, pair.c.record_a.in_(mine))
    by_b = select(pair.c.id).where(pair.c.band == RELATED, pair.c.record_b.in_(mine))
    return query.where(pair.c.id.in_(union_all(by_a, by_b)))


def related_counts(session: Session) -> dict[str, int]:
    """Related links by kind, one per pair of records, leaving out pairs now in one work."""
    pair = DedupePair.__table__  # type: ignore[attr-defined]
    rec = Record.__table__  # type: ignore[attr-defined]
    ra, rb = rec.alias("ra"), rec.alias("rb")
    query = (
        select(pair.c.relation, func.count())
        .select_from(pair.join(ra, ra.c.id == pair.c.record_a).join(rb, rb.c.id == pair.c.record_b))
        .where(pair.c.band == RELATED, ra.c.work_id != rb.c.work_id)
        .group_by(pair.c.relation)
    )
    counts: Counter[str] = Counter()
    for name, n in session.execute(query):
        counts[relation(name).name or "unspecified"] += n
    return dict(counts)


def counts_text(counts: dict[str, int]) -> str:
    """ "5 errata, 4 items of a series, 1 conference version": most first."""
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{n:,} {_nouns(name, n)}" for name, n in ranked)


def _nouns(name: str, n: int) -> str:
    kind = relation(None if name == "unspecified" else name)
    return kind.noun if n == 1 else kind.nouns
