"""Suggested values from the full text: design keywords, sample sizes, UK places, programmes, years.

Each suggestion keeps the document, page and sentence it came from, so a person accepting it
keeps the provenance. Suggestions are stored as `prefill` events (reviewer "prefill"); they never
reach the writers' tables until a person accepts them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlmodel import Session, col, select

from review.extract.store import Entry, form_of, record_values, values_of
from review.models import Document, Page, Work
from review.protocol import ExtractionField, Protocol
from review.stagerun import stage_run

PREFILL = "prefill"
QUOTE_CHARS = 300

DESIGNS = (  # (label, pattern); earlier labels win ties
    ("RCT", r"randomi[sz]ed (?:controlled )?trial|\bRCTs?\b"),
    ("difference-in-differences", r"difference[- ]in[- ]differences?"),
    (
        "quasi-experimental",
        r"quasi[- ]experiment\w*|propensity score|regression discontinuity|matched comparison",
    ),
    ("systematic review", r"systematic review|meta-analys[ie]s|rapid evidence (?:review|assessment)"),
    ("process evaluation", r"process evaluation|implementation evaluation"),
    ("mixed methods", r"mixed[- ]methods?"),
    ("economic evaluation", r"cost[- ]benefit|cost[- ]effectiveness|economic evaluation|value for money"),
    ("cohort", r"\bcohort\b|longitudinal"),
    ("cross-sectional", r"cross[- ]sectional"),
    ("qualitative", r"qualitative|semi[- ]structured interviews?|focus groups?|thematic analysis"),
)
PROGRAMMES = (
    ("Sure Start Local Programmes", r"Sure Start Local Programmes?|\bSSLPs?\b"),
    ("Sure Start Children's Centres", r"Sure Start Children['’]?s Cent(?:re|er)s?"),
    ("children's centres (other)", r"(?<!Sure Start )children['’]?s cent(?:re|er)s?"),
    ("Family Hubs", r"family hubs?"),
    ("Start for Life", r"(?:Best )?Start for Life"),
    ("Flying Start", r"Flying Start"),
    ("Healthy Child Programme", r"Healthy Child Programme"),
    ("Troubled Families / Supporting Families", r"Troubled Families|Supporting Families"),
    ("Early Help", r"\bEarly Help\b"),
)
NATIONS = (
    ("England", r"\bEngland\b"),
    ("Scotland", r"\bScotland\b|\bScottish\b"),
    ("Wales", r"\bWales\b|\bWelsh\b"),
    ("Northern Ireland", r"\bNorthern Ireland\b"),
    ("UK-wide", r"\bUnited Kingdom\b|\bUK-wide\b"),
)
PLACES = (
    "North East", "North West", "Yorkshire and the Humber", "Yorkshire", "East Midlands", "West Midlands",
    "East of England", "London", "South East", "South West", "Birmingham", "Manchester", "Liverpool",
    "Leeds", "Sheffield", "Bristol", "Newcastle", "Nottingham", "Leicester", "Bradford", "Blackpool",
    "Hull", "Cornwall", "Kent", "Cardiff", "Swansea", "Glasgow", "Edinburgh", "Dundee", "Belfast", "Derry",
)  # fmt: skip
UNITS = {
    "children": "children", "infants": "children", "babies": "children", "pupils": "children",
    "families": "families", "households": "families", "parents": "parents", "mothers": "parents",
    "fathers": "parents", "carers": "parents", "areas": "areas", "neighbourhoods": "areas",
    "services": "services", "centres": "services", "staff": "staff", "practitioners": "staff",
    "professionals": "staff", "participants": "other", "respondents": "other",
}  # fmt: skip
_NUM = r"(\d{1,3}(?:,\d{3})+|\d{2,7})"
N_EQUALS = re.compile(r"\b[nN]\s*=\s*" + _NUM)
COUNT_OF = re.compile(_NUM + r"\s+(?:\w+\s)?(" + "|".join(UNITS) + r")\b", re.IGNORECASE)
YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
PLACE = re.compile(r"\b(" + "|".join(re.escape(p) for p in PLACES) + r")\b")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"(])")


@dataclass(frozen=True)
class Sentence:
    text: str
    document_id: int | None
    page_no: int | None


@dataclass(frozen=True)
class PrefillResult:
    works: int
    suggestions: int


def prefill(session: Session, protocol: Protocol, work_ids: Sequence[int]) -> PrefillResult:
    """Write `prefill` suggestions for each work's prefill-able fields; safe to re-run."""
    with stage_run(session, "extract_prefill", protocol_hash=protocol.sha256) as logged:
        result = _prefill(session, protocol, work_ids)
        logged.counts = {"works": result.works, "suggestions": result.suggestions}
    return result


def _prefill(session: Session, protocol: Protocol, work_ids: Sequence[int]) -> PrefillResult:
    form = form_of(protocol)
    written = 0
    for work_id in work_ids:
        found = suggest(session, [f for _, f in form.all_fields() if f.prefill], work_id)
        old = values_of(session, work_id, PREFILL, PREFILL)
        fresh = [e for e in found if not _same(old.get(_key(form.all_fields(), e.field)), e)]
        written += record_values(session, form, work_id, PREFILL, PREFILL, fresh)
    return PrefillResult(works=len(work_ids), suggestions=written)


