"""schemathesis fuzzes every operation of the OpenAPI description: no input may cause a 5xx,
and every answer (success or error) must have the status code, content type and shape the
description documents for it."""

from __future__ import annotations

from typing import Any

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

from tests.integration.conftest import (
    as_user,
    issue_test_token,
    minimal_dataset,
    minimal_publication,
)


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
RESTRICTED = "https://data.example.org/restricted.zip"


class Targets:
    """Real things for the fuzzer to aim at, so that write operations get past "not found"
    and "stale revision" and go deep: a draft and two published datasets (one restricted,
    with an access request), a published publication, their current ETags, a real user.

    Every other case keeps what hypothesis drew (ids that do not exist, odd strings); the
    others get a real id and, where the operation checks a revision, the record's ETag read
    just before the call.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()
        self.turn = 0
        owner = as_user("owner")
        draft = self._created("datasets", minimal_dataset(), owner)
        self.ids = {
            "datasets": [
                draft,
                self._published("datasets", minimal_dataset(title="Published cohort"), owner),
                self._published(
                    "datasets",
                    minimal_dataset(
                        title="Restricted cohort",
                        access_right="restricted",
                        distributions=[{"access_url": RESTRICTED}],
                    ),
                    owner,
                ),
            ],
            "publications": [self._published("publications", minimal_publication(), owner)],
        }
        asked = self.client.post(
            f"/api/datasets/{self.ids['datasets'][2]}/access-requests",
            json={"purpose": "Replicating the migraine cohort analysis for a meta-study."},
            headers=as_user("asker"),
        )
        assert asked.status_code == 201, asked.json
        self.numbers = {
            "request_id": asked.json["id"],
            "user_id": self.client.get("/api/me", headers=owner).json["id"],
        }

    def _created(self, kind: str, body: dict[str, Any], headers: dict[str, str]) -> str:
        created = self.client.post(f"/api/{kind}", json=body, headers=headers)
        assert created.status_code == 201, created.json
        return str(created.json["id"])

    def _published(self, kind: str, body: dict[str, Any], headers: dict[str, str]) -> str:
        record_id = self._created(kind, body, headers)
        published = self.client.post(
            f"/api/{kind}/{record_id}/publish", headers={**headers, "If-Match": '"1"'}
        )
        assert published.status_code == 200, published.json
        return record_id

    def aim(self, case: schemathesis.Case) -> None:
        self.turn += 1
        if self.turn % 2:
            return
        parameters = case.path_parameters or {}
        for name, value in self.numbers.items():
            if name in parameters:
                parameters[name] = value
        if "record_id" not in parameters:
            return
        kind = "publications" if case.path.startswith("/api/publications") else "datasets"
        choices = self.ids[kind]
        record_id = choices[(self.turn // 2) % len(choices)]
        parameters["record_id"] = record_id
        if case.headers is not None and "If-Match" in case.headers:
            current = self.client.get(f"/api/{kind}/{record_id}", headers=as_user("owner"))
            case.headers["If-Match"] = current.headers.get("ETag", '"1"')

    def caller(self, who: str) -> dict[str, str]:
        """Headers for one case. An administrator gets a token of their own each time: the
        fuzzer may revoke its token or deactivate its account, and the next case must still
        get past authentication."""
        if who == "anonymous":
            return {}
        token = issue_test_token(self.app, f"fuzzer{self.turn}", ("researcher", "administrator"))
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def targets(app: Flask) -> Targets:
    return Targets(app)


FUZZ_SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    derandomize=True,
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_input_causes_a_server_error_as_anonymous(
    case: schemathesis.Case, targets: Targets
) -> None:
    """What the public can reach: every answer a documented 4xx or a success."""
    targets.aim(case)
    case.call_and_validate(headers=targets.caller("anonymous"), checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_input_causes_a_server_error_as_administrator(
    case: schemathesis.Case, targets: Targets
) -> None:
    """Every operation gets past authentication and permissions."""
    targets.aim(case)
    case.call_and_validate(headers=targets.caller("administrator"), checks=CHECKS)


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
