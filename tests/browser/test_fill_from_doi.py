"""A researcher starts a publication from its DOI alone: the draft is saved, the enrichment
job runs (a worker against the local stand-in for Crossref), and the form shows itself again
filled in, without the person reloading anything."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import Visit
from tests.browser.test_my_catalogue import log_in_as
from tests.fake_services import fake_services, stand_in_enricher

DOI = "10.1234/jhr.2024.001"


@pytest.fixture
def worker(app: Flask) -> Iterator[None]:
    """An enrichment worker running beside the served catalogue, as `catalogue worker` would."""
    with fake_services() as services:
        services.crossref.add(DOI)
        enricher = stand_in_enricher(app.extensions["catalogue"], services)
        stop = threading.Event()

        def work() -> None:
            while not stop.is_set():
                job_id = enricher.claim()
                if job_id is None:
                    stop.wait(0.2)
                else:
                    enricher.run(job_id)

        thread = threading.Thread(target=work, daemon=True)
        thread.start()
        yield
        stop.set()
        thread.join(timeout=10)


def test_a_publication_is_filled_from_its_doi(visit: Visit, worker: None) -> None:
    page = log_in_as(visit, "Anna de Vries (researcher)")
    visit.go("/records/new?kind=publication")
    page.get_by_label("DOI", exact=True).fill(f"https://doi.org/{DOI}")

    page.get_by_role("button", name="Save draft and fill from the DOI").click()

    # The page follows the job and shows the form again once the worker has filled it.
    expect(page.get_by_text("Filled from the DOI")).to_be_visible(timeout=20_000)
    expect(page.get_by_label("Title", exact=False).first).to_have_value(
        "Migraine in a multi-centre European cohort"
    )
    expect(page.get_by_label("Journal", exact=True)).to_have_value("Journal of Headache Research")
    visit.screenshot("filled-from-doi")
    assert visit.accessibility_problems() == []
