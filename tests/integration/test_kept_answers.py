"""The services' kept answers: pruned after the retention period unless a record uses them
(carries their DOI, or knows it as another of its identifiers)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from catalogue.cli import main
from catalogue.models import EnrichmentAnswer, RecordIdentifier, utcnow
from tests.integration.conftest import minimal_publication, publish


def test_pruning_keeps_what_records_use_and_what_is_young(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in app.extensions["catalogue"].settings.to_environ().items():
        monkeypatch.setenv(name, value)
    record = publish(client, "publications", minimal_publication(doi="10.1234/used.1"))
    old, young = utcnow() - timedelta(days=800), utcnow() - timedelta(days=10)
    with app.extensions["catalogue"].db.unit_of_work() as session:
        session.add(
            RecordIdentifier(scheme="doi", value="10.1234/preprint.1", record_id=record["id"])
        )
        for source, doi, fetched in (
            ("crossref", "10.1234/used.1", old),  # the record's evidence: kept at any age
            ("unpaywall", "10.1234/used.1", old),
            ("openalex", "10.1234/preprint.1", old),  # another DOI of the record: kept
            ("crossref", "10.1234/gone.1", old),  # no record: pruned
            ("unpaywall", "10.1234/gone.1", old),
            ("unpaywall", "10.1234/gone.2", old),
            ("crossref", "10.1234/young.1", young),  # no record, but within the period
        ):
            session.add(
                EnrichmentAnswer(source=source, doi=doi, status=200, body={}, fetched_at=fetched)
            )

    pruned = CliRunner().invoke(main, ["enrich", "prune"])  # the default: 365 days

    assert pruned.exit_code == 0, pruned.output
    said = " ".join(pruned.output.split())  # as one line, however the terminal wraps it
    assert "Pruned 3 kept answers" in said and "(crossref 1, unpaywall 2); 4 kept" in said
    with app.extensions["catalogue"].db.reader() as session:
        left = set(session.execute(select(EnrichmentAnswer.source, EnrichmentAnswer.doi)).all())
    assert left == {
        ("crossref", "10.1234/used.1"),
        ("unpaywall", "10.1234/used.1"),
        ("openalex", "10.1234/preprint.1"),
        ("crossref", "10.1234/young.1"),
    }
    again = CliRunner().invoke(main, ["enrich", "prune", "--older-than-days", "5"])
    assert "Pruned 1 kept answers" in again.output  # the young one, with a shorter period

    monkeypatch.setenv("CATALOGUE_ENRICHMENT_ANSWER_RETENTION_DAYS", "0")
    kept = CliRunner().invoke(main, ["enrich", "prune"])
    assert kept.exit_code == 0 and "kept for ever" in kept.output
