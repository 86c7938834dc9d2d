"""A researcher's own corner, in a browser: log in, see my records, make a token (shown
once) and revoke it, end a session left open elsewhere."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Visit


def log_in_as(visit: Visit, person: str) -> Page:
    """The development login, as a newcomer on the demo would use it."""
    page = visit.go("/")
    page.get_by_role("link", name="Log in").click()
    page.get_by_label(person).check()
    page.get_by_role("button", name="Log in").click()
    return page


def test_a_token_is_created_shown_once_used_and_revoked(visit: Visit) -> None:
    page = log_in_as(visit, "Anna de Vries (researcher)")
    page.get_by_role("link", name="My catalogue").click()
    expect(page.get_by_role("heading", name="My catalogue", level=1)).to_be_visible()
    visit.screenshot("my-catalogue")
    assert visit.accessibility_problems() == []

    page.get_by_label("Name").fill("analysis script")
    page.get_by_label("change records").check()
    page.get_by_role("button", name="Create a token").click()

    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    secret = page.get_by_label("Your new token").input_value()
    bearer = {"Authorization": f"Bearer {secret}"}
    me = requests.get(f"{visit.base}/api/me", headers=bearer, timeout=10)
    assert me.status_code == 200 and me.json()["name"] == "Anna de Vries (researcher)"
    assert "write" in me.json()["scopes"]

    # The secret is in that one answer only (not kept anywhere to show again): coming back
    # to the page, it is gone. (Reloading that answer would post the form again: the
    # browser asks first.)
    visit.go("/me")
    expect(page.get_by_label("Your new token")).to_have_count(0)
    page.get_by_role("button", name="Revoke analysis script").click()
    expect(page.get_by_role("button", name="Revoke analysis script")).to_have_count(0)
    assert requests.get(f"{visit.base}/api/me", headers=bearer, timeout=10).status_code == 401


def test_my_catalogue_asks_a_visitor_to_log_in_first(visit: Visit) -> None:
    page = visit.go("/me")
    expect(page.get_by_role("heading", name="Development login")).to_be_visible()
    page.get_by_label("Bram Bakker (researcher)").check()
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My catalogue", level=1)).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def test_a_session_left_open_on_a_phone_is_ended_from_the_laptop(
    visit: Visit, browser: Browser, live_url: str
) -> None:
    phone_context = browser.new_context(user_agent=PHONE, locale="en-GB")
    try:
        phone = Visit(phone_context.new_page(), live_url)
        log_in_as(phone, "Anna de Vries (researcher)")
        page = log_in_as(visit, "Anna de Vries (researcher)")
        page.get_by_role("link", name="My catalogue").click()
        sessions = page.get_by_role("table", name="Open sessions")
        expect(sessions.get_by_role("row")).to_have_count(3)  # the header and two sessions
        expect(sessions.get_by_text("this browser")).to_have_count(1)
        expect(sessions.get_by_text("Safari on iPhone")).to_be_visible()
        page.get_by_role("heading", name="Where I am logged in").scroll_into_view_if_needed()
        visit.screenshot("my-sessions")
        assert visit.accessibility_problems() == []

        page.get_by_role("button", name=re.compile("^End the session of Safari on iPhone")).click()

        expect(page.get_by_text("1 session ended.")).to_be_visible()
        expect(sessions.get_by_text("Safari on iPhone")).to_have_count(0)
        phone.go("/me")  # logged out at once: My catalogue asks to log in again
        expect(phone.page.get_by_role("heading", name="Development login")).to_be_visible()
        visit.go("/me")
        expect(page.get_by_role("heading", name="My catalogue", level=1)).to_be_visible()
    finally:
        phone_context.close()
