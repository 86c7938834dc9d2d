"""The FAIR assessment as researchers and stewards meet it: stored on every save, served per
dataset, and given live for a draft being edited."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.integration.conftest import as_user, minimal_dataset


def test_the_assessment_follows_each_save(client: FlaskClient) -> None:
    bare = {"title": "Sleep diaries", "themes": ["neuroscience"], "license": None}
    created = client.post("/api/datasets", json=bare, headers=as_user("anna")).json
    url = f"/api/datasets/{created['id']}"

    first = client.get(f"{url}/fair", headers=as_user("anna")).json
    assert first["essential_passed"] is False
    hints = " ".join(gap["hint"] for gap in first["gaps"])
    assert "field: license" in hints and "fields: creators" in hints
    assert first["assessed_at"]

    edited = client.put(url, json=minimal_dataset(), headers=as_user("anna", **{"If-Match": '"1"'}))
    assert edited.status_code == 200 and edited.headers["ETag"] == '"2"'  # one save, one revision
    second = client.get(f"{url}/fair", headers=as_user("anna")).json
    assert second["score"] > first["score"]
    assert "field: license" not in " ".join(gap["hint"] for gap in second["gaps"])

    published = client.post(f"{url}/publish", headers=as_user("anna", **{"If-Match": '"2"'}))
    assert published.status_code == 200 and published.headers["ETag"] == '"3"'
    third = client.get(f"{url}/fair").json  # public once published
    assert third["score"] > second["score"]
    assert {"FsF-F1-02D-2", "FsF-F4-01M-2"} >= set(third["not_checked"])


def test_a_draft_is_checked_without_being_saved(client: FlaskClient) -> None:
    body = {"title": "Sleep diaries", "themes": ["astrology"], "creators": [{"name": "Jansen"}]}
    checked = client.post("/api/datasets/check", json=body, headers=as_user("anna"))
    assert checked.status_code == 200
    assert checked.json["valid"] is False
    assert "themes" in checked.json["errors"]
    assert checked.json["fair"]["score"] < 50
    assert any("field: license" in gap["hint"] for gap in checked.json["fair"]["gaps"])
    assert (
        client.get("/api/datasets?status=draft&owner=me", headers=as_user("anna")).json["total"]
        == 0
    )
    good = client.post("/api/datasets/check", json=minimal_dataset(), headers=as_user("anna")).json
    assert good["valid"] is True and good["errors"] is None
