"""Two people edit the same record: the one who saves second is told, keeps what they
typed, sees which fields differ, and decides."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import Visit
from tests.browser.test_my_catalogue import log_in_as


def test_the_second_save_gets_the_412_flow_and_loses_nothing(visit: Visit) -> None:
    first = log_in_as(visit, "Anna de Vries (researcher)")
    visit.go("/records/new?kind=dataset")
    first.get_by_label("Title", exact=False).first.fill("Shared draft")
    first.get_by_role("button", name="Save draft", exact=True).click()
    record_id = first.url.rstrip("/").rsplit("/", 1)[1]
    # Anna opens the form in two tabs, as two people would (or as she would, forgetting one).
    visit.go(f"/records/{record_id}/edit")
    second = first.context.new_page()
    second.goto(f"{visit.base}/records/{record_id}/edit")

    first.get_by_label("Title", exact=False).first.fill("Title from the first tab")
    first.get_by_role("button", name="Save draft", exact=True).click()
    expect(first.get_by_role("heading", level=1)).to_have_text("Title from the first tab")

    second.get_by_label("Keywords").fill("typed, in the second tab")
    second.get_by_role("button", name="Save draft", exact=True).click()

    expect(second.get_by_text("Someone else saved this record")).to_be_visible()
    expect(second.get_by_label("Keywords")).to_have_value("typed, in the second tab")
    expect(second.get_by_text("It differs from yours in:")).to_contain_text("title")
    second.get_by_role("button", name="Save draft", exact=True).click()  # knowingly: keep mine
    expect(second.get_by_role("heading", level=1)).to_have_text("Shared draft")
