"""Reading the catalogue in a browser, as an anonymous partner does: search, narrow by
facets, open a record; every page type checked by axe-core and photographed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect

from tests.browser.conftest import SCREENSHOTS, Visit
from tests.integration.conftest import as_user, minimal_dataset, minimal_publication

HOSTILE = '<script>window.__owned = 1</script> "quoted" \u05e9\u05dc\u05d5\u05dd'


def publish(app: Flask, kind: str, body: dict[str, Any]) -> str:
    client = app.test_client()
    created = client.post(f"/api/{kind}", json=body, headers=as_user("anna"))
    assert created.status_code == 201, created.json
    done = client.post(
        f"/api/{kind}/{created.json['id']}/publish",
        headers=as_user("anna", **{"If-Match": created.headers["ETag"]}),
    )
    assert done.status_code == 200, done.json
    return str(created.json["id"])


@pytest.fixture()
def catalogue(app: Flask) -> dict[str, str]:
    return {
        "adults": publish(app, "datasets", minimal_dataset(title="Migraine diaries of adults")),
        "children": publish(
            app,
            "datasets",
            minimal_dataset(
                title="Migraine diaries of children", themes=["neuroscience", "lifecourse"]
            ),
        ),
        "article": publish(app, "publications", minimal_publication(title="Migraine and sleep")),
        "hostile": publish(
            app, "datasets", minimal_dataset(title=f"Cohort {HOSTILE}", description=HOSTILE * 3)
        ),
    }


def test_a_partner_searches_narrows_by_two_facets_and_opens_a_record(
    visit: Visit, catalogue: dict[str, str]
) -> None:
    page = visit.go("/")
    page.get_by_label("Search the catalogue").fill("migraine")
    page.get_by_role("button", name="Search").first.click()
    expect(page.get_by_role("heading", name="3 results")).to_be_visible()

    filters = page.get_by_role("complementary", name="Filters")
    filters.get_by_role("group", name="Kind").get_by_label("Dataset").check()
    filters.get_by_role("group", name="Innovation theme").get_by_label("Lifecourse").check()
    filters.get_by_role("button", name="Apply filters").click()

    expect(page.get_by_role("heading", name="1 result")).to_be_visible()
    assert "kind=dataset" in page.url and "theme=lifecourse" in page.url  # shareable
    page.get_by_role("link", name="Migraine diaries of children").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Migraine diaries of children")
    expect(page.get_by_text("Jansen, A. (2024).")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="BibTeX").click()
    bibtex = Path(download.value.path()).read_text()
    assert bibtex.startswith("@dataset{") and "Migraine diaries of children" in bibtex
    page.go_back()  # the search state comes back with the URL
    expect(page.get_by_role("heading", name="1 result")).to_be_visible()


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("home", "/"),
        ("search", "/search?q=migraine"),
        ("search-nothing", "/search?q=zzzqqq"),
        ("dataset", "/records/{adults}"),
        ("publication", "/records/{article}"),
        ("not-found", "/records/nothing-here"),
        ("open-access-dashboard", "/open-access"),
        ("fair-dashboard", "/fair"),
        ("home-dutch", "/?lang=nl"),
        ("development-login", "/auth/dev-login"),
        ("snapshots", "/snapshots"),
    ],
)
def test_every_page_type_is_accessible(
    visit: Visit, catalogue: dict[str, str], name: str, path: str
) -> None:
    visit.go(path.format(**catalogue))
    visit.screenshot(name)
    assert visit.accessibility_problems() == []


def test_text_from_records_never_runs_as_script(visit: Visit, catalogue: dict[str, str]) -> None:
    for path in ("/", "/search?q=cohort", f"/records/{catalogue['hostile']}"):
        page = visit.go(path)
        assert page.evaluate("window.__owned") is None, path
        expect(page.get_by_text("\u05e9\u05dc\u05d5\u05dd").first).to_be_visible()


def test_type_ahead_offers_titles_and_searches_the_one_chosen(
    visit: Visit, catalogue: dict[str, str]
) -> None:
    page = visit.go("/")
    box = page.get_by_role("combobox", name="Search the catalogue")
    box.press_sequentially("migr", delay=50)
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    chosen = options.first.inner_text()
    box.press("Enter")  # takes the suggestion into the box
    expect(box).to_have_value(chosen)
    box.press("Enter")  # and searches for it
    expect(page).to_have_url(re.compile(r"/search\?q="))
    assert visit.accessibility_problems() == []


def test_on_a_phone_the_results_come_before_the_folded_filters(
    browser: Browser, live_url: str, catalogue: dict[str, str]
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    page = context.new_page()
    try:
        page.goto(f"{live_url}/search?q=migraine&kind=dataset")
        results = page.get_by_role("heading", name="2 results")
        expect(results).to_be_in_viewport()  # not pushed below a screenful of checkboxes
        expect(page.get_by_text("1 chosen")).to_be_visible()
        dataset = page.get_by_role("group", name="Kind").get_by_label("Dataset")
        expect(dataset).to_be_hidden()

        page.get_by_role("heading", name=re.compile("^Filters")).click()

        expect(dataset).to_be_checked()
        page.screenshot(path=SCREENSHOTS / "search-phone-filters.png", full_page=True)
    finally:
        context.close()
