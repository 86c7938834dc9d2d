"""A researcher registers a dataset in the browser: the FAIR panel rises as the form is
filled in, publishing works, and the dataset is found through a facet."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Visit
from tests.browser.test_my_catalogue import log_in_as


def fair_score(page: Page) -> float:
    text = page.locator("#fair-panel .figure").inner_text()
    return float(text.rstrip("%"))


def test_register_watch_the_fair_panel_publish_and_find_it(visit: Visit) -> None:
    page = log_in_as(visit, "Anna de Vries (researcher)")
    page.get_by_role("link", name="My catalogue").click()
    page.get_by_role("link", name="Register a dataset").click()
    expect(page.get_by_role("heading", name="Register a dataset")).to_be_visible()
    visit.screenshot("register-dataset")
    assert visit.accessibility_problems() == []
    before = fair_score(page)

    page.get_by_label("Title", exact=False).first.fill("Sleep diaries of shift workers")
    page.get_by_label("Description", exact=False).first.fill(
        "Two weeks of sleep diaries from 120 nurses."
    )
    page.get_by_role("group", name="Innovation themes").get_by_label("Neuroscience").check()
    page.get_by_role("group", name="Creator 1").get_by_label("Name (Family, Given)").fill(
        "Jansen, Anna"
    )
    page.get_by_label("Licence", exact=True).fill("CC-BY-4.0")
    page.get_by_label("Where the data is (URL)").fill("https://dataverse.nl/sleep.csv")
    page.locator("#distributions-0-format").fill("CSV")

    expect(page.locator("#fair-panel .figure")).not_to_have_text(f"{before:.0f}%")
    assert fair_score(page) > before  # the panel rose as fields were filled, unsaved

    page.get_by_role("button", name="Save and publish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sleep diaries of shift workers")

    visit.go("/search")
    page.get_by_role("group", name="Innovation theme").get_by_label("Neuroscience").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(
        page.get_by_role("link", name=re.compile("Sleep diaries of shift workers"))
    ).to_be_visible()
