"""Login and logout in the browser: OpenID Connect through authlib, and a development login.

- ``GET /auth/login?next=/path`` sends the browser to the provider (state and nonce kept in
  the signed session cookie); ``GET /auth/callback`` checks them, validates the ID token
  (signature from the provider's published keys, issuer, audience, expiry, nonce), creates or
  refreshes the user and starts a fresh session, then goes back to ``next`` (local paths only).
- ``POST /auth/logout`` ends the session, and the provider's too when it offers RP-initiated
  logout.
- ``GET /auth/session`` tells a page who is logged in and gives it the CSRF token.
- ``GET/POST /auth/dev-login`` (development mode only; a page, so it is in
  ``catalogue.web.login``) lets a newcomer log in as a demo person.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from authlib.common.errors import AuthlibBaseError
from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    request,
    session,
)
from joserfc.errors import JoseError

from catalogue.api.context import db
from catalogue.api.identity import csrf_token, current_identity, safe_next, start_session
from catalogue.domain.errors import Forbidden, NotAuthenticated, NotFound, ServiceUnavailable
from catalogue.services.accounts import user_from_claims
from catalogue.services.audit import security_event

log = logging.getLogger(__name__)
blp = Blueprint("auth", __name__, url_prefix="/auth")

_NEXT = "login_next"
_ID_TOKEN = "id_token"


def _settings() -> Any:
    return current_app.extensions["catalogue"].settings


def _sso() -> Any:
    return current_app.extensions.get("catalogue_sso")


@blp.get("/login")
def login() -> Any:
    target = safe_next(request.args.get("next"))
    client = _sso()
    if client is None:
        if _settings().dev_login_enabled:
            return redirect("/auth/dev-login?" + urlencode({"next": target}))
        raise ServiceUnavailable("Login is not configured (CATALOGUE_OIDC_DISCOVERY_URL).")
    session[_NEXT] = target
    return client.authorize_redirect(_settings().base_url.rstrip("/") + "/auth/callback")


@blp.get("/callback")
def callback() -> Any:
    client = _sso()
    if client is None:
        raise NotFound("Login is not configured.")
    target = safe_next(session.pop(_NEXT, None))
    try:
        token = client.authorize_access_token()
        claims = dict(token.get("userinfo") or {})
        if not claims.get("sub"):
            raise ValueError("the provider sent no ID token")
        if not (claims.get("name") or claims.get("email")):
            # Some providers keep the profile out of the ID token: ask the userinfo endpoint.
            profile = client.userinfo(token=token)
            if profile.get("sub") != claims["sub"]:
                raise ValueError("the userinfo answer is about someone else")
            claims.update(profile)
    except (AuthlibBaseError, JoseError, ValueError) as exc:
        # State mismatch, provider error, bad ID token (signature, issuer, audience, nonce).
        reason = getattr(exc, "description", None) or getattr(exc, "error", None) or str(exc)
        log.info("login refused: %s", type(exc).__name__)
        with db().unit_of_work() as work:
            security_event(
                work, "login_failed", None, {"reason": str(reason)[:300], "ip": request.remote_addr}
            )
        session.clear()
        # A page in the site's layout (the application's error handler), saying why.
        raise NotAuthenticated(f"The login could not be completed: {reason}.") from exc
    settings = _settings()
    issuer = client.load_server_metadata()["issuer"]
    try:
        with db().unit_of_work() as work:
            user = user_from_claims(
                work,
                issuer,
                claims,
                settings.oidc_role_claim,
                settings.role_map,
                settings.oidc_default_role,
            )
            security_event(work, "login", user.id, {"via": "sso", "ip": request.remote_addr})
    except Forbidden:
        session.clear()
        raise
    start_session(user)
    if token.get("id_token"):
        session[_ID_TOKEN] = token["id_token"]
    return redirect(target)


@blp.post("/logout")
def logout() -> Any:
    identity = current_identity()
    id_token = session.get(_ID_TOKEN)
    if not identity.is_anonymous:
        with db().unit_of_work() as work:
            security_event(work, "logout", identity.user_id, {"ip": request.remote_addr})
    session.clear()
    home = _settings().base_url.rstrip("/") + "/"
    client = _sso()
    if client is not None and id_token:
        end = client.load_server_metadata().get("end_session_endpoint")
        if end:
            query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": home})
            return redirect(f"{end}?{query}")
    return redirect("/")


@blp.get("/session")
def who() -> Response:
    """Who is logged in, and the CSRF token pages send with their changes."""
    identity = current_identity()
    user = None
    if not identity.is_anonymous:
        user = {"id": identity.user_id, "name": identity.name, "roles": sorted(identity.roles)}
    return jsonify(
        {
            "user": user,
            "csrf_token": csrf_token(),
            "login": "/auth/login",
            "logout": "/auth/logout",
            "single_sign_on": _sso() is not None,
            "development_login": bool(_settings().dev_login_enabled),
        }
    )
