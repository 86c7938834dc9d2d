"""The vocabularies records are checked against, as the API serves them."""

from __future__ import annotations

from collections import Counter

from flask.testing import FlaskClient


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
