"""Every answer carries the headers that stop browsers misusing it (issue 13, item 9)."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalogue.api.security_headers import add_security_headers
from tests.integration.conftest import as_user, minimal_publication

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/datasets",
        "/api/openapi.json",
        "/api/docs",
        "/api/docs/static/api-docs.js",
        "/api/worklists/taverne?format=csv",
        "/api/nothing-here",  # errors too
        "/api/datasets/not-a-record",
        "/api/reports/snapshots/99999999999999999999",
    ],
)
def test_every_answer_has_the_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (path, name)
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"  # no inline script, no eval
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "Strict-Transport-Security" not in response.headers  # not over plain http


def test_a_json_answer_holding_markup_is_not_sniffed_as_a_page(client: FlaskClient) -> None:
    created = client.post(
        "/api/publications",
        json=minimal_publication(title="<script>alert(document.cookie)</script>"),
        headers=as_user("anna"),
    )
    assert created.status_code == 201
    shown = client.get(f"/api/publications/{created.json['id']}", headers=as_user("anna"))
    assert shown.mimetype == "application/json"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"


def test_the_docs_page_runs_no_inline_script(client: FlaskClient) -> None:
    page = client.get("/api/docs").get_data(as_text=True)

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts and all(
        'src="' in attributes and not body.strip() for attributes, body in scripts
    )
    for source in re.findall(r'<script src="([^"]+)"', page):
        assert client.get(source).status_code == 200, source


def test_production_adds_strict_transport_security() -> None:
    app = Flask(__name__)
    add_security_headers(app, https_only=True)
    app.get("/")(lambda: "ok")

    response = app.test_client().get("/")

    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
