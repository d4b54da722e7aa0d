"""Synthetic record sets of any size, built from real records, with known duplicate groups.

Unique works recombine real titles (first part of one, end of another), real surnames and journals;
duplicates copy a work with the perturbations seen in real exports: typos, dropped subtitles,
DOI case and prefix, year ± 1, missing DOI, authors or pages.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Pool:
    """Real values to recombine."""

    titles: list[str]
    surnames: list[str]
    journals: list[str]


@dataclass
class Synthetic:
    cols: dict[str, list[Any]] = field(default_factory=dict)
    group: list[int] = field(default_factory=list)  # gold group per record


def _title(rng: random.Random, pool: Pool) -> str:
    a, b = rng.choice(pool.titles).split(), rng.choice(pool.titles).split()
    head = a[: max(2, len(a) // 2)]
    tail = b[len(b) // 2 :] or b
    # Two words of a third title make the combination rarer; a number would not do: titles equal but
    # for a number are items of a series or parts of a study, which dedupe keeps apart and links.
    other = rng.choice(pool.titles).split()
    title = " ".join([*head, *tail, rng.choice(other), rng.choice(other)])
    if rng.random() < 0.4:
        title += ": " + " ".join(rng.choice(pool.titles).split()[:5])
    return title


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 10:
        return text
    k = rng.randrange(len(text) - 1)
    op = rng.random()
    if op < 0.33:
        return text[:k] + text[k + 1 :]
    if op < 0.66:
        return text[:k] + text[k + 1] + text[k] + text[k + 2 :]
    return text[:k] + rng.choice("aeiourstn") + text[k + 1 :]


def _perturb_title(rng: random.Random, title: str) -> str:
    r = rng.random()
    if r < 0.3:
        return title
    if r < 0.5:
        return title.upper() if rng.random() < 0.3 else title.lower()
    if r < 0.7:
        return _typo(rng, _typo(rng, title) if rng.random() < 0.5 else title)
    if r < 0.85 and ": " in title:
        return title.split(": ", 1)[0]
    return title.rstrip(".") + "."


def _perturb_doi(rng: random.Random, doi: str | None) -> str | None:
    r = rng.random()
    if doi is None or r < 0.35:
        return None
    if r < 0.5:
        return doi.upper()
    if r < 0.6:
        return "https://doi.org/" + doi
    return doi


def _work(rng: random.Random, pool: Pool) -> dict[str, Any]:
    n_auth = rng.randint(1, 6)
    return {
        "title": _title(rng, pool),
        # one "; "-joined string, as many exports give them (lists would double the input's memory)
        "authors": "; ".join(
            f"{rng.choice(pool.surnames)}, {rng.choice('ABCDEFGHJKLMNPRST')}" for _ in range(n_auth)
        ),
        "year": rng.randint(1990, 2024),
        "doi": f"10.{rng.randint(1000, 99999)}/{rng.getrandbits(40):x}" if rng.random() < 0.65 else None,
        "journal": rng.choice(pool.journals),
        "volume": str(rng.randint(1, 300)),
        "pages": f"{(p := rng.randint(1, 2000))}-{p + rng.randint(1, 20)}",
    }


def _duplicate(rng: random.Random, work: dict[str, Any]) -> dict[str, Any]:
    dup = dict(work)
    dup["title"] = _perturb_title(rng, work["title"])
    dup["doi"] = _perturb_doi(rng, work["doi"])
    if rng.random() < 0.1:
        dup["year"] = work["year"] + rng.choice((-1, 1))
    if rng.random() < 0.1:
        dup["authors"] = None
    if rng.random() < 0.2:
        dup["volume"] = dup["pages"] = None
    return dup


FIELDS = ("title", "authors", "year", "doi", "journal", "volume", "pages")


def generate(pool: Pool, n: int, dup_share: float = 0.15, seed: int = 7) -> Synthetic:
    """`n` records: (1 - dup_share)·n unique works and the rest duplicates of random works."""
    rng = random.Random(seed)
    out = Synthetic(cols={name: [] for name in ("id", "source", *FIELDS)})
    uniques = int(n * (1 - dup_share))
    works = []
    for k in range(n):
        if k < uniques:
            rec, group = _work(rng, pool), k
            works.append(rec)
        else:
            group = rng.randrange(uniques)
            rec = _duplicate(rng, works[group])
        _append(out, k + 1, rec, group)
    return out


def _append(out: Synthetic, rid: int, rec: dict[str, Any], group: int) -> None:
    out.cols["id"].append(rid)
    out.cols["source"].append("synthetic")
    for name in FIELDS:
        out.cols[name].append(rec[name])
    out.group.append(group)


def pool_from(records: Sequence[dict[str, Any]]) -> Pool:
    """Titles, surnames and journals of real records."""
    from review.normalize import author_surnames

    titles = sorted({r["title"] for r in records if r.get("title") and len(r["title"].split()) >= 4})
    surnames = sorted({s.title() for r in records for s in author_surnames(r.get("authors"))})
    journals = sorted({r["journal"] for r in records if r.get("journal")})
    return Pool(titles, surnames, journals)
