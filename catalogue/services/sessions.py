"""Login sessions kept on the server: started at login, looked up on every request the
session cookie carries, ended by logging out, by the person from another session, by an
administrator, or by the login provider (OpenID Connect Back-Channel Logout).

The cookie holds a random secret (256 bits); only its SHA-256 hash is stored, as for personal
access tokens.  Because each request checks the row, a session ended in one app process is
ended in all of them at once.  A session unused for longer than the session lifetime is over
too (the same sliding lifetime the signed cookie has).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, select
from sqlalchemy.orm import Session, selectinload

from catalogue.domain.errors import Forbidden, NotFound, ServiceError
from catalogue.models import LoginSession, SeenLogoutToken, User, utcnow
from catalogue.services.accounts import hash_secret
from catalogue.services.audit import security_event
from catalogue.services.permissions import Identity, can_administer

# Writing last-seen on every request would turn each read into a write; once a minute is enough.
_LAST_SEEN_RESOLUTION = timedelta(minutes=1)
# Ended and idle sessions are kept this long, then go (at the person's next login, or with
# the daily `catalogue security-events prune`).
_KEPT_AFTER_END = timedelta(days=30)
# A logout token is accepted for minutes after it is issued; its jti is remembered far longer.
_SEEN_TOKENS_KEPT = timedelta(days=1)


class ReplayedLogoutToken(ServiceError):
    """A back-channel logout token that was already acted on."""


def open_session(
    work: Session,
    user: User,
    *,
    via: str,
    provider_sid: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> str:
    """A new session for ``user``; returns the secret the cookie carries (stored hashed)."""
    now = utcnow()
    prune_sessions(work, user.id)
    secret = secrets.token_urlsafe(32)
    work.add(
        LoginSession(
            user_id=user.id,
            secret_hash=hash_secret(secret),
            provider_sid=provider_sid,
            via=via,
            ip=ip,
            user_agent=user_agent[:300] if user_agent else None,
            created_at=now,
            last_seen_at=now,
        )
    )
    work.flush()
    return secret


def prune_sessions(work: Session, user_id: int | None = None) -> int:
    """Delete the sessions (one person's, or everyone's) that ended or went idle more than a
    month ago; how many.  The security events keep their history."""
    long_ago = utcnow() - _KEPT_AFTER_END
    query = delete(LoginSession).where(
        or_(LoginSession.ended_at < long_ago, LoginSession.last_seen_at < long_ago)
    )
    if user_id is not None:
        query = query.where(LoginSession.user_id == user_id)
    result = work.execute(query)
    return int(getattr(result, "rowcount", 0) or 0)


def session_for(work: Session, secret: str, lifetime: timedelta) -> LoginSession | None:
    """The live session a cookie's secret belongs to (its ``user`` loaded), or None when it
    was ended, went idle for longer than ``lifetime``, or its person was disabled.  Touches
    its last-seen time (at most once a minute; the caller commits)."""
    row = work.execute(
        select(LoginSession, User)
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.secret_hash == hash_secret(secret))
    ).first()
    if row is None:
        return None
    login, user = row
    now = utcnow()
    if login.ended_at is not None or not user.active or now - login.last_seen_at > lifetime:
        return None
    if now - login.last_seen_at > _LAST_SEEN_RESOLUTION:
        login.last_seen_at = now
    return login


def end_session(
    work: Session,
    login: LoginSession,
    reason: str,
    by: int | None,
    details: Mapping[str, Any] | None = None,
) -> bool:
    """End ``login``, audited: a ``logout`` security event when its person logged out, a
    ``session_ended`` one otherwise.  False if it had already ended."""
    if login.ended_at is not None:
        return False
    login.ended_at = utcnow()
    login.end_reason = reason
    login.ended_by_id = by
    security_event(
        work,
        "logout" if reason == "logout" else "session_ended",
        by if by is not None else login.user_id,
        {"session": login.id, "person": login.user_id, "reason": reason, **(details or {})},
    )
    return True


def log_out(work: Session, secret: str, ip: str | None) -> None:
    """End the session a cookie's secret belongs to: its person logged out."""
    login = work.scalar(select(LoginSession).where(LoginSession.secret_hash == hash_secret(secret)))
    if login is not None:
        end_session(work, login, "logout", login.user_id, {"ip": ip})


