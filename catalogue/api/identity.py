"""Who is calling: a login session, a personal access token, or the provider's access token.

- ``Authorization: Bearer cat_...``: a personal access token (its scopes limit what it may do);
- ``Authorization: Bearer <JWT>``: an access token from the login provider, accepted when
  ``CATALOGUE_OIDC_API_AUDIENCE`` is set and the token is signed by the provider's published
  keys, issued by it, for that audience, and names a person who has logged in before;
- otherwise the signed session cookie set by the login (``catalogue.api.auth``), which carries
  the secret of a session kept on the server (``catalogue.services.sessions``): ended there,
  by logging out, by its person or an administrator, or by the provider's back-channel
  logout, it is ended for every app process at once.

A refused credential is a 401 saying why, and a security event in the audit trail.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from flask import current_app, g, request, session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalogue.api.context import db
from catalogue.api.context import session as request_session
from catalogue.domain.errors import Forbidden, NotAuthenticated
from catalogue.models import User
from catalogue.services import sessions
from catalogue.services.accounts import authenticate_token, identity_of
from catalogue.services.audit import security_event
from catalogue.services.permissions import ANONYMOUS, Identity

log = logging.getLogger(__name__)

# The cookie's keys: the login session's secret, and the CSRF token (anonymous visitors have
# one too, for the login forms).
SESSION_SECRET = "login"
SESSION_CSRF = "csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
BACKCHANNEL_LOGOUT_PATH = "/auth/backchannel-logout"


def current_identity() -> Identity:
    """The caller's identity for this request (worked out once, then kept on ``g``)."""
    cached: Identity | None = g.get("identity")
    if cached is not None:
        return cached
    refused: NotAuthenticated | None = g.get("refused_credential")
    if refused is not None:
        raise refused  # asked again in the same request: the same answer, recorded once
    header = request.headers.get("Authorization")
    if header is not None:
        try:
            identity = _from_bearer(header)
        except NotAuthenticated as refusal:
            g.refused_credential = refusal
            raise
    else:
        identity = _from_session()
    g.identity = identity
    return identity


def _from_bearer(header: str) -> Identity:
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    try:
        if scheme.lower() != "bearer" or not value:
            raise NotAuthenticated("Send 'Authorization: Bearer <token>'.")
        if value.count(".") == 2:
            return _from_provider_token(value)
        work = request_session()
        user, token = authenticate_token(work, value)
        identity = identity_of(work, user, token.scopes)
        if work.dirty:  # the token's last use, written at most once a minute
            work.commit()
        return identity
    except NotAuthenticated as refusal:
        _record_refusal(refusal.message)
        raise


def _record_refusal(reason: str) -> None:
    """A failed token, in the audit trail, in a unit of work of its own (never the token):
    the request fails, and the record of it must not."""
    try:
        with db().unit_of_work() as work:
            security_event(
                work, "token_refused", None, {"reason": reason, "ip": request.remote_addr}
            )
    except Exception:
        log.warning("could not record a refused token", exc_info=True)


def _from_provider_token(value: str) -> Identity:
    state = current_app.extensions["catalogue"]
    audience = state.settings.oidc_api_audience
    client = current_app.extensions.get("catalogue_sso")
    if not audience or client is None:
        raise NotAuthenticated("This catalogue does not accept the provider's access tokens.")
    try:
        metadata = client.load_server_metadata()
        keys = KeySet.import_key_set(client.fetch_jwk_set())
        token = jwt.decode(value, keys)
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": metadata["issuer"]},
            aud={"essential": True, "value": audience},
            sub={"essential": True},
            exp={"essential": True},
        ).validate(token.claims)
    except JoseError as exc:
        reason = exc.description or exc.error
        raise NotAuthenticated(f"The access token is not valid here: {reason}.") from exc
    except ValueError as exc:
        raise NotAuthenticated("The access token is malformed.") from exc
    claims: dict[str, Any] = token.claims
    subject = f"{metadata['issuer']}|{claims['sub']}"
    work = request_session()
    user = work.scalar(select(User).where(User.subject == subject))
    if user is None or not user.active:
        raise NotAuthenticated("Log in to the catalogue once before using its API.")
    granted = set(str(claims.get("scope", "")).split())
    scopes = {"read"} | ({"write"} if "write" in granted else set())
    return identity_of(work, user, scopes)


