"""The authorisation matrix: every endpoint and method, against anonymous and every role.

Each cell is the exact status a caller gets.  Callers act with real personal access tokens;
``anna-read`` is Anna (the owner of every record here) with a token of scope ``read`` only.
Each cell gets fresh records, so a change made by one caller never decides another's answer.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from catalogue.models import LoginSession, ReportSnapshot, User, utcnow
from catalogue.services.sessions import open_session
from tests.integration.conftest import (
    as_user,
    issue_test_token,
    minimal_dataset,
    minimal_publication,
)

CALLERS = ("anonymous", "anna", "bram", "lotte", "sanne", "ada", "anna-read")
_ROLES = {"lotte": ("librarian",), "sanne": ("data_steward",), "ada": ("administrator",)}
_dois = itertools.count()
SECRET_URL = "https://data.example.org/restricted/cohort-2024.zip"


def headers_of(app: Flask, caller: str) -> dict[str, str]:
    if caller == "anonymous":
        return {}
    if caller == "anna-read":
        as_user("anna")  # the same person as "anna"
        token = issue_test_token(app, "anna", ("researcher",), scopes=("read",))
        return {"Authorization": f"Bearer {token}"}
    return as_user(caller, *_ROLES.get(caller, ()))


def _ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.json
    body: dict[str, Any] = response.json
    return body


def _publish(client: FlaskClient, kind: str, record: dict[str, Any]) -> dict[str, Any]:
    url = f"/api/{kind}/{record['id']}/publish"
    return _ok(client.post(url, headers=as_user("anna", **{"If-Match": '"1"'})), 200)


def _current_etag(client: FlaskClient, path: str) -> str:
    """The revision a careful client would send: the record's current ETag, as its owner
    reads it (operations on other things ignore If-Match)."""
    found = re.match(r"^/api/(datasets|publications)/([a-z0-9]{5}-[a-z0-9]{5})", path)
    if found is None:
        return '"1"'
    shown = client.get(found.group(0), headers=as_user("anna"))
    return shown.headers.get("ETag", '"1"')


# -- what each cell starts from: records of Anna's ----------------------------------------------


def draft_dataset(client: FlaskClient) -> str:
    return str(
        _ok(client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")))["id"]
    )


def open_dataset(client: FlaskClient) -> str:
    created = _ok(client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")))
    return str(_publish(client, "datasets", created)["id"])


def restricted_dataset(client: FlaskClient) -> str:
    body = minimal_dataset(
        access_right="restricted",
        distributions=[{"access_url": SECRET_URL, "format": "ZIP"}],
    )
    created = _ok(client.post("/api/datasets", json=body, headers=as_user("anna")))
    return str(_publish(client, "datasets", created)["id"])


def draft_publication(client: FlaskClient) -> str:
    body = minimal_publication(doi=f"10.1234/authz.{next(_dois)}")
    return str(_ok(client.post("/api/publications", json=body, headers=as_user("anna")))["id"])


def published_publication(client: FlaskClient) -> str:
    body = minimal_publication(doi=f"10.1234/authz.{next(_dois)}")
    created = _ok(client.post("/api/publications", json=body, headers=as_user("anna")))
    return str(_publish(client, "publications", created)["id"])


def brams_request(client: FlaskClient) -> str:
    dataset = restricted_dataset(client)
    purpose = {"purpose": "Replicating the migraine cohort analysis for a meta-study."}
    url = f"/api/datasets/{dataset}/access-requests"
    return str(_ok(client.post(url, json=purpose, headers=as_user("bram")))["id"])


def brams_grant(client: FlaskClient) -> str:
    """Bram's request, approved by a data steward."""
    request_id = brams_request(client)
    url = f"/api/access-requests/{request_id}/decision"
    _ok(
        client.post(url, json={"decision": "approve"}, headers=as_user("sanne", "data_steward")),
        200,
    )
    return request_id


def brams_user_id(client: FlaskClient) -> str:
    return str(_ok(client.get("/api/me", headers=as_user("bram")), 200)["id"])


def open_dataset_bram_knows(client: FlaskClient) -> str:
    """An open dataset, and Bram has logged in (so he can be named as a co-editor)."""
    as_user("bram")
    return open_dataset(client)


