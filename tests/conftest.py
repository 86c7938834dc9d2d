"""Shared test configuration.

Unit tests need nothing.  Integration tests need the real services that ``scripts/test.sh``
starts; it hands them over in ``CATALOGUE_TEST_*`` variables.
"""

from __future__ import annotations

import os

import pytest


def service_url(name: str) -> str:
    url = os.environ.get(name)
    if not url:
        pytest.fail(
            f"{name} is not set: integration tests run against real services. "
            "Run scripts/test.sh, which starts PostgreSQL and Elasticsearch and sets it."
        )
    return url
