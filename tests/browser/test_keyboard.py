"""Registering a dataset with the keyboard alone: every field is reached with Tab in the
order it is read, checkboxes toggle with Space, and the form submits with Enter."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Visit
from tests.browser.test_my_catalogue import log_in_as


def tab_to(page: Page, selector: str, limit: int = 250) -> list[str]:
    """Press Tab until ``selector`` has the focus; the ids passed on the way."""
    target = page.locator(selector)
    passed: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id || document.activeElement.tagName")
        passed.append(focused)
        if target.evaluate("element => element === document.activeElement"):
            return passed
    raise AssertionError(f"{selector} was not reached with Tab (passed {passed[-10:]})")


def test_register_a_dataset_with_the_keyboard_alone(visit: Visit) -> None:
    log_in_as(visit, "Anna de Vries (researcher)")
    page = visit.go("/records/new?kind=dataset")

    tab_to(page, "#title")
    page.keyboard.type("Keyboard-only cohort")
    passed = tab_to(page, "#description")
    assert passed == ["description"]  # the next field, in reading order
    page.keyboard.type("Collected and described without touching a mouse.")
    tab_to(page, "input[name=themes][value=neuroscience]")
    page.keyboard.press("Space")
    tab_to(page, "#creators-0-name")
    page.keyboard.type("Jansen, Anna")
    tab_to(page, "#license")
    page.keyboard.type("CC-BY-4.0")
    tab_to(page, "#distributions-0-access_url")
    page.keyboard.type("https://dataverse.nl/keyboard.csv")
    tab_to(page, "button[value=publish]")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Keyboard-only cohort")
    expect(page.get_by_role("heading", name="FAIR assessment")).to_be_visible()
