"""Restricted data in the browser: a researcher asks with a purpose, a data steward
approves until a day, and the requester then sees the link that was hidden and until when;
the steward revokes the grant and the link is gone again."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from playwright.sync_api import expect

from tests.browser.conftest import Visit
from tests.browser.test_my_catalogue import log_in_as
from tests.browser.test_reading import publish
from tests.integration.conftest import minimal_dataset

SECRET = "https://data.example.org/restricted-cohort.zip"


def test_request_approve_and_see_the_link(visit: Visit, app: Flask) -> None:
    record_id = publish(
        app,
        "datasets",
        minimal_dataset(
            title="Restricted cohort",
            access_right="restricted",
            distributions=[{"access_url": SECRET, "format": "ZIP"}],
        ),
    )
    page = log_in_as(visit, "Bram Bakker (researcher)")
    visit.go(f"/records/{record_id}")
    expect(page.get_by_role("link", name="ZIP")).to_have_count(0)
    page.get_by_role("textbox", name="Request access").fill("too short")
    page.get_by_role("button", name="Send the request").click()
    expect(page.locator("#purpose-error")).to_be_visible()  # named, and the text is kept
    expect(page.get_by_role("textbox", name="Request access")).to_have_value("too short")
    page.get_by_role("textbox", name="Request access").fill(
        "Replicating the cohort analysis for a meta-study."
    )
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_text("Your request is waiting for a data steward")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    page = log_in_as(visit, "Sanne Visser (data steward)")
    page.get_by_role("link", name="Access requests").click()
    expect(page.get_by_text("Replicating the cohort analysis for a meta-study.")).to_be_visible()
    visit.screenshot("access-requests")
    assert visit.accessibility_problems() == []
    last_day = (date.today() + timedelta(days=90)).isoformat()
    page.get_by_label("Access until (the last day, if approved)").fill(last_day)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Nothing waits for a decision.")).to_be_visible()
    expect(page.get_by_role("cell", name=last_day)).to_be_visible()
    visit.screenshot("access-granted")
    page.get_by_role("button", name="Log out").click()

    page = log_in_as(visit, "Bram Bakker (researcher)")
    visit.go(f"/records/{record_id}")
    expect(page.get_by_role("link", name="ZIP")).to_have_attribute("href", SECRET)
    visit.go("/me")
    expect(page.get_by_text(f"approved, until {last_day}")).to_be_visible()
    visit.screenshot("my-access-requests")
    page.get_by_role("button", name="Log out").click()

    page = log_in_as(visit, "Sanne Visser (data steward)")
    page.get_by_role("link", name="Access requests").click()
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("cell", name="revoked")).to_be_visible()
    expect(page.get_by_role("button", name="Revoke")).to_have_count(0)
    page.get_by_role("button", name="Log out").click()

    page = log_in_as(visit, "Bram Bakker (researcher)")
    visit.go(f"/records/{record_id}")
    expect(page.get_by_role("link", name="ZIP")).to_have_count(0)
    visit.go("/me")
    expect(page.get_by_text("revoked: ask again to use the data")).to_be_visible()
