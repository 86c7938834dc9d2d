"""The Elasticsearch node the suite starts is real and does what the next issues need."""

from __future__ import annotations

import uuid

import pytest
from elasticsearch import AuthenticationException, Elasticsearch

from search import SearchEngine
from tests.conftest import search_config


def test_the_node_runs_with_security_and_the_client_authenticates(es_url: str) -> None:
    anonymous = Elasticsearch(es_url)
    with pytest.raises(AuthenticationException):
        anonymous.cluster.health()
    anonymous.close()
    engine = SearchEngine(search_config(es_url))
    assert engine.ping()[0]
    engine.close()


def test_the_node_indexes_and_finds_a_document(es_url: str) -> None:
    engine = SearchEngine(search_config(es_url))
    index = f"smoke-{uuid.uuid4().hex}"
    client = engine.client
    try:
        client.indices.create(
            index=index,
            mappings={
                "properties": {
                    "title": {"type": "text", "analyzer": "standard"},
                    "themes": {"type": "keyword"},
                }
            },
        )
        client.index(
            index=index,
            id="a",
            document={"title": "Migraine cohort", "themes": ["neuroscience"]},
            version=3,
            version_type="external_gte",
            refresh=True,
        )
        hits = client.search(
            index=index,
            query={
                "bool": {
                    "must": {"match": {"title": "migraine"}},
                    "filter": {"term": {"themes": "neuroscience"}},
                }
            },
        )["hits"]
        assert hits["total"]["value"] == 1
        assert hits["hits"][0]["_id"] == "a"
        assert client.get(index=index, id="a")["_version"] == 3
        reachable, status = engine.ping()
        assert reachable and status in {"green", "yellow"}
    finally:
        client.indices.delete(index=index, ignore_unavailable=True)
        engine.close()
