"""The in-process rate-limit counters behind ``local://``, driven through the ``limits``
fixed-window strategy, which counts as the catalogue's limit does."""

from __future__ import annotations

import threading

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from catalogue.api.ratelimit import SWEEP_EVERY, LocalCounters


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def counters() -> tuple[LocalCounters, Clock]:
    storage = storage_from_string("local://")
    assert isinstance(storage, LocalCounters)
    clock = Clock()
    storage.clock = clock
    return storage, clock


def test_a_window_allows_its_amount_then_refuses_until_it_ends() -> None:
    storage, clock = counters()
    limiter, limit = FixedWindowRateLimiter(storage), parse("3 per minute")
    assert [limiter.hit(limit, "10.0.0.1") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(limit, "10.0.0.2")  # another address counts on its own
    stats = limiter.get_window_stats(limit, "10.0.0.1")
    assert stats.remaining == 0 and stats.reset_time == clock.now + 60

    clock.now += 60
    assert limiter.hit(limit, "10.0.0.1")
    assert limiter.get_window_stats(limit, "10.0.0.1").remaining == 2


def test_ended_windows_are_swept_and_clear_and_reset_forget() -> None:
    storage, clock = counters()
    limiter, limit = FixedWindowRateLimiter(storage), parse("5 per second")
    for n in range(100):
        limiter.hit(limit, f"10.0.1.{n}")
    clock.now += SWEEP_EVERY
    limiter.hit(limit, "10.0.2.1")
    assert storage.reset() == 1  # only the live window was left

    limiter.hit(limit, "10.0.2.1")
    storage.clear(limit.key_for("10.0.2.1"))
    assert limiter.get_window_stats(limit, "10.0.2.1").remaining == 5


def test_counting_starts_no_threads() -> None:
    """``memory://`` starts a timer thread per request once the last one has fired."""
    storage, _ = counters()
    limiter, limit = FixedWindowRateLimiter(storage), parse("100000 per minute")
    before = threading.active_count()
    for _ in range(50):
        limiter.hit(limit, "10.0.0.1")
    assert threading.active_count() == before


def test_concurrent_hits_are_all_counted() -> None:
    storage, _ = counters()
    limiter, limit = FixedWindowRateLimiter(storage), parse("100000 per minute")

    def hammer() -> None:
        for _ in range(500):
            limiter.hit(limit, "10.0.0.1")

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert storage.get(limit.key_for("10.0.0.1")) == 2000