def new_term_id(client: FlaskClient) -> str:
    return f"test-term-{next(_dois)}"


def a_theme(client: FlaskClient) -> str:
    term = new_term_id(client)
    body = {"label": "Regenerative medicine", "group": "innovation-theme"}
    url = f"/api/vocabularies/themes/{term}"
    _ok(client.put(url, json=body, headers=as_user("ada", "administrator")))
    return term


def a_snapshot(client: FlaskClient) -> str:
    app = client.application
    with app.extensions["catalogue"].db.unit_of_work() as session:
        snapshot = ReportSnapshot(report="yearly", year=2020, figures={}, taken_at=utcnow())
        session.add(snapshot)
        session.flush()
        return str(snapshot.id)


def a_worklist(client: FlaskClient) -> str:
    return "taverne"


def a_publication_job(client: FlaskClient) -> str:
    body = {"kind": "publication"}
    headers = as_user("lotte", "librarian")
    return str(_ok(client.post("/api/enrichment/jobs", json=body, headers=headers), 202)["id"])


def a_harvest(client: FlaskClient) -> str:
    body = {"from_year": 2024, "to_year": 2024}
    headers = as_user("lotte", "librarian")
    return str(_ok(client.post("/api/harvests", json=body, headers=headers), 202)["id"])


def annas_session(client: FlaskClient) -> str:
    """A browser session of Anna's (as a login starts one)."""
    as_user("anna")
    with client.application.extensions["catalogue"].db.unit_of_work() as session:
        anna = session.scalar(select(User).where(User.subject == "test|anna"))
        assert anna is not None
        open_session(session, anna, via="sso")
        return str(session.scalar(select(func.max(LoginSession.id))))


def nothing(client: FlaskClient) -> str:
    return ""


@dataclass(frozen=True)
class Cell:
    method: str
    path: str
    setup: Callable[[FlaskClient], str]
    expected: tuple[int, int, int, int, int, int, int]  # in the order of CALLERS
    body: Any = None


def _edited(**change: Any) -> Callable[[FlaskClient, str], dict[str, Any]]:
    """A PUT body: the publication as Anna registered it, with ``change``."""

    def body(client: FlaskClient, record_id: str) -> dict[str, Any]:
        current = _ok(client.get(f"/api/publications/{record_id}", headers=as_user("anna")), 200)
        return minimal_publication(doi=current["doi"], **change)

    return body


