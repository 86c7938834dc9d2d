"""State changes that must happen once, tried by many requests at the same moment.

Each test releases its requests together (a barrier) on threads of the real server code, on
PostgreSQL and on the embedded SQLite set-up: the two lock differently, and the rule must hold
on both. Issue 13: parallel new versions made three published "version 2" of one work.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from catalogue.models import AccessRequest, ApiToken, AuditEvent, Record
from catalogue.services.accounts import MAX_ACTIVE_TOKENS
from tests.integration.conftest import as_user, minimal_dataset

PARALLEL = 10


def at_once(app: Flask, send: Callable[[FlaskClient, int], Any], n: int = PARALLEL) -> Counter[int]:
    """Send ``n`` requests together; the count of each status code they answered."""
    barrier = threading.Barrier(n)

    def one(i: int) -> int:
        client = app.test_client()
        barrier.wait()
        status: int = send(client, i).status_code
        return status

    with ThreadPoolExecutor(n) as pool:
        return Counter(pool.map(one, range(n)))


def count(app: Flask, query: Any) -> int:
    with app.extensions["catalogue"].db.reader() as session:
        return int(session.scalar(query) or 0)


def published_dataset(client: FlaskClient, **fields: Any) -> str:
    created = client.post("/api/datasets", json=minimal_dataset(**fields), headers=as_user("anna"))
    assert created.status_code == 201, created.json
    record_id = str(created.json["id"])
    published = client.post(
        f"/api/datasets/{record_id}/publish", headers=as_user("anna", **{"If-Match": '"1"'})
    )
    assert published.status_code == 200, published.json
    return record_id


def test_one_new_version_however_many_ask_at_once(either_app: Flask) -> None:
    client = either_app.test_client()
    record_id = published_dataset(client)
    owner = as_user("anna")

    answers = at_once(
        either_app, lambda c, _: c.post(f"/api/datasets/{record_id}/versions", headers=owner)
    )

    assert answers == Counter({201: 1, 409: PARALLEL - 1})
    versions = client.get(f"/api/datasets/{record_id}/versions", headers=owner).json
    assert sorted(v["version_number"] for v in versions) == [1, 2]
    assert count(either_app, select(func.count()).where(Record.version_number == 2)) == 1


def test_a_draft_is_published_once(either_app: Flask) -> None:
    client = either_app.test_client()
    created = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")).json
    headers = as_user("anna", **{"If-Match": '"1"'})

    answers = at_once(
        either_app, lambda c, _: c.post(f"/api/datasets/{created['id']}/publish", headers=headers)
    )

    assert answers[200] == 1 and answers[200] + answers[412] == PARALLEL, answers
    publish_events = select(func.count()).where(AuditEvent.action == "publish")
    assert count(either_app, publish_events) == 1


def test_twenty_edits_of_one_revision_keep_one(either_app: Flask) -> None:
    client = either_app.test_client()
    created = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")).json
    url = f"/api/datasets/{created['id']}"
    headers = as_user("anna", **{"If-Match": '"1"'})

    answers = at_once(
        either_app,
        lambda c, i: c.put(url, json=minimal_dataset(title=f"Edit number {i}"), headers=headers),
        n=20,
    )

    assert answers == Counter({200: 1, 412: 19})
    shown = client.get(url, headers=as_user("anna")).json
    assert shown["revision"] == 2 and shown["title"].startswith("Edit number")


def test_a_record_is_withdrawn_once(either_app: Flask) -> None:
    client = either_app.test_client()
    record_id = published_dataset(client)
    headers = as_user("anna", **{"If-Match": '"2"'})

    answers = at_once(
        either_app,
        lambda c, i: c.post(
            f"/api/datasets/{record_id}/withdraw",
            json={"reason": f"Retracted, reason {i}"},
            headers=headers,
        ),
    )

    assert answers[200] == 1 and answers[200] + answers[412] == PARALLEL, answers
    withdraw_events = select(func.count()).where(AuditEvent.action == "withdraw")
    assert count(either_app, withdraw_events) == 1


def test_an_access_request_is_decided_once(either_app: Flask) -> None:
    client = either_app.test_client()
    record_id = published_dataset(
        client, access_right="restricted", distributions=[{"access_url": "https://x.org/secret"}]
    )
    asked = client.post(
        f"/api/datasets/{record_id}/access-requests",
        json={"purpose": "Replicating the migraine cohort analysis for a meta-study."},
        headers=as_user("bram"),
    )
    assert asked.status_code == 201
    stewards = [as_user(f"steward{i}", "data_steward") for i in range(PARALLEL)]
    url = f"/api/access-requests/{asked.json['id']}/decision"

    answers = at_once(
        either_app,
        # Half approve, half deny: whoever comes first decides, the others are told.
        lambda c, i: c.post(
            url,
            json={"decision": "approve" if i % 2 else "deny", "note": "Decided."},
            headers=stewards[i],
        ),
    )

    assert answers == Counter({200: 1, 409: PARALLEL - 1})
    decisions = ["access_approved", "access_denied"]
    decided = select(func.count()).where(AuditEvent.action.in_(decisions))
    assert count(either_app, decided) == 1
    assert count(either_app, select(func.count()).where(AccessRequest.status == "pending")) == 0


def test_one_pending_access_request_however_many_are_sent(either_app: Flask) -> None:
    client = either_app.test_client()
    record_id = published_dataset(
        client, access_right="restricted", distributions=[{"access_url": "https://x.org/secret"}]
    )
    asker = as_user("bram")

    answers = at_once(
        either_app,
        lambda c, _: c.post(
            f"/api/datasets/{record_id}/access-requests",
            json={"purpose": "Replicating the migraine cohort analysis for a meta-study."},
            headers=asker,
        ),
    )

    assert answers == Counter({201: 1, 409: PARALLEL - 1})
    assert count(either_app, select(func.count()).select_from(AccessRequest)) == 1


def test_parallel_tokens_do_not_pass_the_limit_together(either_app: Flask) -> None:
    headers = as_user("anna")  # holds one token already: the one this test signs in with
    client = either_app.test_client()
    for i in range(MAX_ACTIVE_TOKENS - 2):
        made = client.post("/api/me/tokens", json={"name": f"script {i}"}, headers=headers)
        assert made.status_code == 201

    answers = at_once(
        either_app,
        lambda c, i: c.post("/api/me/tokens", json={"name": f"racer {i}"}, headers=headers),
    )

    assert answers == Counter({201: 1, 409: PARALLEL - 1})
    assert count(either_app, select(func.count()).select_from(ApiToken)) == MAX_ACTIVE_TOKENS
    refused = client.post("/api/me/tokens", json={"name": "one more"}, headers=headers)
    assert refused.status_code == 409 and "revoke" in refused.json["message"]
