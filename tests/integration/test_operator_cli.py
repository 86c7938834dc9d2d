"""The operator commands: `catalogue worker`, `catalogue search ...`, `catalogue users ...`."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from catalogue.cli import main
from catalogue.services.accounts import ensure_user, identity_of
from catalogue.services.records import datasets
from schemas.records import DatasetSchema
from tests.integration.conftest import as_user, indexed_by_workers, minimal_dataset


@pytest.fixture()
def operator_env(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment ``catalogue`` reads, pointing at the test app's database and node."""
    for name, value in app.extensions["catalogue"].settings.to_environ().items():
        monkeypatch.setenv(name, value)


def test_worker_status_verify_and_reindex(app: Flask, operator_env: None) -> None:
    state = app.extensions["catalogue"]
    with indexed_by_workers(state), state.db.unit_of_work() as session:
        owner = identity_of(session, ensure_user(session, "test|op", "op", ["researcher"]))
        for i in range(3):
            datasets.create(session, owner, DatasetSchema().load(minimal_dataset(title=f"R{i}")))
    runner = CliRunner()

    status = runner.invoke(main, ["search", "status"])
    assert status.exit_code == 0, status.output
    assert re.search(r"changes waiting\W+3\b", status.output), status.output

    worker = runner.invoke(main, ["worker", "--once"])
    assert worker.exit_code == 0, worker.output
    assert "3 changes: 3 written" in worker.output

    verify = runner.invoke(main, ["search", "verify", "--no-repair"])
    assert verify.exit_code == 0, verify.output
    assert (
        "3 ids checked: 0 missing from the index, 0 stale, 0 not in the database" in verify.output
    )

    before = state.backend.current_index()
    reindex = runner.invoke(main, ["search", "reindex", "--render"])
    assert reindex.exit_code == 0, reindex.output
    assert state.backend.current_index() != before
    assert state.backend.current_index() in reindex.output
    assert "Rendering documents" in reindex.output


def test_first_administrator_and_a_token_from_the_command_line(
    app: Flask, client: FlaskClient, operator_env: None
) -> None:
    client.get("/api/me", headers=as_user("bram"))  # Bram has logged in once
    runner = CliRunner()

    granted = runner.invoke(main, ["users", "grant", "bram@example.org", "administrator"])
    assert granted.exit_code == 0, granted.output
    unknown = runner.invoke(main, ["users", "grant", "nobody@example.org", "librarian"])
    assert unknown.exit_code != 0 and "no single user" in unknown.output
    issued = runner.invoke(main, ["users", "token", "bram@example.org", "--scope", "admin"])
    assert issued.exit_code == 0, issued.output
    secret = issued.stdout.strip().splitlines()[-1]

    users = client.get("/api/users", headers={"Authorization": f"Bearer {secret}"})
    assert users.status_code == 200
    assert next(u for u in users.json if u["name"] == "bram")["roles"] == [
        "administrator",
        "researcher",
    ]
    listed = runner.invoke(main, ["users", "list"])
    assert listed.exit_code == 0 and "bram@example.org" in listed.output


def test_fair_reassess_brings_old_assessments_to_the_current_rules(
    app: Flask, client: FlaskClient, operator_env: None
) -> None:
    from catalogue.domain.fair import VERSION
    from catalogue.models import Dataset

    created = client.post("/api/datasets", json=minimal_dataset(), headers=as_user("anna")).json
    state = app.extensions["catalogue"]
    with state.db.unit_of_work() as session:  # as an older release left it
        dataset = session.get(Dataset, created["id"])
        dataset.fair_assessment = {**dataset.fair_assessment, "version": "catalogue-fair-1"}
        dataset.fair_score10 = 0

    done = CliRunner().invoke(main, ["fair", "reassess"])

    assert done.exit_code == 0, done.output
    assert "1 datasets assessed, 1 scores changed" in done.output
    fair = client.get(f"/api/datasets/{created['id']}/fair", headers=as_user("anna")).json
    assert fair["version"] == VERSION
