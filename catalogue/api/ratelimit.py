"""In-process counters for the anonymous rate limit (``CATALOGUE_RATE_LIMIT_STORAGE=local://``).

The ``limits`` library's own ``memory://`` storage expires counters with a timer thread that it
starts again whenever none is running: under a steady stream of requests that is a new thread
for nearly every request, measured at 0.5 ms of CPU per request (a tenth of what a search costs
the app).  These counters expire lazily instead: a window whose time is up reads as empty, and
the keys of ended windows are swept at most once a minute by a call that holds the lock anyway.

Only the fixed-window strategy (Flask-Limiter's default, the one the catalogue uses) is served.
Counters are per process, like ``memory://``: several processes need a shared storage such as
Redis to share one limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from limits.storage import Storage

SWEEP_EVERY = 60.0  # seconds between sweeps of ended windows


class LocalCounters(Storage):
    STORAGE_SCHEME = ["local"]  # noqa: RUF012  (the registry of limits reads it as it is)

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._windows: dict[str, tuple[int, float]] = {}  # key -> (count, window ends at)
        self._lock = threading.Lock()
        self._next_sweep = 0.0
        self.clock: Callable[[], float] = time.time

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = self.clock()
        with self._lock:
            if now >= self._next_sweep:
                self._windows = {k: w for k, w in self._windows.items() if w[1] > now}
                self._next_sweep = now + SWEEP_EVERY
            count, ends = self._windows.get(key, (0, now))
            if ends <= now:  # no window yet, or it ended: a new one starts now
                count, ends = 0, now + expiry
            self._windows[key] = (count + amount, ends)
            return count + amount

    def get(self, key: str) -> int:
        count, ends = self._windows.get(key, (0, 0.0))
        return count if ends > self.clock() else 0

    def get_expiry(self, key: str) -> float:
        now = self.clock()
        _, ends = self._windows.get(key, (0, now))
        return max(ends, now)

    def check(self) -> bool:
        return True

    def reset(self) -> int | None:
        with self._lock:
            cleared = len(self._windows)
            self._windows = {}
        return cleared

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)