def _key(fields: tuple[tuple[str, ExtractionField], ...], name: str) -> str:
    return next(k for k, f in fields if f.name == name)


def _same(old: Any, new: Entry) -> bool:
    if old is None:
        return False
    return bool(
        json.dumps(old.value) == json.dumps(new.value)
        and (old.document_id, old.page_no, old.quote) == (new.document_id, new.page_no, new.quote)
    )


def suggest(session: Session, fields: Sequence[ExtractionField], work_id: int) -> list[Entry]:
    """Suggestions (field name, value, provenance) for the given fields of one work."""
    work = session.get(Work, work_id)
    sentences = list(_sentences(session, work_id, work))
    out = []
    for field in fields:
        entry = _SUGGESTERS[str(field.prefill)](field, sentences, work)
        if entry is not None:
            out.append(entry)
    return out


def _sentences(session: Session, work_id: int, work: Work | None) -> Iterator[Sentence]:
    if work is not None:
        for part in (work.title, work.abstract):
            yield from _split(part or "", None, None)
    docs = select(Document.id).where(Document.work_id == work_id, Document.status == "readable")
    pages = select(Page).where(col(Page.document_id).in_(docs.scalar_subquery()))
    for page in session.exec(pages.order_by(col(Page.document_id), col(Page.page_no))):
        yield from _split(page.text, page.document_id, page.page_no)


def _split(text: str, document_id: int | None, page_no: int | None) -> Iterator[Sentence]:
    for part in SENTENCE.split(" ".join(text.split())):
        if part:
            yield Sentence(part[:QUOTE_CHARS], document_id, page_no)


def _entry(field: ExtractionField, value: Any, s: Sentence) -> Entry:
    return Entry(field.name, value, s.document_id, s.page_no, s.text)


def _labelled(
    field: ExtractionField, sentences: list[Sentence], table: tuple[tuple[str, str], ...]
) -> tuple[Counter[str], dict[str, Sentence]]:
    allowed = {c.casefold(): c for c in field.choices}
    wanted = [(allowed[label.casefold()], _compiled(p)) for label, p in table if label.casefold() in allowed]
    counts: Counter[str] = Counter()
    first: dict[str, Sentence] = {}
    for s in sentences:
        for choice, pattern in wanted:
            if pattern.search(s.text):
                counts[choice] += 1
                first.setdefault(choice, s)
    return counts, first


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


def _design(field: ExtractionField, sentences: list[Sentence], work: Work | None) -> Entry | None:
    counts, first = _labelled(field, sentences, DESIGNS)
    if not counts:
        return None
    order = [c for c in field.choices if c in counts]
    best = max(order, key=lambda c: (counts[c], -order.index(c)))
    return _entry(field, best, first[best])


def _multi(table: tuple[tuple[str, str], ...]) -> Any:
    def suggester(field: ExtractionField, sentences: list[Sentence], work: Work | None) -> Entry | None:
        counts, first = _labelled(field, sentences, table)
        if field.type == "choice" and counts:
            best = counts.most_common(1)[0][0]
            return _entry(field, best, first[best])
        chosen = [c for c in field.choices if c in counts]
        if not chosen:
            return None
        if "Sure Start Children's Centres" in chosen and "children's centres (other)" in chosen:
            chosen.remove("children's centres (other)")
        return _entry(field, chosen, min((first[c] for c in chosen), key=sentences.index))

    return suggester


def _sample(field: ExtractionField, sentences: list[Sentence], work: Work | None) -> Entry | None:
    for s in sentences:
        found = _count_in(s.text)
        if found is None:
            continue
        n, unit = found
        if field.type == "integer":
            return _entry(field, n, s)
        allowed = {c.casefold(): c for c in field.choices}
        if unit is not None and unit in allowed:
            return _entry(field, allowed[unit], s)
    return None


def _count_in(text: str) -> tuple[int, str | None] | None:
    match = N_EQUALS.search(text)
    if match:
        unit = COUNT_OF.search(text)
        return int(match.group(1).replace(",", "")), UNITS[unit.group(2).lower()] if unit else None
    for match in COUNT_OF.finditer(text):
        n = int(match.group(1).replace(",", ""))
        if "," not in match.group(1) and 1950 <= n <= 2049:
            continue  # a year, not a count: "in 2006 children's centres ..."
        return n, UNITS[match.group(2).lower()]
    return None


def _places(field: ExtractionField, sentences: list[Sentence], work: Work | None) -> Entry | None:
    found: dict[str, Sentence] = {}
    for s in sentences:
        for match in PLACE.finditer(s.text):
            found.setdefault(match.group(1), s)
    if not found:
        return None
    names = [p for p in PLACES if p in found]
    return _entry(field, "; ".join(names), min(found.values(), key=sentences.index))


def _year(field: ExtractionField, sentences: list[Sentence], work: Work | None) -> Entry | None:
    if work is not None and work.year:
        return Entry(field.name, work.year, None, None, "Year of publication in the record's metadata")
    for s in sentences:
        match = YEAR.search(s.text)
        if match:
            return _entry(field, int(match.group(1)), s)
    return None


_SUGGESTERS = {
    "design": _design,
    "programmes": _multi(PROGRAMMES),
    "nations": _multi(NATIONS),
    "sample_size": _sample,
    "sample_unit": _sample,
    "places": _places,
    "year": _year,
}