MATRIX: dict[str, Cell] = {
    # Datasets.
    "list datasets": Cell("GET", "/api/datasets", nothing, (200,) * 7),
    "create dataset": Cell(
        "POST", "/api/datasets", nothing, (401, 201, 201, 201, 201, 201, 403), minimal_dataset()
    ),
    "read draft": Cell(
        "GET", "/api/datasets/{id}", draft_dataset, (404, 200, 404, 404, 200, 200, 200)
    ),
    "edit draft": Cell(
        "PUT",
        "/api/datasets/{id}",
        draft_dataset,
        (401, 200, 404, 404, 200, 200, 403),
        minimal_dataset(title="Edited"),
    ),
    "discard draft": Cell(
        "DELETE", "/api/datasets/{id}", draft_dataset, (401, 204, 404, 404, 204, 204, 403)
    ),
    "publish draft": Cell(
        "POST", "/api/datasets/{id}/publish", draft_dataset, (401, 200, 404, 404, 200, 200, 403)
    ),
    "new version": Cell(
        "POST", "/api/datasets/{id}/versions", open_dataset, (401, 201, 403, 403, 201, 201, 403)
    ),
    "list versions": Cell("GET", "/api/datasets/{id}/versions", open_dataset, (200,) * 7),
    "withdraw": Cell(
        "POST",
        "/api/datasets/{id}/withdraw",
        open_dataset,
        (401, 200, 403, 403, 200, 200, 403),
        {"reason": "Consent withdrawn."},
    ),
    "dataset history": Cell(
        "GET", "/api/datasets/{id}/history", open_dataset, (403, 200, 403, 403, 200, 200, 200)
    ),
    "list co-editors": Cell(
        "GET", "/api/datasets/{id}/editors", draft_dataset, (404, 200, 404, 404, 200, 200, 200)
    ),
    "add co-editor": Cell(
        "POST",
        "/api/datasets/{id}/editors",
        open_dataset_bram_knows,
        (401, 201, 403, 403, 403, 201, 403),
        {"email": "bram@example.org"},
    ),
    "FAIR assessment": Cell(
        "GET", "/api/datasets/{id}/fair", draft_dataset, (404, 200, 404, 404, 200, 200, 200)
    ),
    "check a draft": Cell(
        "POST",
        "/api/datasets/check",
        nothing,
        (401, 200, 200, 200, 200, 200, 403),
        minimal_dataset(),
    ),
    "read restricted": Cell("GET", "/api/datasets/{id}", restricted_dataset, (200,) * 7),
    "ask for access": Cell(
        "POST",
        "/api/datasets/{id}/access-requests",
        restricted_dataset,
        (401, 409, 201, 201, 409, 409, 403),
        {"purpose": "Replicating the migraine cohort analysis for a meta-study."},
    ),
    # Publications.
    "read draft publication": Cell(
        "GET", "/api/publications/{id}", draft_publication, (404, 200, 404, 200, 404, 200, 200)
    ),
    "change OA fields": Cell(
        "PUT",
        "/api/publications/{id}",
        published_publication,
        (401, 200, 403, 200, 403, 200, 403),
        _edited(peer_reviewed=False),
    ),
    "change title": Cell(
        "PUT",
        "/api/publications/{id}",
        published_publication,
        (401, 200, 403, 403, 403, 200, 403),
        _edited(title="Another title"),
    ),
    "correct OA status": Cell(
        "PUT",
        "/api/publications/{id}/open-access",
        published_publication,
        (401, 200, 403, 200, 403, 200, 403),
        {"status": "green", "evidence": "https://repository.example.org/1", "note": "AAM found."},
    ),
    "merge a duplicate": Cell(
        "POST",
        "/api/publications/{id}/merge",
        published_publication,
        (401, 403, 403, 200, 403, 200, 403),
        lambda client, target: {"duplicate": published_publication(client)},
    ),
    "remove OA correction": Cell(
        "DELETE",
        "/api/publications/{id}/open-access",
        published_publication,
        (401, 200, 403, 200, 403, 200, 403),
    ),
    "enrich a record": Cell(
        "POST",
        "/api/publications/{id}/enrich",
        published_publication,
        (401, 202, 403, 202, 403, 202, 403),
    ),
    "publication history": Cell(
        "GET",
        "/api/publications/{id}/history",
        published_publication,
        (403, 200, 403, 200, 403, 200, 200),
    ),
    # Access requests.
    "list access requests": Cell(
        "GET", "/api/access-requests", nothing, (401, 200, 200, 200, 200, 200, 200)
    ),
    "read a request": Cell(
        "GET", "/api/access-requests/{id}", brams_request, (404, 404, 200, 404, 200, 200, 404)
    ),
    "decide a request": Cell(
        "POST",
        "/api/access-requests/{id}/decision",
        brams_request,
        (401, 403, 403, 403, 200, 200, 403),
        {"decision": "approve"},
    ),
    "revoke a grant": Cell(
        "POST",
        "/api/access-requests/{id}/revoke",
        brams_grant,
        (401, 403, 403, 403, 200, 200, 403),
        {},
    ),
    # Accounts and administration.
    "who am I": Cell("GET", "/api/me", nothing, (401, 200, 200, 200, 200, 200, 200)),
    "list my tokens": Cell("GET", "/api/me/tokens", nothing, (401, 200, 200, 200, 200, 200, 200)),
    "create a token": Cell(
        "POST", "/api/me/tokens", nothing, (401, 201, 201, 201, 201, 201, 403), {"name": "script"}
    ),
    "list my sessions": Cell(
        "GET", "/api/me/sessions", nothing, (401, 200, 200, 200, 200, 200, 200)
    ),
    "log out everywhere else": Cell(
        "DELETE", "/api/me/sessions", nothing, (401, 200, 200, 200, 200, 200, 403)
    ),
    "end my session": Cell(
        "DELETE", "/api/me/sessions/{id}", annas_session, (401, 204, 404, 404, 404, 404, 403)
    ),
    "list everyone's sessions": Cell(
        "GET", "/api/sessions", nothing, (401, 403, 403, 403, 403, 200, 403)
    ),
    "end anyone's session": Cell(
        "DELETE", "/api/sessions/{id}", annas_session, (401, 403, 403, 403, 403, 204, 403)
    ),
    "log a person out everywhere": Cell(
        "DELETE", "/api/users/{id}/sessions", brams_user_id, (401, 403, 403, 403, 403, 200, 403)
    ),
    "list users": Cell("GET", "/api/users", nothing, (401, 403, 403, 403, 403, 200, 403)),
    "read a user": Cell(
        "GET", "/api/users/{id}", brams_user_id, (401, 403, 403, 403, 403, 200, 403)
    ),
    "grant a role": Cell(
        "PATCH",
        "/api/users/{id}",
        brams_user_id,
        (401, 403, 403, 403, 403, 200, 403),
        {"roles": ["librarian"]},
    ),
    "security events": Cell(
        "GET", "/api/security-events", nothing, (401, 403, 403, 403, 403, 200, 403)
    ),
    "export security events": Cell(
        "GET", "/api/security-events?format=csv", nothing, (401, 403, 403, 403, 403, 200, 403)
    ),
    # Enrichment jobs.
    "enrich publications": Cell(
        "POST",
        "/api/enrichment/jobs",
        nothing,
        (401, 403, 403, 202, 403, 202, 403),
        {"kind": "publication"},
    ),
    "enrich datasets": Cell(
        "POST",
        "/api/enrichment/jobs",
        nothing,
        (401, 403, 403, 403, 202, 202, 403),
        {"kind": "dataset"},
    ),
    "list enrichment jobs": Cell(
        "GET", "/api/enrichment/jobs", nothing, (401, 200, 200, 200, 200, 200, 200)
    ),
    "an enrichment job": Cell(
        "GET",
        "/api/enrichment/jobs/{id}",
        a_publication_job,
        (401, 404, 404, 200, 404, 200, 404),
    ),
    "cancel an enrichment job": Cell(
        "POST",
        "/api/enrichment/jobs/{id}/cancel",
        a_publication_job,
        (401, 404, 404, 200, 404, 200, 403),
    ),
    # Harvests.
    "harvest the institution's works": Cell(
        "POST",
        "/api/harvests",
        nothing,
        (401, 403, 403, 202, 403, 202, 403),
        {"from_year": 2024, "to_year": 2024},
    ),
    "list harvests": Cell("GET", "/api/harvests", nothing, (401, 200, 200, 200, 200, 200, 200)),
    "a harvest": Cell("GET", "/api/harvests/{id}", a_harvest, (401, 404, 404, 200, 404, 200, 404)),
    "cancel a harvest": Cell(
        "POST", "/api/harvests/{id}/cancel", a_harvest, (401, 404, 404, 200, 404, 200, 403)
    ),
    # Imports (followed as harvests).
    "import a file": Cell(
        "POST",
        "/api/imports?format=csv",
        nothing,
        (401, 403, 403, 202, 403, 202, 403),
        b"title,doi\nOutcomes of migraine care,10.5555/matrix.1\n",
    ),
    "try a file": Cell(
        "POST",
        "/api/imports/dry-run?format=csv",
        nothing,
        (401, 403, 403, 200, 403, 200, 403),
        b"title,doi\nOutcomes of migraine care,10.5555/matrix.1\n",
    ),
    "the import template": Cell(
        "GET", "/api/imports/template.csv", nothing, (200, 200, 200, 200, 200, 200, 200)
    ),
    # Theme rules (suggested themes for harvested works).
    "theme rules": Cell("GET", "/api/theme-rules", nothing, (200,) * 7),
    "replace the theme rules": Cell(
        "PUT",
        "/api/theme-rules",
        nothing,
        (401, 403, 403, 403, 403, 200, 403),
        {"rules": [{"kind": "keyword", "value": "migraine", "theme": "neuroscience"}]},
    ),
    # Vocabularies.
    "add a department": Cell(
        "PUT",
        "/api/vocabularies/departments/{id}",
        new_term_id,
        (401, 403, 403, 403, 403, 201, 403),
        {"label": "Regenerative Medicine"},
    ),
    "change a theme": Cell(
        "PUT",
        "/api/vocabularies/themes/{id}",
        a_theme,
        (401, 403, 403, 403, 403, 200, 403),
        {"label": "Regenerative Medicine", "group": "innovation-theme", "retired": True},
    ),
    # Public reading.
    "search": Cell("GET", "/api/search?q=migraine", nothing, (200,) * 7),
    "suggest": Cell("GET", "/api/search/suggest?q=mig", nothing, (200,) * 7),
    "Open Access report": Cell("GET", "/api/reports/open-access", nothing, (200,) * 7),
    "FAIR report": Cell("GET", "/api/reports/fair", nothing, (200,) * 7),
    "snapshots": Cell("GET", "/api/reports/snapshots", nothing, (200,) * 7),
    "a snapshot": Cell("GET", "/api/reports/snapshots/{id}", a_snapshot, (200,) * 7),
    "a worklist": Cell("GET", "/api/worklists/{id}", a_worklist, (200,) * 7),
    "vocabulary": Cell("GET", "/api/vocabularies/themes", nothing, (200,) * 7),
}


