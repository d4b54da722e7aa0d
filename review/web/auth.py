"""Who is signed in: one-time sign-in links, the cookie-signing secret, roles and CSRF tokens.

Everything kept lives in the store's `meta` table (no schema of its own). A link's token is never
stored, only its sha256, so a reader of the store (`review query`) cannot sign in with a link that
is still unused; the link is spent by one conditional UPDATE, so two clicks at once sign in once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from review.db import utcnow
from review.errors import InputError
from review.models import Meta
from review.protocol import Protocol

SECRET_KEY = "web_secret"
INVITE_PREFIX = "web_invite:"
INVITE_VALID = timedelta(days=7)


@dataclass(frozen=True)
class Reviewer:
    """A signed-in reviewer and what the protocol lets them do."""

    name: str
    role: str  # screener | adjudicator

    @property
    def adjudicates(self) -> bool:
        return self.role == "adjudicator"


def may_adjudicate(protocol: Protocol, reviewer: Reviewer) -> bool:
    """Whether the conflicts page is theirs: the protocol's adjudicators, and screeners too when it
    lets screeners adjudicate (review.conflicts still refuses anyone their own conflicts)."""
    return reviewer.adjudicates or protocol.screening.allow_screener_adjudication


def reviewer_of(protocol: Protocol, name: str | None) -> Reviewer | None:
    """The reviewer `name` as the protocol names them now (None once they are taken off it)."""
    if not name or name not in protocol.review.reviewers:
        return None
    return Reviewer(name, "adjudicator" if name in protocol.screening.adjudicators else "screener")


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


def invite(session: Session, protocol: Protocol, name: str, now: datetime | None = None) -> str:
    """A new one-time sign-in token for a reviewer the protocol names."""
    if reviewer_of(protocol, name) is None:
        raise InputError(
            f"Unknown reviewer {name!r}: the protocol names {', '.join(protocol.review.reviewers)}."
        )
    token = secrets.token_urlsafe(24)
    expires = (now or utcnow()) + INVITE_VALID
    facts = {"reviewer": name, "expires": expires.isoformat(), "used": None}
    session.add(Meta(key=INVITE_PREFIX + _digest(token), value=json.dumps(facts)))
    session.flush()
    return token


def invited(session: Session, token: str, now: datetime | None = None) -> str | None:
    """Whom an unused, unexpired token signs in (the token is not spent)."""
    row = session.get(Meta, INVITE_PREFIX + _digest(token)) if token else None
    if row is None:
        return None
    facts = json.loads(row.value)
    if facts["used"] or datetime.fromisoformat(facts["expires"]) < (now or utcnow()):
        return None
    return str(facts["reviewer"])


def redeem(session: Session, token: str, now: datetime | None = None) -> str | None:
    """Spend a token: whom it signs in, or None when it is unknown, expired or already used."""
    name = invited(session, token, now)
    if name is None:
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
    return name if result.rowcount == 1 else None  # type: ignore[attr-defined]


def new_csrf() -> str:
    return secrets.token_urlsafe(24)


def csrf_matches(expected: object, given: object) -> bool:
    """Whether a form's CSRF token is the session's (compared in constant time)."""
    if not isinstance(expected, str) or not isinstance(given, str) or not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
