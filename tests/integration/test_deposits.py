"""Deposits in the institutional repository, harvested over OAI-PMH from a local stand-in
(resumption tokens, deleted records, OpenAIRE's Dublin Core), as green Open Access evidence
for the publications they match."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from catalogue.adapters.harvest.jobs import Harvester, queue_deposits
from catalogue.models import HarvestJob, User
from tests import service_answers
from tests.fake_services import FakeServices
from tests.integration.conftest import as_user, minimal_publication, publish

LIBRARIAN = ("lotte", "librarian")


def harvest(app: Flask, client: FlaskClient, harvester: Harvester, url: str) -> HarvestJob:
    client.get("/api/me", headers=as_user(*LIBRARIAN))
    with app.extensions["catalogue"].db.unit_of_work() as session:
        lotte = session.scalar(select(User).where(User.name.contains("lotte")))
        assert lotte is not None
        job_id = queue_deposits(session, lotte, url).id
    assert harvester.claim() == job_id
    return harvester.run(job_id)


def read(client: FlaskClient, record: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = client.get(
        f"/api/publications/{record['id']}", headers=as_user(*LIBRARIAN)
    ).json
    return found


def test_deposits_become_green_evidence_for_the_publications_they_match(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    by_doi = publish(
        client, "publications", minimal_publication(doi="10.5555/dep.1", title="Anything")
    )
    by_title = publish(
        client,
        "publications",
        minimal_publication(
            title="Outcomes of Migraine Care: a Cohort",
            publication_date="2024-02-01",
            creators=[{"name": "Jansen, Anna", "family_name": "Jansen", "given_name": "Anna"}],
        ),
    )
    assert read(client, by_doi)["open_access"]["status"] in {"closed", "unknown"}
    services.repository = [
        service_answers.deposit(1, doi="10.5555/DEP.1"),
        service_answers.deposit(2, title="Outcomes of migraine care - a cohort"),
        service_answers.deposit(3, doi="10.5555/nowhere.3"),
        service_answers.deposit(4, doi="10.5555/dep.4", access="closedAccess"),
        service_answers.deposit(5, doi="10.5555/dep.5", version=None),
        service_answers.deposit(6, title="A work nobody registered"),
        service_answers.deposit(7, doi="10.5555/dep.7", embargo_end="2099-01-01"),
    ]
    job = harvest(app, client, harvester, f"{services.url}/oai")

    assert (job.status, job.updated, job.unmatched, job.created, job.failed) == (
        "done",
        2,
        5,
        0,
        0,
    )
    assert job.total == 7
    tokens = [seen.query.get("resumptionToken", [None])[0] for seen in services.requests_to("/oai")]
    assert tokens == [None, "3", "6"]  # three pages, each asked for once
    doi_matched = read(client, by_doi)
    assert doi_matched["deposit"] == {
        "version": "accepted",
        "url": "https://scholarlypublications.example/handle/1887/1",
        "embargo_until": None,
        "license": "CC-BY-4.0",
    }
    assert doi_matched["open_access"]["status"] == "green"
    assert read(client, by_title)["deposit"]["url"].endswith("/1887/2")
    reasons = {problem["item"].rsplit("/", 1)[-1]: problem["reason"] for problem in job.problems}
    assert "no publication matches DOI 10.5555/nowhere.3" in reasons["3"]
    assert "closed access" in reasons["4"]
    assert "which version" in reasons["5"]
    history = client.get(
        f"/api/publications/{by_doi['id']}/history", headers=as_user(*LIBRARIAN)
    ).json
    assert history[-1]["action"] == "harvest"
    assert history[-1]["changes"]["deposit"]["source"] == "oai"

    again = harvest(app, client, harvester, f"{services.url}/oai")
    assert (again.updated, again.unchanged, again.unmatched) == (0, 2, 5)


def test_a_deposit_deleted_from_the_repository_takes_its_evidence_back_unless_edited(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    first = publish(client, "publications", minimal_publication(doi="10.5555/del.1"))
    second = publish(client, "publications", minimal_publication(doi="10.5555/del.2"))
    services.repository = [
        service_answers.deposit(11, doi="10.5555/del.1"),
        service_answers.deposit(12, doi="10.5555/del.2"),
    ]
    harvest(app, client, harvester, f"{services.url}/oai")
    # A librarian corrects the second deposit's version by hand.
    current = read(client, second)
    edited = {key: current[key] for key in ("title", "doi", "creators", "themes", "resource_type")}
    edited["deposit"] = {**current["deposit"], "version": "published"}
    answer = client.put(
        f"/api/publications/{second['id']}",
        json=edited,
        headers={**as_user("anna"), "If-Match": str(current["revision"])},
    )
    assert answer.status_code == 200, answer.json

    services.repository = [
        {**service_answers.deposit(11), "deleted": True},
        {**service_answers.deposit(12), "deleted": True},
    ]
    job = harvest(app, client, harvester, f"{services.url}/oai")

    assert (job.updated, job.unchanged) == (1, 1)
    assert read(client, first)["deposit"] is None  # the repository's word, taken back
    assert read(client, second)["deposit"]["version"] == "published"  # a person's, kept


def test_deposit_harvests_over_the_api_default_to_the_configured_repository(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    wrong = client.post("/api/harvests", json={"source": "oai"}, headers=as_user(*LIBRARIAN))
    assert wrong.status_code == 422 and "url" in wrong.json["errors"]["json"]
    queued = client.post(
        "/api/harvests",
        json={"source": "oai", "url": f"{services.url}/oai", "set": "publications"},
        headers=as_user(*LIBRARIAN),
    )
    assert queued.status_code == 202, queued.json
    assert queued.json["parameters"] == {"url": f"{services.url}/oai", "set": "publications"}
    assert harvester.claim() == queued.json["id"]
    assert harvester.run(queued.json["id"]).status == "done"
    assert services.requests_to("/oai")[0].query["set"] == ["publications"]
    # The next harvest of the same repository asks only for what changed since.
    again = client.post(
        "/api/harvests",
        json={"source": "oai", "url": f"{services.url}/oai"},
        headers=as_user(*LIBRARIAN),
    )
    assert "from" in again.json["parameters"]