@pytest.mark.parametrize("name", MATRIX)
def test_authorisation_matrix(app: Flask, client: FlaskClient, name: str) -> None:
    cell = MATRIX[name]
    answers = {}
    for caller in CALLERS:
        target = cell.setup(client)
        path = cell.path.format(id=target)
        headers = {"If-Match": _current_etag(client, path), **headers_of(app, caller)}
        body = cell.body(client, target) if callable(cell.body) else cell.body
        # A file (an import) is the body itself; everything else is JSON.
        sent = {"data": body} if isinstance(body, bytes) else {"json": body}
        response = client.open(
            cell.path.format(id=target), method=cell.method, headers=headers, **sent
        )
        answers[caller] = response.status_code
        if response.status_code >= 400:
            # Refusals explain themselves in the one error format, and never leak the data.
            assert response.json["message"], (name, caller)
            assert SECRET_URL not in response.get_data(as_text=True)
    assert answers == dict(zip(CALLERS, cell.expected, strict=True))


def test_the_matrix_covers_every_operation(app: Flask) -> None:
    """A new endpoint must get a row, or this fails."""
    spec = app.test_client().get("/api/openapi.json").json
    documented = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    covered = {
        (cell.method, cell.path.split("?")[0].replace("{id}", "{" + _param(cell.path) + "}"))
        for cell in MATRIX.values()
    }
    # Public reading like the vocabulary row; removing co-editors and revoking tokens have
    # tests of their own (test_accounts.py).
    exempt = {
        (m, p)
        for m, p in documented
        if p in ("/api/health", "/livez", "/readyz")  # answer everyone: see test_health.py
        or (m == "GET" and p.startswith("/api/vocabularies/"))
        or "editors/{user_id}" in p
        or "/api/me/tokens/" in p
    }

    def same_for_both_kinds(operations: set[tuple[str, str]]) -> set[tuple[str, str]]:
        return {(m, p.replace("/api/publications", "/api/datasets")) for m, p in operations}

    missing = same_for_both_kinds(documented - exempt) - same_for_both_kinds(covered)
    assert not missing


def _param(path: str) -> str:
    if path.startswith("/api/access-requests"):
        return "request_id"
    if path.startswith("/api/users"):
        return "user_id"
    if path.startswith(("/api/me/sessions", "/api/sessions")):
        return "session_id"
    if path.startswith("/api/vocabularies"):
        return "term_id"
    if path.startswith("/api/worklists"):
        return "name"
    if path.startswith("/api/reports/snapshots"):
        return "snapshot_id"
    if path.startswith(("/api/enrichment/jobs", "/api/harvests")):
        return "job_id"
    return "record_id"
