"""The record lifecycle through the API, against PostgreSQL: draft, publish, version, withdraw."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalogue.domain.errors import InvalidInput
from catalogue.services.accounts import ensure_user, identity_of
from catalogue.services.records import datasets
from schemas.records import DatasetSchema
from tests.integration.conftest import as_user, minimal_dataset, minimal_publication


def create(
    client: FlaskClient,
    body: dict[str, Any],
    who: dict[str, str] | None = None,
    kind: str = "datasets",
) -> dict[str, Any]:
    response = client.post(f"/api/{kind}", json=body, headers=who or as_user("anna"))
    assert response.status_code == 201, response.json
    data: dict[str, Any] = response.json
    return data


def publish(client: FlaskClient, record: dict[str, Any], kind: str = "datasets") -> Any:
    return client.post(
        f"/api/{kind}/{record['id']}/publish",
        headers={**as_user("anna"), "If-Match": f'"{record["revision"]}"'},
    )


def test_create_draft_normalises_identifiers_and_answers_with_etag(client: FlaskClient) -> None:
    response = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna"))

    assert response.status_code == 201
    body = response.json
    assert body["status"] == "draft"
    assert body["revision"] == 1
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"].endswith(f"/api/datasets/{body['id']}")
    assert body["license"] == "CC-BY-4.0"
    assert body["license_url"] == "https://spdx.org/licenses/CC-BY-4.0.html"
    assert body["creators"][0]["orcid"] == "0000-0002-1825-0097"
    assert body["creators"][0]["affiliations"][0]["ror"] == "https://ror.org/05xvt9f17"
    assert body["access_right_uri"] == "http://purl.org/coar/access_right/c_abf2"
    assert body["publication_year"] == 2024


def test_drafts_are_visible_to_their_owner_only(client: FlaskClient) -> None:
    draft = create(client, minimal_dataset())

    assert client.get(f"/api/datasets/{draft['id']}", headers=as_user("anna")).status_code == 200
    for other in ({}, as_user("bram")):
        response = client.get(f"/api/datasets/{draft['id']}", headers=other)
        assert response.status_code == 404
        assert "draft" not in response.json["message"].lower()
    assert client.get("/api/datasets").json["total"] == 0
    assert client.get("/api/datasets?status=draft", headers=as_user("bram")).json["total"] == 0
    mine = client.get("/api/datasets?owner=me", headers=as_user("anna")).json
    assert [hit["id"] for hit in mine["hits"]] == [draft["id"]]


def test_update_needs_the_current_revision(client: FlaskClient) -> None:
    draft = create(client, minimal_dataset())
    url = f"/api/datasets/{draft['id']}"

    missing = client.put(url, json=minimal_dataset(title="New"), headers=as_user("anna"))
    assert missing.status_code == 428

    first = client.put(
        url,
        json=minimal_dataset(title="First edit"),
        headers={**as_user("anna"), "If-Match": '"1"'},
    )
    assert first.status_code == 200
    assert first.json["revision"] == 2
    assert first.headers["ETag"] == '"2"'

    # A second editor who read revision 1 must not overwrite the first edit.
    stale = client.put(
        url,
        json=minimal_dataset(title="Second edit"),
        headers={**as_user("anna"), "If-Match": '"1"'},
    )
    assert stale.status_code == 412
    assert "revision 1" in stale.json["message"]
    assert client.get(url, headers=as_user("anna")).json["title"] == "First edit"


def test_others_cannot_change_a_record(client: FlaskClient) -> None:
    draft = create(client, minimal_dataset())
    url = f"/api/datasets/{draft['id']}"

    anonymous = client.put(url, json=minimal_dataset(), headers={"If-Match": '"1"'})
    assert anonymous.status_code == 401
    published = publish(client, draft).json
    other = client.put(
        url,
        json=minimal_dataset(title="Mine now"),
        headers={**as_user("bram"), "If-Match": f'"{published["revision"]}"'},
    )
    assert other.status_code == 403
    assert client.get(url).json["title"] == minimal_dataset()["title"]


def test_publish_requires_complete_metadata_and_names_the_missing_fields(
    client: FlaskClient,
) -> None:
    draft = create(client, {"title": "Only a title"})

    response = publish(client, draft)

    assert response.status_code == 422
    fields = response.json["errors"]["json"]
    assert {"creators", "themes", "description", "license", "distributions"} <= set(fields)
    assert (
        client.get(f"/api/datasets/{draft['id']}", headers=as_user("anna")).json["status"]
        == "draft"
    )


def test_published_record_is_public_and_listed(client: FlaskClient) -> None:
    draft = create(client, minimal_dataset())

    response = publish(client, draft)

    assert response.status_code == 200
    assert response.json["status"] == "published"
    assert response.json["published"]
    public = client.get(f"/api/datasets/{draft['id']}")
    assert public.status_code == 200
    listing = client.get("/api/datasets?theme=neuroscience&year=2024").json
    assert [hit["id"] for hit in listing["hits"]] == [draft["id"]]
    assert client.get("/api/datasets?theme=cancer").json["total"] == 0
    assert client.get("/api/datasets?year=2023").json["total"] == 0
    again = publish(client, response.json)
    assert again.status_code == 409


def test_new_version_keeps_history_and_only_the_latest_is_listed(client: FlaskClient) -> None:
    first = publish(client, create(client, minimal_dataset(doi="10.34894/v1"))).json

    response = client.post(f"/api/datasets/{first['id']}/versions", headers=as_user("anna"))
    assert response.status_code == 201
    second = response.json
    assert second["status"] == "draft"
    assert second["concept_id"] == first["concept_id"]
    assert second["version_number"] == 2
    assert second["doi"] is None
    assert second["title"] == first["title"]
    duplicate = client.post(f"/api/datasets/{first['id']}/versions", headers=as_user("anna"))
    assert duplicate.status_code == 409

    published = publish(client, second).json
    assert published["is_latest"] is True
    listing = client.get("/api/datasets").json
    assert [hit["id"] for hit in listing["hits"]] == [second["id"]]
    versions = client.get(f"/api/datasets/{first['id']}/versions").json
    assert [(v["version_number"], v["is_latest"]) for v in versions] == [(1, False), (2, True)]


def test_withdrawn_record_keeps_a_tombstone(client: FlaskClient) -> None:
    record = publish(client, create(client, minimal_dataset())).json
    url = f"/api/datasets/{record['id']}"

    no_reason = client.post(
        f"{url}/withdraw",
        json={},
        headers={**as_user("anna"), "If-Match": f'"{record["revision"]}"'},
    )
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json["errors"]["json"]
    response = client.post(
        f"{url}/withdraw",
        json={"reason": "Consent withdrawn by participants."},
        headers={**as_user("anna"), "If-Match": f'"{record["revision"]}"'},
    )
    assert response.status_code == 200

    tombstone = client.get(url).json
    assert tombstone["status"] == "withdrawn"
    assert tombstone["withdrawal"]["reason"] == "Consent withdrawn by participants."
    assert tombstone["title"] == record["title"]  # FAIR A2: the metadata outlives the data
    assert client.get("/api/datasets").json["total"] == 0
    assert client.get("/api/datasets?status=withdrawn").json["total"] == 1
    edit = client.put(
        url,
        json=minimal_dataset(),
        headers={**as_user("anna"), "If-Match": f'"{tombstone["revision"]}"'},
    )
    assert edit.status_code == 409


def test_history_records_who_changed_what(client: FlaskClient) -> None:
    draft = create(client, minimal_dataset())
    url = f"/api/datasets/{draft['id']}"
    client.put(
        url,
        json=minimal_dataset(title="Better title", keywords=["migraine"]),
        headers={**as_user("anna"), "If-Match": '"1"'},
    )

    history = client.get(f"{url}/history", headers=as_user("anna")).json

    assert [event["action"] for event in history] == ["create", "update"]
    assert all(event["actor"] == "anna" for event in history)
    update = history[1]["changes"]
    assert update["title"] == {"from": minimal_dataset()["title"], "to": "Better title"}
    assert update["keywords"] == {"from": [], "to": ["migraine"]}
    assert "description" not in update
    assert client.get(f"{url}/history", headers=as_user("bram")).status_code == 404


def test_discarding_a_draft_removes_it(client: FlaskClient) -> None:
    draft = create(client, minimal_dataset())
    url = f"/api/datasets/{draft['id']}"

    assert client.delete(url, headers={**as_user("anna"), "If-Match": '"1"'}).status_code == 204
    assert client.get(url, headers=as_user("anna")).status_code == 404


def test_publication_with_journal_and_deposit(client: FlaskClient) -> None:
    body = minimal_publication(
        deposit={"version": "accepted", "url": "https://hdl.handle.net/1887/12345"},
        publisher_license="CC-BY-4.0",
        short_work=True,
        publicly_funded=True,
    )
    record = create(client, body, kind="publications")

    assert record["doi"] == "10.1212/wnl.0000000000001234"
    assert record["journal"]["issn"] == "0028-3878"
    assert record["journal"]["in_doaj"] is False
    assert record["deposit"]["version"] == "accepted"
    assert record["resource_type"] == "JournalArticle"
    published = publish(client, record, kind="publications")
    assert published.status_code == 200
    # A second publication in the same journal reuses the register's entry.
    other = create(
        client,
        minimal_publication(
            doi="10.1212/other", journal={"title": "Neurology (print)", "issn": "0028-3878"}
        ),
        kind="publications",
    )
    assert other["journal"]["title"] == "Neurology"


def test_listing_pages_and_filters_by_resource_type(client: FlaskClient) -> None:
    for i in range(5):
        publish(client, create(client, minimal_dataset(title=f"Dataset {i}")))
    publish(client, create(client, minimal_dataset(title="Code", resource_type="Software")))

    first = client.get("/api/datasets?size=4&page=1").json
    second = client.get("/api/datasets?size=4&page=2").json
    assert first["total"] == second["total"] == 6
    assert len(first["hits"]) == 4 and len(second["hits"]) == 2
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    software = client.get("/api/datasets?resource_type=Software").json
    assert [hit["title"] for hit in software["hits"]] == ["Code"]


def test_register_and_publish_in_one_step_keeps_both_checks_and_both_events(
    app: Flask, client: FlaskClient
) -> None:
    """What imports and the demo use: one write, the same rules as two requests."""
    state = app.extensions["catalogue"]
    schema = DatasetSchema()
    with state.db.unit_of_work() as session:
        owner = identity_of(session, ensure_user(session, "test|anna", "anna", ["researcher"]))
        record = datasets.create(session, owner, schema.load(minimal_dataset()), publish=True)
        record_id = record.id
    shown = client.get(f"/api/datasets/{record_id}").json  # anonymous: it is public
    assert (shown["status"], shown["revision"]) == ("published", 1)
    history = client.get(f"/api/datasets/{record_id}/history", headers=as_user("anna")).json
    assert [event["action"] for event in history] == ["create", "publish"]

    incomplete = schema.load(minimal_dataset(creators=[]))
    with pytest.raises(InvalidInput) as refused, state.db.unit_of_work() as session:
        datasets.create(session, owner, incomplete, publish=True)
    assert "creators" in refused.value.errors["json"]  # the field is named; nothing saved
    listed = client.get("/api/datasets?size=100").json
    assert [hit["id"] for hit in listed["hits"]] == [record_id]
