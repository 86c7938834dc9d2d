"""A librarian corrects a publication's Open Access status from a worklist, and the
dashboard's figure changes accordingly."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import Visit
from tests.browser.test_my_catalogue import log_in_as
from tests.browser.test_reading import publish
from tests.integration.conftest import minimal_publication


def open_share(visit: Visit, year: int) -> str:
    page = visit.go("/open-access?scope=all")
    row = page.get_by_role("row", name=re.compile(rf"^{year}\b"))
    return row.get_by_role("cell").nth(-3).inner_text()  # the "Open" column


def test_a_correction_from_the_worklist_changes_the_dashboard(visit: Visit, app: Flask) -> None:
    publish(
        app,
        "publications",
        # Nothing says whether it is free to read: it lands on the "unknown" worklist.
        minimal_publication(title="An unclear article", publisher_free_to_read=None),
    )
    page = log_in_as(visit, "Lotte Jansen (librarian)")
    before = open_share(visit, 2023)

    visit.go("/worklists/unknown")
    page.get_by_text("Correct the status").click()
    page.get_by_label("Status (international)").select_option("green")
    page.get_by_label("Category (Dutch monitor)").select_option("green")
    page.get_by_label("Evidence (URL)").fill("https://repository.example.org/handle/1887/1")
    page.get_by_label("Note").fill("Accepted manuscript in the institutional repository.")
    visit.screenshot("worklist-correction")
    assert visit.accessibility_problems() == []
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_text("The correction was saved.")).to_be_visible()

    assert (before, open_share(visit, 2023)) == ("0.0%", "100.0%")
