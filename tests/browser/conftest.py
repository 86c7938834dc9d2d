"""Pages in a real browser: Debian's Chromium driven by Playwright, against the catalogue
served over HTTP from a thread, on the real PostgreSQL and Elasticsearch of the integration
tests (their fixtures are shared here).

Every request a page makes is recorded; a test fails if any leaves 127.0.0.1 (no CDN, no
fonts, no analytics). Screenshots go to ``var/screenshots/`` (git-ignored) for people to look
at; axe-core (shipped by ``axe-playwright-python``) checks accessibility offline.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from werkzeug.serving import make_server

from tests.integration.conftest import (  # noqa: F401 - fixtures shared with the integration tests
    _empty_tables,
    app,
    es_url,
    index_prefix,
    pg_url,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# Without these Chromium tries to reach Google's services and stalls on a machine offline.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = {"desktop": 1280, "phone": 390}


def chromium_path() -> str:
    found = os.environ.get("CATALOGUE_TEST_CHROMIUM") or shutil.which("chromium")
    if not found:
        pytest.fail("No Chromium: install Debian's chromium package (scripts/test.sh does).")
    return found


@pytest.fixture(scope="session")
def live_url(app: Flask) -> Iterator[str]:  # noqa: F811 - the shared fixture
    """The catalogue served over real HTTP on 127.0.0.1, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
    yield launched
    launched.close()


class Visit:
    """A browser tab that remembers every URL it requested."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.requested: list[str] = []
        page.on("request", lambda request: self.requested.append(request.url))

    def go(self, path: str) -> Page:
        self.page.goto(self.base + path)
        return self.page

    def outside(self) -> list[str]:
        return [
            url
            for url in self.requested
            if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and urlsplit(url).hostname != "127.0.0.1"
        ]

    def screenshot(self, name: str) -> None:
        """The current page at desktop and phone width, for people to look at."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        width_before = self.page.viewport_size or {"width": 1280, "height": 900}
        for label, width in WIDTHS.items():
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=SCREENSHOTS / f"{name}-{label}.png", full_page=True)
        self.page.set_viewport_size(width_before)

    def accessibility_problems(self) -> list[str]:
        """axe-core's violations on the current page: all of them, not only the serious and
        critical ones the issue asks for (moderate ones such as two landmarks with the same
        name are cheap to fix while the pages are young)."""
        results = Axe().run(self.page)
        return [
            f"{violation['id']} ({violation['impact']}): {violation['help']} - "
            + "; ".join(str(node["target"][0]) for node in violation["nodes"][:3])
            for violation in results.response["violations"]
        ]


@pytest.fixture()
def visit(browser: Browser, live_url: str) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    tab = Visit(context.new_page(), live_url)
    yield tab
    context.close()
    assert tab.outside() == [], f"requests left 127.0.0.1: {tab.outside()}"
