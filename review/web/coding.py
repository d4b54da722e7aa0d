"""Coding stakeholder evidence in the browser: one segment at a time, the codebook beside it.

The coding is the stage's (review.evidence.coding, as `review evidence code` and the coding sheets
use it): the codes are checked against the protocol's codebook (`parse_codes`), a withdrawn
document's segments are refused (`check_segment`), and each coding is appended at once with who and
when (`record`, via "web"). Any of the protocol's reviewers may code, as the CLI allows; writers
may not. The coder is always the signed-in reviewer, never a name the form gives.

Blinded: the page shows another coder's codes on a segment only once the signed-in coder has coded
it too (`coding.seen_by`). Once two coders have, it shows their codes side by side and no longer
offers the form: agreement compares what each coded on their own, and a difference is the
adjudicator's to settle (`review evidence adjudicate`). The text shown is the pseudonymised text
the store keeps; the page never reads the name mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from review.errors import InputError
from review.evidence import coding, sheets
from review.evidence.coding import Standing
from review.models import EvidenceDocument, EvidenceSegment
from review.protocol import Codebook
from review.states import CodingRole, EvidenceStream
from review.web.app import Site, checked_form, flash, render, reviewing, site

MOST_LISTED = 50  # segments listed by link under the one shown; the rest are counted
PREVIEW = 90  # characters of a listed segment's text


def routes() -> list[Route]:
    return [
        Route("/coding", next_page),
        Route("/coding/{segment_id:int}", segment_page, methods=["GET"]),
        Route("/coding/{segment_id:int}", code_post, methods=["POST"]),
    ]


@dataclass(frozen=True)
class SegmentView:
    """One segment as a coder sees it: where it comes from, its text, and the codings they may see."""

    segment_id: int
    document: str  # "interview · interview-03.vtt · P008 (expert, East of England)"
    where: str  # "turn 4, 00:07-00:31, P008" | "answer to: What works?" | "paragraph 2"
    text: str
    mine: Standing | None
    others: tuple[Standing, ...]  # empty until the coder has coded it (blinded)

    @property
    def locked(self) -> bool:
        """Another coder has coded it as well: the coder sees both, and changes nothing here."""
        return self.mine is not None and any(o.role == CodingRole.CODER for o in self.others)


@dataclass(frozen=True)
class Listed:
    segment_id: int
    document_id: int
    preview: str


@dataclass(frozen=True)
class Progress:
    """The coder's place: segments coded of those open to coding, and some of each kind by link."""

    total: int
    coded: int
    to_code: tuple[Listed, ...]
    done: tuple[Listed, ...]


# --- pages --------------------------------------------------------------------------------


async def next_page(request: Request) -> Response:
    """The first segment (in document order) the coder has not coded; `?after=ID` skips to after one."""
    who, here = reviewing(request), site(request)
    after = request.query_params.get("after", "")
    progress, shown = await run_in_threadpool(_next, here, who.name, int(after) if after.isdigit() else 0)
    return _page(request, here, progress, shown)


async def segment_page(request: Request) -> Response:
    who, here = reviewing(request), site(request)
    progress, shown = await run_in_threadpool(_one, here, who.name, request.path_params["segment_id"])
    return _page(request, here, progress, shown)


def _page(request: Request, here: Site, progress: Progress, shown: SegmentView | None) -> Response:
    book = coding.codebook(here.protocol)
    ticked = shown.mine.codes if shown and shown.mine else frozenset()
    return render(request, "coding.html", progress=progress, segment=shown, book=book, ticked=ticked,
                  more=progress.total - progress.coded - len(progress.to_code))  # fmt: skip


async def code_post(request: Request) -> Response:
    who, here = reviewing(request), site(request)
    form = await checked_form(request)
    segment_id: int = request.path_params["segment_id"]
    codes = _codes(form, coding.codebook(here.protocol))
    note = form.get("note")
    text = note.strip() if isinstance(note, str) and note.strip() else None
    written = await run_in_threadpool(_save, here, who.name, segment_id, codes, text)
    shown = ", ".join(sorted(codes)) or "no code applies"
    flash(
        request, f"Saved segment {segment_id}: {shown}." if written else f"Segment {segment_id}: unchanged."
    )
    return RedirectResponse(f"/coding?after={segment_id}", status_code=303)