def _from_session() -> Identity:
    secret = session.get(SESSION_SECRET)
    if not isinstance(secret, str):
        return ANONYMOUS
    work = request_session()
    login = sessions.session_for(work, secret, current_app.permanent_session_lifetime)
    if login is None:  # ended here or elsewhere, idle too long, or its person disabled
        session.clear()
        return ANONYMOUS
    g.login_session_id = login.id
    if work.dirty:  # the session's last-seen time, written at most once a minute
        work.commit()
    return identity_of(work, login.user)


def current_session_id() -> int | None:
    """The server-side id of the login session carrying this request, if one does."""
    current_identity()
    session_id: int | None = g.get("login_session_id")
    return session_id


# -- sessions and CSRF -------------------------------------------------------------------------


def start_session(work: Session, user: User, via: str, provider_sid: str | None = None) -> None:
    """Log ``user`` in: a fresh session (no fixation), kept on the server in ``work``'s
    transaction, with its own CSRF token."""
    secret = sessions.open_session(
        work,
        user,
        via=via,
        provider_sid=provider_sid,
        ip=request.remote_addr,
        user_agent=request.user_agent.string,
    )
    session.clear()
    session.permanent = True
    session[SESSION_SECRET] = secret
    session[SESSION_CSRF] = secrets.token_urlsafe(32)
    g.pop("identity", None)
    g.pop("login_session_id", None)


def end_session() -> None:
    """Log out: the server-side session ends (a ``logout`` security event) and the cookie
    is emptied."""
    secret = session.get(SESSION_SECRET)
    if isinstance(secret, str):
        with db().unit_of_work() as work:
            sessions.log_out(work, secret, request.remote_addr)
    session.clear()
    g.pop("identity", None)
    g.pop("login_session_id", None)


def csrf_token() -> str:
    """This browser session's CSRF token (created for anonymous sessions too: login forms)."""
    token = session.get(SESSION_CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[SESSION_CSRF] = token
    return token


def check_csrf() -> None:
    """Unsafe requests carried by the session cookie must prove they come from our pages.

    Bearer tokens are exempt: a browser never attaches them on its own.
    """
    if request.method not in UNSAFE_METHODS or "Authorization" in request.headers:
        return
    if request.path == BACKCHANNEL_LOGOUT_PATH:
        return  # the provider's server calls it, with a signed token and no cookie
    if SESSION_SECRET not in session and not request.path.startswith("/auth/"):
        return  # no ambient credential to abuse; the request will be refused as anonymous
    expected = session.get(SESSION_CSRF)
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD)
    if not isinstance(expected, str) or not sent or not hmac.compare_digest(expected, sent):
        raise Forbidden(
            f"Missing or wrong CSRF token: send the {CSRF_HEADER} header (from GET /auth/session) "
            "or submit the form from the catalogue's own page."
        )


def require_login_for_changes() -> None:
    """Nothing is writable without logging in; a token also needs the write scope."""
    if request.method not in UNSAFE_METHODS or not request.path.startswith("/api/"):
        return
    if request.routing_exception is not None:
        return  # no such route or method: answer 404 or 405, not "log in"
    identity = current_identity()
    if identity.is_anonymous:
        raise NotAuthenticated("Log in, or send a personal access token, to change anything.")
    if not identity.allows("write"):
        raise Forbidden(
            f"This token has the scopes {', '.join(sorted(identity.scopes))}; "
            "changes need the write scope."
        )


def is_safe_next(target: str | None) -> bool:
    """Only local paths may be the target of a login redirect (no open redirects)."""
    return (
        bool(target)
        and target is not None
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and all(ord(ch) > 31 for ch in target)
    )


def safe_next(target: str | None) -> str:
    """Where to go after logging in: ``target`` if it is a local path, else the home page."""
    return target if target is not None and is_safe_next(target) else "/"
