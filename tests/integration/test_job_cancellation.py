"""Jobs can be stopped: an enrichment job or a harvest cancelled by whoever queued it (or an
administrator), in the queue or in the middle of its run.  The worker notices at its next
step, everything it saved stays whole and counted, and the job says ``cancelled``."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from catalogue.adapters.enrichment.jobs import Enricher
from catalogue.adapters.harvest.jobs import Harvester, queue_harvest
from catalogue.models import HarvestJob, Record
from tests import service_answers
from tests.fake_services import FakeServices, Reply, stand_in_enricher
from tests.integration.conftest import as_user, minimal_publication, publish
from tests.integration.test_harvest import LUMC, librarian

LOTTE = ("lotte", "librarian")


@pytest.fixture
def enricher(app: Flask, services: FakeServices) -> Enricher:
    found: Enricher = stand_in_enricher(app.extensions["catalogue"], services)
    return found


def _queue_enrichment(client: FlaskClient) -> dict[str, Any]:
    answer = client.post(
        "/api/enrichment/jobs",
        json={"kind": "publication", "sources": ["unpaywall"]},
        headers=as_user(*LOTTE),
    )
    assert answer.status_code == 202, answer.json
    job: dict[str, Any] = answer.json
    return job


def test_an_enrichment_job_cancelled_midway_stops_after_the_record_it_is_on(
    client: FlaskClient, enricher: Enricher, services: FakeServices
) -> None:
    dois = [f"10.1234/jhr.2025.{n}" for n in range(6)]
    records = []
    for doi in dois:
        services.unpaywall[doi] = {"publisher_oa": True, "repository": False}
        # Each answer takes a while, so the cancellation lands in the middle of the run.
        body = service_answers.unpaywall(doi, publisher_oa=True, repository=False)
        services.script[f"/v2/{doi}"] = [Reply(200, body, delay=0.4)]
        records.append(publish(client, "publications", minimal_publication(doi=doi))["id"])
    queued = _queue_enrichment(client)
    assert enricher.claim() == queued["id"]
    finished: list[Any] = []
    worker = threading.Thread(target=lambda: finished.append(enricher.run(queued["id"])))
    worker.start()

    url = f"/api/enrichment/jobs/{queued['id']}"
    while client.get(url, headers=as_user(*LOTTE)).json["processed"] < 2:
        time.sleep(0.05)
    cancelled = client.post(f"{url}/cancel", headers=as_user(*LOTTE))
    worker.join(timeout=30)

    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    after = client.get(url, headers=as_user(*LOTTE)).json
    assert after["status"] == "cancelled" and after["finished_at"]
    assert finished[0].status == "cancelled"
    # At most the record it was on when cancelled, after the two it had done.
    assert after["processed"] in (2, 3) and after["changed"] == after["processed"]
    enriched = []
    for record_id in records:
        shown = client.get(f"/api/publications/{record_id}", headers=as_user("anna")).json
        # Whole or untouched: the evidence and the class that follows from it go together.
        if shown["publisher_free_to_read"]:
            assert shown["publisher_license"] == "CC-BY-4.0"
            assert shown["open_access"]["status"] != "closed"
            enriched.append(record_id)
        else:
            assert shown["publisher_license"] is None
    assert sorted(enriched) == sorted(records)[: after["processed"]]  # the job goes in id order
    assert enricher.claim() is None  # never taken up again
    again = client.post(f"{url}/cancel", headers=as_user(*LOTTE))
    assert again.status_code == 409 and "cancelled" in again.json["message"]


def test_who_may_cancel_a_job(client: FlaskClient, enricher: Enricher) -> None:
    queued = _queue_enrichment(client)
    url = f"/api/enrichment/jobs/{queued['id']}/cancel"
    # Another librarian follows the job but did not queue it; a researcher does not see it.
    assert client.post(url, headers=as_user("lis", "librarian")).status_code == 403
    assert client.post(url, headers=as_user("bram")).status_code == 404
    assert client.post(url).status_code == 401
    by_admin = client.post(url, headers=as_user("ada", "administrator"))
    assert by_admin.status_code == 200 and by_admin.json["status"] == "cancelled"
    assert enricher.claim() is None  # a cancelled job in the queue is never run


def test_a_harvest_cancelled_midway_keeps_the_batches_it_took(
    app: Flask, client: FlaskClient, harvester: Harvester, services: FakeServices
) -> None:
    services.openalex_works = [service_answers.openalex_work(n) for n in range(120)]
    with app.extensions["catalogue"].db.unit_of_work() as session:
        job_id = queue_harvest(session, librarian(app, client), "openalex", [LUMC], 2023, 2024).id
    assert harvester.claim() == job_id
    url = f"/api/harvests/{job_id}"

    answers = []

    def cancel_after_the_first_batch(job: HarvestJob) -> None:
        if job.processed == 25 and not answers:  # between batches, with no lock held
            answers.append(client.post(f"{url}/cancel", headers=as_user("lotte", "librarian")))

    done = harvester.run(job_id, progress=cancel_after_the_first_batch)

    assert answers[0].status_code == 200, answers[0].json

    assert done.status == "cancelled" and done.processed == 25 and done.created == 25
    with app.extensions["catalogue"].db.reader() as session:
        assert session.scalar(select(func.count()).select_from(Record)) == 25
    shown = client.get(url, headers=as_user("lotte", "librarian")).json
    assert (shown["status"], shown["processed"]) == ("cancelled", 25)
    assert harvester.claim() is None
