"""Fixtures over a real PostgreSQL database and a real Elasticsearch node."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, select, text

from catalogue.adapters import migrate
from catalogue.app import create_app
from catalogue.config import Settings
from catalogue.models import data_tables, utcnow
from catalogue.services.accounts import ensure_user, identity_of, issue_token
from catalogue.services.vocabularies import EDITABLE, seed_terms, sync_vocabularies
from tests.conftest import service_url
from tests.fake_services import FakeServices, fake_services, stand_in_harvester


@pytest.fixture(scope="session")
def pg_url() -> str:
    return service_url("CATALOGUE_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def es_url() -> str:
    return service_url("CATALOGUE_TEST_ELASTICSEARCH_URL")


def make_settings(database_url: str, **overrides: Any) -> Settings:
    if "elasticsearch_url" in overrides:
        overrides.setdefault(
            "elasticsearch_username", os.environ.get("CATALOGUE_TEST_ELASTICSEARCH_USERNAME", "")
        )
        overrides.setdefault(
            "elasticsearch_password", os.environ.get("CATALOGUE_TEST_ELASTICSEARCH_PASSWORD", "")
        )
    values: dict[str, Any] = {
        "env": "development",
        "database_url": database_url,
        # Keeps the embedded search index (used when no Elasticsearch URL is given) out of the repo.
        "data_dir": tempfile.mkdtemp(prefix="catalogue-test-"),
        "base_url": "http://catalogue.test",
        # Rate limits have their own test; elsewhere they would only make tests flaky.
        "anonymous_rate_limit": "100000 per minute",
        **overrides,
    }
    return Settings(**values).validated()


@pytest.fixture(scope="session")
def index_prefix() -> str:
    # Unique per run, so runs sharing a node never see each other's documents.
    return f"test-{uuid.uuid4().hex[:8]}"


@contextmanager
def _serving(settings: Settings) -> Iterator[Flask]:
    """An application on a migrated database with its vocabularies, the current one for
    ``as_user`` while in use."""
    application = create_app(settings)
    state = application.extensions["catalogue"]
    migrate.upgrade(state.db.engine)
    with state.db.unit_of_work() as session:
        sync_vocabularies(session)
    _CURRENT_APP.append(application)
    try:
        yield application
    finally:
        _CURRENT_APP.remove(application)
        state.db.dispose()


@pytest.fixture(scope="session")
def app(pg_url: str, es_url: str, index_prefix: str) -> Iterator[Flask]:
    settings = make_settings(pg_url, elasticsearch_url=es_url, index_prefix=index_prefix)
    with _serving(settings) as application:
        yield application


@pytest.fixture()
def sqlite_app(tmp_path: Any) -> Iterator[Flask]:
    """The embedded set-up a newcomer meets: SQLite and the embedded search index, fresh for
    the test (for behaviour where SQLite differs from PostgreSQL: locking above all)."""
    with _serving(make_settings(f"sqlite:///{tmp_path / 'catalogue.sqlite'}")) as application:
        yield application
        application.extensions["catalogue"].backend.close()


@pytest.fixture(params=["postgresql", "sqlite"])
def either_app(request: pytest.FixtureRequest) -> Flask:
    """The test runs once on PostgreSQL (with Elasticsearch), once on the embedded set-up."""
    name = "app" if request.param == "postgresql" else "sqlite_app"
    application: Flask = request.getfixturevalue(name)
    return application


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    _CALLERS.clear()
    if "app" in request.fixturenames:
        empty_catalogue(request.getfixturevalue("app"))


def empty_catalogue(app: Flask) -> None:
    """Remove everything a test may create; the vocabularies return to their seed terms."""
    state = app.extensions["catalogue"]
    with state.db.engine.begin() as connection:
        tables = ", ".join(data_tables())
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    # Administrators' changes to the vocabularies (tests and the fuzzer make them) are undone.
    with state.db.unit_of_work() as session:
        for vocabulary, model in EDITABLE.items():
            seeds = {term["id"]: term for term in seed_terms(vocabulary)}
            session.execute(delete(model).where(model.id.not_in(seeds)))
            for term in session.scalars(select(model)):
                term.label, term.retired = seeds[term.id]["label"], False
                if vocabulary == "themes":
                    term.group = seeds[term.id]["group"]
    # A fresh index too; the backend creates it again on its next use.
    state.backend.drop_indices()
    # And no figures the home page computed from this test's records.
    app.extensions.pop("catalogue_home_objectives", None)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


# The app the current test runs against, and the tokens issued to its callers in this test.
_CURRENT_APP: list[Flask] = []
_CALLERS: dict[tuple[str, tuple[str, ...]], str] = {}


def as_user(name: str, *roles: str, **headers: str) -> dict[str, str]:
    """Request headers acting as ``name``: a researcher with ``roles`` besides.

    A real personal access token (scopes read and write, and admin for administrators) of a
    real user, made on first use in each test.
    """
    key = (name, tuple(sorted(roles)))
    if key not in _CALLERS:
        _CALLERS[key] = issue_test_token(_CURRENT_APP[-1], name, ("researcher", *roles))
    return {"Authorization": f"Bearer {_CALLERS[key]}", **headers}


def issue_test_token(
    app: Flask, name: str, roles: tuple[str, ...], scopes: tuple[str, ...] | None = None
) -> str:
    """A token for user ``name`` (created with ``roles`` if new)."""
    if scopes is None:
        scopes = ("read", "write", "admin") if "administrator" in roles else ("read", "write")
    state = app.extensions["catalogue"]
    with state.db.unit_of_work() as session:
        user = ensure_user(session, f"test|{name}", name, roles, email=f"{name}@example.org")
        identity = identity_of(session, user)
        _token, secret = issue_token(
            session, identity, f"test {name}", scopes, utcnow() + timedelta(days=1)
        )
    return secret


def minimal_dataset(**overrides: Any) -> dict[str, Any]:
    """A dataset with everything publishing needs."""
    return {
        "title": "Cohort study of migraine in adults in Leiden",
        "description": "Headache diaries and MRI of 600 adults with migraine.",
        "creators": [
            {
                "name": "Jansen, Anna",
                "orcid": "https://orcid.org/0000-0002-1825-0097",
                "affiliations": [{"name": "LUMC", "ror": "05xvt9f17"}],
            }
        ],
        "themes": ["neuroscience"],
        "departments": ["neurology"],
        "license": "cc-by-4.0",
        "access_right": "open",
        "distributions": [
            {
                "access_url": "https://dataverse.nl/dataset.xhtml?persistentId=doi:10.34894/ABC",
                "format": "CSV",
                "media_type": "text/csv",
                "byte_size": 1024,
                "checksum": "sha256:" + "a" * 64,
            }
        ],
        "publication_date": "2024-05-01",
        **overrides,
    }


def minimal_publication(**overrides: Any) -> dict[str, Any]:
    return {
        "title": "Migraine attacks and the menstrual cycle",
        "creators": [{"name": "Jansen, Anna"}],
        "themes": ["neuroscience"],
        "doi": "10.1212/WNL.0000000000001234",
        "journal": {"title": "Neurology", "issn": "0028-3878", "eissn": "1526-632X"},
        "publication_date": "2023-02-14",
        "peer_reviewed": True,
        **overrides,
    }


@contextmanager
def indexed_by_workers(state: Any) -> Iterator[None]:
    """As in production: a commit leaves its changes in the outbox for `catalogue worker`
    processes, instead of indexing them before it returns."""
    hook, state.db.after_search_change = state.db.after_search_change, None
    try:
        yield
    finally:
        state.db.after_search_change = hook


@pytest.fixture()
def contact_app(app: Flask) -> Any:
    """The institution's contact address configured, as a deployment must (Health-RI asks
    the publisher for one)."""
    settings = app.extensions["catalogue"].settings
    before = settings.contact_email
    object.__setattr__(settings, "contact_email", "researchdata@lumc.example")
    yield app
    object.__setattr__(settings, "contact_email", before)


def publish(client: FlaskClient, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """Register ``body`` as anna and publish it; the published record as the API shows it."""
    created = client.post(f"/api/{kind}", json=body, headers=as_user("anna"))
    assert created.status_code == 201, created.json
    done = client.post(
        f"/api/{kind}/{created.json['id']}/publish",
        headers=as_user("anna", **{"If-Match": created.headers["ETag"]}),
    )
    assert done.status_code == 200, done.json
    record: dict[str, Any] = done.json
    return record


@pytest.fixture
def services() -> Iterator[FakeServices]:
    """The local stand-in for the outside services (Crossref, OpenAlex, ORCID, a repository...)."""
    with fake_services() as running:
        yield running


@pytest.fixture
def harvester(app: Flask, services: FakeServices) -> Any:
    """A harvesting worker of the test catalogue, asking the stand-in."""
    return stand_in_harvester(app.extensions["catalogue"], services)
