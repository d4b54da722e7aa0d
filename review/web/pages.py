"""The screening and status pages.

Blinded by construction: the screening page reads only the signed-in reviewer's own queue,
decisions and notes (review.screen.queue), and every write names the signed-in reviewer, never
one the form gives. Store work runs in the thread pool, so a ranking does not hold up other
reviewers' pages.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from review import decisions, status
from review.dedupe.relations import counts_text
from review.screen import curve
from review.screen.card import Choice
from review.screen.queue import Counts, Item
from review.states import Stage
from review.web import views
from review.web.app import Site, checked_form, flash, render, reviewing, signed_in, site
from review.web.auth import Reviewer
from review.web.documents import FullText, full_texts
from review.web.sitting import Sitting


def routes() -> list[Route]:
    return [
        Route("/screen", screen_page),
        Route("/screen/decide", decide_post, methods=["POST"]),
        Route("/screen/undo", undo_post, methods=["POST"]),
        Route("/screen/skip", skip_post, methods=["POST"]),
        Route("/screen/note", note_post, methods=["POST"]),
        Route("/status", status_page),
    ]


def _stage(value: object) -> Stage:
    stage = Stage.parse(value) if isinstance(value, str) else Stage.TITLE_ABSTRACT
    if stage is None:
        raise HTTPException(404, f"There is no stage {value!r}: use {Stage.choices()}.")
    return stage


def query_stage(request: Request) -> Stage:
    """The page's stage (`?stage=full-text`; title/abstract when not given)."""
    return _stage(request.query_params.get("stage"))


def form_stage(form: FormData) -> Stage:
    return _stage(form.get("stage"))


def form_work_id(form: FormData) -> int:
    value = form.get("work_id")
    if not isinstance(value, str) or not value.isdigit():
        raise HTTPException(400, "The form names no work.")
    return int(value)


def _sitting(request: Request, stage: Stage) -> Sitting:
    return site(request).sittings.of(reviewing(request).name, stage)


def _back(stage: Stage) -> Response:
    return RedirectResponse(f"/screen?stage={stage.cli}", status_code=303)


# --- screening ----------------------------------------------------------------------------


async def screen_page(request: Request) -> Response:
    stage = query_stage(request)
    here, sitting = site(request), _sitting(request, stage)
    item, counts, texts = await run_in_threadpool(_screen_facts, here, sitting, stage)
    return render(
        request,
        "screen.html",
        stage=stage,
        stages=list(Stage),
        counts=counts,
        status_line=sitting.screen.status(counts),
        card=views.card(item, here.protocol) if item else None,
        full_texts=texts,
        reasons=views.reasons(here.protocol),
        include_criteria=views.include_criteria(here.protocol),
    )


def _screen_facts(here: Site, sitting: Sitting, stage: Stage) -> tuple[Item | None, Counts, list[FullText]]:
    item = sitting.current()
    texts = []
    if item is not None and stage == Stage.FULL_TEXT:
        with here.store() as session:
            texts = full_texts(session, here.protocol, item.work_id)
    return item, sitting.counts(), texts


async def decide_post(request: Request) -> Response:
    form = await checked_form(request)
    stage = form_stage(form)
    reason, note = form.get("reason_code"), form.get("note")
    choice = Choice(
        work_id=form_work_id(form),
        decision=str(form.get("decision", "")),
        reason_code=reason if isinstance(reason, str) and reason else None,
        note=note if isinstance(note, str) and note.strip() else None,
    )
    done = await run_in_threadpool(_sitting(request, stage).decide, choice)
    because = f" ({done.reason_code})" if done.reason_code else ""
    flash(request, f"Saved: {done.decision}{because} on work {done.work_id}.")
    return _back(stage)


async def undo_post(request: Request) -> Response:
    form = await checked_form(request)
    stage = form_stage(form)
    undone = await run_in_threadpool(_sitting(request, stage).undo)
    if undone is None:
        flash(request, "Nothing to undo.")
    else:
        flash(request, f"Undone: your decision on work {undone.work_id}. Decide it again.")
    return _back(stage)


async def skip_post(request: Request) -> Response:
    form = await checked_form(request)
    stage = form_stage(form)
    _sitting(request, stage).skip(form_work_id(form))
    flash(request, "Skipped: it comes back once the rest of your queue is done.")
    return _back(stage)


async def note_post(request: Request) -> Response:
    form = await checked_form(request)
    stage, work_id, text = form_stage(form), form_work_id(form), form.get("text")
    note = text if isinstance(text, str) else ""
    await run_in_threadpool(_sitting(request, stage).note, work_id, note)
    flash(request, f"Note saved on work {work_id}.")
    return _back(stage)


# --- status -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageView:
    """A stage's counts as one reviewer may see them."""

    count: status.StageCount
    hidden: bool  # other screeners' include counts withheld: the viewer still screens blind here
    chart: Markup | None = None  # includes found against works screened (None: hidden or none yet)
    estimate: tuple[str, ...] = ()  # the stopping estimate in words, beside the chart

    @property
    def label(self) -> str:
        return Stage(self.count.stage).label


async def status_page(request: Request) -> Response:
    report, stages = await run_in_threadpool(_status_facts, site(request), signed_in(request))
    return render(request, "status.html", report=report, stages=stages, doc_states=status.DOCUMENT_STATES,
                  related=counts_text(report.related))  # fmt: skip


def _status_facts(here: Site, who: Reviewer) -> tuple[status.StatusReport, list[StageView]]:
    with here.store() as session:
        report = status.run(session, here.protocol)
        shown = [_stage_view(session, s, who) for s in report.stages]
    return report, shown


def _stage_view(session: Session, count: status.StageCount, who: Reviewer) -> StageView:
    """The stage as `who` may see it: the curve and the estimate pool every screener's decisions,
    so a screener still screening blind sees neither (as with the others' include counts)."""
    hidden = decisions.blinded(session, who.name, count.stage) and not who.adjudicates
    found = None if hidden else curve.curve(session, count.stage)
    if found is None or found.screened == 0:
        return StageView(count, hidden)
    return StageView(count, hidden, views.curve_chart(found), curve.estimate_lines(found.estimate))
