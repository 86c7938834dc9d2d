"""Every page, asked with hostile input, by an anonymous caller and by a staff member with
every role: no 500, no stack trace, nothing reflected unescaped.

The routes come from the application's own URL map, so a page added later is crawled without
anyone remembering to list it. Path values, query strings and form posts carry what an
attacker or a broken link would send: markup, quotes, huge and negative numbers, NUL and
control characters, right-to-left overrides, very long text, repeated parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.integration.conftest import as_user, minimal_dataset, minimal_publication

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'
NASTY_TEXT = [
    MARKUP,
    "\"' ><svg/onload=alert(1)>",
    "\u202eevil\u202c",
    "x" * 5000,
    "%00",
    "\x00\x01",
    "..%2f..%2fetc%2fpasswd",
    "١٢٣",
]
NASTY_NUMBERS = ["-1", "0", "9" * 30, "1e309", "NaN", "abc", ""]
QUERY_NAMES = [
    "q",
    "page",
    "size",
    "sort",
    "after",
    "lang",
    "kind",
    "theme",
    "department",
    "year",
    "year_from",
    "year_to",
    "scheme",
    "type",
    "access_right",
    "open_access",
    "creator",
    "license",
    "job",
    "next",
    "problem",
    "changed",
    "queued",
    "asked",
    "format",
    "scope",
]
FORM_NAMES = [
    "title",
    "action",
    "kind",
    "purpose",
    "decision",
    "note",
    "who",
    "roles",
    "revision",
    "reason",
    "label",
    "term_id",
    "group",
    "retired",
    "status",
    "category",
    "evidence_url",
    "user",
    "name",
    "scopes",
    "days",
    "doi",
    "themes",
    "creators-0-name",
    "byte_size",
]
# Pages that only answer in development mode or that end the session are crawled apart.
SKIP = {"static", "dev_login.page"}


def page_rules(app: Flask) -> list[Any]:
    return [
        rule
        for rule in app.url_map.iter_rules()
        if not rule.rule.startswith(("/api", "/assets"))
        and rule.endpoint not in SKIP
        and not rule.endpoint.startswith(("api-docs", "docs_page"))
    ]


def paths(rule: Any, ids: dict[str, str]) -> Iterator[str]:
    """The rule with real ids (reaching the page's own code) and with hostile values."""
    names = list(rule.arguments)
    if not names:
        yield rule.rule
        return
    values: list[str] = [ids["dataset"], ids["publication"], "9" * 30, "-1"]
    values += [NASTY_TEXT[0], NASTY_TEXT[2], NASTY_TEXT[3][:300], NASTY_TEXT[6]]
    for value in values:
        path = rule.rule
        for name in names:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", value, path)
        yield path


@pytest.fixture()
def ids(app: Flask) -> dict[str, str]:
    client = app.test_client()
    made: dict[str, str] = {}
    for kind, body in (("dataset", minimal_dataset()), ("publication", minimal_publication())):
        created = client.post(f"/api/{kind}s", json=body, headers=as_user("anna"))
        assert created.status_code == 201, created.json
        made[kind] = created.json["id"]
    return made


def check(response: Any, where: str) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code < 500, f"{where}: {response.status_code}"
    assert "Traceback" not in body, where
    if response.mimetype == "text/html":
        assert "<script>alert" not in body and "<svg/onload" not in body, where
        assert "<img src=x" not in body, where


@pytest.mark.parametrize("caller", ["anonymous", "staff"])
def test_every_page_survives_hostile_paths_and_queries(
    client: FlaskClient, app: Flask, ids: dict[str, str], caller: str
) -> None:
    headers = {"Accept": "text/html"}
    if caller == "staff":
        headers.update(as_user("hostile", "librarian", "data_steward", "administrator"))
    crawled = 0
    for rule in page_rules(app):
        for path in paths(rule, ids):
            if "GET" in rule.methods:
                # Every parameter at once with each value; then each alone with markup (the
                # first bad parameter may stop a page reading the others); then repeated.
                for value in NASTY_TEXT + NASTY_NUMBERS:
                    every = dict.fromkeys(QUERY_NAMES, value)
                    check(client.get(path, query_string=every, headers=headers), path)
                for name in QUERY_NAMES:
                    check(client.get(path, query_string={name: MARKUP}, headers=headers), path)
                repeated = [(name, value) for name in QUERY_NAMES for value in NASTY_TEXT[:2]]
                check(client.get(path, query_string=repeated, headers=headers), path)
                crawled += 1
            if "POST" in rule.methods:
                for value in NASTY_TEXT[:4] + NASTY_NUMBERS[:4]:
                    form = dict.fromkeys(FORM_NAMES, value)
                    check(client.post(path, data=form, headers=headers), f"POST {path}")
                crawled += 1
    assert crawled > 60  # the crawl reached the pages, not only the home page
