"""Login and logout in the browser: OpenID Connect through authlib, and a development login.

- ``GET /auth/login?next=/path`` sends the browser to the provider (state and nonce kept in
  the signed session cookie); ``GET /auth/callback`` checks them, validates the ID token
  (signature from the provider's published keys, issuer, audience, expiry, nonce), creates or
  refreshes the user and starts a fresh session, then goes back to ``next`` (local paths only).
- ``POST /auth/logout`` ends the session, and the provider's too when it offers RP-initiated
  logout.
- ``POST /auth/backchannel-logout`` is called by the provider (OpenID Connect Back-Channel
  Logout 1.0) when a person logs out there: a signed logout token names the person or the
  provider's session, and every matching session ends, on every app process.
- ``GET /auth/session`` tells a page who is logged in and gives it the CSRF token.
- ``GET/POST /auth/dev-login`` (development mode only; a page, so it is in
  ``catalogue.web.login``) lets a newcomer log in as a demo person.
"""

from __future__ import annotations

import logging
import time
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
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact
from sqlalchemy.exc import IntegrityError

from catalogue.api.context import db
from catalogue.api.identity import (
    BACKCHANNEL_LOGOUT_PATH,
    csrf_token,
    current_identity,
    end_session,
    safe_next,
    start_session,
)
from catalogue.api.logout_tokens import InvalidLogoutToken, LogoutClaims, validate_logout_token
from catalogue.domain.errors import Forbidden, NotAuthenticated, NotFound, ServiceUnavailable
from catalogue.services.accounts import user_from_claims
from catalogue.services.audit import security_event
from catalogue.services.sessions import ReplayedLogoutToken, provider_logout

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
        provider_sid = claims.get("sid")  # what the provider's back-channel logout will name
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
            start_session(
                work, user, "sso", provider_sid if isinstance(provider_sid, str) else None
            )
    except Forbidden:
        session.clear()
        raise
    if token.get("id_token"):
        session[_ID_TOKEN] = token["id_token"]
    return redirect(target)


@blp.post("/logout")
def logout() -> Any:
    id_token = session.get(_ID_TOKEN)
    end_session()
    home = _settings().base_url.rstrip("/") + "/"
    client = _sso()
    if client is not None and id_token:
        end = client.load_server_metadata().get("end_session_endpoint")
        if end:
            query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": home})
            return redirect(f"{end}?{query}")
    return redirect("/")


@blp.post(BACKCHANNEL_LOGOUT_PATH.removeprefix("/auth"))
def backchannel_logout() -> tuple[Response, int]:
    """The provider says a person logged out there: end their sessions here.

    200 when the token is valid (whether or not a session matched); 400 with the reason
    otherwise, and a ``logout_token_refused`` security event (spec, section 2.8).
    """
    client = _sso()
    if client is None:
        raise NotFound("Login is not configured.")
    value = request.form.get("logout_token", "")
    metadata = client.load_server_metadata()
    try:
        if not value:
            raise InvalidLogoutToken("send the logout_token form field")
        claims = _validated(client, value, metadata["issuer"])
        with db().unit_of_work() as work:
            ended = provider_logout(
                work, metadata["issuer"], claims.subject, claims.sid, claims.jti
            )
    except (InvalidLogoutToken, ReplayedLogoutToken, IntegrityError) as exc:
        reason = (
            exc.reason
            if isinstance(exc, InvalidLogoutToken)
            else "this logout token was already used (its jti was seen)"
        )
        with db().unit_of_work() as work:
            security_event(
                work, "logout_token_refused", None, {"reason": reason, "ip": request.remote_addr}
            )
        return _no_store(jsonify(error="invalid_request", error_description=reason)), 400
    log.info("back-channel logout ended %d session(s)", ended)
    return _no_store(jsonify(ended=ended)), 200


# A token naming a key we do not know makes us fetch the provider's keys again (it rotated
# them), at most this often: forged tokens with made-up key ids cannot make every request
# a fetch from the provider.
_KEY_REFETCH_INTERVAL_S = 60.0


def _validated(client: Any, value: str, issuer: str) -> LogoutClaims:
    """The token's claims, checked against the provider's published keys."""
    keys = KeySet.import_key_set(client.fetch_jwk_set())
    try:
        kid = extract_compact(value.encode()).headers().get("kid")
    except (JoseError, ValueError) as exc:
        raise InvalidLogoutToken("not a signed JWT") from exc
    if kid is not None and all(key.kid != kid for key in keys):
        refetched_at: float = current_app.extensions.get("catalogue_keys_refetched_at", -1e9)
        if time.monotonic() - refetched_at >= _KEY_REFETCH_INTERVAL_S:
            current_app.extensions["catalogue_keys_refetched_at"] = time.monotonic()
            keys = KeySet.import_key_set(client.fetch_jwk_set(force=True))
    return validate_logout_token(value, keys, issuer, _settings().oidc_client_id)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


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
