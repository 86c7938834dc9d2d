"""The Elasticsearch node the suite starts is real and does what the next issues need."""

from __future__ import annotations

import uuid

from search import SearchConfig, SearchEngine


def test_the_node_indexes_and_finds_a_document(es_url: str) -> None:
    engine = SearchEngine(SearchConfig(url=es_url))
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
