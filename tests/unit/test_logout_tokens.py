"""Each rule of Back-Channel Logout 1.0, section 2.6, refuses a token that breaks it
(the real provider's tokens are in tests/e2e/test_backchannel_logout.py)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from catalogue.api.logout_tokens import (
    BACKCHANNEL_EVENT,
    MAX_AGE_S,
    InvalidLogoutToken,
    LogoutClaims,
    validate_logout_token,
)

ISSUER = "https://login.example.org"
CLIENT = "catalogue"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
PUBLISHED = KeySet.import_key_set({"keys": [KEY.as_dict(private=False)]})
NOW = int(time.time())


def claims(**change: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT,
        "iat": NOW,
        "jti": "a1b2c3",
        "sub": "alice",
        "sid": "s-42",
        "events": {BACKCHANNEL_EVENT: {}},
    }
    base.update(change)
    return {name: value for name, value in base.items() if value is not None}


def signed(payload: dict[str, Any], key: Any = KEY, alg: str = "RS256") -> str:
    return jwt.encode({"alg": alg, "kid": "k1", "typ": "logout+jwt"}, payload, key)


def check(token: str) -> LogoutClaims:
    return validate_logout_token(token, PUBLISHED, ISSUER, CLIENT, now=NOW)


def test_a_valid_token_gives_subject_session_and_jti() -> None:
    assert check(signed(claims())) == LogoutClaims(subject="alice", sid="s-42", jti="a1b2c3")
    assert check(signed(claims(sid=None))).sid is None
    assert check(signed(claims(sub=None))).subject is None
    assert check(signed(claims(aud=["other", CLIENT]))).jti == "a1b2c3"  # one of several


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (claims(iss="https://evil.example"), "iss"),
        (claims(aud="someone-else"), "aud"),
        (claims(iat=None), "iat"),
        (claims(iat=NOW + 3600), "future"),
        (claims(iat=NOW - MAX_AGE_S - 120), "seconds ago"),
        (claims(exp=NOW - 120), "expired"),
        (claims(jti=None), "jti"),
        (claims(sub=None, sid=None), "neither a subject"),
        (claims(events=None), "events"),
        (claims(events={"http://schemas.openid.net/event/other": {}}), "events"),
        (claims(events={BACKCHANNEL_EVENT: "yes"}), "events"),
        (claims(nonce="n-0S6_WzA2Mj"), "nonce"),  # an ID token is no logout token
    ],
)
def test_a_token_breaking_a_rule_is_refused_saying_which(
    payload: dict[str, Any], reason: str
) -> None:
    with pytest.raises(InvalidLogoutToken) as refused:
        check(signed(payload))
    assert reason in refused.value.reason


def test_a_token_signed_by_another_key_is_refused() -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    with pytest.raises(InvalidLogoutToken):
        check(signed(claims(), key=stranger))


def test_a_shared_secret_or_no_signature_is_refused() -> None:
    # HS256 with a key an attacker could make (the published public key's bytes, say).
    secret = OctKey.import_key(b"x" * 32)
    with pytest.raises(InvalidLogoutToken):
        check(signed(claims(), key=secret, alg="HS256"))
    header, payload, _ = signed(claims()).split(".")
    unsigned = "eyJhbGciOiJub25lIn0." + payload + "."
    with pytest.raises(InvalidLogoutToken):
        check(unsigned)
    with pytest.raises(InvalidLogoutToken):
        check(f"{header}.{payload}.")


def test_garbage_is_refused() -> None:
    for value in ("", "not-a-jwt", "a.b.c", "...."):
        with pytest.raises(InvalidLogoutToken):
            check(value)