def _codes(form: FormData, book: Codebook) -> frozenset[str]:
    """The ticked codes, or none applies, checked as the CLI checks what is typed."""
    ticked = [str(v) for v in form.getlist("code")]
    if form.get("none") and ticked:
        raise HTTPException(400, "Tick codes or press 'No code applies', not both.")
    if not ticked and not form.get("none"):
        raise HTTPException(400, "Tick at least one code, or press 'No code applies'.")
    codes, problem = coding.parse_codes("; ".join(ticked) if ticked else "none", book)
    if problem or codes is None:
        raise HTTPException(400, problem or "Tick at least one code.")
    return codes


# --- the store ----------------------------------------------------------------------------


def _next(here: Site, coder: str, after: int) -> tuple[Progress, SegmentView | None]:
    with here.store() as session:
        progress = _progress(session, coder, after)
        first = progress.to_code[0].segment_id if progress.to_code else None
        return progress, _view(session, first, coder) if first is not None else None


def _one(here: Site, coder: str, segment_id: int) -> tuple[Progress, SegmentView]:
    with here.store() as session:
        coding.check_segment(session, segment_id)  # none, or withdrawn: say so
        return _progress(session, coder, segment_id), _view(session, segment_id, coder)


def _save(here: Site, coder: str, segment_id: int, codes: frozenset[str], note: str | None) -> bool:
    with here.store() as session:
        coding.check_segment(session, segment_id)
        mine, others = coding.seen_by(session, segment_id, coder)
        if mine is not None and any(o.role == CodingRole.CODER for o in others):
            raise InputError(
                f"Segment {segment_id} is coded by you and another coder: a difference is settled by an "
                "adjudicator (`review evidence adjudicate`)."
            )
        return coding.record(session, segment_id, coder, codes, via="web", note=note)


def _progress(session: Session, coder: str, after: int) -> Progress:
    found = sheets.segments(session)  # every segment of a document not withdrawn, in document order
    mine = {
        s.segment_id
        for s in coding.standing(session, [seg.id for seg, _ in found if seg.id])
        if s.coder == coder and s.role == CodingRole.CODER
    }
    todo = [_listed(seg) for seg, _ in found if seg.id not in mine]
    # After a segment (a skip, or one just coded): the rest first, then those before it.
    todo = [t for t in todo if t.segment_id > after] + [t for t in todo if t.segment_id <= after]
    done = [_listed(seg) for seg, _ in found if seg.id in mine]
    return Progress(len(found), len(mine), tuple(todo[:MOST_LISTED]), tuple(done[-MOST_LISTED:]))


def _listed(seg: EvidenceSegment) -> Listed:
    text = " ".join((seg.text or "").split())
    return Listed(seg.id or 0, seg.document_id, text if len(text) <= PREVIEW else text[: PREVIEW - 1] + "…")


def _view(session: Session, segment_id: int, coder: str) -> SegmentView:
    seg = coding.check_segment(session, segment_id)
    doc = session.get(EvidenceDocument, seg.document_id)
    assert doc is not None
    mine, others = coding.seen_by(session, segment_id, coder)
    return SegmentView(segment_id, _document(doc), _where(seg), seg.text or "", mine, others)


def _document(doc: EvidenceDocument) -> str:
    attributes = ", ".join(v for v in (doc.role, doc.organisation_type, doc.region) if v)
    who = f"{doc.participant or 'no participant'}" + (f" ({attributes})" if attributes else "")
    return f"{EvidenceStream(doc.stream).label} · {doc.title} · {who}"


def _where(seg: EvidenceSegment) -> str:
    parts = [f"{seg.kind} {seg.turn if seg.turn is not None else seg.seq}"]
    if seg.start_ms is not None:
        end = f"-{_clock(seg.end_ms)}" if seg.end_ms is not None else ""
        parts.append(f"{_clock(seg.start_ms)}{end}")
    if seg.speaker:
        parts.append(seg.speaker)
    if seg.label:
        parts.append(f"answer to: {seg.label}")
    return ", ".join(parts)


def _clock(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
