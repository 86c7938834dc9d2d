"""Registering and editing records with the pages' form (no JavaScript): what is saved, the
errors next to their fields with nothing lost, and the 412 flow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from catalogue.adapters.enrichment.jobs import Enricher
from tests.fake_services import fake_services, stand_in_enricher
from tests.integration.conftest import as_user

PAGE = {"Accept": "text/html"}


def dataset_form(**changes: str | list[str]) -> dict[str, Any]:
    form: dict[str, Any] = {
        "title": "Sleep diaries of shift workers",
        "description": "Two weeks of sleep diaries from 120 nurses on rotating shifts.",
        "keywords": "sleep, shift work",
        "themes": ["neuroscience"],
        "departments": ["neurology"],
        "creators-0-name": "Jansen, Anna",
        "creators-0-orcid": "0000-0002-1825-0097",
        "creators-0-affiliation": "LUMC",
        "creators-0-ror": "05xvt9f17",
        "license": "CC-BY-4.0",
        "access_right": "open",
        "distributions-0-access_url": "https://dataverse.nl/sleep.csv",
        "distributions-0-format": "CSV",
        "distributions-0-byte_size": "2048",
        "action": "save",
    }
    form.update(changes)
    return form


def test_a_dataset_registered_by_form_is_saved_as_the_api_would(client: FlaskClient) -> None:
    headers = {**PAGE, **as_user("anna")}

    saved = client.post("/records/new?kind=dataset", data=dataset_form(), headers=headers)

    assert saved.status_code == 303
    record_id = saved.headers["Location"].rsplit("/", 1)[1]
    record = client.get(f"/api/datasets/{record_id}", headers=as_user("anna")).json
    assert record["status"] == "draft" and record["title"] == "Sleep diaries of shift workers"
    assert record["keywords"] == ["sleep", "shift work"]
    assert record["creators"][0]["affiliations"][0]["ror"] == "https://ror.org/05xvt9f17"
    assert record["distributions"][0]["byte_size"] == 2048


def test_errors_are_shown_next_to_their_fields_and_nothing_typed_is_lost(
    client: FlaskClient,
) -> None:
    headers = {**PAGE, **as_user("anna")}
    form = dataset_form(**{"creators-0-orcid": "0000-0002-1825-0098", "title": "Kept title"})

    refused = client.post("/records/new?kind=dataset", data=form, headers=headers)

    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="creators-0-orcid-error"' in page and 'aria-invalid="true"' in page
    assert 'value="Kept title"' in page and 'value="https://dataverse.nl/sleep.csv"' in page
    assert client.get("/api/datasets?owner=me", headers=as_user("anna")).json["total"] == 0


def test_publishing_from_the_form_checks_what_publishing_needs(client: FlaskClient) -> None:
    headers = {**PAGE, **as_user("anna")}
    incomplete = dataset_form(themes=[], action="publish")

    refused = client.post("/records/new?kind=dataset", data=incomplete, headers=headers)

    assert refused.status_code == 422 and 'id="themes-error"' in refused.get_data(as_text=True)
    done = client.post(
        "/records/new?kind=dataset", data=dataset_form(action="publish"), headers=headers
    )
    assert done.status_code == 303
    record_id = done.headers["Location"].rsplit("/", 1)[1]
    assert client.get(f"/api/datasets/{record_id}").json["status"] == "published"


def test_a_stale_edit_keeps_what_was_typed_and_names_what_differs(client: FlaskClient) -> None:
    headers = {**PAGE, **as_user("anna")}
    record_id = (
        client.post("/records/new?kind=dataset", data=dataset_form(), headers=headers)
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    form_page = client.get(f"/records/{record_id}/edit", headers=headers).get_data(as_text=True)
    assert 'name="revision" value="1"' in form_page
    # Someone else saves first, through the API.
    theirs = client.get(f"/api/datasets/{record_id}", headers=as_user("anna")).json
    body = {key: theirs[key] for key in ("title", "description", "creators", "themes", "license")}
    client.put(
        f"/api/datasets/{record_id}",
        json={**body, "title": "Their title"},
        headers=as_user("anna", **{"If-Match": '"1"'}),
    )

    stale = client.post(
        f"/records/{record_id}/edit",
        data=dataset_form(title="My title", revision="1"),
        headers=headers,
    )

    assert stale.status_code == 412
    page = stale.get_data(as_text=True)
    assert 'value="My title"' in page and "title" in page and 'name="revision" value="2"' in page
    again = client.post(
        f"/records/{record_id}/edit",
        data=dataset_form(title="My title", revision="2"),
        headers=headers,
    )
    assert again.status_code == 303
    assert (
        client.get(f"/api/datasets/{record_id}", headers=as_user("anna")).json["title"]
        == "My title"
    )


def test_the_live_fair_panel_assesses_the_unsaved_form(client: FlaskClient) -> None:
    headers = {**PAGE, **as_user("anna")}
    bare = client.post("/records/check", data={"title": "x"}, headers=headers).get_data(
        as_text=True
    )
    full = client.post("/records/check", data=dataset_form(), headers=headers).get_data(
        as_text=True
    )

    def score(html: str) -> float:
        return float(html.split('<p class="figure">')[1].split("%")[0])

    assert score(full) > score(bare)
    assert "What to add next" in bare


def test_others_cannot_open_the_edit_form(client: FlaskClient) -> None:
    record_id = (
        client.post(
            "/records/new?kind=dataset", data=dataset_form(), headers={**PAGE, **as_user("anna")}
        )
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    other = client.get(f"/records/{record_id}/edit", headers={**PAGE, **as_user("bram")})
    assert other.status_code == 404  # a draft of someone else does not exist for them


def test_new_version_and_withdrawal_from_the_record_page(client: FlaskClient) -> None:
    headers = {**PAGE, **as_user("anna")}
    record_id = (
        client.post(
            "/records/new?kind=dataset", data=dataset_form(action="publish"), headers=headers
        )
        .headers["Location"]
        .rsplit("/", 1)[1]
    )
    page = client.get(f"/records/{record_id}", headers=headers).get_data(as_text=True)
    assert "Start a new version" in page and "Withdraw this record" in page

    started = client.post(f"/records/{record_id}/new-version", headers=headers)
    assert started.status_code == 303 and started.headers["Location"].endswith("/edit")
    again = client.post(f"/records/{record_id}/new-version", headers=headers)
    assert again.status_code == 409 and "already open" in again.get_data(as_text=True)

    revision = str(client.get(f"/api/datasets/{record_id}").json["revision"])
    no_reason = client.post(
        f"/records/{record_id}/withdraw", data={"revision": revision}, headers=headers
    )
    assert no_reason.status_code == 422 and "readers will see it" in no_reason.get_data(
        as_text=True
    )
    gone = client.post(
        f"/records/{record_id}/withdraw",
        data={"revision": revision, "reason": "Participants withdrew consent."},
        headers=headers,
    )
    assert gone.status_code == 303
    assert client.get(f"/records/{record_id}", headers=PAGE).status_code == 410


def test_add_a_row_adds_one_row_and_saves_nothing(client: FlaskClient) -> None:
    headers = {**PAGE, **as_user("anna")}
    fresh = client.get("/records/new?kind=dataset", headers=headers).get_data(as_text=True)
    assert 'name="creators-0-name"' in fresh and 'name="creators-1-name"' not in fresh

    once = client.post(
        "/records/new?kind=dataset",
        data=dataset_form(action="add-creators"),
        headers=headers,
    ).get_data(as_text=True)
    assert 'name="creators-1-name"' in once and 'name="creators-2-name"' not in once
    assert 'value="Jansen, Anna"' in once  # what was typed stays
    twice = client.post(
        "/records/new?kind=dataset",
        data=dataset_form(action="add-creators", **{"creators-1-name": ""}),
        headers=headers,
    ).get_data(as_text=True)
    assert 'name="creators-2-name"' in twice and 'name="creators-3-name"' not in twice
    assert client.get("/api/datasets?owner=me", headers=as_user("anna")).json["total"] == 0


@pytest.fixture
def enricher(app: Flask) -> Iterator[Enricher]:
    """An enrichment worker asking the local stand-in for Crossref and the other services."""
    with fake_services() as services:
        services.crossref.add(DOI)
        yield stand_in_enricher(app.extensions["catalogue"], services)


DOI = "10.1234/jhr.2024.001"


def run_jobs(enricher: Enricher) -> None:
    while (job_id := enricher.claim()) is not None:
        enricher.run(job_id)


def test_a_publication_started_from_its_doi_alone_is_filled_by_the_enrichment_job(
    client: FlaskClient, enricher: Enricher
) -> None:
    headers = {**PAGE, **as_user("anna")}
    form = {"doi": f"https://doi.org/{DOI.upper()}", "action": "fill"}

    started = client.post("/records/new?kind=publication", data=form, headers=headers)

    assert started.status_code == 303
    waiting_at = started.headers["Location"]
    assert "/edit?job=" in waiting_at
    waiting = client.get(waiting_at, headers=headers).get_data(as_text=True)
    assert "Filling the empty fields from the DOI" in waiting and "data-waiting" in waiting
    run_jobs(enricher)
    filled = client.get(waiting_at, headers=headers).get_data(as_text=True)
    assert "Filled from the DOI" in filled
    assert 'value="Migraine in a multi-centre European cohort"' in filled
    assert 'value="Journal of Headache Research"' in filled and 'value="2049-3630"' in filled
    record_id = waiting_at.split("/")[-2]
    record = client.get(f"/api/publications/{record_id}", headers=as_user("anna")).json
    assert record["status"] == "draft" and record["doi"] == DOI
    assert record["title"] == "Migraine in a multi-centre European cohort"


def test_filling_from_the_doi_keeps_what_the_person_typed(
    client: FlaskClient, enricher: Enricher
) -> None:
    headers = {**PAGE, **as_user("anna")}
    form = {"doi": DOI, "title": "My own title", "journal-title": "", "action": "fill"}

    started = client.post("/records/new?kind=publication", data=form, headers=headers)
    run_jobs(enricher)

    record_id = started.headers["Location"].split("/")[-2]
    record = client.get(f"/api/publications/{record_id}", headers=as_user("anna")).json
    assert record["title"] == "My own title"
    assert record["journal"]["title"] == "Journal of Headache Research"


def test_filling_needs_a_doi_and_says_so_beside_the_field(client: FlaskClient) -> None:
    headers = {**PAGE, **as_user("anna")}

    refused = client.post(
        "/records/new?kind=publication",
        data={"title": "No DOI yet", "action": "fill"},
        headers=headers,
    )

    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert 'id="doi-error"' in page and 'value="No DOI yet"' in page
    assert client.get("/api/publications?owner=me", headers=as_user("anna")).json["total"] == 0


def test_another_persons_job_is_not_followed_on_the_form(
    client: FlaskClient, enricher: Enricher
) -> None:
    headers = {**PAGE, **as_user("anna")}
    started = client.post(
        "/records/new?kind=publication", data={"doi": DOI, "action": "fill"}, headers=headers
    )
    job_id = started.headers["Location"].rsplit("=", 1)[1]
    record_id = started.headers["Location"].split("/")[-2]
    other = client.post(
        "/api/publications",
        json={"title": "Bram's", "resource_type": "JournalArticle"},
        headers=as_user("bram"),
    ).json["id"]

    page = client.get(f"/records/{other}/edit?job={job_id}", headers={**PAGE, **as_user("bram")})

    assert page.status_code == 200 and "fill-job" not in page.get_data(as_text=True)
    mine = client.get(f"/records/{record_id}/edit?job={job_id}", headers=headers)
    assert 'id="fill-job"' in mine.get_data(as_text=True)  # where it belongs, it shows


def test_a_librarian_queues_an_enrichment_job_and_follows_it_on_a_page(
    client: FlaskClient, enricher: Enricher
) -> None:
    librarian = {**PAGE, **as_user("lisa", "librarian")}
    client.post(
        "/records/new?kind=publication",
        data={"doi": DOI, "title": "T", "action": "save"},
        headers={**PAGE, **as_user("anna")},
    )

    queued = client.post("/enrichment", data={"kind": "publication"}, headers=librarian)

    assert queued.status_code == 303 and "queued=" in queued.headers["Location"]
    page = client.get(queued.headers["Location"], headers=librarian).get_data(as_text=True)
    assert "is queued" in page and "waiting for a worker" in page
    run_jobs(enricher)
    page = client.get("/enrichment", headers=librarian).get_data(as_text=True)
    assert "<td>done</td>" in page and 'value="1"' in page  # one of one processed
    researcher = {**PAGE, **as_user("anna")}
    assert 'name="kind"' not in client.get("/enrichment", headers=researcher).get_data(as_text=True)
    refused = client.post("/enrichment", data={"kind": "publication"}, headers=researcher)
    assert "problem=" in refused.headers["Location"]
