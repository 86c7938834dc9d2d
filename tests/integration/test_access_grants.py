"""Access grants end: a data steward grants access until a day (a year by default, at most
the configured maximum); on the day after, the links stop showing and the requester may ask
again; a grant can be revoked before, audited; the grants ending soon are listed daily.  The
day is set (catalogue.domain.clock), never slept for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from catalogue.cli import main
from catalogue.domain import clock
from tests.integration.conftest import as_user
from tests.integration.test_accounts import PURPOSE, SECRET_URL, restricted_dataset

STEWARD = ("sanne", "data_steward")
TODAY = date(2027, 3, 1)


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    clock.set_today(TODAY)
    yield
    clock.set_today(None)


def _ask(client: FlaskClient, dataset: str, who: str = "bram") -> dict[str, Any]:
    asked = client.post(
        f"/api/datasets/{dataset}/access-requests", json=PURPOSE, headers=as_user(who)
    )
    assert asked.status_code == 201, asked.json
    found: dict[str, Any] = asked.json
    return found


def _approve(client: FlaskClient, request_id: int, **body: Any) -> Any:
    return client.post(
        f"/api/access-requests/{request_id}/decision",
        json={"decision": "approve", **body},
        headers=as_user(*STEWARD),
    )


def _links(client: FlaskClient, dataset: str, who: str = "bram") -> bool:
    shown = client.get(f"/api/datasets/{dataset}", headers=as_user(who)).json
    versions = client.get(f"/api/datasets/{dataset}/versions", headers=as_user(who))
    assert (SECRET_URL in versions.get_data(as_text=True)) is shown["data_access"]["links_shown"]
    return SECRET_URL in str(shown["distributions"]) and shown["data_access"]["links_shown"]


def test_a_grant_ends_after_its_last_day_and_the_requester_may_ask_again(
    client: FlaskClient,
) -> None:
    dataset = restricted_dataset(client)
    request = _ask(client, dataset)
    last_day = TODAY + timedelta(days=30)
    approved = _approve(client, request["id"], until=last_day.isoformat())
    assert approved.status_code == 200 and approved.json["valid_until"] == last_day.isoformat()
    mine = client.get(f"/api/access-requests/{request['id']}", headers=as_user("bram")).json
    assert mine["valid_until"] == last_day.isoformat()  # the requester sees the end

    assert _links(client, dataset)
    clock.set_today(last_day)
    assert _links(client, dataset)  # the last day still gives access
    clock.set_today(last_day + timedelta(days=1))
    assert not _links(client, dataset)  # the next request, the day after: gone
    again = _ask(client, dataset)
    assert again["status"] == "pending"


def test_the_default_term_and_the_longest(client: FlaskClient, app: Flask) -> None:
    settings = app.extensions["catalogue"].settings
    dataset = restricted_dataset(client)
    first = _ask(client, dataset)
    default = _approve(client, first["id"]).json
    assert (
        default["valid_until"] == (TODAY + timedelta(days=settings.access_grant_days)).isoformat()
    )

    second = _ask(client, dataset, "lotte")
    too_long = TODAY + timedelta(days=settings.access_grant_max_days + 1)
    refused = _approve(client, second["id"], until=too_long.isoformat())
    assert refused.status_code == 422 and "until" in refused.json["errors"]["json"]
    past = _approve(client, second["id"], until=TODAY.isoformat())
    assert past.status_code == 422 and "after today" in str(past.json["errors"]["json"]["until"])
    still = client.get(f"/api/access-requests/{second['id']}", headers=as_user(*STEWARD)).json
    assert still["status"] == "pending"  # a refused decision changes nothing


def test_a_grant_revoked_early_stops_at_once_and_is_audited(client: FlaskClient) -> None:
    dataset = restricted_dataset(client)
    request = _ask(client, dataset)
    _approve(client, request["id"])
    assert _links(client, dataset)
    url = f"/api/access-requests/{request['id']}/revoke"
    assert client.post(url, json={}, headers=as_user("bram")).status_code == 403
    revoked = client.post(url, json={"note": "Consent withdrawn."}, headers=as_user(*STEWARD))
    assert revoked.status_code == 200, revoked.json
    assert revoked.json["status"] == "revoked" and revoked.json["revoked_at"]
    assert not _links(client, dataset)
    assert client.post(url, json={}, headers=as_user(*STEWARD)).status_code == 409
    history = client.get(f"/api/datasets/{dataset}/history", headers=as_user(*STEWARD)).json
    assert history[-1]["action"] == "access_revoked"
    assert _ask(client, dataset)["status"] == "pending"  # may ask again


def test_the_grants_ending_within_thirty_days_are_listed(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in app.extensions["catalogue"].settings.to_environ().items():
        monkeypatch.setenv(name, value)
    dataset = restricted_dataset(client)
    soon, later = _ask(client, dataset, "bram"), _ask(client, dataset, "lotte")
    _approve(client, soon["id"], until=(TODAY + timedelta(days=10)).isoformat())
    _approve(client, later["id"], until=(TODAY + timedelta(days=90)).isoformat())

    listed = CliRunner().invoke(main, ["access", "ending"])

    assert listed.exit_code == 0, listed.output
    said = " ".join(listed.output.split())
    assert "1 grants end within 30 days" in said
    assert (TODAY + timedelta(days=10)).isoformat() in said
    assert (TODAY + timedelta(days=90)).isoformat() not in said