def _live(lifetime: timedelta) -> ColumnElement[bool]:
    return and_(LoginSession.ended_at.is_(None), LoginSession.last_seen_at >= utcnow() - lifetime)


def sessions_of(work: Session, identity: Identity, lifetime: timedelta) -> list[LoginSession]:
    """The caller's live sessions, the most recently used first."""
    return list(
        work.scalars(
            select(LoginSession)
            .options(selectinload(LoginSession.user))
            .where(LoginSession.user_id == identity.user_id, _live(lifetime))
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        )
    )


def all_sessions(
    work: Session,
    identity: Identity,
    lifetime: timedelta,
    user_id: int | None = None,
    limit: int | None = None,
) -> list[LoginSession]:
    """Everyone's live sessions, or one person's, the most recently used first, at most
    ``limit`` (administrators)."""
    _administrator(identity)
    # Their people in one more query, not one each: the list names them.
    query = select(LoginSession).options(selectinload(LoginSession.user)).where(_live(lifetime))
    if user_id is not None:
        query = query.where(LoginSession.user_id == user_id)
    query = query.order_by(LoginSession.last_seen_at.desc(), LoginSession.id).limit(limit)
    return list(work.scalars(query))


def end_own_session(work: Session, identity: Identity, session_id: int) -> LoginSession:
    login = work.get(LoginSession, session_id)
    if login is None or login.user_id != identity.user_id:
        raise NotFound("No such session of yours.")
    end_session(work, login, "ended_by_person", identity.user_id)
    return login


def end_other_own_sessions(
    work: Session, identity: Identity, lifetime: timedelta, keep: int | None
) -> int:
    """End every live session of the caller but ``keep`` (the one asking): "log out
    everywhere else".  Returns how many ended."""
    ended = 0
    for login in sessions_of(work, identity, lifetime):
        if login.id != keep:
            ended += end_session(work, login, "ended_by_person", identity.user_id)
    return ended


def end_any_session(work: Session, identity: Identity, session_id: int) -> LoginSession:
    _administrator(identity)
    login = work.get(LoginSession, session_id)
    if login is None:
        raise NotFound("No such session.")
    reason = "ended_by_person" if login.user_id == identity.user_id else "ended_by_administrator"
    end_session(work, login, reason, identity.user_id)
    return login


def end_sessions_of(work: Session, identity: Identity, user_id: int, lifetime: timedelta) -> int:
    """End every live session of one person (administrators); how many ended."""
    _administrator(identity)
    if work.get(User, user_id) is None:
        raise NotFound("No such user.")
    ended = 0
    for login in all_sessions(work, identity, lifetime, user_id):
        ended += end_session(work, login, "ended_by_administrator", identity.user_id)
    return ended


def _administrator(identity: Identity) -> None:
    if not can_administer(identity):
        raise Forbidden("Only administrators (with the admin scope) see and end others' sessions.")


# -- back-channel logout ----------------------------------------------------------------------


def provider_logout(
    work: Session, issuer: str, subject: str | None, sid: str | None, jti: str
) -> int:
    """End the sessions a validated logout token names: every session of ``subject`` at
    ``issuer``, or the one login with the provider's session ``sid`` (both when both are
    given).  The token's ``jti`` is remembered; the same token again raises
    ReplayedLogoutToken.  Returns how many sessions ended."""
    now = utcnow()
    work.execute(delete(SeenLogoutToken).where(SeenLogoutToken.seen_at < now - _SEEN_TOKENS_KEPT))
    token_hash = hash_secret(f"{issuer}\n{jti}")
    if work.get(SeenLogoutToken, token_hash) is not None:
        raise ReplayedLogoutToken("This logout token was already used (its jti was seen).")
    # Two deliveries of one token at the same moment: the second insert fails on the key,
    # its transaction rolls back, and the caller answers as for a replay.
    work.add(SeenLogoutToken(token_hash=token_hash, seen_at=now))
    work.flush()
    query = select(LoginSession).join(User, User.id == LoginSession.user_id)
    query = query.where(LoginSession.ended_at.is_(None))
    if subject is not None:
        query = query.where(User.subject == f"{issuer}|{subject}")
    else:
        query = query.where(User.subject.startswith(f"{issuer}|", autoescape=True))
    if sid is not None:
        query = query.where(LoginSession.provider_sid == sid)
    ended = 0
    for login in work.scalars(query):
        ended += end_session(work, login, "provider_logout", None)
    return ended
