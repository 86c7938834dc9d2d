"""Enrichment jobs end to end: queued over the API, run by the enricher against the local
stand-in for Crossref, Unpaywall, OpenAlex, DataCite and doi.org, saved through the records."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from catalogue.adapters.enrichment.jobs import Enricher
from catalogue.cli import main as cli
from catalogue.models import Journal
from tests import service_answers
from tests.fake_services import FakeServices, Reply, stand_in_enricher
from tests.integration.conftest import as_user, minimal_dataset, minimal_publication, publish

LIBRARIAN = ("lotte", "librarian")
STEWARD = ("sanne", "data_steward")


@pytest.fixture
def enricher(app: Flask, services: FakeServices) -> Enricher:
    found: Enricher = stand_in_enricher(app.extensions["catalogue"], services)
    return found


def queue(client: FlaskClient, who: tuple[str, ...], **body: Any) -> dict[str, Any]:
    response = client.post("/api/enrichment/jobs", json=body, headers=as_user(*who))
    assert response.status_code == 202, response.json
    job: dict[str, Any] = response.json
    return job


def run_all(enricher: Enricher) -> None:
    while (job_id := enricher.claim()) is not None:
        enricher.run(job_id)


def job(client: FlaskClient, job_id: int, who: tuple[str, ...] = LIBRARIAN) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/enrichment/jobs/{job_id}", headers=as_user(*who)).json
    return body


def test_a_librarians_job_gathers_open_access_evidence_and_reclassifies(
    client: FlaskClient, enricher: Enricher, services: FakeServices
) -> None:
    doi = "10.1234/jhr.2024.001"
    services.crossref.add(doi)
    services.unpaywall[doi] = {"publisher_oa": True, "repository": True}
    services.openalex.add(doi)
    record = publish(client, "publications", minimal_publication(doi=doi))
    assert record["open_access"]["status"] in {"unknown", "closed"}

    queued = queue(client, LIBRARIAN, kind="publication")
    assert queued["status"] == "queued"
    run_all(enricher)

    done = job(client, queued["id"])
    assert (done["status"], done["total"], done["processed"], done["changed"]) == (
        "done",
        1,
        1,
        1,
    )
    after = client.get(f"/api/publications/{record['id']}", headers=as_user("anna")).json
    assert after["publisher_free_to_read"] is True
    assert after["publisher_license"] == "CC-BY-4.0"
    assert after["deposit"]["version"] == "accepted"
    assert after["open_access"]["status"] == "hybrid"  # reclassified on the save
    # Anna's own values stay; a librarian's job fills only the Open Access fields.
    assert after["title"] == record["title"]
    assert after["journal"]["title"] == "Neurology"
    assert after["funding"] == []

    history = client.get(f"/api/publications/{record['id']}/history", headers=as_user("anna")).json
    event = history[-1] if history[-1]["action"] == "enrich" else history[0]
    assert event["action"] == "enrich"
    assert event["actor"] == "lotte"
    assert event["changes"]["publisher_free_to_read"]["source"] == "unpaywall"
    assert event["changes"]["publisher_license"]["source"] == "crossref"  # the exact VoR licence

    # Polite: who we are and how to reach us, on every request; Unpaywall's email parameter.
    assert all("mailto:library@example.org" in s.headers["User-Agent"] for s in services.seen)
    [asked] = services.requests_to("/v2/")
    assert asked.query["email"] == ["library@example.org"]


def test_answers_are_kept_and_asked_again_only_when_refreshed(
    client: FlaskClient, enricher: Enricher, services: FakeServices
) -> None:
    doi = "10.1234/jhr.2024.002"
    services.unpaywall[doi] = {"publisher_oa": False, "repository": True}
    publish(client, "publications", minimal_publication(doi=doi))

    queue(client, LIBRARIAN, kind="publication", sources=["unpaywall"])
    run_all(enricher)
    second = queue(client, LIBRARIAN, kind="publication", sources=["unpaywall"])
    run_all(enricher)

    assert len(services.requests_to("/v2/")) == 1  # the second job used the kept answer
    assert job(client, second["id"])["changed"] == 0  # nothing left to fill

    queue(client, LIBRARIAN, kind="publication", sources=["unpaywall"], refresh=True)
    run_all(enricher)
    assert len(services.requests_to("/v2/")) == 2


def test_a_stewards_job_fills_datasets_and_runs_the_network_fair_checks(
    client: FlaskClient, enricher: Enricher, services: FakeServices
) -> None:
    registered, unknown = "10.34894/abcdef", "10.34894/nowhere"  # as stored: lower case
    services.datacite[registered] = "findable"
    services.resolving.add(registered)
    known = publish(client, "datasets", minimal_dataset(doi=registered, keywords=[]))
    lost = publish(client, "datasets", minimal_dataset(doi=unknown, title="Another cohort"))
    fair = client.get(f"/api/datasets/{known['id']}/fair").json
    outcomes = {t["id"]: t["outcome"] for m in fair["metrics"] for t in m["tests"]}
    assert outcomes["FsF-F1-02D-2"] == "not_checked"  # never guessed before the check

    queued = queue(client, STEWARD, kind="dataset")
    run_all(enricher)

    assert job(client, queued["id"], STEWARD)["changed"] == 2
    after = client.get(f"/api/datasets/{known['id']}").json
    assert after["keywords"] == ["migraine", "cohort study"]  # empty: filled from DataCite
    assert after["funding"][0]["funder_name"] == "ZonMw"
    assert after["title"] == known["title"]  # Anna's own title stays
    for record, expected in ((known, "pass"), (lost, "fail")):
        fair = client.get(f"/api/datasets/{record['id']}/fair").json
        outcomes = {t["id"]: t["outcome"] for m in fair["metrics"] for t in m["tests"]}
        assert outcomes["FsF-F1-02D-2"] == expected, record["doi"]  # the DOI resolves
        assert outcomes["FsF-F4-01M-2"] == expected, record["doi"]  # registered at DataCite


def test_a_service_that_is_down_is_reported_and_the_others_still_count(
    client: FlaskClient, enricher: Enricher, services: FakeServices
) -> None:
    doi = "10.1234/jhr.2024.003"
    services.unpaywall[doi] = {"publisher_oa": True, "repository": False}
    services.script["/works/"] = [Reply(503) for _ in range(20)]  # Crossref is down
    record = publish(client, "publications", minimal_publication(doi=doi))

    queued = queue(client, LIBRARIAN, kind="publication", sources=["crossref", "unpaywall"])
    run_all(enricher)

    done = job(client, queued["id"])
    assert done["status"] == "done"
    assert done["changed"] == 1 and done["failed"] == 1
    [problem] = done["problems"]
    assert (problem["record"], problem["source"], problem["level"]) == (
        record["id"],
        "crossref",
        "failed",
    )
    assert "503" in problem["reason"]
    after = client.get(f"/api/publications/{record['id']}", headers=as_user("anna")).json
    assert after["publisher_free_to_read"] is True


def test_a_bad_value_from_a_source_is_skipped_and_named(
    client: FlaskClient, enricher: Enricher, services: FakeServices
) -> None:
    doi = "10.1234/jhr.2024.004"
    answer = service_answers.crossref(doi)
    answer["message"]["funder"][0]["DOI"] = "not-a-funder-id"
    services.script["/works/"] = [Reply(200, answer)]
    record = publish(client, "publications", minimal_publication(doi=doi))

    queued = queue(client, ("ada", "administrator"), kind="publication", sources=["crossref"])
    run_all(enricher)

    done = job(client, queued["id"], ("ada", "administrator"))
    assert done["changed"] == 1 and done["failed"] == 0
    [problem] = done["problems"]
    assert (problem["level"], problem["source"]) == ("skipped", "crossref")
    assert problem["reason"].startswith("funding")
    after = client.get(f"/api/publications/{record['id']}", headers=as_user("anna")).json
    assert after["funding"] == []  # not half-saved
    assert after["description"].startswith("We followed 2,000 people")  # the rest is filled


def test_a_stopped_job_resumes_where_it_stopped(
    client: FlaskClient, enricher: Enricher, services: FakeServices
) -> None:
    dois = [f"10.1234/jhr.2024.1{i}" for i in range(3)]
    for doi in dois:
        services.unpaywall[doi] = {"publisher_oa": True, "repository": False}
        publish(client, "publications", minimal_publication(doi=doi))
    queued = queue(client, LIBRARIAN, kind="publication", sources=["unpaywall"])

    stop = threading.Event()
    claimed = enricher.claim()
    assert claimed == queued["id"]
    enricher.run(claimed, progress=lambda _job: stop.set(), stop=stop)
    halfway = job(client, queued["id"])
    assert (halfway["status"], halfway["processed"]) == ("queued", 1)

    run_all(enricher)
    done = job(client, queued["id"])
    assert (done["status"], done["processed"], done["changed"]) == ("done", 3, 3)
    assert len(services.requests_to("/v2/")) == 3  # no record asked twice


def test_a_researcher_fills_her_own_record_from_its_doi(
    client: FlaskClient, enricher: Enricher, services: FakeServices
) -> None:
    doi = "10.1234/jhr.2024.006"
    services.crossref.add(doi)
    created = client.post(
        "/api/publications", json=minimal_publication(doi=doi), headers=as_user("anna")
    ).json
    assert created["funding"] == [] and created.get("description") is None

    response = client.post(f"/api/publications/{created['id']}/enrich", headers=as_user("anna"))
    assert response.status_code == 202, response.json
    assert response.json["record_ids"] == [created["id"]]
    run_all(enricher)

    after = client.get(f"/api/publications/{created['id']}", headers=as_user("anna")).json
    # Her own record: every empty field may be filled, not only the Open Access ones.
    assert after["funding"][0]["award_number"] == "016.Vidi.188.001"
    assert after["description"].startswith("We followed 2,000 people")
    assert after["title"] == created["title"]
    assert job(client, response.json["id"], ("anna",))["status"] == "done"

    no_doi = client.post(
        "/api/publications", json=minimal_publication(doi=None), headers=as_user("anna")
    ).json
    refused = client.post(f"/api/publications/{no_doi['id']}/enrich", headers=as_user("anna"))
    assert refused.status_code == 409
    assert "doi" in refused.json["errors"]["json"]


def test_jobs_are_checked_when_queued(client: FlaskClient) -> None:
    wrong = client.post(
        "/api/enrichment/jobs",
        json={"kind": "dataset", "sources": ["unpaywall"]},
        headers=as_user(*STEWARD),
    )
    assert wrong.status_code == 422
    assert "sources" in wrong.json["errors"]["json"]


def test_operators_queue_run_and_follow_jobs_from_the_command_line(
    app: Flask,
    client: FlaskClient,
    enricher: Enricher,
    services: FakeServices,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in enricher.settings.to_environ().items():
        monkeypatch.setenv(name, value)  # what `catalogue` reads: the test database, the stand-in
    doi = "10.1234/jhr.2024.005"
    services.unpaywall[doi] = {"publisher_oa": True, "repository": False}
    record = publish(client, "publications", minimal_publication(doi=doi))
    as_user(*LIBRARIAN)  # Lotte has logged in once
    runner = CliRunner()

    lotte = ["--as", "lotte@example.org"]
    queued = runner.invoke(cli, ["enrich", "queue", "publications", *lotte, "--source=unpaywall"])
    assert queued.exit_code == 0, queued.output
    ran = runner.invoke(cli, ["enrich", "run"])
    assert ran.exit_code == 0, ran.output
    assert "1 records, 1 changed" in ran.output
    status = runner.invoke(cli, ["enrich", "status"])
    assert status.exit_code == 0, status.output
    assert "done" in status.output and "1/1" in status.output

    after = client.get(f"/api/publications/{record['id']}", headers=as_user("anna")).json
    assert after["publisher_free_to_read"] is True
    wrong = runner.invoke(cli, ["enrich", "queue", "datasets", *lotte, "--source", "crossref"])
    assert wrong.exit_code == 2 and "sources" in wrong.output


def test_unpaywall_tells_the_journal_register_a_journal_is_fully_open_access(
    client: FlaskClient, enricher: Enricher, services: FakeServices
) -> None:
    doi = "10.1234/jhr.2024.077"
    services.unpaywall[doi] = {"publisher_oa": True, "repository": False, "journal_oa": True}
    record = publish(client, "publications", minimal_publication(doi=doi))
    assert record["journal"]["fully_oa"] is None
    queue(client, LIBRARIAN, kind="publication", sources=["unpaywall"])
    run_all(enricher)

    after = client.get(f"/api/publications/{record['id']}", headers=as_user("anna")).json
    assert (after["journal"]["fully_oa"], after["journal"]["fully_oa_source"]) == (
        True,
        "unpaywall",
    )
    assert after["open_access"]["status"] == "gold"  # CC BY in a fully OA journal
    assert any("unpaywall says so" in rule for rule in after["open_access"]["rules"])


def _without_typed_issns(doi: str) -> dict[str, Any]:
    """Crossref's answer as it is for many older works: ``ISSN`` without ``issn-type``."""
    answer = service_answers.crossref(doi)
    del answer["message"]["issn-type"]
    return answer


