"""The catalogue reaches a node that runs with security on, as in production, and says so
when its credentials are wrong."""

from __future__ import annotations

import dataclasses

from search import SearchEngine
from search.elastic import ElasticBackend
from tests.conftest import search_config


def test_the_configured_credentials_reach_the_secured_node(es_url: str) -> None:
    backend = ElasticBackend(SearchEngine(search_config(es_url)))
    reachable, status = backend.ping()
    assert reachable and status in {"green", "yellow"}


def test_wrong_credentials_are_reported_not_hidden(es_url: str) -> None:
    wrong = dataclasses.replace(search_config(es_url), password="not-the-password")
    reachable, reason = ElasticBackend(SearchEngine(wrong)).ping()
    assert not reachable and reason == "AuthenticationException"
