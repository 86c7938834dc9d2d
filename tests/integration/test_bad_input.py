"""Bad input gets a 4xx naming the field, and nothing is saved."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from catalogue.models import AuditEvent, Journal, Record
from tests.integration.conftest import as_user, minimal_dataset, minimal_publication


def saved_rows(app: Flask) -> tuple[int, int, int]:
    with app.extensions["catalogue"].db.reader() as session:
        return (
            session.scalar(select(func.count()).select_from(Record)) or 0,
            # Events about records: a test's token creation is a (security) event of its own.
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.record_id.is_not(None))
            )
            or 0,
            session.scalar(select(func.count()).select_from(Journal)) or 0,
        )


def field_errors(response: Any) -> dict[str, Any]:
    assert response.json["code"] == response.status_code
    errors: dict[str, Any] = response.json["errors"]["json"]
    return errors


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"title": 42}, ["title"]),
        ({"title": "   "}, ["title"]),
        ({"doi": "not-a-doi"}, ["doi"]),
        ({"license": "CC-BY-5.0"}, ["license"]),
        ({"publication_date": "2023-02-30"}, ["publication_date"]),
        ({"publication_date": "01/05/2023"}, ["publication_date"]),
        ({"publication_date": "1066-10-14"}, ["publication_date"]),
        ({"access_right": "sort-of-open"}, ["access_right"]),
        ({"access_right": "embargoed"}, ["embargo_until"]),
        ({"creators": [{"name": "X", "orcid": "0000-0002-1825-0098"}]}, ["creators", "0", "orcid"]),
        (
            {"creators": [{"name": "X", "affiliations": [{"name": "Y", "ror": "05xvt9f18"}]}]},
            ["creators", "0", "affiliations", "0", "ror"],
        ),
        (
            {"distributions": [{"access_url": "ftp://x.org/data"}]},
            ["distributions", "0", "access_url"],
        ),
        ({"distributions": [{"access_url": None}]}, ["distributions", "0", "access_url"]),
        (
            {"distributions": [{"access_url": "https://x.org", "checksum": "sha256:abc"}]},
            ["distributions", "0", "checksum"],
        ),
        (
            {"distributions": [{"access_url": "https://x.org", "byte_size": "12"}]},
            ["distributions", "0", "byte_size"],
        ),
        (
            {"temporal_coverage": {"start": "2020-01-01", "end": "2019-01-01"}},
            ["temporal_coverage", "end"],
        ),
        (
            {"related_identifiers": [{"identifier": "whatever", "relation_type": "Cites"}]},
            ["related_identifiers", "0", "identifier"],
        ),
        (
            {"related_identifiers": [{"identifier": "10.1/x", "relation_type": "Likes"}]},
            ["related_identifiers", "0", "relation_type"],
        ),
        (
            {"funding": [{"funder_name": "ZonMw", "funder_identifier": "zonmw"}]},
            ["funding", "0", "funder_identifier"],
        ),
        ({"resource_type": "JournalArticle"}, ["resource_type"]),
        ({"surprise": True}, ["surprise"]),
        ({"themes": "neuroscience"}, ["themes"]),
    ],
)
def test_schema_errors_name_the_field(
    app: Flask, client: FlaskClient, change: dict[str, Any], path: list[str]
) -> None:
    before = saved_rows(app)

    response = client.post("/api/datasets", json=minimal_dataset(**change), headers=as_user("anna"))

    assert response.status_code == 422
    node: Any = field_errors(response)
    for key in path:
        assert key in node, (path, response.json)
        node = node[key]
    assert node and all(isinstance(message, str) for message in node)
    assert "Traceback" not in response.get_data(as_text=True)
    assert saved_rows(app) == before


def test_unknown_vocabulary_terms_are_refused_and_nothing_saved(
    app: Flask, client: FlaskClient
) -> None:
    before = saved_rows(app)
    body = minimal_publication(themes=["neuroscience", "astrology"], departments=["nowhere"])

    response = client.post("/api/publications", json=body, headers=as_user("anna"))

    assert response.status_code == 422
    errors = field_errors(response)
    assert "astrology" in errors["themes"]["1"][0]
    assert "nowhere" in errors["departments"]["0"][0]
    # The journal would have been added to the register: it must not be, either.
    assert saved_rows(app) == before


def test_invalid_issn_names_the_journal_field(client: FlaskClient) -> None:
    body = minimal_publication(journal={"title": "Neurology", "issn": "0028-3879"})

    response = client.post("/api/publications", json=body, headers=as_user("anna"))

    assert response.status_code == 422
    assert "issn" in field_errors(response)["journal"]


def test_a_doi_is_registered_once_whatever_its_spelling(app: Flask, client: FlaskClient) -> None:
    first = client.post("/api/publications", json=minimal_publication(), headers=as_user("anna"))
    assert first.status_code == 201
    before = saved_rows(app)

    again = client.post(
        "/api/publications",
        json=minimal_publication(doi="https://doi.org/10.1212/wnl.0000000000001234"),
        headers=as_user("bram"),
    )

    assert again.status_code == 409
    assert first.json["id"] in field_errors(again)["doi"][0]
    assert saved_rows(app) == before


def test_malformed_json_is_a_400(app: Flask, client: FlaskClient) -> None:
    before = saved_rows(app)
    response = client.post(
        "/api/datasets",
        data='{"title": "unterminated',
        headers={**as_user("anna"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json["errors"]["json"][0].startswith("Invalid JSON body")
    assert saved_rows(app) == before


def test_oversized_body_is_a_413(app: Flask, client: FlaskClient) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = minimal_dataset(description="x" * (limit + 10))

    response = client.post("/api/datasets", json=body, headers=as_user("anna"))

    assert response.status_code == 413
    assert response.json["status"] == "Request Entity Too Large"


def test_bad_query_parameters_name_the_parameter(client: FlaskClient) -> None:
    response = client.get("/api/datasets?size=1000&year=abc")

    assert response.status_code == 422
    errors = response.json["errors"]["query"]
    assert set(errors) == {"size", "year"}


def test_malformed_if_match_is_refused(client: FlaskClient) -> None:
    created = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")).json
    response = client.put(
        f"/api/datasets/{created['id']}",
        json=minimal_dataset(title="x"),
        headers={**as_user("anna"), "If-Match": "yesterday"},
    )
    assert response.status_code == 412
    assert "If-Match" in response.json["message"] and response.json["errors"] == {}


def test_if_match_star_is_refused_and_a_weak_tag_names_the_revision(client: FlaskClient) -> None:
    """`*` would mean "whatever it is now": the lost update the lock prevents (issue 13, 6)."""
    created = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")).json
    url = f"/api/datasets/{created['id']}"
    star = client.put(
        url, json=minimal_dataset(title="x"), headers={**as_user("anna"), "If-Match": "*"}
    )
    assert star.status_code == 428 and "revision you edited" in star.json["message"]
    assert client.get(url, headers=as_user("anna")).json["title"] != "x"  # nothing saved
    weak = client.put(
        url, json=minimal_dataset(title="y"), headers={**as_user("anna"), "If-Match": 'W/"1"'}
    )
    assert weak.status_code == 200 and weak.json["revision"] == 2
    stale = client.put(
        url, json=minimal_dataset(title="z"), headers={**as_user("anna"), "If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412


def test_unknown_routes_and_methods_answer_in_the_error_format(client: FlaskClient) -> None:
    missing = client.get("/api/nothing-here")
    assert missing.status_code == 404
    # Every error has all four members, as documented; no field is to blame here.
    assert missing.json == {
        "code": 404,
        "status": "Not Found",
        "message": missing.json["message"],
        "errors": {},
    }
    wrong = client.patch("/api/datasets")
    assert wrong.status_code == 405
    assert "GET" in wrong.headers["Allow"]


# Issue 13, items 2-4: inputs no client should send, which crashed the server (500).


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/reports/snapshots/9223372036854775808"),
        ("get", "/api/reports/snapshots/99999999999999999999"),
        ("get", "/api/access-requests/99999999999999999999"),
        ("get", "/api/datasets/99999999999999999999"),
    ],
)
def test_huge_integers_in_paths_are_not_found(client: FlaskClient, method: str, path: str) -> None:
    anonymous = getattr(client, method)(path)
    signed_in = getattr(client, method)(path, headers=as_user("anna", "administrator"))

    assert anonymous.status_code in (401, 404)
    assert signed_in.status_code == 404


def test_a_byte_size_beyond_the_database_range_names_the_field(
    app: Flask, client: FlaskClient
) -> None:
    before = saved_rows(app)
    body = minimal_dataset(
        distributions=[{"access_url": "https://x.org/data.csv", "byte_size": 2**63}]
    )

    response = client.post("/api/datasets", json=body, headers=as_user("anna"))

    assert response.status_code == 422
    assert "byte_size" in field_errors(response)["distributions"]["0"]
    assert saved_rows(app) == before


@pytest.mark.parametrize("depth", [600, 5000])
@pytest.mark.parametrize(
    ("method", "path"), [("post", "/api/datasets"), ("post", "/api/datasets/check")]
)
def test_deeply_nested_json_is_a_400(
    app: Flask, client: FlaskClient, depth: int, method: str, path: str
) -> None:
    before = saved_rows(app)
    nested = '{"title": ' + "[" * depth + "]" * depth + "}"

    response = getattr(client, method)(
        path, data=nested, headers={**as_user("anna"), "Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert "nest" in response.json["errors"]["json"][0]
    assert saved_rows(app) == before


def test_a_lone_surrogate_names_the_field(app: Flask, client: FlaskClient) -> None:
    before = saved_rows(app)
    # As a client sends it: valid JSON escaping a code point that is not a character.
    raw = '{"title": "Migraine \\ud800 cohort", "creators": [{"name": "A\\udfff"}]}'

    response = client.post(
        "/api/datasets", data=raw, headers={**as_user("anna"), "Content-Type": "application/json"}
    )

    assert response.status_code in (400, 422)
    assert "Traceback" not in response.get_data(as_text=True)
    assert saved_rows(app) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/datasets/check"), ("post", "/api/datasets"), ("patch", "/api/users/{me}")],
)
def test_an_operation_with_a_body_refuses_none(
    app: Flask, client: FlaskClient, method: str, path: str
) -> None:
    """Issue 13, 11: no body used to be read as `{}` and answered 200."""
    headers = as_user("root", "administrator")
    me = client.get("/api/me", headers=headers).json["id"]
    before = saved_rows(app)

    response = getattr(client, method)(path.format(me=me), headers=headers)

    assert response.status_code == 400
    assert "JSON body is required" in response.json["errors"]["json"][0]
    assert saved_rows(app) == before


# Issue 13, item 10: accepted although implausible.


@pytest.mark.parametrize(
    ("kind", "body", "path"),
    [
        (
            "datasets",
            minimal_dataset(access_right="embargoed", embargo_until="9999-12-31"),
            ["embargo_until"],
        ),
        (
            "publications",
            minimal_publication(
                deposit={
                    "version": "accepted",
                    "url": "https://hdl.handle.net/1887/12345",
                    "embargo_until": "9999-12-31",
                }
            ),
            ["deposit", "embargo_until"],
        ),
        (
            "datasets",
            minimal_dataset(creators=[{"name": "\u200b\u200c\u200d\ufeff"}]),
            ["creators", "0", "name"],
        ),
        ("datasets", minimal_dataset(keywords=["migraine", "\u200b \u2060"]), ["keywords", "1"]),
        ("datasets", minimal_dataset(title="\u00ad\u200b"), ["title"]),
    ],
)
def test_implausible_values_name_the_field(
    app: Flask, client: FlaskClient, kind: str, body: dict[str, Any], path: list[str]
) -> None:
    before = saved_rows(app)

    response = client.post(f"/api/{kind}", json=body, headers=as_user("anna"))

    assert response.status_code == 422, response.json
    node: Any = field_errors(response)
    for key in path:
        assert key in node, (path, response.json)
        node = node[key]
    assert saved_rows(app) == before


def test_a_decades_long_data_embargo_is_accepted(client: FlaskClient) -> None:
    body = minimal_dataset(access_right="embargoed", embargo_until="2075-01-01")
    assert client.post("/api/datasets", json=body, headers=as_user("anna")).status_code == 201


def test_bidirectional_overrides_are_stripped_and_the_text_kept(client: FlaskClient) -> None:
    # "Trojan Source": U+202E makes the tail display reversed ("fdp.exe" reads "exe.pdf").
    hello = "\u0645\u0631\u062d\u0628\u0627"  # Arabic, right to left
    title = f"Cohort data \u202efdp.exe\u202c and \u2067{hello}\u2069 notes"
    body = minimal_dataset(title=title, keywords=["\u202dmigraine"])

    created = client.post("/api/datasets", json=body, headers=as_user("anna"))

    assert created.status_code == 201
    assert created.json["title"] == f"Cohort data fdp.exe and {hello} notes"
    assert created.json["keywords"] == ["migraine"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"kind": "publication", "refresh": 0}, ["refresh"]),
        ({"kind": "publication", "refresh": "yes"}, ["refresh"]),
        ({"kind": "publication", "record_ids": ["0"]}, ["record_ids", "0"]),
    ],
)
def test_an_enrichment_job_names_what_it_cannot_use(
    client: FlaskClient, body: dict[str, Any], path: list[str]
) -> None:
    """Issue 13, 11: `"refresh": 0` queued a job for a record "0"."""
    response = client.post("/api/enrichment/jobs", json=body, headers=as_user("lena", "librarian"))

    assert response.status_code == 422, response.json
    node: Any = field_errors(response)
    for key in path:
        assert key in node, (path, response.json)
        node = node[key]
    jobs = client.get("/api/enrichment/jobs", headers=as_user("lena", "librarian")).json
    assert jobs == []


def test_a_boolean_in_a_body_is_true_or_false(client: FlaskClient) -> None:
    body = minimal_publication(peer_reviewed=1)
    response = client.post("/api/publications", json=body, headers=as_user("anna"))
    assert response.status_code == 422 and "peer_reviewed" in field_errors(response)
