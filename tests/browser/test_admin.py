"""An administrator grants a role and ends someone's session on the administration page;
others cannot open it."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from tests.browser.conftest import Visit
from tests.browser.test_my_catalogue import log_in_as


def test_an_administrator_grants_a_role_and_it_is_audited(visit: Visit) -> None:
    page = log_in_as(visit, "Ada Smit (administrator)")
    page.get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", name="People and roles")).to_be_visible()
    visit.screenshot("administration")
    assert visit.accessibility_problems() == []

    page.get_by_label("librarian for Bram Bakker (researcher)").check()
    page.get_by_role("button", name="Save Bram Bakker (researcher)").click()

    expect(page.get_by_text("Saved.")).to_be_visible()
    expect(page.get_by_label("librarian for Bram Bakker (researcher)")).to_be_checked()
    expect(page.get_by_role("cell", name="user_changed").first).to_be_visible()

    page.get_by_role("link", name="Innovation themes").click()
    visit.screenshot("vocabulary-themes")
    assert visit.accessibility_problems() == []


def test_a_researcher_cannot_open_the_administration(visit: Visit) -> None:
    page = log_in_as(visit, "Bram Bakker (researcher)")
    expect(page.get_by_role("link", name="Administration")).to_have_count(0)
    response = page.goto(f"{visit.base}/admin")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_an_administrator_ends_someones_session(
    visit: Visit, browser: Browser, live_url: str
) -> None:
    bram_context = browser.new_context(locale="en-GB")
    try:
        bram = Visit(bram_context.new_page(), live_url)
        log_in_as(bram, "Bram Bakker (researcher)")
        page = log_in_as(visit, "Ada Smit (administrator)")
        page.get_by_role("link", name="Administration").click()
        who = page.get_by_role("heading", name="Who is logged in")
        expect(who).to_be_visible()
        who.scroll_into_view_if_needed()
        visit.screenshot("administration-sessions")

        page.get_by_role("button", name=re.compile("^End the session of Bram Bakker")).click()

        expect(page.get_by_text("The session has ended.")).to_be_visible()
        expect(
            page.get_by_role("button", name=re.compile("^End the session of Bram"))
        ).to_have_count(0)
        expect(page.get_by_role("cell", name="session_ended").first).to_be_visible()
        bram.go("/me")
        expect(bram.page.get_by_role("heading", name="Development login")).to_be_visible()
    finally:
        bram_context.close()
