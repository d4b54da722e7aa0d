"""Possible duplicates in the browser: the queued pairs, likeliest first, two records side by side
with their differences marked, decided with the terminal's keys (m same work, k different works,
s skip). The queue and the decisions are the stage's (review.dedupe `next_pending` and `decide`),
as `review dedupe review` uses them; like the CLI, any of the protocol's reviewers may decide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from review import dedupe
from review.dedupe import weights
from review.models import DedupePair
from review.states import PairDecision
from review.web.app import Site, checked_form, flash, render, reviewing, site

WORD = re.compile(r"\w+|\W+")
SAID = {PairDecision.MERGE: "the same work", PairDecision.KEEP_BOTH: "different works"}


def routes() -> list[Route]:
    return [
        Route("/dedupe", dedupe_page),
        Route("/dedupe/decide", decide_post, methods=["POST"]),
    ]


@dataclass(frozen=True)
class Row:
    name: str
    left: Markup
    right: Markup
    differs: bool


@dataclass(frozen=True)
class PairPage:
    pair_id: int
    rule: str
    evidence: str
    rows: tuple[Row, ...]
    left_id: int
    right_id: int


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(map(str, value))
    return "" if value is None else str(value)


def marked(text: str, other: str) -> Markup:
    """`text` escaped, with each word the other record lacks marked (compared without case)."""
    theirs = {w.casefold() for w in WORD.findall(other) if w[0].isalnum() or w[0] == "_"}
    out = []
    for piece in WORD.findall(text):
        word = piece[0].isalnum() or piece[0] == "_"
        out.append(Markup("<mark class='diff'>{}</mark>").format(piece) if word and piece.casefold()
                   not in theirs else escape(piece))  # fmt: skip
    return Markup("").join(out)


def evidence(scores: dict[str, Any]) -> str:
    """The match probability and each compared field's level (missing ones left out)."""
    levels = scores.get("levels") or {}
    shown = [f"{name} {level}" for name, level in levels.items() if level != "missing"]
    head = weights.text(float(scores["p"])) if "p" in scores else "queued by a rule"
    return "; ".join(x for x in (head, ", ".join(shown)) if x)


def pair_page(view: dedupe.PairView) -> PairPage:
    rows = []
    for name in view.left:
        left, right = _cell(view.left[name]), _cell(view.right[name])
        rows.append(Row(name, marked(left, right), marked(right, left), left != right))
    return PairPage(view.pair_id, view.rule, evidence(view.scores), tuple(rows), view.left["id"],
                    view.right["id"])  # fmt: skip


async def dedupe_page(request: Request) -> Response:
    who, here = reviewing(request), site(request)
    skipped = here.sittings.skipped_pairs(who.name)
    view, left = await run_in_threadpool(_next, here, skipped)
    return render(request, "dedupe.html", pair=pair_page(view) if view else None, left=left,
                  skipped=len(skipped))  # fmt: skip


def _next(here: Site, skipped: list[int]) -> tuple[dedupe.PairView | None, int]:
    with here.store() as session:
        view = dedupe.next_pending(session, skipped) or (dedupe.next_pending(session) if skipped else None)
        return view, dedupe.pending_count(session)


async def decide_post(request: Request) -> Response:
    who, here = reviewing(request), site(request)
    form = await checked_form(request)
    pair_id, decision = _pair_id(form.get("pair_id")), str(form.get("decision", ""))
    skipped = here.sittings.skipped_pairs(who.name)
    if decision == "skip":
        if pair_id in skipped:
            skipped.remove(pair_id)
        skipped.append(pair_id)
        flash(request, f"Skipped pair {pair_id}: it comes back after the others.")
        return RedirectResponse("/dedupe", status_code=303)
    if decision not in SAID:
        raise HTTPException(400, "Decide m (the same work), k (different works) or s (skip).")
    merged = await run_in_threadpool(_decide, here, pair_id, decision, who.name)
    if pair_id in skipped:
        skipped.remove(pair_id)
    into = f" into work {merged}" if merged is not None else ""
    flash(request, f"Saved: pair {pair_id} is {SAID[PairDecision(decision)]}{into}.")
    return RedirectResponse("/dedupe", status_code=303)


def _pair_id(value: object) -> int:
    if not isinstance(value, str) or not value.isdigit():
        raise HTTPException(400, "The form names no pair.")
    return int(value)


def _decide(here: Site, pair_id: int, decision: str, name: str) -> int | None:
    with here.store() as session:
        pair = session.get(DedupePair, pair_id)
        # Only a pair still queued: another reviewer may have decided it since the page was shown.
        if pair is None or pair.band != "review" or pair.decision is not None or pair.undone_at is not None:
            raise HTTPException(409, f"Pair {pair_id} is no longer queued (decided meanwhile?): reload.")
        return dedupe.decide(session, pair_id, decision, name)
