"""The vocabularies records are checked against, as the API serves them."""

from __future__ import annotations

from collections import Counter

from flask.testing import FlaskClient

from tests.integration.conftest import as_user, minimal_dataset


def test_themes_come_in_the_three_groups_of_the_strategy_plan(client: FlaskClient) -> None:
    themes = client.get("/api/vocabularies/themes").json

    groups = Counter(theme["group"] for theme in themes)
    assert groups == {"innovation-theme": 10, "societal-priority": 4, "fundamental": 3}
    labels = {theme["label"] for theme in themes}
    assert {"Cardiovascular", "(Auto-)Immunity", "Data-driven Healthcare & AI"} <= labels


def test_one_theme_and_an_unknown_one(client: FlaskClient) -> None:
    theme = client.get("/api/vocabularies/themes/genetics")
    assert theme.status_code == 200
    assert theme.json == {
        "id": "genetics",
        "group": "innovation-theme",
        "label": "Genetics",
        "retired": False,
    }
    missing = client.get("/api/vocabularies/themes/astrology")
    assert missing.status_code == 404
    assert "astrology" in missing.json["message"]


def test_licences_are_the_spdx_list_and_can_be_filtered(client: FlaskClient) -> None:
    everything = client.get("/api/vocabularies/licences").json
    assert len(everything) > 500
    found = client.get("/api/vocabularies/licences?q=creative commons attribution 4.0").json
    ids = {licence["id"] for licence in found}
    assert "CC-BY-4.0" in ids
    cc_by = next(licence for licence in found if licence["id"] == "CC-BY-4.0")
    assert cc_by["url"] == "https://spdx.org/licenses/CC-BY-4.0.html"


def test_access_rights_are_coar_terms(client: FlaskClient) -> None:
    terms = {t["id"]: t["uri"] for t in client.get("/api/vocabularies/access-rights").json}
    assert terms == {
        "open": "http://purl.org/coar/access_right/c_abf2",
        "embargoed": "http://purl.org/coar/access_right/c_f1cf",
        "restricted": "http://purl.org/coar/access_right/c_16ec",
        "metadata-only": "http://purl.org/coar/access_right/c_14cb",
    }


def test_resource_types_say_how_they_are_registered(client: FlaskClient) -> None:
    kinds = {t["id"]: t["kind"] for t in client.get("/api/vocabularies/resource-types").json}
    assert kinds["Dataset"] == "dataset"
    assert kinds["JournalArticle"] == "publication"


def test_administrators_add_rename_and_retire_terms(client: FlaskClient) -> None:
    admin = as_user("ada", "administrator")
    url = "/api/vocabularies/departments/test-regenerative-medicine"
    added = client.put(url, json={"label": "Regenerative Medicin"}, headers=admin)
    assert added.status_code == 201
    renamed = client.put(url, json={"label": "Regenerative Medicine"}, headers=admin)
    assert renamed.status_code == 200 and renamed.json["label"] == "Regenerative Medicine"
    body = minimal_dataset(departments=["test-regenerative-medicine"])
    used = client.post("/api/datasets", json=body, headers=as_user("anna"))
    assert used.status_code == 201
    facets = client.get("/api/datasets?status=draft&owner=me", headers=as_user("anna")).json
    assert {"key": "test-regenerative-medicine", "count": 1, "label": "Regenerative Medicine"} in (
        facets["facets"]["department"]
    )

    retired = client.put(
        url, json={"label": "Regenerative Medicine", "retired": True}, headers=admin
    )
    assert retired.json["retired"] is True
    refused = client.post("/api/datasets", json=body, headers=as_user("anna"))
    assert refused.status_code == 422
    assert "retired" in refused.json["errors"]["json"]["departments"]["0"][0]
    # The record that has it keeps it.
    kept = client.get(f"/api/datasets/{used.json['id']}", headers=as_user("anna")).json
    assert kept["departments"] == ["test-regenerative-medicine"]
    events = client.get("/api/security-events", headers=admin).json
    assert [e["action"] for e in events].count("vocabulary_changed") == 3


def test_term_ids_and_fields_are_checked(client: FlaskClient) -> None:
    admin = as_user("ada", "administrator")
    bad_id = client.put(
        "/api/vocabularies/themes/Bad%20Id",
        json={"label": "x", "group": "fundamental"},
        headers=admin,
    )
    assert bad_id.status_code == 422 and "term_id" in bad_id.json["errors"]["json"]
    no_group = client.put("/api/vocabularies/themes/test-x", json={"label": "x"}, headers=admin)
    assert no_group.status_code == 422 and "group" in no_group.json["errors"]["json"]
    standard = client.put("/api/vocabularies/licences/MIT", json={"label": "x"}, headers=admin)
    assert standard.status_code == 405  # SPDX, DataCite and COAR terms follow their standards
