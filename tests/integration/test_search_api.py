"""``/api/search``, the listings and suggestions, over the real node: what a partner sees."""

from __future__ import annotations

import json
import socket
from typing import Any

from flask.testing import FlaskClient

from catalogue.app import create_app
from search.query import encode_after
from tests.integration.conftest import as_user, make_settings, minimal_dataset, minimal_publication


def publish_dataset(client: FlaskClient, **fields: Any) -> dict[str, Any]:
    created = client.post(
        "/api/datasets", json=minimal_dataset(**fields), headers=as_user("anna")
    ).json
    published = client.post(
        f"/api/datasets/{created['id']}/publish", headers={**as_user("anna"), "If-Match": '"1"'}
    )
    assert published.status_code == 200, published.json
    body: dict[str, Any] = published.json
    return body


def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    assert len(keys) == len(set(keys)), keys
    return dict(pairs)


def test_search_finds_published_records_with_highlights_and_links(client: FlaskClient) -> None:
    record = publish_dataset(client, title="Migraine cohort in Leiden")
    publish_dataset(
        client,
        title="Heart failure registry",
        themes=["cardiovascular"],
        description="Patients with heart failure.",
    )

    answer = client.get("/api/search?q=migraine")
    # Hits are joined from stored JSON text: each member once, the answer the same as parsed.
    result = json.loads(answer.data, object_pairs_hook=no_duplicate_keys)

    assert result["total"] == 1
    [hit] = result["hits"]
    assert hit["id"] == record["id"]
    assert hit["kind"] == "dataset"
    assert hit["revision"] == record["revision"]
    assert hit["highlights"]["title"] == ["<mark>Migraine</mark> cohort in Leiden"]
    assert hit["links"]["self"].endswith(f"/api/datasets/{record['id']}")


def test_drafts_leak_nowhere(client: FlaskClient) -> None:
    publish_dataset(client, title="Public migraine study")
    client.post(
        "/api/datasets",
        json=minimal_dataset(title="Secret migraine draft", themes=["cancer"]),
        headers=as_user("anna"),
    )

    for caller in ({}, as_user("bram")):
        search = client.get("/api/search?q=secret", headers=caller).json
        assert search["total"] == 0
        listing = client.get("/api/datasets?status=draft", headers=caller).json
        assert listing["total"] == 0
        everything = client.get("/api/search", headers=caller).json
        assert "cancer" not in {v["key"] for v in everything["facets"]["theme"]}
        suggestions = client.get("/api/search/suggest?q=secr", headers=caller).json
        assert suggestions["suggestions"] == []

    mine = client.get("/api/search?status=draft", headers=as_user("anna")).json
    assert [hit["title"] for hit in mine["hits"]] == ["Secret migraine draft"]
    assert client.get("/api/datasets?owner=me", headers=as_user("anna")).json["total"] == 2


def test_facets_are_labelled_and_filter(client: FlaskClient) -> None:
    publish_dataset(client, title="Brain atlas", themes=["neuroscience"])
    publish_dataset(client, title="Heart atlas", themes=["cardiovascular", "biomedical-imaging"])
    client.post("/api/publications", json=minimal_publication(), headers=as_user("anna"))

    result = client.get("/api/search?theme=cardiovascular").json

    assert [hit["title"] for hit in result["hits"]] == ["Heart atlas"]
    themes = {v["key"]: v for v in result["facets"]["theme"]}
    assert themes["neuroscience"]["count"] == 1  # the alternatives stay visible
    assert themes["cardiovascular"]["label"] == "Cardiovascular"
    assert result["facets"]["year"] == [{"key": "2024", "count": 1, "label": None}]
    kinds = {v["key"]: v["count"] for v in result["facets"]["kind"]}
    assert kinds == {"dataset": 1}  # the draft publication is not counted


def test_listings_search_within_their_kind(client: FlaskClient) -> None:
    publish_dataset(client, title="Migraine diaries")
    publication = client.post(
        "/api/publications", json=minimal_publication(title="Migraine"), headers=as_user("anna")
    ).json
    client.post(
        f"/api/publications/{publication['id']}/publish",
        headers={**as_user("anna"), "If-Match": '"1"'},
    )

    assert client.get("/api/search?q=migraine").json["total"] == 2
    datasets = client.get("/api/datasets?q=migraine").json
    assert [hit["kind"] for hit in datasets["hits"]] == ["dataset"]
    publications = client.get("/api/publications?q=migraine").json
    assert [hit["kind"] for hit in publications["hits"]] == ["publication"]


def test_deep_paging_follows_next_tokens(client: FlaskClient) -> None:
    for i in range(7):
        publish_dataset(client, title=f"Dataset {i:02d}")

    seen: list[str] = []
    url = "/api/search?sort=title&size=3"
    while url:
        page = client.get(url).json
        seen += [hit["title"] for hit in page["hits"]]
        url = f"/api/search?sort=title&size=3&after={page['next']}" if page["next"] else ""
    assert seen == [f"Dataset {i:02d}" for i in range(7)]


def test_bad_search_parameters_name_the_parameter(client: FlaskClient) -> None:
    for query, field in (
        ("after=bm90LWpzb24", "after"),
        # A well-formed token whose values this sort cannot use: the engine refuses it.
        (f"sort=newest&after={encode_after(('not a date', 'x'))}", "after"),
        ("page=500&size=100", "page"),
        ("sort=random", "sort"),
        ("kind=person", "kind"),
        ("year=twenty", "year"),
    ):
        response = client.get(f"/api/search?{query}")
        assert response.status_code == 422, query
        # Under "query", where the parameter is (issue 13, 11: `after` was under "json").
        assert field in response.json["errors"]["query"], (query, response.json)


def test_suggestions_offer_titles_creators_and_keywords(client: FlaskClient) -> None:
    publish_dataset(
        client,
        title="Migraine cohort",
        keywords=["migraine", "headache"],
        creators=[{"name": "Migliore, Rosa"}],
    )

    found = client.get("/api/search/suggest?q=mig").json["suggestions"]

    assert {"text": "Migraine cohort", "field": "title"} in found
    assert {"text": "Migliore, Rosa", "field": "creator"} in found
    assert {"text": "migraine", "field": "keyword"} in found
    assert client.get("/api/search/suggest").status_code == 422


def test_search_engine_down_answers_503(pg_url: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app(make_settings(pg_url, elasticsearch_url=f"http://127.0.0.1:{port}"))

    response = app.test_client().get("/api/search?q=anything")

    assert response.status_code == 503
    assert response.json["message"] == "Search is unavailable; try again shortly."
