"""Shared test configuration.

Unit tests need nothing.  Integration tests need the real services that ``scripts/test.sh``
starts; it hands them over in ``CATALOGUE_TEST_*`` variables.
"""

from __future__ import annotations

import os

import pytest

from search import SearchConfig


def search_config(url: str, **options: object) -> SearchConfig:
    """How tests reach the node ``scripts/test.sh`` started: with its credentials."""
    return SearchConfig(
        url=url,
        username=os.environ.get("CATALOGUE_TEST_ELASTICSEARCH_USERNAME", ""),
        password=os.environ.get("CATALOGUE_TEST_ELASTICSEARCH_PASSWORD", ""),
        **options,  # type: ignore[arg-type]
    )


def service_url(name: str) -> str:
    url = os.environ.get(name)
    if not url:
        pytest.fail(
            f"{name} is not set: integration tests run against real services. "
            "Run scripts/test.sh, which starts PostgreSQL and Elasticsearch and sets it."
        )
    return url
