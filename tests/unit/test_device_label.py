"""A session is shown by its browser and system, told apart from a User-Agent string."""

from __future__ import annotations

import pytest

from catalogue.web.labels import device_label

CHROME = "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"


@pytest.mark.parametrize(
    ("agent", "shown"),
    [
        (f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) {CHROME} Edg/131.0.0.0", "Edge on Windows"),
        (f"Mozilla/5.0 (X11; Linux x86_64) {CHROME}", "Chrome on Linux"),
        (f"Mozilla/5.0 (Linux; Android 14; Pixel 8) {CHROME}", "Chrome on Android"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.6; rv:132.0) Gecko/20100101 Firefox/132.0",
         "Firefox on macOS"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
         " (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
        ("curl/8.5.0", "curl/8.5.0"),
        (None, "unknown browser"),
    ],
)  # fmt: skip
def test_a_browser_and_system_are_named(agent: str | None, shown: str) -> None:
    assert device_label(agent) == shown
