"""Login end to end against a real OpenID Connect provider (npm ``oidc-provider``).

The test plays the browser: the catalogue's redirects lead to the provider's real login and
consent pages, and the provider's redirect comes back to the catalogue's callback, which
exchanges the code (with PKCE) over HTTP and validates the ID token against published keys.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from catalogue.models import AuditEvent, User
from tests.e2e.conftest import (
    API_AUDIENCE,
    CATALOGUE,
    IdentityProvider,
    provider_access_token,
    sign_in_at_provider,
)


def start_login(client: FlaskClient, idp: IdentityProvider, next_path: str = "/api/me") -> str:
    """The catalogue's redirect to the provider."""
    response = client.get("/auth/login?" + urlencode({"next": next_path}))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(idp.issuer)
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == [idp.client_id]
    assert query["code_challenge_method"] == ["S256"]  # PKCE
    assert query["state"] and query["nonce"]
    return location


def log_in(client: FlaskClient, idp: IdentityProvider, login: str, next_path: str = "/") -> Any:
    back = sign_in_at_provider(
        requests.Session(), start_login(client, idp, next_path), idp.issuer, login
    )
    assert back.startswith(f"{CATALOGUE}/auth/callback?")
    return client.get(back.removeprefix(CATALOGUE))


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.extensions["catalogue"].db.reader() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_login_round_trip_creates_the_user_with_mapped_roles(
    sso_app: Flask, provider: IdentityProvider
) -> None:
    client = sso_app.test_client()
    assert client.get("/api/me").status_code == 401

    callback = log_in(client, provider, "alice", next_path="/api/me")

    assert callback.status_code == 302
    assert callback.headers["Location"] == "/api/me"
    cookie = callback.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    me = client.get("/api/me")
    assert me.status_code == 200
    assert me.json["name"] == "Alice Aalders"
    # "data-stewards" is mapped to data_steward; everyone who logs in is a researcher.
    assert me.json["roles"] == ["data_steward", "researcher"]
    with sso_app.extensions["catalogue"].db.reader() as session:
        user = session.scalar(select(User).where(User.email == "alice@example.org"))
        assert user is not None
        assert user.subject == f"{provider.issuer}|alice"
        assert user.orcid == "0000-0002-1825-0097"
    assert [event.actor_id for event in events(sso_app, "login")] == [me.json["id"]]
    # The session works for the API: a draft, with the CSRF token a page would send.
    csrf = client.get("/auth/session").json["csrf_token"]
    body = {"title": "Sleep diaries", "themes": ["genetics"]}
    assert client.post("/api/datasets", json=body).status_code == 403  # no CSRF token
    created = client.post("/api/datasets", json=body, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201, created.json


def test_second_login_keeps_the_same_user(sso_app: Flask, provider: IdentityProvider) -> None:
    first, second = sso_app.test_client(), sso_app.test_client()
    log_in(first, provider, "bob")
    log_in(second, provider, "bob")
    assert first.get("/api/me").json["id"] == second.get("/api/me").json["id"]
    assert second.get("/api/me").json["roles"] == ["researcher"]


def test_a_tampered_state_is_rejected(sso_app: Flask, provider: IdentityProvider) -> None:
    client = sso_app.test_client()
    back = sign_in_at_provider(
        requests.Session(), start_login(client, provider), provider.issuer, "alice"
    )
    parts = urlsplit(back)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query["state"] = "forged-" + query["state"]

    response = client.get(f"{parts.path}?{urlencode(query)}")

    assert response.status_code == 401
    page = response.get_data(as_text=True)
    assert "<h1>Login failed</h1>" in page and "Try logging in again" in page  # the site's page
    assert 'class="site"' in page and "Traceback" not in page
    assert client.get("/api/me").status_code == 401
    assert len(events(sso_app, "login_failed")) == 1
    assert events(sso_app, "login") == []


def test_login_redirects_only_to_local_paths(sso_app: Flask, provider: IdentityProvider) -> None:
    client = sso_app.test_client()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        assert log_in(client, provider, "bob", next_path=target).headers["Location"] == "/"


def test_logout_ends_the_session_here_and_at_the_provider(
    sso_app: Flask, provider: IdentityProvider
) -> None:
    client = sso_app.test_client()
    log_in(client, provider, "alice")
    csrf = client.get("/auth/session").json["csrf_token"]
    assert client.post("/auth/logout").status_code == 403  # a cross-site form cannot log you out

    response = client.post("/auth/logout", headers={"X-CSRF-Token": csrf})

    assert response.status_code == 302
    end_session = urlsplit(response.headers["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}" == provider.issuer
    assert parse_qs(end_session.query)["post_logout_redirect_uri"] == [f"{CATALOGUE}/"]
    assert client.get("/api/me").status_code == 401
    assert client.get("/auth/session").json["user"] is None


def test_provider_access_tokens_need_the_catalogues_audience(
    sso_app: Flask, provider: IdentityProvider
) -> None:
    client = sso_app.test_client()
    log_in(sso_app.test_client(), provider, "alice")  # people log in once before using the API

    ours = provider_access_token(provider, "alice", API_AUDIENCE)
    me = client.get("/api/me", headers={"Authorization": f"Bearer {ours}"})
    assert me.status_code == 200, me.json
    assert me.json["name"] == "Alice Aalders"
    assert me.json["scopes"] == ["read", "write"]

    theirs = provider_access_token(provider, "alice", "http://elsewhere.test/api")
    refused = client.get("/api/me", headers={"Authorization": f"Bearer {theirs}"})
    assert refused.status_code == 401
    assert "aud" in refused.json["message"]

    header, payload, _signature = ours.split(".")
    forged = f"{header}.{payload}.{'A' * 342}"
    assert client.get("/api/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    assert len(events(sso_app, "token_refused")) == 2


def test_someone_who_never_logged_in_cannot_use_a_provider_token(
    sso_app: Flask, provider: IdentityProvider
) -> None:
    token = provider_access_token(provider, "bob", API_AUDIENCE)
    response = sso_app.test_client().get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "Log in to the catalogue once" in response.json["message"]
