"""Who is signed in: one-time sign-in links, the cookie-signing secret, roles and CSRF tokens.

Everything kept lives in the store's `meta` table (no schema of its own). A link's token is never
stored, only its sha256, so a reader of the store (`review query`) cannot sign in with a link that
is still unused; the link is spent by one conditional UPDATE, so two clicks at once sign in once.

Roles: the protocol's reviewers screen (its adjudicators settle conflicts), extract and check
possible duplicates, as they may with the CLI. Writers are not reviewers: `review serve --invite
NAME --writer` puts them on the store's list of writers (`web_writer:NAME`, until `--revoke NAME`),
and they read outputs and queries only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, col

from review.db import utcnow
from review.decisions import blinded
from review.errors import InputError
from review.models import Meta
from review.protocol import Protocol
from review.states import Stage

SECRET_KEY = "web_secret"
INVITE_PREFIX = "web_invite:"
INVITE_VALID = timedelta(days=7)
WRITER_PREFIX = "web_writer:"
WRITER_NAME = re.compile(r"^[\w][\w.@' -]{0,59}$")


@dataclass(frozen=True)
class Reviewer:
    """Who is signed in and in what role: screener | adjudicator (the protocol's reviewers) | writer."""

    name: str
    role: str

    @property
    def adjudicates(self) -> bool:
        return self.role == "adjudicator"

    @property
    def reviews(self) -> bool:
        """One of the protocol's reviewers: they screen, extract and check duplicates."""
        return self.role != "writer"

    @property
    def writes(self) -> bool:
        return self.role == "writer"


@dataclass(frozen=True)
class Invited:
    """Whom a sign-in link signs in."""

    name: str
    writer: bool = False


def may_adjudicate(protocol: Protocol, reviewer: Reviewer) -> bool:
    """Whether the conflicts page is theirs: the protocol's adjudicators, and screeners too when it
    lets screeners adjudicate (review.conflicts still refuses anyone their own conflicts)."""
    return reviewer.adjudicates or (reviewer.reviews and protocol.screening.allow_screener_adjudication)


def may_read_outputs(session: Session, reviewer: Reviewer) -> bool:
    """Whether the writers' page is theirs: writers, and reviewers who screen blind at no stage (its
    SQL reads every decision, so a screener still blind would be unblinded by it)."""
    return reviewer.writes or not any(blinded(session, reviewer.name, stage) for stage in Stage)


def reviewer_of(protocol: Protocol, name: str | None) -> Reviewer | None:
    """The reviewer `name` as the protocol names them now (None once they are taken off it)."""
    if not name or name not in protocol.review.reviewers:
        return None
    return Reviewer(name, "adjudicator" if name in protocol.screening.adjudicators else "screener")


def writer_of(session: Session, protocol: Protocol, name: str | None) -> Reviewer | None:
    """The writer `name` while the store lists them (None once revoked, or if they are a reviewer)."""
    if not name or name in protocol.review.reviewers or session.get(Meta, WRITER_PREFIX + name) is None:
        return None
    return Reviewer(name, "writer")


def add_writer(session: Session, protocol: Protocol, name: str) -> None:
    """List `name` as a writer (reads outputs and queries; screens nothing)."""
    if name in protocol.review.reviewers:
        raise InputError(
            f"{name} is one of the protocol's reviewers: invite them without --writer (reviewers "
            "who screen blind nowhere read the writers' page too)."
        )
    if not WRITER_NAME.match(name):
        raise InputError(f"Writer name {name!r}: use letters, digits, spaces and . @ ' - (at most 60).")
    if session.get(Meta, WRITER_PREFIX + name) is None:
        session.add(Meta(key=WRITER_PREFIX + name, value=json.dumps({"added": utcnow().isoformat()})))
        session.flush()


def revoke_writer(session: Session, name: str) -> bool:
    """Take a writer off the list: their sessions and unused links stop working. False if not listed."""
    result = session.execute(delete(Meta).where(col(Meta.key) == WRITER_PREFIX + name))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def signing_secret(session: Session) -> str:
    """The secret that signs session cookies, made on first use so restarts keep people signed in."""
    row = session.get(Meta, SECRET_KEY)
    if row is None:
        row = Meta(key=SECRET_KEY, value=secrets.token_urlsafe(32))
        session.add(row)
        session.flush()
    return row.value


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    session: Session, protocol: Protocol, name: str, now: datetime | None = None, *, writer: bool = False
) -> str:
    """A new one-time sign-in token for a reviewer the protocol names (or a writer, listed now)."""
    if writer:
        add_writer(session, protocol, name)
    elif reviewer_of(protocol, name) is None:
        raise InputError(
            f"Unknown reviewer {name!r}: the protocol names {', '.join(protocol.review.reviewers)} "
            "(a writer, who reads outputs only, is invited with --writer)."
        )
    token = secrets.token_urlsafe(24)
    expires = (now or utcnow()) + INVITE_VALID
    facts = {"reviewer": name, "writer": writer, "expires": expires.isoformat(), "used": None}
    session.add(Meta(key=INVITE_PREFIX + _digest(token), value=json.dumps(facts)))
    session.flush()
    return token


def invited(session: Session, token: str, now: datetime | None = None) -> Invited | None:
    """Whom an unused, unexpired token signs in (the token is not spent)."""
    row = session.get(Meta, INVITE_PREFIX + _digest(token)) if token else None
    if row is None:
        return None
    facts = json.loads(row.value)
    if facts["used"] or datetime.fromisoformat(facts["expires"]) < (now or utcnow()):
        return None
    return Invited(str(facts["reviewer"]), bool(facts.get("writer")))


def redeem(session: Session, token: str, now: datetime | None = None) -> Invited | None:
    """Spend a token: whom it signs in, or None when it is unknown, expired or already used."""
    who = invited(session, token, now)
    if who is None:
        return None
    key = INVITE_PREFIX + _digest(token)
    old = session.get(Meta, key)
    assert old is not None
    spent = {**json.loads(old.value), "used": (now or utcnow()).isoformat()}
    result = session.execute(
        update(Meta)
        .where(col(Meta.key) == key, col(Meta.value) == old.value)
        .values(value=json.dumps(spent))
        .execution_options(synchronize_session=False)
    )
    return who if result.rowcount == 1 else None  # type: ignore[attr-defined]


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def csrf_matches(expected: object, given: object) -> bool:
    """Whether a form's CSRF token is the session's (compared in constant time)."""
    if not isinstance(expected, str) or not isinstance(given, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