@pytest.mark.parametrize("typed", [True, False], ids=["issn-type", "ISSN only"])
def test_crossrefs_issns_link_a_publication_to_the_register_and_doaj_decides(
    app: Flask, client: FlaskClient, enricher: Enricher, services: FakeServices, typed: bool
) -> None:
    with app.extensions["catalogue"].db.unit_of_work() as session:
        session.add(
            Journal(
                title="Journal of Headache Research", issn="1234-5679", eissn="2049-3630",
                in_doaj=True, doaj_as_of=date(2026, 11, 1), apc_amount=0,
            )
        )  # fmt: skip
    doi = "10.1234/jhr.2024.090"
    services.crossref.add(doi)
    if not typed:
        services.script[f"/works/{doi}"] = [Reply(200, _without_typed_issns(doi))]
    # Registered with the journal's short name only: nothing ties it to the register yet.
    record = publish(
        client,
        "publications",
        minimal_publication(
            doi=doi, journal={"title": "J Headache Res"}, publisher_free_to_read=True
        ),
    )
    assert record["journal"]["in_doaj"] is False
    assert record["open_access"]["status"] == "bronze"

    queue(client, LIBRARIAN, kind="publication", sources=["crossref"])
    run_all(enricher)

    after = client.get(f"/api/publications/{record['id']}", headers=as_user("anna")).json
    assert after["journal"]["in_doaj"] is True
    assert {after["journal"]["issn"], after["journal"]["eissn"]} == {"1234-5679", "2049-3630"}
    assert after["open_access"]["status"] == "diamond"  # in DOAJ, no APC: the register decides
