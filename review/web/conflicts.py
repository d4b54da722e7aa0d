"""The conflict resolution page: for adjudicators only, one open conflict at a time, with each
screener's decision, reason and note (a conflict exists only once every screener has decided, so
nobody is unblinded by it). Resolutions are written by review.conflicts, as `review conflicts
resolve` writes them."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from review import conflicts
from review.conflicts.render import card_lines
from review.screen import decide
from review.states import Stage
from review.web import auth, views
from review.web.app import Site, checked_form, flash, render, signed_in, site
from review.web.pages import form_stage, form_work_id, query_stage


def routes() -> list[Route]:
    return [
        Route("/conflicts", conflicts_page),
        Route("/conflicts/resolve", resolve_post, methods=["POST"]),
        Route("/conflicts/skip", skip_post, methods=["POST"]),
        Route("/conflicts/note", note_post, methods=["POST"]),
    ]


@dataclass(frozen=True)
class Facts:
    conflict: conflicts.Conflict | None
    note: str | None  # the adjudicator's own note on it
    left: int
    own: int  # open conflicts the adjudicator screened and may not resolve


def _adjudicator(request: Request) -> auth.Reviewer:
    who = signed_in(request)
    if not auth.may_adjudicate(site(request).protocol, who):
        raise HTTPException(403, "Resolving conflicts is for the protocol's adjudicators.")
    return who


def _back(stage: Stage) -> Response:
    return RedirectResponse(f"/conflicts?stage={stage.cli}", status_code=303)


async def conflicts_page(request: Request) -> Response:
    who, stage = _adjudicator(request), query_stage(request)
    here = site(request)
    facts = await run_in_threadpool(_facts, here, who.name, stage)
    card = (
        views.conflict_card(facts.conflict, card_lines(facts.conflict), here.protocol, facts.note)
        if facts.conflict
        else None
    )
    return render(
        request,
        "conflicts.html",
        stage=stage,
        facts=facts,
        card=card,
        decisions=conflicts.ADJUDICATION_DECISIONS[stage],
        reasons=views.reasons(here.protocol),
        include_criteria=views.include_criteria(here.protocol),
    )


def _facts(here: Site, name: str, stage: Stage) -> Facts:
    """The first open conflict the adjudicator may resolve, in work order as the terminal gives
    them, put-off ones last."""
    skipped = here.sittings.skipped_conflicts(name, stage)
    with here.store() as session:
        found, own = conflicts.split_for(conflicts.list_conflicts(session, stage), here.protocol, name)
        if not found:
            return Facts(None, None, 0, own)
        later = [c for w in skipped for c in found if c.work_id == w]
        first = ([c for c in found if c.work_id not in skipped] or later)[0]
        note = decide.notes(session, stage, name).get(first.work_id)
    return Facts(first, note, len(found), own)


async def resolve_post(request: Request) -> Response:
    who = _adjudicator(request)
    form = await checked_form(request)
    stage, work_id, here = form_stage(form), form_work_id(form), site(request)
    reason, note = form.get("reason_code"), form.get("note")

    def write() -> conflicts.Resolution:
        with here.store() as session:
            return conflicts.resolve(
                session, here.protocol, stage, work_id, who.name,
                decision=str(form.get("decision", "")),
                reason=reason if isinstance(reason, str) and reason else None,
                note=note if isinstance(note, str) and note.strip() else None,
            )  # fmt: skip

    done = await run_in_threadpool(write)
    because = f" ({done.reason_code})" if done.reason_code else ""
    flash(request, f"Resolved: {done.decision}{because} on work {done.work_id}.")
    return _back(stage)


async def skip_post(request: Request) -> Response:
    who = _adjudicator(request)
    form = await checked_form(request)
    stage, work_id = form_stage(form), form_work_id(form)
    skipped = site(request).sittings.skipped_conflicts(who.name, stage)
    if work_id in skipped:
        skipped.remove(work_id)
    skipped.append(work_id)
    flash(request, "Skipped: it comes back after the other conflicts.")
    return _back(stage)


async def note_post(request: Request) -> Response:
    who = _adjudicator(request)
    form = await checked_form(request)
    stage, work_id, here = form_stage(form), form_work_id(form), site(request)
    text = form.get("text")

    def write() -> None:
        with here.store() as session:
            conflicts.queue(session, here.protocol, stage, who.name, work_id)  # theirs to resolve, or refused
            decide.add_note(session, work_id, stage, who.name, text if isinstance(text, str) else "")

    await run_in_threadpool(write)
    flash(request, f"Note saved on work {work_id}.")
    return _back(stage)
