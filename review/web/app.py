"""The web application: routes, sign-in, signed session cookies, CSRF checks and security headers.

Every page needs a signed-in reviewer (`RequireSignIn`), except the sign-in page itself and the
static files (CSS and the key handler, which hold no review data). Every form carries the
session's CSRF token and every POST checks it (`checked_form`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from review.db import session_scope
from review.errors import ReviewError
from review.protocol import Protocol
from review.web import auth
from review.web.sitting import Sittings

HERE = Path(__file__).resolve().parent
SESSION_DAYS = 7
PUBLIC_PREFIXES = ("/signin/", "/static/")
# No inline script or style, no framing, and no Referer (sign-in links carry a token in the path).
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


@dataclass(frozen=True)
class WebConfig:
    """What the server serves: the store, the protocol, and how cookies are signed and sent."""

    engine: Engine
    protocol: Protocol
    secret: str
    https_only: bool = False  # behind a TLS proxy: cookies only over HTTPS
    root: Path | None = None  # the review folder, where stored full texts are (None: none served)


@dataclass
class Site:
    """The running site's shared state, reached from any request as `site(request)`."""

    config: WebConfig
    sittings: Sittings
    templates: Jinja2Templates

    @property
    def protocol(self) -> Protocol:
        return self.config.protocol

    @contextmanager
    def store(self) -> Iterator[Session]:
        with session_scope(self.config.engine) as session:
            yield session


def site(request: Request) -> Site:
    found: Site = request.app.state.site
    return found


def signed_in(request: Request) -> auth.Reviewer:
    """The reviewer `RequireSignIn` found for this request."""
    reviewer: auth.Reviewer = request.state.reviewer
    return reviewer


async def checked_form(request: Request) -> FormData:
    """The POSTed form, refused (403) unless it carries this session's CSRF token."""
    form = await request.form()
    if not auth.csrf_matches(request.session.get("csrf"), form.get("csrf")):
        raise HTTPException(403, "This form has expired or did not come from this site: reload the page.")
    return form


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """A page from templates/, with who is signed in, the CSRF token and any messages."""
    messages = request.session.pop("messages", [])
    reviewer = getattr(request.state, "reviewer", None)
    adjudicates = reviewer is not None and auth.may_adjudicate(site(request).protocol, reviewer)
    protocol = site(request).protocol
    base = {"reviewer": reviewer, "adjudicates": adjudicates, "csrf": request.session.get("csrf", ""),
            "messages": messages, "has_form": protocol.extraction is not None,
            "has_codebook": protocol.codebook is not None}  # fmt: skip
    return site(request).templates.TemplateResponse(
        request, template, {**base, **context}, status_code=status_code
    )


def flash(request: Request, text: str) -> None:
    request.session["messages"] = [*request.session.get("messages", []), text]


def reviewing(request: Request) -> auth.Reviewer:
    """The signed-in reviewer, refused (403) when they are a writer: the page is reviewers' work."""
    who = signed_in(request)
    if not who.reviews:
        raise HTTPException(403, "This page is for the protocol's reviewers: writers read the writers' page.")
    return who


class RequireSignIn:
    """Answers 401 to any request without a signed-in reviewer the protocol still names (or a
    writer the store still lists)."""

    def __init__(self, app: ASGIApp, config: WebConfig) -> None:
        self.app, self.protocol, self.engine = app, config.protocol, config.engine

    def _writer(self, name: object) -> auth.Reviewer | None:
        with session_scope(self.engine) as session:
            return auth.writer_of(session, self.protocol, name if isinstance(name, str) else None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # the site has none: refuse rather than pass one through
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        kept = scope["session"]
        if kept.get("writer"):
            reviewer = await run_in_threadpool(self._writer, kept.get("reviewer"))
        else:
            reviewer = auth.reviewer_of(self.protocol, kept.get("reviewer"))
        if reviewer is None:
            scope["session"].pop("reviewer", None)  # the rest (a sign-in page's CSRF token) stays
            await _signed_out(scope, receive, send)
            return
        scope.setdefault("state", {})["reviewer"] = reviewer
        await self.app(scope, receive, send)


async def _signed_out(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    await render(request, "signed_out.html", status_code=401)(scope, receive, send)


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A response that sets one itself keeps it (a PDF the screening page frames).
                own = {k.decode().lower() for k, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k not in own),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- sign-in ------------------------------------------------------------------------------


async def signin_page(request: Request) -> Response:
    """Confirm before spending the link, so a mail scanner that opens it does not use it up."""
    token = request.path_params["token"]
    with site(request).store() as session:
        who = auth.invited(session, token)
    if who is None:
        return render(request, "link_used.html", status_code=403)
    request.session["csrf"] = request.session.get("csrf") or auth.new_csrf()
    return render(request, "signin.html", name=who.name, token=token)


async def signin_post(request: Request) -> Response:
    await checked_form(request)
    here = site(request)
    with here.store() as session:
        who = auth.redeem(session, request.path_params["token"])
        known = who is not None and (
            auth.writer_of(session, here.protocol, who.name)
            if who.writer
            else auth.reviewer_of(here.protocol, who.name)
        )
    if who is None or not known:
        return render(request, "link_used.html", status_code=403)
    request.session.clear()  # a fresh session: nothing carried over from before sign-in
    request.session.update({"reviewer": who.name, "csrf": auth.new_csrf()})
    if who.writer:
        request.session["writer"] = True
    return RedirectResponse("/", status_code=303)


async def signout(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    return RedirectResponse("/", status_code=303)


async def home(request: Request) -> Response:
    return RedirectResponse("/screen" if signed_in(request).reviews else "/writers", status_code=303)


async def _review_error(request: Request, exc: Exception) -> Response:
    return render(request, "error.html", status_code=400, message=str(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return render(request, "error.html", status_code=exc.status_code, message=exc.detail)


def create_app(config: WebConfig) -> Starlette:
    """The site for one review store."""
    from review.web import coding, conflicts, dedupe, documents, extraction, pages, writers

    routes = [
        Route("/", home),
        Route("/signin/{token}", signin_page, methods=["GET"]),
        Route("/signin/{token}", signin_post, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        *pages.routes(),
        *conflicts.routes(),
        *extraction.routes(),
        *coding.routes(),
        *dedupe.routes(),
        *documents.routes(),
        *writers.routes(),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(
            SessionMiddleware,
            secret_key=config.secret,
            session_cookie="review_session",
            max_age=SESSION_DAYS * 24 * 3600,
            same_site="lax",  # "strict" would drop the cookie on the redirect after a mailed link
            https_only=config.https_only,
        ),
        Middleware(RequireSignIn, config=config),
    ]
    handlers = {ReviewError: _review_error, HTTPException: _http_error}
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)
    sittings = Sittings(partial(session_scope, config.engine), config.protocol)
    app.state.site = Site(config, sittings, Jinja2Templates(directory=HERE / "templates"))
    return app
