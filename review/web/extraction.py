"""The extraction form in the browser: the protocol's typed fields for one included study, offered
with the stored suggestions (and the page and sentence each came from) or the extractor's values
for a verifier, each value saved the moment it is entered.

The form is the stage's (review.extract: `begin` checks who may fill it in and offers the
defaults, `answer` parses and checks what was typed, `save` writes only what changed and rebuilds
the writers' tables), as `review extract` uses it. The page posts one field at a time as it
changes; without JavaScript its button posts every field shown (accepting the suggestions, as
Enter does in the terminal).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from review import extract
from review.errors import ExtractionError, ReviewError
from review.extract.store import form_of
from review.extract.values import show
from review.models import Work
from review.web.app import Site, checked_form, flash, render, reviewing, site

FIELD = "f:"  # form names of the fields: "f:section.field"


def routes() -> list[Route]:
    return [
        Route("/extract", list_page),
        Route("/extract/{work_id:int}", form_page, methods=["GET"]),
        Route("/extract/{work_id:int}", save_post, methods=["POST"]),
    ]


@dataclass(frozen=True)
class FieldView:
    """One field of the form as the page shows it."""

    key: str
    name: str
    type: str
    required: bool
    help: str
    choices: tuple[str, ...]
    shown: str  # the value in the box, as a person types it
    chosen: tuple[str, ...]  # a choices field's ticked boxes
    origin: str  # "" | "suggested" | "yours" | "extractor NAME"
    where: str  # "p. 3" | "title/abstract" | "" when there is no quote
    quote: str | None


@dataclass(frozen=True)
class Study:
    work_id: int
    title: str
    role: str  # what the signed-in reviewer does on it: extractor | verifier


def _field(item: extract.FormItem) -> FieldView:
    value = item.default.value if item.default is not None else None
    quote = item.default.quote if item.default is not None and item.origin != "yours" else None
    page = item.default.page_no if item.default is not None else None
    where = "" if not quote else ("title/abstract" if page is None else f"p. {page}")
    f = item.field
    chosen = tuple(value) if isinstance(value, list) else ()
    return FieldView(
        key=item.key,
        name=f.name,
        type=f.type,
        required=f.required,
        help=f.help,
        choices=f.choices,
        shown=show(value),
        chosen=chosen,
        origin=item.origin,
        where=where,
        quote=quote,
    )


# --- the list of included studies ---------------------------------------------------------


async def list_page(request: Request) -> Response:
    who, here = reviewing(request), site(request)
    studies = await run_in_threadpool(_studies, here, who.name)
    return render(request, "extract_list.html", studies=studies)


def _studies(here: Site, name: str) -> list[Study]:
    with here.store() as session:
        form_of(here.protocol)  # no form: say how to add one
        found = []
        for work_id in extract.included_works(session):
            work = session.get(Work, work_id)
            title = (work.title if work else None) or "(no title)"
            found.append(Study(work_id, title, extract.role_for(session, here.protocol, work_id, name)))
    return found


# --- one study's form ---------------------------------------------------------------------


async def form_page(request: Request) -> Response:
    who, here = reviewing(request), site(request)
    work_id = request.path_params["work_id"]
    title, role, fields = await run_in_threadpool(_form, here, who.name, work_id)
    return render(request, "extract.html", work_id=work_id, title=title, role=role, fields=fields,
                  design=form_of(here.protocol).design)  # fmt: skip


def _form(here: Site, name: str, work_id: int) -> tuple[str, str, list[FieldView]]:
    with here.store() as session:
        role = extract.role_for(session, here.protocol, work_id, name)
        items = extract.begin(session, here.protocol, work_id, name, role)  # looks for suggestions
        work = session.get(Work, work_id)
        title = (work.title if work else None) or "(no title)"
    return title, role, [_field(i) for i in items]


@dataclass(frozen=True)
class Saved:
    written: int
    errors: dict[str, str]  # field -> what is wrong with what was typed (nothing of it saved)
    conflicts: int  # conflicting fields on the study after the save


async def save_post(request: Request) -> Response:
    """Save the posted fields (one as it changes, or all): each checked, the good ones kept."""
    who, here = reviewing(request), site(request)
    form = await checked_form(request)
    work_id = request.path_params["work_id"]
    wants_json = "application/json" in request.headers.get("accept", "")
    try:
        saved = await run_in_threadpool(_save, here, who.name, work_id, _typed(form))
    except ReviewError as exc:
        if wants_json:
            return JSONResponse({"error": str(exc)}, status_code=400)
        raise
    if wants_json:
        return JSONResponse({"written": saved.written, "errors": saved.errors, "conflicts": saved.conflicts})
    flash(request, f"Saved {saved.written} value(s) on record {work_id}.")
    for key, error in saved.errors.items():
        flash(request, f"Not saved: {key}: {error}")
    return RedirectResponse(f"/extract/{work_id}", status_code=303)


def _typed(form: FormData) -> dict[str, str]:
    """Each posted field's text; a choices field's ticked boxes joined as a person types them."""
    keys = dict.fromkeys(k for k in form if k.startswith(FIELD))
    return {k.removeprefix(FIELD): "; ".join(str(v) for v in form.getlist(k) if str(v)) for k in keys}


def _save(here: Site, name: str, work_id: int, typed: dict[str, str]) -> Saved:
    with here.store() as session:
        role = extract.role_for(session, here.protocol, work_id, name)
        items = {i.key: i for i in extract.begin(session, here.protocol, work_id, name, role, suggest=False)}
        entries, errors = _answers(items, typed)
        result = extract.save(session, here.protocol, work_id, name, role, entries)
    tables = result.tables
    return Saved(result.written, errors, tables.conflicts if tables else 0)


def _answers(
    items: dict[str, extract.FormItem], typed: dict[str, str]
) -> tuple[Sequence[extract.Entry], dict[str, str]]:
    entries, errors = [], {}
    for key, raw in typed.items():
        item = items.get(key)
        if item is None:
            raise HTTPException(400, f"The form has no field {key!r}: reload the page.")
        try:
            entries.append(extract.answer(item, raw))
        except ExtractionError as exc:
            errors[key] = str(exc)
    return entries, errors
