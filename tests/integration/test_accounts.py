"""Personal access tokens, co-editors, restricted data with access requests, rate limits,
the development login and the administration of users: against real PostgreSQL and
Elasticsearch."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from catalogue.app import create_app
from tests.integration.conftest import (
    as_user,
    issue_test_token,
    make_settings,
    minimal_dataset,
)

SECRET_URL = "https://data.example.org/restricted/cohort-2024.zip"
PURPOSE = {"purpose": "Replicating the migraine cohort analysis for a meta-study."}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_token(client: FlaskClient, **body: Any) -> dict[str, Any]:
    response = client.post(
        "/api/me/tokens", json={"name": "script", **body}, headers=as_user("anna")
    )
    assert response.status_code == 201, response.json
    created: dict[str, Any] = response.json
    return created


# -- personal access tokens ---------------------------------------------------------------------


def test_a_token_is_shown_once_and_stored_hashed(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    created = new_token(client, scopes=["write"], expires_in_days=7)
    secret = created["token"]
    assert secret.startswith("cat_") and created["scopes"] == ["read", "write"]

    me = client.get("/api/me", headers=bearer(secret))
    assert me.status_code == 200 and me.json["scopes"] == ["read", "write"]
    listed = client.get("/api/me/tokens", headers=bearer(secret)).json
    assert [token["name"] for token in listed] == ["test anna", "script"]
    assert secret not in str(listed) and listed[1]["prefix"] == secret[:12]
    assert listed[1]["last_used_at"] is not None
    with app.extensions["catalogue"].db.engine.connect() as connection:
        stored = connection.execute(text("SELECT * FROM api_tokens")).all()
    assert secret not in str(stored)
    assert all(secret not in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Bearer", "Bearer <token>"),
        ("Basic YW5uYTpzZWNyZXQ=", "Bearer <token>"),
        ("Bearer not-a-catalogue-token", "malformed"),
        ("Bearer cat_" + "x" * 43, "not known"),
        ("Bearer a.b.c", "does not accept"),
    ],
)
def test_malformed_and_unknown_tokens_are_refused(
    client: FlaskClient, header: str, message: str
) -> None:
    response = client.get("/api/me", headers={"Authorization": header})
    assert response.status_code == 401
    assert message in response.json["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_and_expired_tokens_stop_working(app: Flask, client: FlaskClient) -> None:
    revoked, expired = new_token(client), new_token(client)
    gone = client.delete(f"/api/me/tokens/{revoked['id']}", headers=as_user("anna"))
    assert gone.status_code == 204
    with app.extensions["catalogue"].db.engine.begin() as connection:
        connection.execute(
            text("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = :id"),
            {"id": expired["id"]},
        )

    assert "revoked" in client.get("/api/me", headers=bearer(revoked["token"])).json["message"]
    assert "expired" in client.get("/api/me", headers=bearer(expired["token"])).json["message"]
    events = client.get("/api/security-events", headers=as_user("ada", "administrator")).json
    actions = [event["action"] for event in events]
    assert actions.count("token_refused") == 2 and "token_revoked" in actions
    assert all(revoked["token"] not in str(event) for event in events)


def test_a_token_cannot_exceed_its_scopes_or_its_owner(app: Flask, client: FlaskClient) -> None:
    read_only = issue_test_token(app, "anna", ("researcher",), scopes=("read",))
    refused = client.post("/api/datasets", json=minimal_dataset(), headers=bearer(read_only))
    assert refused.status_code == 403 and "write scope" in refused.json["message"]
    # A researcher cannot give herself the admin scope; nobody gets scopes they lack.
    admin = client.post(
        "/api/me/tokens", json={"name": "x", "scopes": ["admin"]}, headers=as_user("anna")
    )
    assert admin.status_code == 403
    too_long = client.post(
        "/api/me/tokens", json={"name": "x", "expires_in_days": 3650}, headers=as_user("anna")
    )
    assert too_long.status_code == 422 and "expires_in_days" in too_long.json["errors"]["json"]


def test_a_disabled_account_loses_its_tokens(client: FlaskClient) -> None:
    bram = client.get("/api/me", headers=as_user("bram")).json["id"]
    admin = as_user("ada", "administrator")
    changed = client.patch(f"/api/users/{bram}", json={"active": False}, headers=admin)
    assert changed.status_code == 200 and changed.json["active"] is False
    assert client.get("/api/me", headers=as_user("bram")).status_code == 401
    me = client.get("/api/me", headers=admin).json["id"]
    refused = client.patch(f"/api/users/{me}", json={"roles": []}, headers=admin)
    assert refused.status_code == 403 and "themselves" in refused.json["message"]


def test_roles_granted_by_an_administrator_take_effect(client: FlaskClient) -> None:
    bram = client.get("/api/me", headers=as_user("bram")).json["id"]
    granted = client.patch(
        f"/api/users/{bram}",
        json={"roles": ["researcher", "librarian"]},
        headers=as_user("ada", "administrator"),
    )
    assert granted.json["roles"] == ["librarian", "researcher"]
    assert client.get("/api/me", headers=as_user("bram")).json["roles"] == [
        "librarian",
        "researcher",
    ]
    events = client.get("/api/security-events", headers=as_user("ada", "administrator")).json
    change = next(event for event in events if event["action"] == "user_changed")
    assert change["details"]["to"]["roles"] == ["librarian", "researcher"]


# -- co-editors ---------------------------------------------------------------------------------


def test_a_co_editor_edits_and_finds_the_draft_until_removed(client: FlaskClient) -> None:
    bram = client.get("/api/me", headers=as_user("bram")).json["id"]
    draft = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")).json
    url = f"/api/datasets/{draft['id']}"
    assert client.get(url, headers=as_user("bram")).status_code == 404

    added = client.post(
        f"{url}/editors", json={"email": "bram@example.org"}, headers=as_user("anna")
    )
    assert added.status_code == 201 and added.json["name"] == "bram"
    again = client.post(
        f"{url}/editors", json={"email": "bram@example.org"}, headers=as_user("anna")
    )
    assert again.status_code == 409

    edit = client.put(
        url, json=minimal_dataset(title="Co-edited"), headers=as_user("bram", **{"If-Match": '"1"'})
    )
    assert edit.status_code == 200
    mine = client.get("/api/search?status=draft", headers=as_user("bram")).json
    assert [hit["id"] for hit in mine["hits"]] == [draft["id"]]

    removed = client.delete(f"{url}/editors/{bram}", headers=as_user("anna"))
    assert removed.status_code == 204
    assert client.get(url, headers=as_user("bram")).status_code == 404
    history = client.get(f"{url}/history", headers=as_user("anna")).json
    assert [event["action"] for event in history] == [
        "create",
        "editor_added",
        "update",
        "editor_removed",
    ]


# -- restricted data and access requests --------------------------------------------------------


def restricted_dataset(client: FlaskClient) -> str:
    body = minimal_dataset(
        title="Restricted migraine cohort",
        access_right="restricted",
        distributions=[{"access_url": SECRET_URL, "format": "ZIP"}],
    )
    created = client.post("/api/datasets", json=body, headers=as_user("anna")).json
    published = client.post(
        f"/api/datasets/{created['id']}/publish", headers=as_user("anna", **{"If-Match": '"1"'})
    )
    assert published.status_code == 200, published.json
    return str(created["id"])


def test_restricted_links_never_leak(client: FlaskClient) -> None:
    dataset = restricted_dataset(client)
    url = f"/api/datasets/{dataset}"
    for caller in ({}, as_user("bram"), as_user("lotte", "librarian")):
        shown = client.get(url, headers=caller).json
        assert shown["title"] == "Restricted migraine cohort"  # the metadata stays findable
        assert shown["distributions"][0]["format"] == "ZIP"
        assert shown["distributions"][0]["access_url"] is None
        assert shown["data_access"]["links_shown"] is False
        assert shown["data_access"]["request_access"].endswith(f"{url}/access-requests")
        for probe in (
            url,
            f"{url}/versions",
            "/api/search?q=restricted",
            "/api/datasets?q=cohort",
            "/api/search/suggest?q=restr",
            f"{url}/history",
        ):
            assert SECRET_URL not in client.get(probe, headers=caller).get_data(as_text=True)
    for caller in (as_user("anna"), as_user("sanne", "data_steward")):
        assert client.get(url, headers=caller).json["distributions"][0]["access_url"] == SECRET_URL
    # Search serves one document to everyone: even the owner's hit carries no link.
    hits = client.get("/api/search?q=restricted", headers=as_user("anna")).json["hits"]
    assert hits and SECRET_URL not in str(hits)


def test_an_access_request_from_asking_to_the_data(client: FlaskClient) -> None:
    dataset = restricted_dataset(client)
    steward = as_user("sanne", "data_steward")
    asked = client.post(
        f"/api/datasets/{dataset}/access-requests", json=PURPOSE, headers=as_user("bram")
    )
    assert asked.status_code == 201 and asked.json["status"] == "pending"
    twice = client.post(
        f"/api/datasets/{dataset}/access-requests", json=PURPOSE, headers=as_user("bram")
    )
    assert twice.status_code == 409 and "pending" in twice.json["message"]
    short = client.post(
        f"/api/datasets/{dataset}/access-requests",
        json={"purpose": "pls"},
        headers=as_user("lotte"),
    )
    assert short.status_code == 422 and "purpose" in short.json["errors"]["json"]

    queue = client.get("/api/access-requests?status=pending", headers=steward).json
    assert [item["id"] for item in queue] == [asked.json["id"]]
    assert client.get("/api/access-requests", headers=as_user("lotte")).json == []
    decision_url = f"/api/access-requests/{asked.json['id']}/decision"
    no_note = client.post(decision_url, json={"decision": "deny"}, headers=steward)
    assert no_note.status_code == 422 and "note" in no_note.json["errors"]["json"]
    approved = client.post(
        decision_url, json={"decision": "approve", "note": "Within the consent."}, headers=steward
    )
    assert approved.status_code == 200
    assert approved.json["status"] == "approved" and approved.json["decided_by"] == "sanne"
    assert (
        client.post(
            decision_url, json={"decision": "deny", "note": "x"}, headers=steward
        ).status_code
        == 409
    )

    outcome = client.get(f"/api/access-requests/{asked.json['id']}", headers=as_user("bram")).json
    assert outcome["status"] == "approved" and outcome["decision_note"] == "Within the consent."
    shown = client.get(f"/api/datasets/{dataset}", headers=as_user("bram")).json
    assert shown["distributions"][0]["access_url"] == SECRET_URL
    assert shown["data_access"] == {
        "links_shown": True,
        "reason": "granted",
        "request_access": None,
    }
    history = client.get(f"/api/datasets/{dataset}/history", headers=steward).json
    assert [event["action"] for event in history][-2:] == ["access_requested", "access_approved"]


@pytest.mark.parametrize(
    ("access_right", "reason"),
    [("open", "already have access"), ("metadata-only", "not available through the catalogue")],
)
def test_open_and_metadata_only_datasets_take_no_requests(
    client: FlaskClient, access_right: str, reason: str
) -> None:
    body = minimal_dataset(access_right=access_right)
    if access_right == "metadata-only":
        body["distributions"] = []
    created = client.post("/api/datasets", json=body, headers=as_user("anna")).json
    published = client.post(
        f"/api/datasets/{created['id']}/publish", headers=as_user("anna", **{"If-Match": '"1"'})
    )
    assert published.status_code == 200, published.json
    asked = client.post(
        f"/api/datasets/{created['id']}/access-requests", json=PURPOSE, headers=as_user("bram")
    )
    assert asked.status_code == 409 and reason in asked.json["message"]


# -- rate limits, the development login ---------------------------------------------------------


def test_anonymous_use_is_rate_limited(pg_url: str, app: Flask) -> None:
    limited = create_app(make_settings(pg_url, anonymous_rate_limit="3 per minute"))
    client = limited.test_client()
    answers = [client.get("/api/vocabularies/themes") for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    # "Retry-After" only where a request was refused; the limits are in X-RateLimit-*.
    assert "Retry-After" not in answers[0].headers
    assert answers[0].headers["X-RateLimit-Remaining"] == "2"
    refused = client.get("/api/vocabularies/themes")
    assert refused.json["code"] == 429 and int(refused.headers["Retry-After"]) > 0
    # Signed-in callers are not limited.
    token = issue_test_token(limited, "anna", ("researcher",))
    assert client.get("/api/vocabularies/themes", headers=bearer(token)).status_code == 200
    limited.extensions["catalogue"].db.dispose()


def test_a_rate_limit_whose_counters_are_away_serves_and_warns(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on port 1: every count fails, and the catalogue stays up.
    settings = make_settings(
        pg_url, anonymous_rate_limit="1 per minute", rate_limit_storage="redis://127.0.0.1:1/0"
    )
    limited = create_app(settings)
    client = limited.test_client()
    answers = [client.get("/api/vocabularies/themes") for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert "X-RateLimit-Remaining" not in answers[0].headers
    assert "rate limit storage unavailable" in caplog.text
    limited.extensions["catalogue"].db.dispose()


def test_the_development_login_lets_a_newcomer_try_each_role(client: FlaskClient) -> None:
    page = client.get("/auth/dev-login?next=/api/me")
    assert page.status_code == 200
    text_ = page.get_data(as_text=True)
    for role in ("researcher", "librarian", "data steward", "administrator"):
        assert f"({role})" in text_
    csrf = client.get("/auth/session").json["csrf_token"]
    steward = client.get("/api/users", headers=as_user("ada", "administrator")).json
    sanne = next(user for user in steward if user["name"].startswith("Sanne"))
    form = {"user": str(sanne["id"]), "next": "/api/me"}
    assert client.post("/auth/dev-login", data=form).status_code == 403  # no CSRF token

    logged_in = client.post("/auth/dev-login", data={**form, "csrf_token": csrf})

    assert logged_in.status_code == 302 and logged_in.headers["Location"] == "/api/me"
    me = client.get("/api/me").json
    assert me["roles"] == ["data_steward", "researcher"]
    # A session may do what its roles allow: read and write, not administer.
    assert me["scopes"] == ["read", "write"]
