"""schemathesis fuzzes every operation of the OpenAPI description: no input may cause a 5xx,
and every answer (success or error) must have the status code, content type and shape the
description documents for it."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.conftest import as_user


@pytest.fixture()
def api_schema(app: Flask) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    derandomize=True,
)
def test_no_input_causes_a_server_error(case: schemathesis.Case) -> None:
    # As an administrator, so every operation gets past authentication and permissions.
    case.call_and_validate(headers=as_user("fuzzer", "administrator"), checks=CHECKS)


def test_the_description_documents_the_record_operations(app: Flask) -> None:
    spec = app.test_client().get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/datasets",
        "/api/datasets/{record_id}",
        "/api/publications/{record_id}/publish",
        "/api/vocabularies/themes",
        "/api/health",
    ):
        assert path in spec["paths"]
    dataset = spec["components"]["schemas"]["Dataset"]
    assert "title" in dataset["required"]
    assert dataset["properties"]["revision"]["readOnly"] is True


def test_the_browsable_docs_work_offline(client: FlaskClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"/api/docs/assets/swagger-ui-bundle.js" in page.data
    script = client.get("/api/docs/assets/swagger-ui-bundle.js")
    assert script.status_code == 200
    assert len(script.data) > 100_000
