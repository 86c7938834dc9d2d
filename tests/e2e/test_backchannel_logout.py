"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0) with the real provider.

A person logs in to one catalogue process; they log out at the provider; the provider posts
its signed logout token to the catalogue's back-channel endpoint, answered by another
process; the session held by the first process is over at its next request.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from flask import Flask
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import select

from catalogue.api.logout_tokens import BACKCHANNEL_EVENT
from catalogue.models import AuditEvent, LoginSession
from tests.app_servers import gunicorn
from tests.e2e.conftest import CATALOGUE, IdentityProvider, sign_in_at_provider
from tests.e2e.test_login import log_in


@pytest.fixture()
def two_processes(sso_app: Flask, provider: IdentityProvider) -> Iterator[tuple[str, str]]:
    """Two gunicorn servers of the catalogue; the provider's logout tokens reach the second."""
    settings = sso_app.extensions["catalogue"].settings
    with gunicorn(settings) as holder, gunicorn(settings) as receiver:
        provider.backchannel.reset(receiver)
        yield holder, receiver
        provider.backchannel.reset(None)


def sso_login(browser: requests.Session, base: str, idp: IdentityProvider, login: str) -> None:
    """Log in to the catalogue at ``base`` through the provider's pages, as a browser does."""
    start = browser.get(f"{base}/auth/login?next=/api/me", allow_redirects=False, timeout=10)
    assert start.status_code == 302
    back = sign_in_at_provider(browser, start.headers["Location"], idp.issuer, login)
    assert back.startswith(f"{CATALOGUE}/auth/callback?")  # the configured base URL
    done = browser.get(base + back.removeprefix(CATALOGUE), allow_redirects=False, timeout=10)
    assert done.status_code == 302, done.text


def log_out_at_provider(browser: requests.Session, idp: IdentityProvider) -> None:
    """The provider's own logout page: confirm "log me out" (of every application)."""
    page = browser.get(f"{idp.issuer}/session/end", timeout=10)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text)
    assert xsrf, page.text[:2000]
    confirmed = browser.post(
        f"{idp.issuer}/session/end/confirm",
        data={"xsrf": xsrf.group(1), "logout": "yes"},
        allow_redirects=False,
        timeout=30,
    )
    assert confirmed.status_code in (302, 303), confirmed.text[:2000]


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.extensions["catalogue"].db.reader() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_logging_out_at_the_provider_ends_the_session_another_process_holds(
    sso_app: Flask, provider: IdentityProvider, two_processes: tuple[str, str]
) -> None:
    holder, receiver = two_processes
    browser = requests.Session()
    sso_login(browser, holder, provider, "alice")
    assert browser.get(f"{holder}/api/me", timeout=10).status_code == 200
    elsewhere = requests.Session()  # Alice on another computer: its own provider session
    sso_login(elsewhere, holder, provider, "alice")
    with sso_app.extensions["catalogue"].db.reader() as session:
        sids = session.scalars(select(LoginSession.provider_sid).order_by(LoginSession.id)).all()
    assert len(sids) == 2 and all(sids) and sids[0] != sids[1]  # the ID tokens' sid

    log_out_at_provider(browser, provider)

    # The provider's server posted one signed token, answered 200 by the other process.
    assert provider.backchannel.answers == [200]
    assert browser.get(f"{holder}/api/me", timeout=10).status_code == 401
    assert browser.get(f"{holder}/auth/session", timeout=10).json()["user"] is None
    # The token named that login's provider session: Alice's other computer stays logged in.
    assert elsewhere.get(f"{holder}/api/me", timeout=10).status_code == 200
    ended = events(sso_app, "session_ended")
    assert [event.changes["reason"] for event in ended] == ["provider_logout"]

    # The same token again (a replay) is refused, saying why, and recorded.
    (token,) = provider.backchannel.tokens
    replay = requests.post(f"{receiver}/auth/backchannel-logout", data={"logout_token": token})
    assert replay.status_code == 400
    assert replay.headers["Cache-Control"] == "no-store"
    assert replay.json()["error"] == "invalid_request"
    assert "already used" in replay.json()["error_description"]
    assert len(events(sso_app, "logout_token_refused")) == 1


def test_an_id_token_or_a_forged_token_ends_no_session(
    sso_app: Flask, provider: IdentityProvider
) -> None:
    client = sso_app.test_client()
    log_in(client, provider, "bob")
    with client.session_transaction() as cookie:
        id_token = cookie["id_token"]  # real, signed by the provider, for this catalogue

    as_logout = client.post("/auth/backchannel-logout", data={"logout_token": id_token})

    assert as_logout.status_code == 400
    # The provider's ID tokens have no jti, no events claim, and a nonce: refused at the first.
    assert re.search("jti|events|nonce", as_logout.json["error_description"])
    header, payload, _signature = id_token.split(".")
    forged = client.post(
        "/auth/backchannel-logout", data={"logout_token": f"{header}.{payload}.{'A' * 342}"}
    )
    assert forged.status_code == 400
    missing = client.post("/auth/backchannel-logout", data={})
    assert missing.status_code == 400 and "logout_token" in missing.json["error_description"]
    assert client.get("/api/me").status_code == 200  # still logged in
    assert len(events(sso_app, "logout_token_refused")) == 3


def test_made_up_key_ids_fetch_the_providers_keys_at_most_once_a_minute(
    sso_app: Flask, provider: IdentityProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    sso = sso_app.extensions["catalogue_sso"]
    fetch = sso.fetch_jwk_set
    forced: list[bool] = []

    def counted(force: bool = False) -> Any:
        forced.append(force)
        return fetch(force=force)

    monkeypatch.setattr(sso, "fetch_jwk_set", counted)
    sso_app.extensions.pop("catalogue_keys_refetched_at", None)
    stranger = RSAKey.generate_key(2048)
    now = int(time.time())
    client = sso_app.test_client()
    for n in range(3):
        claims = {"iss": provider.issuer, "aud": provider.client_id, "iat": now, "jti": f"j{n}",
                  "sub": "alice", "events": {BACKCHANNEL_EVENT: {}}}  # fmt: skip
        forged = jwt.encode({"alg": "RS256", "kid": f"made-up-{n}"}, claims, stranger)
        answer = client.post("/auth/backchannel-logout", data={"logout_token": forged})
        assert answer.status_code == 400

    assert forced.count(True) == 1  # the provider's keys fetched again once, not three times
    sso_app.extensions.pop("catalogue_keys_refetched_at", None)
