"""The polite HTTP client, over real HTTP against the local stand-in for the services."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import urllib3.util.retry

from catalogue.adapters.enrichment.http import PoliteClient, ServiceUnavailable, user_agent
from tests.fake_services import FakeServices, Reply, fake_services

DOI = "10.1234/jhr.2024.001"
AGENT = user_agent("https://catalogue.example.org", "library@example.org")


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits urllib3's retry chooses, recorded instead of slept: what the client decided,
    not how busy the machine was."""
    chosen: list[float] = []

    class RecordingClock:  # the time module as urllib3's retry sees it, minus the sleeping
        def __getattr__(self, name: str) -> Any:
            return getattr(time, name)

        def sleep(self, seconds: float) -> None:
            chosen.append(seconds)

    monkeypatch.setattr(urllib3.util.retry, "time", RecordingClock())
    return chosen


@pytest.fixture
def services() -> Iterator[FakeServices]:
    with fake_services() as running:
        running.crossref.add(DOI)
        yield running


def client(services: FakeServices, **options: float) -> PoliteClient:
    settings = {"per_second": 100.0, "backoff": 0.05, "timeout": 2.0, **options}
    return PoliteClient(services.url, AGENT, **settings)  # type: ignore[arg-type]


def test_the_client_says_who_it_is_and_how_to_reach_us(services: FakeServices) -> None:
    answer = client(services).get(f"/works/{DOI}")

    assert answer.status == 200
    assert answer.body["message"]["DOI"] == DOI
    [seen] = services.seen
    assert "fair-catalogue/" in seen.headers["User-Agent"]
    assert "mailto:library@example.org" in seen.headers["User-Agent"]


def test_server_errors_are_retried_with_backoff(services: FakeServices, waits: list[float]) -> None:
    services.script["/works/"] = [Reply(503), Reply(502), Reply(500)]

    answer = client(services).get(f"/works/{DOI}")

    assert answer.status == 200
    assert len(services.seen) == 4
    assert len(waits) >= 2 and waits == sorted(waits) and waits[-1] > waits[0]  # backing off


def test_a_throttled_client_waits_as_long_as_it_is_told(
    services: FakeServices, waits: list[float]
) -> None:
    services.script["/works/"] = [Reply(429, headers={"Retry-After": "7"})]

    answer = client(services).get(f"/works/{DOI}")

    assert answer.status == 200
    assert waits == [7.0]


def test_a_very_long_retry_after_is_capped(services: FakeServices, waits: list[float]) -> None:
    services.script["/works/"] = [Reply(503, headers={"Retry-After": "3600"})]

    answer = client(services, max_retry_after=0.2).get(f"/works/{DOI}")

    assert answer.status == 200
    assert waits == [0.2]  # not an hour: a job cannot stall on one answer


def test_a_service_that_keeps_failing_is_reported_unavailable(services: FakeServices) -> None:
    services.script["/works/"] = [Reply(500) for _ in range(10)]

    with pytest.raises(ServiceUnavailable, match="500"):
        client(services, retries=2).get(f"/works/{DOI}")
    assert len(services.seen) == 3  # the first try and two retries, then it gives up


def test_a_slow_service_times_out(services: FakeServices, waits: list[float]) -> None:
    services.script["/works/"] = [Reply(200, {}, delay=3) for _ in range(3)]

    with pytest.raises(ServiceUnavailable, match="timed out"):
        client(services, timeout=0.3, retries=1).get(f"/works/{DOI}")
    # Two tries each given up after the timeout, not the service's three seconds each.
    assert len(services.seen) == 2


def test_an_unknown_doi_is_an_answer_not_a_failure(services: FakeServices) -> None:
    answer = client(services).get("/works/10.9999/unknown")
    assert answer.status == 404
    assert len(services.seen) == 1  # 404 is not retried


def test_requests_are_spaced_to_the_services_rate(services: FakeServices) -> None:
    polite = client(services, per_second=10.0)

    for _ in range(5):
        polite.get(f"/works/{DOI}")

    times = [seen.at for seen in services.seen]
    assert times[-1] - times[0] >= 0.35  # five requests at ten a second: four gaps of 0.1 s
