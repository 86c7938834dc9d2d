"""The login provider's back-channel logout token (OpenID Connect Back-Channel Logout 1.0,
section 2.6), checked as the specification says before any session is ended:

1. a JWT signed by one of the provider's published keys (never ``alg: none``, never a shared
   secret), issued by the provider, for this catalogue (``aud`` holds our client id), issued
   at most ``MAX_AGE_S`` seconds ago and not in the future (``exp`` honoured if present);
2. it names a subject (``sub``), a provider session (``sid``), or both;
3. its ``events`` claim holds the back-channel logout event, as a JSON object;
4. it carries no ``nonce`` (so an ID token can never pass for a logout token);
5. it has a ``jti``, which the caller remembers so the same token is acted on once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# A logout token is delivered the moment it is made: minutes are plenty, and the window
# bounds how long its jti must be remembered.
MAX_AGE_S = 300
# Clocks of two servers disagree a little.
LEEWAY_S = 60


class InvalidLogoutToken(Exception):
    """Why a logout token was refused (said in the 400 answer)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LogoutClaims:
    subject: str | None
    sid: str | None
    jti: str


def validate_logout_token(
    value: str, keys: KeySet, issuer: str, client_id: str, now: float | None = None
) -> LogoutClaims:
    """The claims of a valid logout token; InvalidLogoutToken says what is wrong otherwise."""
    moment = int(now if now is not None else time.time())
    try:
        token = jwt.decode(value, keys)
        jwt.JWTClaimsRegistry(
            now=moment,
            leeway=LEEWAY_S,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            iat={"essential": True},
            jti={"essential": True},
        ).validate(token.claims)
    except JoseError as exc:
        raise InvalidLogoutToken(exc.description or exc.error) from exc
    except ValueError as exc:  # not a JWT at all
        raise InvalidLogoutToken("not a signed JWT") from exc
    claims: dict[str, Any] = token.claims
    if claims["iat"] < moment - MAX_AGE_S - LEEWAY_S:
        raise InvalidLogoutToken(f"issued more than {MAX_AGE_S} seconds ago")
    subject, sid = claims.get("sub"), claims.get("sid")
    if subject is None and sid is None:
        raise InvalidLogoutToken("names neither a subject (sub) nor a session (sid)")
    if sid is not None and not isinstance(sid, str):
        raise InvalidLogoutToken("'sid' must be a string")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_EVENT), dict):
        raise InvalidLogoutToken(f"its 'events' claim does not hold {BACKCHANNEL_EVENT}")
    if "nonce" in claims:
        raise InvalidLogoutToken("a logout token must not carry a nonce")
    return LogoutClaims(subject=subject, sid=sid, jti=claims["jti"])
